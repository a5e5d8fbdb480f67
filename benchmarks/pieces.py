"""Benchmark: the piece shortcuts on and off, on 100k tool-call or refusal pieces.

    python benchmarks/pieces.py            # 100k deltas per stream, best of 3 (CPU time)
    python benchmarks/pieces.py --n 2000   # smaller

Three streams: a function call's ``arguments`` in 100k step deltas (compact JSON as servers
write it, and Python-spaced), and a refusal streamed in 100k message deltas
(``generate_stream(refusal=True)``). Each goes through ``deltasnap.accumulate`` (quiet: no
updates built) and through ``Accumulator.feed`` (updates built), with
``Accumulator._use_shortcut`` on and off; the ratio on/off is printed (below 1: faster).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import deltasnap
from deltasnap import Accumulator
from deltasnap.testing.generate import generate_stream

_WORDS = ['{"q', "uery", '": "', "wea", "ther in", " Par", 'is", ', '"lim', 'it": 1', "0}"]


def _sse(event: str, data: str) -> str:
    return f"event: {event}\ndata: {data}\n\n"


def arguments_stream(n: int, compact: bool) -> bytes:
    """A step whose one function call streams its arguments in ``n`` deltas."""
    separators = (",", ":") if compact else (", ", ": ")

    def dump(obj: Any) -> str:
        return json.dumps(obj, separators=separators)

    def delta(call: dict[str, Any]) -> str:
        details = {"type": "tool_calls", "tool_calls": [call]}
        body = {
            "id": "step_1",
            "object": "thread.run.step.delta",
            "delta": {"step_details": details},
        }
        return _sse("thread.run.step.delta", dump(body))

    step = {
        "id": "step_1",
        "object": "thread.run.step",
        "run_id": "run_1",
        "type": "tool_calls",
        "status": "in_progress",
        "step_details": {"type": "tool_calls", "tool_calls": []},
    }
    first = {"name": "lookup", "arguments": "", "output": None}
    parts = [_sse("thread.run.step.created", dump(step))]
    parts.append(delta({"index": 0, "id": "call_1", "type": "function", "function": first}))
    for i in range(n):
        piece = {"arguments": _WORDS[i % len(_WORDS)]}
        parts.append(delta({"index": 0, "type": "function", "function": piece}))
    parts.append(_sse("done", "[DONE]"))
    return "".join(parts).encode()


def _chunks(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _quiet(data: bytes) -> None:
    deltasnap.accumulate(_chunks(data))


def _feed(data: bytes) -> None:
    acc = Accumulator()
    for chunk in _chunks(data):
        acc.feed(chunk)
    acc.close()


def best(run: Callable[[bytes], None], data: bytes, shortcut: bool, repeat: int) -> float:
    """The least CPU time of ``repeat`` runs with the shortcuts on or off."""
    Accumulator._use_shortcut = shortcut
    try:
        times = []
        for _ in range(repeat):
            start = time.process_time()
            run(data)
            times.append(time.process_time() - start)
        return min(times)
    finally:
        Accumulator._use_shortcut = True


def main() -> None:
    """Time each stream each way and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="deltas per stream")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    args = parser.parse_args()
    streams = {
        "function arguments, compact (servers)": arguments_stream(args.n, compact=True),
        "function arguments, spaced (Python)": arguments_stream(args.n, compact=False),
        "refusal pieces (generate_stream)": generate_stream(n_deltas=args.n, refusal=True).data,
    }
    print(f"{args.n} deltas per stream, CPU seconds, best of {args.repeat}")
    for how, run in (("accumulate", _quiet), ("feed", _feed)):
        for name, data in streams.items():
            on = best(run, data, True, args.repeat)
            off = best(run, data, False, args.repeat)
            print(f"{how:<10} {name:<40} on {on:7.3f}  off {off:7.3f}  on/off {on / off:.2f}")


if __name__ == "__main__":
    main()
