"""Benchmark: how long ``import deltasnap`` takes, and its first use (``deltasnap.Accumulator``).

    python benchmarks/imports.py             # 30 runs each; prints the table
    python benchmarks/imports.py --record    # the same, written to benchmarks/IMPORT_RESULTS.md
    python benchmarks/imports.py --runs 3    # smoke test
    python benchmarks/imports.py --src ../main/src    # another checkout's package (before/after)

Each snippet runs in a fresh interpreter (``python -c``), the snippets taking turns so that other
work on a shared machine slows them alike; a snippet's time is the best of its runs minus the
best of a bare ``python -c pass``. The interpreters import deltasnap from this tree's ``src``
(or ``--src``) with a bytecode cache of their own (warmed first, and written even where the
environment sets PYTHONDONTWRITEBYTECODE), so compiling is never timed, as in an installed
package.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import load_average

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 40.0
BARE = "pass"
#: The snippets timed: (code, judged against TARGET_MS).
SNIPPETS = (
    ("import deltasnap", True),
    ("import deltasnap; deltasnap.Accumulator", True),
    ("import attrs, cattrs", False),  # the floor of any first use: deltasnap's dependencies
)


def _child_cpu() -> float:
    """CPU seconds (user + system) of the reaped child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(runs: int, src: Path) -> dict[str, tuple[float, float]]:
    """Each snippet's best wall and CPU ms over ``runs`` (deltasnap from ``src``), less bare."""
    codes = [BARE, *(code for code, _ in SNIPPETS)]
    best = {code: (float("inf"), float("inf")) for code in codes}
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"PYTHONPATH": str(src), "PYTHONPYCACHEPREFIX": cache}
        for code in codes:  # warm the bytecode cache
            subprocess.run([sys.executable, "-c", code], env=env, check=True)
        for _ in range(runs):
            for code in codes:
                start, cpu = time.perf_counter(), _child_cpu()
                subprocess.run([sys.executable, "-c", code], env=env, check=True)
                wall, cpu = time.perf_counter() - start, _child_cpu() - cpu
                best[code] = (min(best[code][0], wall), min(best[code][1], cpu))
    bare_wall, bare_cpu = best.pop(BARE)
    return {
        code: ((wall - bare_wall) * 1000, (cpu - bare_cpu) * 1000)
        for code, (wall, cpu) in best.items()
    }


def table(times: dict[str, tuple[float, float]]) -> str:
    """The results as a markdown table, each judged snippet against the target."""
    lines = [
        "| snippet | wall ms | CPU ms | target | result |",
        "|---|---:|---:|---|---|",
    ]
    for code, judged in SNIPPETS:
        wall, cpu = times[code]
        verdict = ("PASS" if wall <= TARGET_MS else "FAIL") if judged else "(reference)"
        target = f"≤ {TARGET_MS:.0f} ms" if judged else "—"
        lines.append(f"| `{code}` | {wall:.1f} | {cpu:.1f} | {target} | {verdict} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run the benchmark; print the report (and write it with --record)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="runs of each snippet (best kept)")
    parser.add_argument("--record", action="store_true", help="write benchmarks/IMPORT_RESULTS.md")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="where deltasnap is")
    args = parser.parse_args()
    load_before = load_average()
    times = measure(args.runs, args.src.resolve())
    src = args.src.resolve()
    where = src.relative_to(ROOT) if src.is_relative_to(ROOT) else src
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=args.src, capture_output=True, text=True
    ).stdout.strip()
    command = " ".join(["python benchmarks/imports.py", *sys.argv[1:]])
    report = (
        "# Import time results\n\n"
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- command: `{command}`\n"
        f"- machine: {platform.platform()}, {os.cpu_count()} logical CPUs, load average "
        f"before {load_before}, after {load_average()} "
        "(a shared machine: other work ran meanwhile)\n"
        f"- python {platform.python_version()}, deltasnap from {where} at git HEAD {head}\n"
        f"- timing: each snippet in a fresh `python -c`, taking turns, best of {args.runs} runs "
        "minus the best of a bare `python -c pass`; wall clock judged, CPU ms (user + system) "
        "beside it; bytecode cached; within a millisecond of 0 is noise (a time below the bare "
        "interpreter's shows as negative)\n\n" + table(times)
    )
    print(report)
    if args.record:
        (ROOT / "benchmarks" / "IMPORT_RESULTS.md").write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
