"""deltasnap.batch.cli: the ``deltasnap batch`` subcommand end to end."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from deltasnap.batch import CaptureResult
from deltasnap.batch.worker import Outcome
from deltasnap.cli import main

from batch_archive import PLAIN, REAL, build

ROOT = Path(__file__).resolve().parents[1]


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_mixed_archive_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Over a mixed archive, one line per capture with the server's messages, the failed ones
    failed; exit status 3 because some failed; a summary on stderr, no bar when not a tty."""
    expect = build(tmp_path / "a")
    out = tmp_path / "o.jsonl"
    assert main(["batch", str(tmp_path / "a"), "--out", str(out), "--jobs", "2"]) == 3
    got = {line["source"][0]: line for line in _lines(out)}
    assert sorted(got) == sorted(expect)
    for name, (status, messages) in expect.items():
        assert got[name]["status"] == status
        if messages is not None:
            assert {m["id"]: m for m in got[name]["messages"]} == messages
    err = capsys.readouterr().err
    assert "9 ok, 1 problems, 2 failed" in err and "capture/s" not in err


def test_join_runs_and_all_ok_exit_zero(tmp_path: Path) -> None:
    """--join-runs gives one line for a two-body run; all ok gives exit status 0."""
    build(tmp_path / "a")
    out = tmp_path / "o.jsonl"
    nested = tmp_path / "a" / "nested"
    argv = ["batch", str(nested / "create.sse"), str(nested / "submit_tool_outputs.sse")]
    assert main([*argv, "--out", str(out), "--join-runs", "--jobs", "1"]) == 0
    (line,) = _lines(out)
    assert [Path(p).name for p in line["source"]] == ["create.sse", "submit_tool_outputs.sse"]
    assert line["run"]["status"] == "completed"


def test_parquet_and_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format parquet writes the three tables; --progress shows the bar on stderr even when
    it is not a terminal, with MB/s and the failures so far."""
    build(tmp_path / "a")
    argv = ["batch", str(tmp_path / "a"), "--out", str(tmp_path / "pq"), "--format", "parquet"]
    assert main([*argv, "--progress", "--jobs", "2"]) == 3
    assert pq.read_table(tmp_path / "pq" / "runs.parquet").num_rows == 12
    err = capsys.readouterr().err
    assert "12/12" in err and "MB/s" in err and "2 failed" in err


def test_paths_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'-' reads the paths to reduce from standard input, one a line."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{REAL / PLAIN}\n"))
    out = tmp_path / "o.jsonl"
    assert main(["batch", "-", "--out", str(out), "--no-progress"]) == 0
    assert [line["source"] for line in _lines(out)] == [[str(REAL / PLAIN)]]


def test_ctrl_c_keeps_what_was_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C stops the batch with status 130; the results written before it stay readable."""
    build(tmp_path / "a")

    def interrupted(*args: Any, **kwargs: Any) -> Iterator[Outcome]:
        yield Outcome(("first",), "ok", CaptureResult(source=("first",), status="ok").to_json())
        raise KeyboardInterrupt

    monkeypatch.setattr("deltasnap.batch.cli.outcomes", interrupted)
    out = tmp_path / "o.jsonl"
    assert main(["batch", str(tmp_path / "a"), "--out", str(out)]) == 130
    assert [line["source"] for line in _lines(out)] == [["first"]]


def test_unwritable_output(tmp_path: Path) -> None:
    """An output that cannot be opened is exit status 1, before any work."""
    assert main(["batch", str(REAL / PLAIN), "--out", str(tmp_path / "no" / "o.jsonl")]) == 1


def test_module_entry_point(tmp_path: Path) -> None:
    """python -m deltasnap batch writes JSONL to standard output with --out -."""
    proc = subprocess.run(
        [sys.executable, "-m", "deltasnap", "batch", str(REAL / PLAIN), "--out", "-"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "ok"


def test_sigint_stops_a_running_pool(tmp_path: Path) -> None:
    """SIGINT during a --jobs 2 run: exit status 130, every line written is whole JSON."""
    root = tmp_path / "a"
    root.mkdir()
    for n in range(1500):
        (root / f"c{n:04d}.sse").symlink_to(REAL / PLAIN)
    out = tmp_path / "o.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "deltasnap", "batch", str(root), "--out", str(out), "--jobs", "2"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while proc.poll() is None and (not out.exists() or not out.read_text().count("\n")):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    lines = _lines(out)
    assert 0 < len(lines) < 1500 and all(line["status"] == "ok" for line in lines)
