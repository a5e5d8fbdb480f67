"""The command line: replay captures, --ignore-completed, --live, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deltasnap.cli import main

from conftest import MESSAGE_STREAMS, expected, stream_path


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``deltasnap replay ARGS``; return exit code, stdout, stderr."""
    code = main(["replay", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", MESSAGE_STREAMS)
@pytest.mark.parametrize("flags", [[], ["--ignore-completed"]])
def test_replay_matches_expected(
    capsys: pytest.CaptureFixture[str], name: str, flags: list[str]
) -> None:
    """Every capture replays to its expected JSON, with and without --ignore-completed."""
    code, out, err = replay(capsys, str(stream_path(name)), *flags)
    assert code == 0, err
    assert json.loads(out) == expected(name)
    assert err == ""


def test_sample_and_module_entry_point() -> None:
    """``python -m deltasnap replay --sample`` prints the bundled sample's messages."""
    proc = subprocess.run(
        [sys.executable, "-m", "deltasnap", "replay", "--sample"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    messages = json.loads(proc.stdout)
    assert list(messages) == ["msg_r", "msg_a", "msg_b"]


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """'-' reads the capture from standard input."""
    import io

    fake = io.TextIOWrapper(io.BytesIO(stream_path("refusal").read_bytes()))
    monkeypatch.setattr("sys.stdin", fake)
    code, out, _ = replay(capsys, "-")
    assert code == 0
    assert json.loads(out) == expected("refusal")


def test_live_prints_text_then_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """--live streams the text as it arrives and ends with a summary."""
    code, out, _ = replay(capsys, str(stream_path("two-messages")), "--live")
    assert code == 0
    assert "alpha " in out and "three" in out
    assert "msg_a: completed (text)" in out


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A missing file exits 1 with a clear message."""
    code, _, err = replay(capsys, str(tmp_path / "nope.sse"))
    assert code == 1
    assert "cannot read" in err


def test_truncated_stream_exit_3(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A truncated capture prints what arrived, warns, and exits 3."""
    data = stream_path("basic").read_bytes()
    cut = tmp_path / "cut.sse"
    cut.write_bytes(data[: data.index(b"event: thread.message.completed")])
    code, out, err = replay(capsys, str(cut))
    assert code == 3
    assert json.loads(out)["msg_1"]["status"] == "in_progress"
    assert "truncated" in err


def test_strict_bad_json_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--strict stops at a bad event with exit 1 and says where it was."""
    bad = tmp_path / "bad.sse"
    bad.write_bytes(stream_path("basic").read_bytes().replace(b'"value": ","}', b'"value": ","', 1))
    code, out, err = replay(capsys, str(bad), "--strict")
    assert code == 1
    assert "event_number=4" in err
    assert json.loads(out)["msg_1"]["content"][0]["text"]["value"] == "Hello"
    code, _, err = replay(capsys, str(bad))
    assert code == 3 and "skipped_event" in err


@pytest.mark.parametrize("flags", [[], ["--ignore-completed"]])
def test_run_steps_flag(capsys: pytest.CaptureFixture[str], flags: list[str]) -> None:
    """--run-steps prints {step_id: run_step} matching the capture's expected steps."""
    code, out, err = replay(capsys, str(stream_path("run-steps")), "--run-steps", *flags)
    assert code == 0, err
    assert json.loads(out) == expected("run-steps")


def test_summary_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """--summary shows the run's status sequence and the tool call for a person."""
    code, out, _ = replay(capsys, str(stream_path("run-steps")), "--summary")
    assert code == 0
    assert "requires_action" in out
    assert "get_weather" in out


def test_serve_subcommand_help(capsys: pytest.CaptureFixture[str]) -> None:
    """``deltasnap serve --help`` is wired to the replay server's command line."""
    assert main(["serve", "--help"]) == 0
    assert "deltasnap serve" in capsys.readouterr().out


def test_lone_surrogate_does_not_crash(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A \\ud800 escape in the stream still prints valid JSON (escaped) and exits 0."""
    data = stream_path("basic").read_bytes().replace(b'{"value": ","}', b'{"value": ",\\ud800"}')
    path = tmp_path / "surrogate.sse"
    path.write_bytes(data)
    code, out, _ = replay(capsys, str(path), "--ignore-completed")
    assert code in (0, 3)
    assert json.loads(out)["msg_1"]["content"][0]["text"]["value"].startswith("Hello,\ud800")
