"""Benchmark: streamed Assistants runs -> message snapshots, on the same bytes, three ways.

    python benchmarks/run.py                 # full run; writes benchmarks/RESULTS.md and plot.png
    python benchmarks/run.py --quick         # CI smoke test: small sizes, writes nothing

Every size is one synthetic stream from ``deltasnap.testing.generate`` (seeded): one message by
default, an annotation every 50 deltas. See benchmarks/README.md for the columns.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import math
import os
import platform
import re
import shlex
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _paths
import openai

from deltasnap.testing.generate import GeneratedStream, generate_stream

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (1_000, 4_000, 16_000, 64_000, 256_000, 1_000_000)
QUICK_SIZES = (200, 1_000)
PATHS = ("floor", "sdk", "deltasnap")


@dataclass
class Timing:
    """One path at one size: seconds (best of the repeats), or why it was not run."""

    seconds: float | None = None
    skipped: str = ""
    ok: str = ""  # correctness of the result at this size ("" when not checked)


@dataclass
class Row:
    """One stream size."""

    n_deltas: int
    n_events: int
    n_bytes: int
    timings: dict[str, Timing] = field(default_factory=dict)


# -- timing ---------------------------------------------------------------------------------------


def _clock(kind: str) -> Callable[[], float]:
    return time.process_time if kind == "cpu" else time.perf_counter


def measure(fn: Callable[[], Any], *, repeat: int, clock: Callable[[], float]) -> float:
    """Best time of up to ``repeat`` runs of ``fn`` (runs past the first only while cheap)."""
    best = float("inf")
    spent = 0.0
    for _ in range(max(1, repeat)):
        gc.collect()
        start = clock()
        fn()
        elapsed = clock() - start
        best = min(best, elapsed)
        spent += elapsed
        if spent > 2.0:
            break
    return best


def predict(history: list[tuple[int, float]], n: int) -> float:
    """Extrapolate a path's time at ``n`` deltas from its last measurements (power law)."""
    if not history:
        return 0.0
    n1, t1 = history[-1]
    exponent = 2.0
    if len(history) >= 2:
        n0, t0 = history[-2]
        if t0 > 0 and t1 > 0 and n1 > n0:
            exponent = min(3.0, max(1.0, math.log(t1 / t0) / math.log(n1 / n0)))
    return float(t1 * (n / n1) ** exponent)


# -- the paths ------------------------------------------------------------------------------------


def run_floor(stream: GeneratedStream, chunks: Sequence[bytes]) -> Callable[[], Any]:
    """The floor: json.loads of every payload."""
    return lambda: _paths.floor(stream.payloads)


def run_sdk(stream: GeneratedStream, chunks: Sequence[bytes]) -> Callable[[], Any]:
    """The openai SDK: SSEDecoder + construct_type + AssistantEventHandler."""
    return lambda: _paths.sdk_run(chunks)


# ---- deltasnap path (HOOK) ----------------------------------------------------------------------
# deltasnap.accumulate(chunks) -> object with .messages (id -> Message model);
# deltasnap.unstructure(message) -> API JSON. Guarded so the runner works before the API exists.
_DELTASNAP = _paths.deltasnap_path()


def run_deltasnap(stream: GeneratedStream, chunks: Sequence[bytes]) -> Callable[[], Any]:
    """deltasnap: accumulate the same chunks."""
    assert _DELTASNAP is not None
    accumulate, _ = _DELTASNAP
    return lambda: accumulate(iter(chunks))


# -- correctness preflight (small streams, every feature) -----------------------------------------

SCENARIOS: dict[str, dict[str, Any]] = {
    "one message": {"n_deltas": 300},
    "annotations (split too)": {"n_deltas": 300, "annotation_every": 4},
    "images, 2 messages in turn": {
        "n_deltas": 300,
        "n_messages": 2,
        "images": True,
        "interleave": False,
    },
    "refusal": {"n_deltas": 60, "refusal": True},
    "3 messages interleaved": {"n_deltas": 300, "n_messages": 3},
    "3 interleaved, with images": {"n_deltas": 300, "n_messages": 3, "images": True},
    "run step (function call)": {"n_deltas": 30, "run_steps": True},
}


def preflight(seed: int, n_seeds: int, chunk_size: int) -> list[str]:
    """Markdown lines: what each path gets right on small streams of every shape, over seeds."""
    columns = ("final", "live", "steps", "deltasnap")
    lines = [
        f"Each scenario: {n_seeds} streams (seeds {seed}..{seed + n_seeds - 1}); a cell shows"
        " `ok`, or the commonest failure and in how many streams it happened.",
        "",
        "| scenario | SDK final messages | SDK delta-built snapshots (`index` keys ignored)"
        " | SDK final run steps | deltasnap final messages |",
        "|---|---|---|---|---|",
    ]
    for name, options in SCENARIOS.items():
        outcomes: dict[str, Counter[str]] = {c: Counter() for c in columns}
        for s in range(seed, seed + n_seeds):
            stream = generate_stream(seed=s, **options)
            chunks = _paths.chunked(stream.data, chunk_size)
            for column, verdict in _check_one(stream, chunks).items():
                outcomes[column][verdict] += 1
        cells = [_summarize(outcomes[c], n_seeds) for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _check_one(stream: GeneratedStream, chunks: Sequence[bytes]) -> dict[str, str]:
    """The verdict of each column for one stream."""
    handler = _paths.RecordingHandler()
    verdicts: dict[str, str] = {}
    try:
        with warnings.catch_warnings():  # pydantic complains about the SDK's mangled snapshots
            warnings.simplefilter("ignore")
            _paths.sdk_run(chunks, handler)
    except Exception as exc:  # the SDK's own failure is a finding, not a benchmark error
        error = f"raises {type(exc).__name__}: {exc}"
        verdicts["final"] = verdicts["live"] = error
        verdicts["steps"] = error if stream.expected_steps else "-"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            live = _paths.sdk_live(handler)
        verdicts["final"] = _verdict(_paths.sdk_messages(handler), stream.expected)
        verdicts["live"] = _verdict(
            {k: {"content": _paths.strip_index(v["content"])} for k, v in live.items()},
            {k: {"content": v["content"]} for k, v in stream.expected.items()},
        )
        verdicts["steps"] = (
            _verdict(_paths.sdk_steps(handler), stream.expected_steps)
            if stream.expected_steps
            else "-"
        )
    verdicts["deltasnap"] = check_deltasnap(stream, chunks) if _DELTASNAP else "not available yet"
    return verdicts


def check_deltasnap(stream: GeneratedStream, chunks: Sequence[bytes]) -> str:
    """Whether deltasnap's final messages equal the expected ones ("ok" or where they differ)."""
    assert _DELTASNAP is not None
    accumulate, unstructure = _DELTASNAP
    try:
        got = _paths.deltasnap_messages(accumulate(iter(chunks)), unstructure)
    except Exception as exc:
        return f"raises {type(exc).__name__}: {exc}"
    return _verdict(got, stream.expected)


_ID = re.compile(r"\b(msg|step|call|file)[-_][0-9a-f]+")


def _verdict(got: dict[str, Any], want: dict[str, Any]) -> str:
    """ "ok", or where the first difference is (ids generalized, so verdicts can be counted)."""
    diffs = list(_paths.differences(got, want))
    if not diffs:
        return "ok"
    where = ": ".join(diffs[0].split(": ")[:2])  # "<id>: <json path>", without the values
    return "wrong at " + _ID.sub(lambda m: m.group(1) + "_…", where)


def _summarize(verdicts: Counter[str], total: int) -> str:
    """One table cell from the verdicts of several streams."""
    if set(verdicts) <= {"ok", "-", "not available yet"}:
        return next(iter(verdicts)) if len(verdicts) == 1 else "ok"
    failures = [(count, v) for v, count in verdicts.items() if v not in ("ok", "-")]
    count, worst = max(failures)
    text = f"{worst} ({count}/{total})"
    if len(failures) > 1:
        others = sum(c for c, _ in failures) - count
        text += f"; {len(failures) - 1} other failure kind(s) in {others}"
    return text.replace("|", "\\|")


# -- the run --------------------------------------------------------------------------------------


def benchmark(args: argparse.Namespace) -> list[Row]:
    """Time every path at every size (sizes past the time cap are skipped)."""
    clock = _clock(args.clock)
    runners: dict[str, Callable[[GeneratedStream, Sequence[bytes]], Callable[[], Any]]] = {
        "floor": run_floor,
        "sdk": run_sdk,
    }
    if _DELTASNAP is not None:
        runners["deltasnap"] = run_deltasnap
    history: dict[str, list[tuple[int, float]]] = {name: [] for name in PATHS}
    rows: list[Row] = []
    for n in args.sizes:
        stream = generate_stream(
            n_deltas=n,
            n_messages=args.messages,
            annotation_every=args.annotation_every,
            seed=args.seed,
        )
        chunks = _paths.chunked(stream.data, args.chunk_size)
        row = Row(n, stream.n_events, len(stream.data))
        for name in PATHS:
            if name not in runners:
                row.timings[name] = Timing(skipped="not available yet")
                continue
            estimate = predict(history[name], n)
            if estimate > args.cap_seconds:
                row.timings[name] = Timing(skipped=f"skipped (~{estimate:,.0f} s est.)")
                continue
            seconds = measure(runners[name](stream, chunks), repeat=args.repeat, clock=clock)
            history[name].append((n, seconds))
            row.timings[name] = Timing(seconds)
        if "deltasnap" in runners and n <= args.check_up_to:
            row.timings["deltasnap"].ok = check_deltasnap(stream, chunks)
        rows.append(row)
        print(f"  {n:>9,} deltas: " + ", ".join(_cell(row, p) for p in PATHS), flush=True)
        del stream, chunks
    return rows


def _cell(row: Row, name: str) -> str:
    timing = row.timings[name]
    return f"{name} {timing.seconds:.4g} s" if timing.seconds is not None else f"{name} -"


def table(rows: list[Row]) -> list[str]:
    """The results as a markdown table."""
    lines = [
        "| deltas | events | MB | floor ms | floor µs/payload"
        " | SDK s | SDK µs/delta | SDK x floor"
        " | deltasnap s | deltasnap µs/delta | deltasnap x floor"
        " | SDK / deltasnap | deltasnap check |",
        "|" + "---:|" * 12 + "---|",
    ]
    for row in rows:
        floor = row.timings["floor"].seconds
        payloads = row.n_events - 1
        cells = [f"{row.n_deltas:,}", f"{row.n_events:,}", f"{row.n_bytes / 1e6:.1f}"]
        cells += [
            _num(floor, 1e3, ".1f"),
            _num(floor / payloads if floor is not None else None, 1e6, ".2f"),
        ]
        for name in ("sdk", "deltasnap"):
            timing = row.timings[name]
            t = timing.seconds
            if t is None:
                cells += [timing.skipped or "-", "", ""]
                continue
            cells += [
                f"{t:.3f}",
                f"{t / row.n_deltas * 1e6:.1f}",
                f"{t / floor:.1f}" if floor else "",
            ]
        sdk, ours = row.timings["sdk"].seconds, row.timings["deltasnap"].seconds
        cells.append(f"{sdk / ours:,.0f}x" if sdk and ours else "")
        cells.append(row.timings["deltasnap"].ok)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _num(value: float | None, scale: float, fmt: str) -> str:
    return "" if value is None else format(value * scale, fmt)


def machine() -> list[str]:
    """Markdown bullet lines describing this machine and software."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return [
        f"- machine: {platform.platform()}, CPU {cpu} ({os.cpu_count()} logical CPUs)",
        f"- python {platform.python_version()} ({platform.python_implementation()}), "
        f"openai {openai.__version__}"
        + (f", git HEAD {commit} (plus any uncommitted changes)" if commit else ""),
    ]


def plot(rows: list[Row], path: Path) -> str:
    """Draw seconds vs deltas (log-log) for each path; return a note for the report."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "plot skipped: matplotlib is not installed (pip install -e '.[bench]')"
    labels = {
        "floor": "json.loads floor",
        "sdk": "openai SDK AssistantEventHandler",
        "deltasnap": "deltasnap.accumulate",
    }
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name in PATHS:
        points = [
            (r.n_deltas, r.timings[name].seconds)
            for r in rows
            if r.timings[name].seconds is not None
        ]
        if points:
            xs, ys = zip(*points, strict=True)
            ax.loglog(xs, ys, marker="o", label=labels[name])
    ax.set_xlabel("message deltas in the stream")
    ax.set_ylabel("seconds")
    ax.set_title("Stream -> message snapshots (lower is better)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return f"plot: {path.name}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke test)")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(float(x)) for x in s.split(",")],
        help="comma-separated delta counts (default 1000,...,1000000; --quick: 200,1000)",
    )
    parser.add_argument(
        "--cap-seconds",
        type=float,
        default=None,
        help="skip a path at a size whose extrapolated time exceeds this (default 60; quick 10)",
    )
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--messages", type=int, default=1, help="messages per stream (default 1)")
    parser.add_argument(
        "--annotation-every", type=int, default=50, help="annotation every k deltas (default 50)"
    )
    parser.add_argument("--chunk-size", type=int, default=65536, help="bytes per chunk fed")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (while cheap)")
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="process CPU time (default; steady on a busy machine) or wall time",
    )
    parser.add_argument(
        "--check-seeds",
        type=int,
        default=None,
        help="streams per correctness scenario (default 10; quick 3)",
    )
    parser.add_argument(
        "--check-up-to",
        type=int,
        default=1_000_000,
        help="verify deltasnap's output against the expected messages up to this size",
    )
    parser.add_argument("--out", type=Path, help="markdown report (default benchmarks/RESULTS.md)")
    parser.add_argument("--plot", type=Path, help="log-log plot (default benchmarks/plot.png)")
    parser.add_argument("--no-write", action="store_true", help="write neither report nor plot")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.check_seeds is None:
        args.check_seeds = 3 if args.quick else 10
    if args.cap_seconds is None:
        args.cap_seconds = 10.0 if args.quick else 60.0
    if not args.quick and not args.no_write:
        args.out = args.out or ROOT / "benchmarks" / "RESULTS.md"
        args.plot = args.plot or ROOT / "benchmarks" / "plot.png"
    if args.no_write:
        args.out = args.plot = None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables, write the report and plot."""
    args = parse_args(argv)
    command = shlex.join(sys.orig_argv if argv is None else ["benchmarks/run.py", *argv])
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if _DELTASNAP is None:
        print("deltasnap path: not available yet")
    print(f"correctness on small streams (seed {args.seed}):", flush=True)
    checks = preflight(args.seed, args.check_seeds, args.chunk_size)
    print("\n".join(checks), flush=True)
    print(f"\ntiming ({args.clock} clock, cap {args.cap_seconds:g} s):", flush=True)
    rows = benchmark(args)
    results = table(rows)
    print()
    print("\n".join(results))
    notes: list[str] = []
    if args.plot is not None:
        notes.append(plot(rows, args.plot))
        print(notes[-1])
    if args.out is not None:
        report = [
            "# Benchmark results",
            "",
            f"- date: {started}",
            f"- command: `{command}`",
            *machine(),
            f"- stream: {args.messages} message(s), annotation every {args.annotation_every} "
            f"deltas, seed {args.seed}, fed in {args.chunk_size:,}-byte chunks; "
            f"{args.clock} time, best of up to {args.repeat}; cap {args.cap_seconds:g} s",
            "",
            "## Time",
            "",
            *results,
            "",
            *(f"![time vs deltas]({args.plot.name})" for _ in [0] if args.plot is not None),
            "",
            "## Correctness on small streams",
            "",
            *checks,
            "",
            "Columns are explained in README.md.",
            "",
        ]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(report), encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
