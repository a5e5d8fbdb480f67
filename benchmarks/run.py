"""Benchmark: streamed Assistants runs -> message snapshots, on the same bytes, several ways.

    python benchmarks/run.py            # full run; writes RESULTS-local.md and plot-local.png
    python benchmarks/run.py --record   # full run; writes the tracked RESULTS.md and plot.png
    python benchmarks/run.py --quick    # CI smoke test: small sizes, checks no target

Every size is one synthetic stream from ``deltasnap.testing.generate`` (seeded): one message by
default, an annotation every 50 deltas. One run prints (and writes) a correctness table, the
time/memory table, and the Targets. See benchmarks/README.md for the columns.
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
import tracemalloc
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import _paths
import _reads
import openai

import deltasnap
from deltasnap.testing.generate import GeneratedStream, generate_stream

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (1_000, 10_000, 16_000, 100_000, 1_000_000)
QUICK_SIZES = (200, 1_000)

FLOOR, DELTASNAP, LIVE, SDK = "floor", "deltasnap", "live", "sdk"
PATHS = (FLOOR, DELTASNAP, LIVE, SDK)
LABELS = {
    FLOOR: "json.loads floor",
    DELTASNAP: "deltasnap, bytes -> final snapshots",
    LIVE: "deltasnap, reading .messages after every delta",
    SDK: "openai SDK (AssistantEventHandler)",
}

# Repeats: a path (or the interleaved floor/deltasnap pair) runs again, up to MAX_ROUNDS times,
# while the time spent on it at this size stays under --cheap-seconds.
MAX_ROUNDS = 25

# The targets of issue 5.
FLOOR_AT, FLOOR_MAX = 100_000, 2.5  # deltasnap time <= 2.5x the json.loads floor at 100k deltas
FLAT_FROM, FLAT_TO, FLAT_MAX = 1_000, 1_000_000, 1.3  # µs/delta at 1M <= 1.3x µs/delta at 1k
FLAT_SMALL_RUNS = 100  # times the 1k stream runs in each of its turns when timed against the 1M one
SDK_AT, SDK_EVERY, SDK_MIN = 16_000, 50, 300.0  # >= 300x faster than the SDK at 16k deltas
# The targets of issue 17: deltasnap time / json.loads floor on the same payloads, per stream kind
# (timed interleaved at FAST_AT deltas; --quick: at its largest size), and peak memory / stream
# size at MEMORY_AT deltas.
FAST_AT = 100_000
FAST_KINDS: dict[str, tuple[str, float, dict[str, Any]]] = {
    "plain": ("plain text deltas", 0.5, {}),
    "annotated": ("an annotation every 50 deltas", 0.7, {"annotation_every": 50}),
    "interleaved": (
        "four interleaved messages with images and annotations",
        0.7,
        {"n_messages": 4, "images": True, "annotation_every": 50},
    ),
}
FAST_ROUNDS, FAST_CHEAP_SECONDS = 9, 12.0  # at least 9 interleaved rounds, more while under 12 s
MEMORY_AT, MEMORY_MAX = 1_000_000, 0.3


@dataclass
class Timing:
    """One path at one size: seconds (best of the repeats), or why it was not run."""

    seconds: float | None = None
    skipped: str = ""


@dataclass
class Row:
    """One stream size."""

    n_deltas: int
    n_events: int
    n_bytes: int
    timings: dict[str, Timing] = field(default_factory=dict)
    peak_bytes: dict[str, int] = field(default_factory=dict)  # tracemalloc peak, by path
    check: str = ""  # correctness of deltasnap's results at this size ("" when not checked)

    def seconds(self, path: str) -> float | None:
        """The path's best time, or None when it was not run."""
        timing = self.timings.get(path)
        return timing.seconds if timing else None

    def per_delta(self, path: str) -> float | None:
        """The path's µs per message delta, or None when it was not run."""
        seconds = self.seconds(path)
        return None if seconds is None else seconds / self.n_deltas * 1e6


# -- measuring ------------------------------------------------------------------------------------


def _clock(kind: str) -> Callable[[], float]:
    return time.process_time if kind == "cpu" else time.perf_counter


def measure(
    fns: Mapping[str, Callable[[], Any]],
    *,
    min_rounds: int,
    cheap_seconds: float,
    clock: Callable[[], float],
) -> tuple[dict[str, float], dict[str, Any]]:
    """Best time of each function, run in turn round after round (a, b, a, b, ...).

    At least ``min_rounds`` rounds, more (up to MAX_ROUNDS) while the time spent stays under
    ``cheap_seconds``. Interleaving makes a shared machine's drift hit every function alike, so
    their ratio holds. Returns the best times and what each function returned in the last round
    (the previous round's results are dropped before anything is timed again).
    """
    best = dict.fromkeys(fns, math.inf)
    results: dict[str, Any] = {}
    spent = 0.0
    rounds = 0
    while rounds < min_rounds or (rounds < MAX_ROUNDS and spent < cheap_seconds):
        results.clear()
        for name, fn in fns.items():
            gc.collect()
            start = clock()
            results[name] = fn()
            elapsed = clock() - start
            best[name] = min(best[name], elapsed)
            spent += elapsed
        rounds += 1
    return best, results


def peak_memory(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated (tracemalloc) while ``fn`` runs, its result included."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del result
    return peak


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
    verdicts["deltasnap"] = check_deltasnap(stream, chunks)
    return verdicts


def check_deltasnap(stream: GeneratedStream, chunks: Sequence[bytes]) -> str:
    """The verdict on deltasnap's final messages for these chunks (it may raise: that is one)."""
    try:
        return verdict_of(_paths.deltasnap_run(chunks), stream)
    except Exception as exc:
        return f"raises {type(exc).__name__}: {exc}"


def verdict_of(acc: deltasnap.Accumulator, stream: GeneratedStream) -> str:
    """The verdict on an accumulator's messages: "ok", or how they differ from the expected.

    Not "ok" either when deltasnap reported anything (e.g. the server's completed copy differing
    from what the deltas built): the generated streams are clean.
    """
    verdict = _verdict(_paths.deltasnap_messages(acc), stream.expected)
    report = next(iter(acc.reports), None)
    if verdict == "ok" and report is not None:
        verdict = f"reported {report.kind}: {report.reason[:80]}"
    return verdict


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
    if set(verdicts) <= {"ok", "-"}:
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
    """Time every path at every size, then measure memory (the SDK past the time cap skipped)."""
    sdk_history: list[tuple[int, float]] = []
    rows: list[Row] = []
    for n in args.sizes:
        row = one_size(n, args, sdk_history)
        rows.append(row)
        print(f"  {n:>9,} deltas: " + ", ".join(_progress(row, p) for p in PATHS), flush=True)
    return rows


def one_size(n: int, args: argparse.Namespace, sdk_history: list[tuple[int, float]]) -> Row:
    """Every path on one generated stream of ``n`` deltas; the SDK's times go to its history."""
    timed = {"clock": _clock(args.clock), "cheap_seconds": args.cheap_seconds}
    stream = generate_stream(
        n_deltas=n,
        n_messages=args.messages,
        annotation_every=args.annotation_every,
        seed=args.seed,
    )
    chunks = _paths.chunked(stream.data, args.chunk_size)
    events = _paths.split_events(stream.data, stream.n_events)
    row = Row(n, stream.n_events, len(stream.data))
    check = n <= args.check_up_to
    verdicts: dict[str, str] = {}

    # floor and deltasnap interleaved, so that their ratio is measured under the same load
    best, results = measure(
        {
            FLOOR: lambda: _paths.floor(stream.payloads),
            DELTASNAP: lambda: _paths.deltasnap_run(chunks),
        },
        min_rounds=args.repeat,
        **timed,
    )
    if check:
        verdicts[DELTASNAP] = verdict_of(results[DELTASNAP], stream)
    del results  # no accumulator stays alive while the next path is timed
    live, results = measure({LIVE: lambda: _paths.deltasnap_live(events)}, min_rounds=1, **timed)
    if check:
        verdicts[LIVE] = verdict_of(results[LIVE], stream)
    del results
    for name, seconds in (best | live).items():
        row.timings[name] = Timing(seconds)
    row.check = _check_cell(verdicts)

    estimate = predict(sdk_history, n)
    if estimate > args.cap_seconds:
        row.timings[SDK] = Timing(
            skipped=f"skipped: ~{estimate:,.0f} s est. > {args.cap_seconds:g} s cap"
        )
    else:
        best, _ = measure({SDK: lambda: _paths.sdk_run(chunks)}, min_rounds=1, **timed)
        sdk_history.append((n, best[SDK]))
        row.timings[SDK] = Timing(best[SDK])

    # memory last, apart from the timing: tracemalloc slows everything down
    row.peak_bytes[DELTASNAP] = peak_memory(lambda: _paths.deltasnap_run(chunks))
    row.peak_bytes[FLOOR] = peak_memory(lambda: _paths.floor(stream.payloads))
    return row


def flatness(args: argparse.Namespace) -> dict[str, float]:
    """µs/delta at FLAT_TO deltas over µs/delta at FLAT_FROM, for deltasnap and for reading
    .messages after every delta, each timed with the two sizes interleaved (small, large, small,
    large, ...) so that a shared machine's slow spells hit both sizes alike, as for the floor
    ratio. Empty when the run lacks either size."""
    if not {FLAT_FROM, FLAT_TO} <= set(args.sizes):
        return {}
    print(f"\nlinearity ({FLAT_FROM:,} and {FLAT_TO:,} deltas timed interleaved):", flush=True)
    chunks, events = {}, {}
    for n in (FLAT_FROM, FLAT_TO):
        stream = generate_stream(
            n_deltas=n,
            n_messages=args.messages,
            annotation_every=args.annotation_every,
            seed=args.seed,
        )
        chunks[n] = _paths.chunked(stream.data, args.chunk_size)
        events[n] = _paths.split_events(stream.data, stream.n_events)
        del stream
    clock = _clock(args.clock)
    ratios = {
        DELTASNAP: _size_ratio(_paths.deltasnap_run, chunks, args.repeat, clock),
        LIVE: _size_ratio(_paths.deltasnap_live, events, 2, clock),
    }
    for path, value in ratios.items():
        print(f"  {path}: µs/delta at {FLAT_TO:,} / at {FLAT_FROM:,}: {value:.2f}x", flush=True)
    return ratios


def fast_paths(args: argparse.Namespace) -> dict[str, float]:
    """deltasnap time / json.loads floor on each FAST_KINDS stream, the two timed interleaved
    (the quick run: at its largest size, so the targets are computed, not judged)."""
    n = FAST_AT if FAST_AT in args.sizes or not args.quick else max(args.sizes)
    print(f"\nfast paths ({n:,} deltas, deltasnap / floor timed interleaved):", flush=True)
    ratios = {}
    # more rounds than a row's: each ratio is a target of its own
    cheap = args.cheap_seconds if args.quick else max(args.cheap_seconds, FAST_CHEAP_SECONDS)
    timed = {"clock": _clock(args.clock), "cheap_seconds": cheap}
    for kind, (_, _, options) in FAST_KINDS.items():
        stream = generate_stream(n_deltas=n, seed=args.seed, **options)
        chunks = _paths.chunked(stream.data, args.chunk_size)
        best, _ = measure(
            {
                FLOOR: lambda: _paths.floor(stream.payloads),  # noqa: B023 (used at once)
                DELTASNAP: lambda: _paths.deltasnap_run(chunks),  # noqa: B023
            },
            min_rounds=args.repeat if args.quick else max(args.repeat, FAST_ROUNDS),
            **timed,
        )
        ratios[kind] = best[DELTASNAP] / best[FLOOR]
        print(f"  {kind}: {ratios[kind]:.2f}x", flush=True)
    return ratios


def _size_ratio(
    run: Callable[[Sequence[bytes]], Any],
    inputs: Mapping[int, Sequence[bytes]],
    rounds: int,
    clock: Callable[[], float],
) -> float:
    """µs/delta of ``run`` at FLAT_TO deltas over FLAT_FROM, the two timed in turn ``rounds``
    times (the small stream back to back FLAT_SMALL_RUNS times per turn)."""
    small, large = inputs[FLAT_FROM], inputs[FLAT_TO]
    best, results = measure(
        {
            "small": lambda: [run(small) for _ in range(FLAT_SMALL_RUNS)],
            "large": lambda: run(large),
        },
        min_rounds=rounds,
        cheap_seconds=0.0,
        clock=clock,
    )
    del results
    return (best["large"] / FLAT_TO) / (best["small"] / (FLAT_SMALL_RUNS * FLAT_FROM))


def _check_cell(verdicts: dict[str, str]) -> str:
    """The check column: "ok", or each failing path's verdict."""
    if not verdicts:
        return ""
    failures = [f"{LABELS[name]}: {v}" for name, v in verdicts.items() if v != "ok"]
    return "; ".join(failures).replace("|", "\\|") if failures else "ok"


def _progress(row: Row, name: str) -> str:
    per_delta = row.per_delta(name)
    return f"{name} {per_delta:.4g} µs/delta" if per_delta is not None else f"{name} -"


def _fmt(value: float | None, fmt: str) -> str:
    return "" if value is None else format(value, fmt)


def _mb(n_bytes: int | None) -> str:
    """Bytes as MB (10⁶), with about three significant digits."""
    if n_bytes is None:
        return ""
    mb = n_bytes / 1e6
    return f"{mb:,.0f}" if mb >= 100 else f"{mb:.1f}" if mb >= 10 else f"{mb:.3g}"


def _times(ratio: float | None) -> str:
    """A ratio as "3.25x", "99.9x" or "1,234x"."""
    if ratio is None:
        return ""
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.1f}x" if ratio >= 10 else f"{ratio:.2f}x"


def table(rows: list[Row]) -> list[str]:
    """The results as one markdown table."""
    lines = [
        "| deltas | events | MB | floor µs/delta"
        " | deltasnap µs/delta | deltasnap MB/s | deltasnap x floor"
        " | read .messages every delta µs/delta"
        " | SDK s | SDK µs/delta | SDK / deltasnap"
        " | deltasnap peak MB | floor peak MB | check |",
        "|" + "---:|" * 13 + "---|",
    ]
    for row in rows:
        floor, ours, sdk = row.seconds(FLOOR), row.seconds(DELTASNAP), row.seconds(SDK)
        cells = [f"{row.n_deltas:,}", f"{row.n_events:,}", _mb(row.n_bytes)]
        cells += [
            _fmt(row.per_delta(FLOOR), ".2f"),
            _fmt(row.per_delta(DELTASNAP), ".2f"),
            _fmt(row.n_bytes / 1e6 / ours if ours else None, ".1f"),
            _times(ours / floor if ours and floor else None),
            _fmt(row.per_delta(LIVE), ".2f"),
        ]
        if sdk is None:
            cells += [row.timings[SDK].skipped, "", ""]
        else:
            cells += [
                f"{sdk:.3f}",
                _fmt(row.per_delta(SDK), ".1f"),
                _times(sdk / ours if ours else None),
            ]
        cells += [_mb(row.peak_bytes.get(DELTASNAP)), _mb(row.peak_bytes.get(FLOOR)), row.check]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# -- targets --------------------------------------------------------------------------------------


@dataclass
class Target:
    """One target of issue 5, as measured in this run."""

    name: str
    goal: str
    value: float | None = None  # None: not measurable in this run (``why`` says why)
    met: bool = False
    why: str = ""


def targets(
    rows: list[Row],
    args: argparse.Namespace,
    flat: dict[str, float],
    reads: Mapping[str, float] | None = None,
    fast: Mapping[str, float] | None = None,
) -> list[Target]:
    """The targets, computed from this run's rows (and its interleaved ``flatness`` ratios and
    ``reads`` read-cost ratios)."""
    by_size = {row.n_deltas: row for row in rows}

    def ratio(num: tuple[int, str], den: tuple[int, str], per_delta: bool) -> float | str:
        """One path's time (or µs/delta) at a size over another's; or why it cannot be had."""
        values = []
        for size, path in (num, den):
            row = by_size.get(size)
            if row is None:
                return f"no {size:,}-delta stream in this run"
            value = row.per_delta(path) if per_delta else row.seconds(path)
            if not value:
                return f"{path} not timed at {size:,} deltas ({row.timings[path].skipped})"
            values.append(value)
        return values[0] / values[1]

    found: list[Target] = []

    def add(name: str, goal: str, value: float | str, met: Callable[[float], bool]) -> None:
        if isinstance(value, str):
            found.append(Target(name, goal, why=value))
        else:
            found.append(Target(name, goal, value, met(value)))

    add(
        f"deltasnap time / json.loads floor, {FLOOR_AT:,} deltas",
        f"≤ {FLOOR_MAX:g}x",
        ratio((FLOOR_AT, DELTASNAP), (FLOOR_AT, FLOOR), per_delta=False),
        lambda v: v <= FLOOR_MAX,
    )
    add(
        f"deltasnap µs/delta at {FLAT_TO:,} / at {FLAT_FROM:,} deltas (timed interleaved)",
        f"≤ {FLAT_MAX:g}x",
        flat.get(DELTASNAP, f"needs {FLAT_FROM:,} and {FLAT_TO:,} deltas in --sizes"),
        lambda v: v <= FLAT_MAX,
    )
    sdk_speedup = ratio((SDK_AT, SDK), (SDK_AT, DELTASNAP), per_delta=False)
    if args.annotation_every != SDK_EVERY:
        sdk_speedup = f"needs an annotation every {SDK_EVERY} deltas (--annotation-every)"
    add(
        f"SDK time / deltasnap time, {SDK_AT:,} deltas, an annotation every {SDK_EVERY}",
        f"≥ {SDK_MIN:g}x",
        sdk_speedup,
        lambda v: v >= SDK_MIN,
    )
    add(
        f"reading .messages after every delta: µs/delta at {FLAT_TO:,} / at {FLAT_FROM:,} "
        "deltas (timed interleaved)",
        f"≤ {FLAT_MAX:g}x",
        flat.get(LIVE, f"needs {FLAT_FROM:,} and {FLAT_TO:,} deltas in --sizes"),
        lambda v: v <= FLAT_MAX,
    )
    reads = reads or {}
    add(
        "text delta + reading run, runs[id], run_steps, messages[id]: µs/delta after 2,000 "
        "messages / after 20 (timed in turn)",
        f"≤ {_reads.READS_MAX:g}x",
        reads.get("runs", "not measured"),
        lambda v: v <= _reads.READS_MAX,
    )
    add(
        "text delta + reading messages[id]: µs/delta with 20,000 annotations in the part / "
        "with 100 (timed in turn)",
        f"≤ {_reads.READS_MAX:g}x",
        reads.get("annotations", "not measured"),
        lambda v: v <= _reads.READS_MAX,
    )
    fast = fast or {}
    for kind, (label, goal, _) in FAST_KINDS.items():
        add(
            f"deltasnap time / json.loads floor, {label} (timed interleaved)",
            f"≤ {goal:g}x",
            fast.get(kind, "not measured"),
            lambda v, goal=goal: v <= goal,
        )
    row = by_size.get(MEMORY_AT)
    memory: float | str = f"no {MEMORY_AT:,}-delta stream in this run"
    if row is not None:
        memory = row.peak_bytes.get(DELTASNAP, 0) / row.n_bytes
    add(
        f"deltasnap peak memory / stream size, {MEMORY_AT:,} deltas",
        f"≤ {MEMORY_MAX:g}",
        memory,
        lambda v: v <= MEMORY_MAX,
    )
    return found


def targets_table(found: list[Target], *, quick: bool = False) -> list[str]:
    """The targets as markdown: what was measured, the goal, PASS/FAIL (quick: no verdicts,
    since its sizes are too small to judge any target)."""
    if quick:
        lines = ["| target | measured | goal | result |", "|---|---:|---|---|"]
        for t in found:
            measured = f"n/a: {t.why}" if t.value is None else _times(t.value)
            lines.append(f"| {t.name} | {measured} | {t.goal} | not checked (quick) |")
        return [
            *lines,
            "",
            "Quick run: targets are computed on small streams and not checked; the full run "
            "(`python benchmarks/run.py --record`) checks them.",
        ]
    lines = ["| target | measured | goal | result |", "|---|---:|---|---|"]
    for t in found:
        if t.value is None:
            lines.append(f"| {t.name} | n/a: {t.why} | {t.goal} | n/a |")
        else:
            result = "PASS" if t.met else "FAIL"
            lines.append(f"| {t.name} | {_times(t.value)} | {t.goal} | {result} |")
    measured = [t for t in found if t.value is not None]
    lines += [
        "",
        f"{sum(t.met for t in measured)} of {len(found)} targets met"
        + (
            f" ({len(found) - len(measured)} not measurable in this run)."
            if len(measured) < len(found)
            else "."
        ),
    ]
    return lines


def _version() -> str:
    try:
        return version("deltasnap")
    except PackageNotFoundError:
        return "(not installed)"


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
        f"openai {openai.__version__}, deltasnap {_version()}"
        + (f", git HEAD {commit} (plus any uncommitted changes)" if commit else ""),
    ]


def plot(rows: list[Row], path: Path) -> str:
    """Draw µs/delta vs deltas (log-log) for each path; return a note for the report."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "plot skipped: matplotlib is not installed (pip install -e '.[bench]')"
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for name in (SDK, LIVE, DELTASNAP, FLOOR):
        points = [(r.n_deltas, r.per_delta(name)) for r in rows if r.per_delta(name) is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            label = LABELS[name]
            if len(points) < len(rows):
                label += f" (not run past {xs[-1]:,} deltas)"
            ax.loglog(xs, ys, marker="o", label=label)
    ax.set_xlabel("message deltas in the stream")
    ax.set_ylabel("µs per delta (CPU time)")
    ax.set_title("Stream -> message snapshots: µs per delta (flat = linear; lower is better)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return f"plot: {path}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes (CI smoke test)")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(float(x)) for x in s.split(",")],
        help="comma-separated delta counts (default 1000,10000,16000,100000,1000000; "
        "--quick: 200,1000)",
    )
    parser.add_argument(
        "--cap-seconds",
        type=float,
        default=None,
        help="skip the SDK at a size whose extrapolated time exceeds this (default 60; quick 10)",
    )
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--messages", type=int, default=1, help="messages per stream (default 1)")
    parser.add_argument(
        "--annotation-every", type=int, default=50, help="annotation every k deltas (default 50)"
    )
    parser.add_argument("--chunk-size", type=int, default=65536, help="bytes per chunk fed")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="floor and deltasnap: at least N interleaved runs each (default 3)",
    )
    parser.add_argument(
        "--cheap-seconds",
        type=float,
        default=None,
        help=f"run a path again (up to {MAX_ROUNDS} times) while its runs at a size took less "
        "than this in all (default 3; quick 0: no extra runs)",
    )
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
    parser.add_argument(
        "--record",
        action="store_true",
        help="write the tracked benchmarks/RESULTS.md and plot.png (default for a full run: "
        "benchmarks/RESULTS-local.md and plot-local.png, untracked)",
    )
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.check_seeds is None:
        args.check_seeds = 3 if args.quick else 10
    if args.cheap_seconds is None:
        args.cheap_seconds = 0.0 if args.quick else 3.0
    if args.cap_seconds is None:
        args.cap_seconds = 10.0 if args.quick else 60.0
    if not args.quick and not args.no_write:
        suffix = "" if args.record else "-local"
        args.out = args.out or ROOT / "benchmarks" / f"RESULTS{suffix}.md"
        args.plot = args.plot or ROOT / "benchmarks" / f"plot{suffix}.png"
    if args.no_write:
        args.out = args.plot = None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables, write the report and plot."""
    args = parse_args(argv)
    command = shlex.join(sys.orig_argv if argv is None else ["benchmarks/run.py", *argv])
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"correctness on small streams (seed {args.seed}):", flush=True)
    checks = preflight(args.seed, args.check_seeds, args.chunk_size)
    print("\n".join(checks), flush=True)
    # the fast paths first, in a process that has not yet held the large streams
    fast = fast_paths(args)
    print(f"\ntiming ({args.clock} clock, SDK cap {args.cap_seconds:g} s):", flush=True)
    rows = benchmark(args)
    flat = flatness(args)
    reads = _reads.read_costs(_clock(args.clock), rounds=2 if args.quick else 5)
    print(f"\nread costs (large / small): {reads}", flush=True)
    results = table(rows)
    goals = targets_table(targets(rows, args, flat, reads, fast), quick=args.quick)
    print("\n## Results\n")
    print("\n".join(results))
    print("\n## Targets\n")
    print("\n".join(goals))
    if args.plot is not None:
        print(plot(rows, args.plot))
    if args.out is not None:
        image = (
            [f"![µs per delta vs deltas]({os.path.relpath(args.plot, args.out.parent)})", ""]
            if args.plot is not None
            else []
        )
        report = [
            "# Benchmark results",
            "",
            f"- date: {started}",
            f"- command: `{command}`",
            *machine(),
            f"- stream: {args.messages} message(s), annotation every {args.annotation_every} "
            f"deltas, seed {args.seed}; fed in {args.chunk_size:,}-byte chunks (read .messages "
            f"every delta: one event per chunk); deltasnap with {_paths.limits_note()}",
            f"- timing: {args.clock} time, best of the repeats "
            f"(floor and deltasnap interleaved, at least {args.repeat} each); "
            f"SDK cap {args.cap_seconds:g} s; memory in a separate tracemalloc run; the "
            f"{FLAT_TO:,}/{FLAT_FROM:,} targets from a separate run timing both sizes "
            f"interleaved; the fast-path targets first, at least {FAST_ROUNDS} interleaved "
            "rounds each",
            "",
            "## Results",
            "",
            *results,
            "",
            *image,
            "## Targets",
            "",
            *goals,
            "",
            "## Correctness on small streams",
            "",
            *checks,
            "",
            "Columns and targets are explained in README.md.",
            "",
        ]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(report), encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
