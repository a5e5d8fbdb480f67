"""Benchmark: ``deltasnap batch`` over generated archives, --jobs 1 against --jobs 2.

    python benchmarks/batch.py            # full run; writes benchmarks/BATCH_RESULTS.md, batch.png
    python benchmarks/batch.py --quick    # smoke test: tiny archives, writes nothing

Two archives of seeded synthetic captures (``deltasnap.testing.generate``, run steps included):
2,000 small ones and 20 large ones. Each is reduced end to end by the CLI (listing, detection,
reading, reducing, writing JSON Lines), with ``--jobs 1`` (in process) and ``--jobs 2`` (a
process pool) timed in turn in the same run, wall clock, 9 rounds by default. The per-capture
overhead compares ``--jobs 1`` with reducing the same bytes as one stream (one Accumulator fed
every capture's bytes as segments of one stream: no per-capture work at all). Each target is the
median of the rounds' own ratios (both runs of a round under the same load); the best times are
reported beside them.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _machine import load_average

import deltasnap
from deltasnap.cli import main
from deltasnap.testing.generate import generate_stream

ROOT = Path(__file__).resolve().parents[1]
ARCHIVES = {"small": (2000, 40), "large": (20, 20_000)}  # name -> (captures, deltas each)
QUICK = {"small": (40, 20), "large": (2, 2_000)}
SPEEDUP_GOAL = 1.7
OVERHEAD_GOAL = 1.5


def make_archive(root: Path, count: int, deltas: int) -> int:
    """Write ``count`` captures of ``deltas`` deltas each under ``root``; return their bytes."""
    root.mkdir(parents=True)
    total = 0
    for seed in range(count):
        data = generate_stream(n_deltas=deltas, seed=seed, run_steps=True).data
        (root / f"capture-{seed:05d}.sse").write_bytes(data)
        total += len(data)
    return total


def one_stream(root: Path) -> int:
    """Reduce every capture's bytes as segments of one stream (``accumulate``, as fast as it
    goes: no updates made); return how many messages."""
    paths = sorted(root.iterdir())
    acc = deltasnap.accumulate(*paths, limits=deltasnap.Limits.unlimited())
    return len(acc.messages)


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its reaped children so far."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(run: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (workers included) of one call."""
    start, cpu = time.perf_counter(), _cpu()
    run()
    return time.perf_counter() - start, _cpu() - cpu


def batch(root: Path, out: Path, jobs: int) -> Callable[[], object]:
    """``deltasnap batch ROOT --out OUT --jobs N``, in this process."""
    argv = ["batch", str(root), "--out", str(out), "--jobs", str(jobs), "--no-progress"]

    def run() -> None:
        status = main(argv)
        if status != 0:
            raise SystemExit(f"deltasnap batch exited {status}")

    return run


def measure(
    tmp: Path, archives: dict[str, tuple[int, int]], repeats: int
) -> list[dict[str, float]]:
    """Time every archive: jobs 1, jobs 2 and one stream, interleaved, ``repeats`` rounds."""
    rows = []
    for name, (count, deltas) in archives.items():
        root = tmp / name
        size = make_archive(root, count, deltas)
        out = tmp / f"{name}.jsonl"
        runs = {"jobs1": batch(root, out, 1), "jobs2": batch(root, out, 2)}
        runs["one"] = lambda root=root: one_stream(root)  # type: ignore[misc]
        times = {key: float("inf") for key in runs}
        cpu = {key: float("inf") for key in runs}
        speedups, overheads = [], []
        for turn in range(repeats):
            # each round in another order, so that no run always follows the same one
            order = list(runs)[turn % len(runs) :] + list(runs)[: turn % len(runs)]
            walls = {}
            for key in order:
                walls[key], used = timed(runs[key])
                if walls[key] < times[key]:
                    times[key], cpu[key] = walls[key], used
            speedups.append(walls["jobs1"] / walls["jobs2"])
            overheads.append(walls["jobs1"] / walls["one"])
        rows.append(
            {
                "name": name,  # type: ignore[dict-item]
                "captures": count,
                "deltas": deltas,
                "mb": size / 1e6,
                **times,
                **{f"{key}_cpu": value for key, value in cpu.items()},
                "speedup": statistics.median(speedups),
                "overhead": statistics.median(overheads),
            }
        )
        print(f"{name}: {rows[-1]}", file=sys.stderr)
    return rows


def table(rows: list[dict[str, float]]) -> str:
    """The results table (Markdown)."""
    head = (
        "| archive | captures | deltas each | MB | jobs 1 s | jobs 1 captures/s | jobs 1 MB/s "
        "| jobs 2 s | jobs 2 captures/s | jobs 2 MB/s | speedup: of bests / per round | one "
        "stream s | jobs 1 / one stream: of bests / per round | CPU s: jobs 1 / jobs 2 / one "
        "stream |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for r in rows:
        n, mb = r["captures"], r["mb"]
        lines.append(
            f"| {r['name']} | {n:,} | {r['deltas']:,} | {mb:.1f} | {r['jobs1']:.2f} "
            f"| {n / r['jobs1']:,.0f} | {mb / r['jobs1']:.1f} | {r['jobs2']:.2f} "
            f"| {n / r['jobs2']:,.0f} | {mb / r['jobs2']:.1f} "
            f"| {r['jobs1'] / r['jobs2']:.2f}x / {r['speedup']:.2f}x "
            f"| {r['one']:.2f} | {r['jobs1'] / r['one']:.2f}x / {r['overhead']:.2f}x "
            f"| {r['jobs1_cpu']:.2f} / {r['jobs2_cpu']:.2f} / {r['one_cpu']:.2f} |"
        )
    return head + "\n".join(lines) + "\n"


def targets(rows: list[dict[str, float]]) -> str:
    """The targets table (Markdown): speedup on 2 cores and per-capture overhead."""
    out = ["| target | measured | goal | result |", "|---|---:|---|---|"]
    for r in rows:
        speedup, overhead = r["speedup"], r["overhead"]  # medians of the rounds' own ratios
        ok1 = "PASS" if speedup >= SPEEDUP_GOAL else "FAIL"
        ok2 = "PASS" if overhead <= OVERHEAD_GOAL else "FAIL"
        out.append(
            f"| {r['name']}: --jobs 2 speedup over --jobs 1 | {speedup:.2f}x "
            f"| ≥ {SPEEDUP_GOAL}x | {ok1} |"
        )
        out.append(
            f"| {r['name']}: --jobs 1 time / same bytes as one stream | {overhead:.2f}x "
            f"| ≤ {OVERHEAD_GOAL}x | {ok2} |"
        )
    return "\n".join(out) + "\n"


def plot(rows: list[dict[str, float]], path: Path) -> None:
    """Bar chart of MB/s per archive: one stream, --jobs 1, --jobs 2."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    kinds = [("one", "same bytes as one stream"), ("jobs1", "--jobs 1"), ("jobs2", "--jobs 2")]
    width = 0.25
    for i, (key, label) in enumerate(kinds):
        xs = [j + (i - 1) * width for j in range(len(rows))]
        ax.bar(xs, [r["mb"] / r[key] for r in rows], width, label=label)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f"{r['name']} ({r['captures']:,} captures)" for r in rows])
    ax.set_ylabel("MB/s (wall clock)")
    ax.set_title("deltasnap batch throughput")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _autogroup() -> str:
    """Whether the kernel shares CPU between sessions (autogroups) rather than processes."""
    try:
        enabled = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return "unknown"
    return "on" if enabled else "off"


def main_() -> int:
    """Run the benchmark; print the report (and write it unless --quick)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny archives, write nothing")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(
            Path(tmp), QUICK if args.quick else ARCHIVES, 1 if args.quick else args.repeats
        )
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    report = (
        "# Batch benchmark results\n\n"
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC\n"
        f"- command: `python benchmarks/batch.py{' --quick' if args.quick else ''}`\n"
        f"- machine: {platform.platform()}, {os.cpu_count()} logical CPUs, load average "
        f"before {load_before}, after {load_average()} "
        "(a shared machine: other work ran meanwhile); "
        f"scheduler autogroups {_autogroup()} (when on, a busy machine gives this session one "
        "share of CPU however many processes it runs, so --jobs 2 gains only on free cores: "
        "compare the CPU s column, which shows what the pool costs in work)\n"
        f"- python {platform.python_version()}, git HEAD {head}\n"
        "- timing: wall clock; --jobs 1, --jobs 2 and one stream in turn, each round in another "
        "order; the tables give each one's best time, and the targets judge the median over the "
        "rounds of each round's own ratio (the two runs of a round ran under the same load: a "
        "ratio of bests pairs a --jobs 1 run from a quiet moment with a --jobs 2 run from "
        "another, and one process alone gets a higher clock than two); "
        "JSON Lines written to a temporary file; captures generated with run steps; CPU s is "
        "user + system time of the run, worker processes included (with other work on the "
        "machine, wall time stretches while CPU time does not)\n\n"
        "## Results\n\n" + table(rows) + "\n![MB/s per archive](batch.png)\n\n"
        "## Targets\n\n" + targets(rows)
    )
    print(report)
    if not args.quick:
        (ROOT / "benchmarks" / "BATCH_RESULTS.md").write_text(report, encoding="utf-8")
        plot(rows, ROOT / "benchmarks" / "batch.png")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
