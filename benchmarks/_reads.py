"""Read-cost targets: reading snapshots after every delta costs what changed, not the stream.

Two ratios, each from two streams timed in turn (small, large, small, large, ...) in one run:

- runs: feed a text delta, then read ``acc.run``, ``acc.runs[id]``, ``acc.run_steps`` and
  ``acc.messages[id]``: µs per delta after 2,000 finished messages over after 20;
- annotations: feed a text delta, then read ``acc.messages[id]``: µs per delta when the part
  holds 20,000 annotations over when it holds 100.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import deltasnap

__all__ = ["READS_MAX", "read_costs"]

READS_MAX = 1.5  # the large stream's µs per delta over the small one's
DELTAS = 2_000


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _stream(finished: int, annotations: int) -> tuple[bytes, list[bytes]]:
    """The head (a run, ``finished`` completed messages, a live message whose text part holds
    ``annotations``) and ``DELTAS`` text deltas for the live message."""
    head = [_event("thread.run.created", {"id": "run_1", "object": "thread.run"})]
    text = {"value": "x", "annotations": []}
    for i in range(finished):
        message = {"id": f"msg_{i}", "run_id": "run_1", "status": "completed"}
        head.append(
            _event(
                "thread.message.completed", {**message, "content": [{"type": "text", "text": text}]}
            )
        )
    ann = {"type": "file_path", "text": "f", "start_index": 0, "end_index": 1}
    live_text = {"value": "", "annotations": [ann] * annotations}
    live = {"id": "live", "run_id": "run_1", "content": [{"type": "text", "text": live_text}]}
    head.append(_event("thread.message.created", live))
    piece = {"index": 0, "type": "text", "text": {"value": "ab"}}
    delta = _event("thread.message.delta", {"id": "live", "delta": {"content": [piece]}})
    return b"".join(head), [delta] * DELTAS


def _read_all(acc: deltasnap.Accumulator) -> None:
    assert acc.run is not None
    _ = acc.runs["run_1"], list(acc.run_steps.values()), acc.messages["live"]


def _read_message(acc: deltasnap.Accumulator) -> None:
    _ = acc.messages["live"]


def _cost(
    stream: tuple[bytes, list[bytes]],
    read: Callable[[deltasnap.Accumulator], None],
    clock: Callable[[], float],
) -> float:
    head, deltas = stream
    acc = deltasnap.Accumulator()
    acc.feed(head)
    start = clock()
    for delta in deltas:
        acc.feed(delta)
        read(acc)
    return (clock() - start) / len(deltas)


def read_costs(clock: Callable[[], float], rounds: int = 5) -> dict[str, float]:
    """The two ratios (large over small), best of ``rounds`` turns each."""
    cases = {
        "runs": ((20, 0), (2_000, 0), _read_all),
        "annotations": ((0, 100), (0, 20_000), _read_message),
    }
    ratios = {}
    for name, (small_shape, large_shape, read) in cases.items():
        small, large = _stream(*small_shape), _stream(*large_shape)
        best_small = best_large = float("inf")
        for _ in range(rounds):
            best_small = min(best_small, _cost(small, read, clock))
            best_large = min(best_large, _cost(large, read, clock))
        ratios[name] = best_large / best_small
    return ratios
