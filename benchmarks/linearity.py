"""Super-linearity guard: for each hostile input family, time deltasnap at n and 2n bytes in one
run (CPU time, best of K, the sizes alternated); the ratio t(2n) / t(n) must stay under 2.5
(linear is 2; quadratic would be 4).

Families (issue 13): whitespace runs (inside a text delta's JSON, valid and not), long lines (one
text value of n characters in 64 KiB chunks), many comments (keep-alive lines between deltas),
many tiny chunks (a stream fed 3 bytes at a time), many annotations (one text part), many parts
(one message). Each input is reduced bytes to snapshots by ``deltasnap.accumulate`` under
``Limits.unlimited()`` (with ``max_event_bytes`` left at 2n + slack, so nothing is refused).

    python benchmarks/linearity.py [--size BYTES] [--repeat K] [--check] [--out FILE]

Prints a table and PASS/FAIL per family; ``--check`` exits 1 if any family fails; ``--out`` also
writes the table as Markdown. The tests run it at a tiny size without looking at the times.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import deltasnap

LIMIT = 2.5
CREATED = {"id": "m", "object": "thread.message", "role": "assistant", "content": []}
DONE = b"event: done\ndata: [DONE]\n\n"


def event(name: str, data: Any) -> bytes:
    """One SSE event (``data`` as is when it is a str, else as JSON)."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"event: {name}\ndata: {text}\n\n".encode()


def text_delta(index: int, value: str, annotations: list[Any] | None = None) -> dict[str, Any]:
    """A thread.message.delta payload with one text part delta."""
    text: dict[str, Any] = {"value": value}
    if annotations is not None:
        text["annotations"] = annotations
    part = {"index": index, "type": "text", "text": text}
    return {"id": "m", "object": "thread.message.delta", "delta": {"content": [part]}}


START = event("thread.message.created", CREATED)


def pieces(data: bytes, size: int) -> list[bytes]:
    """``data`` in chunks of ``size`` bytes."""
    return [data[i : i + size] for i in range(0, len(data), size)]


def repeated(unit: bytes, n: int) -> bytes:
    """``unit`` repeated to about ``n`` bytes, between the created event and done."""
    return START + unit * max(1, n // len(unit)) + DONE


def whitespace_runs(n: int) -> list[bytes]:
    """One valid text delta with long whitespace runs, one invalid (``"delta":`` + spaces +
    ``Z``): n bytes of spaces in all."""
    ws = " " * (n // 4)
    valid = (
        '{"id": "m", "object": "thread.message.delta", "delta":' + ws + '{"content":' + ws
    ) + '[{"index": 0, "type": "text", "text": {"value": "x"}}]}}'
    invalid = '{"id": "m", "object": "thread.message.delta", "delta":' + ws * 2 + "Z"
    stream = START + event("thread.message.delta", valid)
    stream += event("thread.message.delta", invalid) + DONE
    return pieces(stream, 64 * 1024)


def long_lines(n: int) -> list[bytes]:
    """One text delta whose value is n bytes (multi-byte characters too) in 64 KiB chunks."""
    value = ("abc é漢 " * (n // 12 + 1))[: n // 2]
    return pieces(START + event("thread.message.delta", text_delta(0, value)) + DONE, 64 * 1024)


def many_comments(n: int) -> list[bytes]:
    """Keep-alive comment lines between small deltas."""
    unit = b": keep-alive\n" * 20 + event("thread.message.delta", text_delta(0, "hi "))
    return pieces(repeated(unit, n), 64 * 1024)


def many_tiny_chunks(n: int) -> list[bytes]:
    """Small text deltas fed 3 bytes at a time (characters split across chunks)."""
    unit = event("thread.message.delta", text_delta(0, "é漢 "))
    return pieces(repeated(unit, n), 3)


def many_annotations(n: int) -> list[bytes]:
    """One text part, each delta adding an annotation at the next index, with its text."""
    body = bytearray(START)
    i = 0
    while len(body) < n:
        ann = {"index": i, "type": "file_path", "text": "†", "file_path": {"file_id": "f"}}
        body += event("thread.message.delta", text_delta(0, "a", [ann]))
        i += 1
    return pieces(bytes(body) + DONE, 64 * 1024)


def many_parts(n: int) -> list[bytes]:
    """One message, each delta starting the next content part."""
    body = bytearray(START)
    i = 0
    while len(body) < n:
        body += event("thread.message.delta", text_delta(i, "part"))
        i += 1
    return pieces(bytes(body) + DONE, 64 * 1024)


FAMILIES: dict[str, Callable[[int], list[bytes]]] = {
    "whitespace runs": whitespace_runs,
    "long lines": long_lines,
    "many comments": many_comments,
    "many tiny chunks": many_tiny_chunks,
    "many annotations": many_annotations,
    "many parts": many_parts,
}


def reduce_once(chunks: list[bytes], limits: deltasnap.Limits) -> float:
    """CPU seconds to reduce ``chunks`` to snapshots once (CPU time, not wall-clock: the machine
    this runs on is shared, and waiting for a core says nothing about deltasnap)."""
    start = time.process_time()
    deltasnap.accumulate(iter(chunks), limits=limits)
    return time.process_time() - start


def measure(build: Callable[[int], list[bytes]], n: int, repeat: int) -> tuple[float, float]:
    """Best times at n and 2n bytes, the two sizes timed alternately in one run."""
    small, large = build(n), build(2 * n)
    limits = attrs.evolve(deltasnap.Limits.unlimited(), max_event_bytes=4 * n + 65536)
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        best[0] = min(best[0], reduce_once(small, limits))
        best[1] = min(best[1], reduce_once(large, limits))
    return best[0], best[1]


def main(argv: list[str] | None = None) -> int:
    """Time every family at n and 2n; print the table; with --check, exit 1 on a FAIL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024 * 1024, help="n, in bytes")
    parser.add_argument("--repeat", type=int, default=5, help="best of K timings per size")
    parser.add_argument("--check", action="store_true", help="exit 1 if a family fails")
    parser.add_argument("--out", type=Path, help="also write the table as Markdown here")
    args = parser.parse_args(argv)
    n = args.size
    lines = [
        f"linearity guard, n = {n:,} bytes, best of {args.repeat}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}",
        "",
        "| family | t(n) ms | t(2n) ms | ratio | verdict |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    failed = 0
    for name, build in FAMILIES.items():
        t1, t2 = measure(build, n, args.repeat)
        ratio = t2 / t1 if t1 > 0 else float("inf")
        verdict = "PASS" if ratio < LIMIT else "FAIL"
        failed += verdict == "FAIL"
        row = f"| {name} | {t1 * 1e3:.1f} | {t2 * 1e3:.1f} | {ratio:.2f} | {verdict} |"
        lines.append(row)
        print(row, flush=True)
    summary = f"\n{len(FAMILIES) - failed} of {len(FAMILIES)} families under {LIMIT}x per doubling"
    lines.append(summary)
    print(summary)
    if args.out is not None:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
