"""benchmarks/batch.py runs end to end (a smoke test: no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_run_prints_the_tables() -> None:
    """`benchmarks/batch.py --quick` exits 0 and prints the results and targets tables."""
    proc = subprocess.run(
        [sys.executable, "benchmarks/batch.py", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "| archive | captures | deltas each | MB | jobs 1 s |" in proc.stdout
    assert "| small: --jobs 2 speedup over --jobs 1 |" in proc.stdout
    assert "| large: --jobs 1 time / same bytes as one stream |" in proc.stdout
