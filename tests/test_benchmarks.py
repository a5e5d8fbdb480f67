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
