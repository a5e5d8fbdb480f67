"""The benchmark runner works end to end (a smoke test: no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_prints_the_table_and_targets() -> None:
    """`benchmarks/run.py --quick` exits 0 and prints the results table and the Targets."""
    proc = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| deltas | events | MB | floor µs/delta | deltasnap µs/delta |" in proc.stdout
    assert "## Targets" in proc.stdout
    assert "| target | measured | goal | result |" in proc.stdout


def test_linearity_guard_runs_every_family() -> None:
    """`benchmarks/linearity.py` at a tiny size exits 0 and prints a row and a verdict for every
    input family (a smoke test: the times and ratios are not asserted)."""
    proc = subprocess.run(
        [sys.executable, "benchmarks/linearity.py", "--size", "2048", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| family | t(n) ms | t(2n) ms | ratio | verdict |" in proc.stdout
    families = (
        "whitespace runs",
        "long lines",
        "many comments",
        "many tiny chunks",
        "many annotations",
        "many parts",
    )
    for family in families:
        rows = [line for line in proc.stdout.splitlines() if line.startswith(f"| {family} |")]
        assert len(rows) == 1 and rows[0].endswith(("| PASS |", "| FAIL |")), family


def test_import_benchmark_prints_the_table() -> None:
    """`benchmarks/imports.py --runs 1` exits 0 and prints a judged row per snippet (no timing)."""
    proc = subprocess.run(
        [sys.executable, "benchmarks/imports.py", "--runs", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| snippet | wall ms | CPU ms | target | result |" in proc.stdout
    for snippet in ("import deltasnap", "import deltasnap; deltasnap.Accumulator"):
        (row,) = [line for line in proc.stdout.splitlines() if line.startswith(f"| `{snippet}` |")]
        assert row.endswith(("| PASS |", "| FAIL |")), row


def test_pieces_benchmark_times_every_stream_both_ways() -> None:
    """`benchmarks/pieces.py` at a tiny size exits 0 and prints an on/off row for each stream,
    quiet and with updates (a smoke test: the times are not asserted)."""
    proc = subprocess.run(
        [sys.executable, "benchmarks/pieces.py", "--n", "200", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if "on/off" in line]
    assert len(rows) == 6
    assert {row.split()[0] for row in rows} == {"accumulate", "feed"}
