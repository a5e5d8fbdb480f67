"""The command line: replay captures, --ignore-completed, --live, exit codes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import deltasnap
from deltasnap.cli import main

from conftest import MESSAGE_STREAMS, expected, stream_path

SRC = Path(deltasnap.__file__).resolve().parents[1]  # the sources under test


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


# ------------------------------------------------------------------ flags and formats


def _sse(*events: tuple[str, dict[str, object]]) -> bytes:
    """A capture of ``events`` (name, data), ending with ``done``."""
    body = b"".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events
    )
    return body + b"event: done\ndata: [DONE]\n\n"


def _step(sid: str, status: str = "in_progress", **details: object) -> dict[str, object]:
    return {
        "id": sid,
        "object": "thread.run.step",
        "type": "tool_calls",
        "status": status,
        "run_id": "run_1",
        "thread_id": "thread_1",
        "step_details": {"type": "tool_calls", "tool_calls": [], **details},
    }


def _step_delta(sid: str, *calls: dict[str, object]) -> dict[str, object]:
    return {
        "id": sid,
        "object": "thread.run.step.delta",
        "delta": {"step_details": {"type": "tool_calls", "tool_calls": list(calls)}},
    }


CODE_RUN = _sse(
    ("thread.run.step.created", _step("step_c")),
    (
        "thread.run.step.delta",
        _step_delta(
            "step_c",
            {"index": 0, "type": "code_interpreter", "id": "call_c", "code_interpreter": {}},
        ),
    ),
    (
        "thread.run.step.delta",
        _step_delta(
            "step_c",
            {"index": 0, "type": "code_interpreter", "code_interpreter": {"input": "print(6 * 7)"}},
        ),
    ),
    (
        "thread.run.step.delta",
        _step_delta(
            "step_c",
            {
                "index": 0,
                "type": "code_interpreter",
                "code_interpreter": {"outputs": [{"index": 0, "type": "logs", "logs": "42\n"}]},
            },
        ),
    ),
)


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """``deltasnap --version`` prints the package's version and exits 0."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"deltasnap {deltasnap.__version__}\n"


@pytest.mark.parametrize("name", ["two-messages", "rich"])
def test_format_jsonl_one_message_per_line(capsys: pytest.CaptureFixture[str], name: str) -> None:
    """--format jsonl prints each message as one line of JSON, in order."""
    code, out, _ = replay(capsys, str(stream_path(name)), "--format", "jsonl")
    assert code == 0
    lines = out.splitlines()
    assert [json.loads(line) for line in lines] == list(expected(name).values())


def test_format_jsonl_run_steps(capsys: pytest.CaptureFixture[str]) -> None:
    """--run-steps --format jsonl prints one step per line."""
    code, out, _ = replay(capsys, str(stream_path("run-steps")), "--run-steps", "--format", "jsonl")
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == list(expected("run-steps").values())


def test_live_jsonl_one_update_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    """--live --format jsonl prints every update as one JSON object (unset fields left out)."""
    code, out, _ = replay(capsys, str(stream_path("two-messages")), "--live", "--format", "jsonl")
    assert code == 0
    updates = [json.loads(line) for line in out.splitlines()]
    assert all({"kind", "event_number"} <= set(u) for u in updates)
    assert [u["kind"] for u in updates[-2:]] == ["done", "end"]
    text = "".join(u["text"] for u in updates if u["kind"] == "text" and u["message_id"] == "msg_a")
    assert text == "alpha beta gamma"
    assert all(None not in u.values() for u in updates)


def test_live_shows_tool_call_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """--live prints a function call's arguments as they stream, labelled with its name, and
    the run's statuses; the closing summary lists the step."""
    code, out, _ = replay(capsys, str(stream_path("run-steps")), "--live")
    assert code == 0
    assert '[step_1 #0 get_weather arguments] {"location": "Paris"}\n' in out
    assert "[run run_1: requires_action]" in out
    assert "step_1: completed (tool_calls: get_weather)" in out


def test_live_shows_code_input_and_logs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--live prints a code-interpreter call's input and its logs as they stream."""
    path = tmp_path / "code.sse"
    path.write_bytes(CODE_RUN)
    code, out, err = replay(capsys, str(path), "--live")
    assert code == 0, err
    assert "[step_c #0 code_interpreter input] print(6 * 7)\n" in out
    assert "[step_c #0 logs] 42\n" in out


def test_tool_call_only_run_prints_its_steps(capsys: pytest.CaptureFixture[str]) -> None:
    """A run with steps but no messages prints its steps by default (saying so on stderr), not
    ``{}``; --messages still prints the (empty) messages."""
    code, out, err = replay(capsys, str(stream_path("run-steps")))
    assert code == 0
    assert json.loads(out) == expected("run-steps")
    assert "no messages" in err
    code, out, err = replay(capsys, str(stream_path("run-steps")), "--messages")
    assert code == 0
    assert json.loads(out) == {}
    assert err == ""


@pytest.mark.parametrize(
    "content",
    [b"", b'{"data": [1, 2], "event": "x"}\n', bytes(range(256)) * 16, b"\n\n\r\n"],
    ids=["empty", "json", "binary", "blank-lines"],
)
def test_no_events_found(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    """Input holding no server-sent event exits 1 saying so, and prints nothing."""
    path = tmp_path / "input"
    path.write_bytes(content)
    code, out, err = replay(capsys, str(path))
    assert code == 1
    assert out == ""
    assert err == f"deltasnap: no server-sent events found in {path}\n"


@pytest.mark.parametrize(
    "flags",
    [
        ["--live", "--summary"],
        ["--summary", "--run-steps"],
        ["--live", "--run-steps"],
        ["--messages", "--run-steps"],
        ["--summary", "--format", "jsonl"],
        ["--summary", "--format", "json"],
        ["--live", "--format", "json"],
        ["--format", "jsonl", "--indent", "4"],
        ["--live", "--indent", "4"],
        ["--indent", "-1"],
        ["--format", "yaml"],
    ],
)
def test_conflicting_flags_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    """Flags that contradict each other exit 2 with a usage message instead of one being dropped."""
    code, out, err = replay(capsys, "--sample", *flags)
    assert code == 2
    assert out == ""
    assert "error: argument" in err


def test_lone_surrogates_in_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--summary prints text and tool names holding lone surrogates (split across deltas)
    escaped, instead of failing to encode them."""
    data = stream_path("basic").read_bytes().replace(b'{"value": ","}', b'{"value": ",\\ud83d"}')
    steps = stream_path("run-steps").read_bytes().replace(b"get_weather", b"get\\udc80weather")
    path = tmp_path / "surrogates.sse"
    path.write_bytes(data.replace(b"event: done\ndata: [DONE]\n\n", b"") + steps)
    code, out, err = replay(capsys, str(path), "--summary", "--ignore-completed")
    assert code in (0, 3), err
    assert "Hello,\\ud83d" in out
    assert "get\\udc80weather" in out


def test_lone_surrogates_in_jsonl(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--format jsonl keeps a lone surrogate as a JSON escape that reads back the same."""
    data = stream_path("basic").read_bytes().replace(b'{"value": ","}', b'{"value": ",\\ud800"}')
    path = tmp_path / "surrogate.sse"
    path.write_bytes(data)
    code, out, _ = replay(capsys, str(path), "--ignore-completed", "--format", "jsonl")
    assert code in (0, 3)
    assert json.loads(out)["content"][0]["text"]["value"].startswith("Hello,\ud800")


# ------------------------------------------------------------------------ progress line


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_waits_then_draws_at_most_every_interval() -> None:
    """Nothing shows before ``delay``; then one redraw per ``interval`` at most, with the bytes
    read of the total; ``finish()`` erases the line."""
    from deltasnap.cli.progress import Progress

    clock = FakeClock()
    err = io.StringIO()
    progress = Progress(err, 200_000_000, delay=1.0, interval=0.25, clock=clock)
    progress.update(1_000)
    clock.now += 0.9
    progress.update(2_000)
    assert err.getvalue() == ""
    clock.now += 0.2
    progress.update(12_300_000)
    assert err.getvalue() == "\rdeltasnap: 12.3 MB / 200.0 MB (6%)"
    clock.now += 0.1
    progress.update(13_000_000)
    assert err.getvalue().count("\r") == 1
    clock.now += 0.2
    progress.update(100_000_000)
    assert err.getvalue().endswith("\rdeltasnap: 100.0 MB / 200.0 MB (50%)")
    width = len("deltasnap: 100.0 MB / 200.0 MB (50%)")
    progress.finish()
    assert err.getvalue().endswith("(50%)\r" + " " * width + "\r")
    progress.finish()
    assert err.getvalue().endswith("(50%)\r" + " " * width + "\r")


def test_progress_without_a_total() -> None:
    """Reading a pipe (no size known) shows the bytes read alone."""
    from deltasnap.cli.progress import Progress

    err = io.StringIO()
    progress = Progress(err, None, delay=0, interval=0, clock=FakeClock())
    progress.update(1_500)
    progress.update(999)
    assert err.getvalue() == "\rdeltasnap: 1.5 KB\rdeltasnap: 999 B "


class FakeTerminal(io.StringIO):
    """Standard error as a terminal."""

    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A replay shows the progress line when standard error is a terminal (and erases it
    before the reports), not with --no-progress, and never when stderr is not a terminal."""
    from functools import partial

    from deltasnap.cli import replay as replay_module
    from deltasnap.testing.generate import generate_stream

    path = tmp_path / "big.sse"
    path.write_bytes(generate_stream(n_deltas=3_000).data)
    monkeypatch.setattr(
        replay_module, "Progress", partial(replay_module.Progress, delay=0, interval=0)
    )
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["replay", str(path)]) == 0
    shown = terminal.getvalue()
    assert f"/ {path.stat().st_size / 1000:.1f} KB (" in shown
    assert shown.endswith(" \r")
    terminal.seek(0)
    terminal.truncate()
    assert main(["replay", str(path), "--no-progress"]) == 0
    assert terminal.getvalue() == ""
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert main(["replay", str(path)]) == 0
    capsys.readouterr()


# ------------------------------------------------------------- signals, pipes, full disks


def _deltasnap(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    """Start ``python -m deltasnap ARGS`` with this checkout's sources."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.Popen([sys.executable, "-m", "deltasnap", *args], env=env, **kwargs)  # type: ignore[call-overload, no-any-return]


def test_ctrl_c_exits_130_with_one_line() -> None:
    """Ctrl-C (SIGINT) during a replay exits 130 with one line on stderr, no traceback."""
    proc = _deltasnap(
        "replay",
        "--live",
        "-",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    data = stream_path("two-messages").read_bytes()
    proc.stdin.write(data[: data.index(b"event: thread.message.completed")])
    proc.stdin.flush()
    assert proc.stdout.readline().startswith(b"[")  # the replay is under way, waiting for input
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == b"deltasnap: interrupted\n"


@pytest.fixture(scope="module")
def big_capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A capture whose output is far larger than 300 bytes."""
    from deltasnap.testing.generate import generate_stream

    path = tmp_path_factory.mktemp("big") / "big.sse"
    path.write_bytes(generate_stream(n_deltas=20_000).data)
    return path


REPLAY_FLAGS = [["--live"], ["--live", "--format", "jsonl"], [], ["--format", "jsonl"]]


@pytest.mark.parametrize("flags", REPLAY_FLAGS)
def test_stdout_without_a_reader_exits_141_quietly(big_capture: Path, flags: list[str]) -> None:
    """Standard output whose reader is gone (a closed pipe) ends the replay with 141 and nothing
    on standard error: no "cannot read", no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    proc = _deltasnap("replay", str(big_capture), *flags, stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    _, err = proc.communicate(timeout=120)
    assert (proc.returncode, err) == (141, b"")


@pytest.mark.parametrize("flags", REPLAY_FLAGS)
def test_head_closing_stdout_early(big_capture: Path, flags: list[str]) -> None:
    """``deltasnap replay ... | head -c 300``: the replay ends quietly, with 141 (or 0 if all of
    its output was already in the pipe when head left)."""
    proc = _deltasnap(
        "replay", str(big_capture), *flags, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert len(proc.stdout.read(300)) == 300
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode in (0, 141)
    assert err == b""


def test_full_disk_is_one_line_exit_1() -> None:
    """Writing to a full disk (/dev/full) exits 1 with one line saying so, no traceback."""
    with open("/dev/full", "wb") as full:
        proc = _deltasnap("replay", "--sample", stdout=full, stderr=subprocess.PIPE)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err == b"deltasnap: cannot write the output: No space left on device\n"


def test_unreadable_input_is_not_a_write_error(tmp_path: Path) -> None:
    """A directory given as the capture is an unreadable input: one line, exit 1."""
    proc = _deltasnap("replay", str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert out == b""
    assert err.decode().startswith(f"deltasnap: cannot read {tmp_path}: ")
    assert err.count(b"\n") == 1
