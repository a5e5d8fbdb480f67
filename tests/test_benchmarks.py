"""The benchmark runner works end to end (a smoke test: no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(script: str, *args: str) -> str:
    """What ``python SCRIPT ARGS`` prints from the checkout's root; it must exit 0."""
    proc = subprocess.run(
        [sys.executable, script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_quick_run_prints_the_table_and_targets() -> None:
    """`benchmarks/run.py --quick` exits 0 and prints the results table and the Targets."""
    stdout = _run("benchmarks/run.py", "--quick")
    assert "| deltas | events | MB | floor µs/delta | deltasnap µs/delta |" in stdout
    assert "## Targets" in stdout
    assert "| target | measured | goal | result |" in stdout


def test_linearity_guard_runs_every_family() -> None:
    """`benchmarks/linearity.py` at a tiny size exits 0 and prints a row and a verdict for every
    input family (a smoke test: the times and ratios are not asserted)."""
    stdout = _run("benchmarks/linearity.py", "--size", "2048", "--repeat", "1")
    assert "| family | t(n) ms | t(2n) ms | ratio | verdict |" in stdout
    families = (
        "whitespace runs",
        "long lines",
        "many comments",
        "many tiny chunks",
        "many annotations",
        "many parts",
    )
    for family in families:
        rows = [line for line in stdout.splitlines() if line.startswith(f"| {family} |")]
        assert len(rows) == 1 and rows[0].endswith(("| PASS |", "| FAIL |")), family


def test_import_benchmark_prints_the_table() -> None:
    """`benchmarks/imports.py --runs 1` exits 0 and prints a judged row per snippet (no timing)."""
    stdout = _run("benchmarks/imports.py", "--runs", "1")
    assert "| snippet | wall ms | CPU ms | target | result |" in stdout
    for snippet in ("import deltasnap", "import deltasnap; deltasnap.Accumulator"):
        (row,) = [line for line in stdout.splitlines() if line.startswith(f"| `{snippet}` |")]
        assert row.endswith(("| PASS |", "| FAIL |")), row


def test_pieces_benchmark_times_every_stream_both_ways() -> None:
    """`benchmarks/pieces.py` at a tiny size exits 0 and prints an on/off row for each stream,
    quiet and with updates (a smoke test: the times are not asserted)."""
    stdout = _run("benchmarks/pieces.py", "--n", "200", "--repeat", "1")
    rows = [line for line in stdout.splitlines() if "on/off" in line]
    assert len(rows) == 6
    assert {row.split()[0] for row in rows} == {"accumulate", "feed"}
