"""Coverage-guided fuzzing of the Accumulator with atheris (see fuzz/README.md).

Every input is a raw stream. ``run_one`` feeds it through several configurations (lenient and
strict, default and tiny limits, random chunking, and as decoded events through ``feed_event``)
and fails on anything that is not the library's contract:

- only ``DeltasnapError`` subclasses escape, and only in strict mode;
- after every feed, every snapshot (messages, run steps, runs) can be read, unstructured and
  dumped as JSON;
- nothing grows past the limits (messages, steps, reports);
- an event that is rejected (raised or skipped) changes no snapshot.

``run_one`` does not need atheris, so the tests replay every file in tests/data/regressions/
through it.
"""

from __future__ import annotations

import json
import random
import sys
import zlib
from collections.abc import Iterator
from typing import Any

import attrs

import deltasnap
from deltasnap import Accumulator, DeltasnapError, Limits, SSEDecoder

# Small enough that the fuzzer reaches every limit with short inputs.
TINY = Limits(
    max_event_bytes=4096,
    max_json_depth=8,
    max_messages=3,
    max_content_index=4,
    max_parts_per_message=3,
    max_annotation_index=4,
    max_annotations_per_part=3,
    max_text_per_message=64,
    max_steps=3,
    max_tool_call_index=4,
    max_tool_calls_per_step=3,
    max_output_index=4,
    max_outputs_per_tool_call=3,
    max_runs=3,
    max_reports=5,
    max_kept_events=6,
)
# The same, keeping every report (so that every skipped event can be checked).
TINY_ALL_REPORTS = attrs.evolve(TINY, max_reports=None)


def check_readable(acc: Accumulator) -> None:
    """Every snapshot the accumulator holds can be read, unstructured and dumped as JSON."""
    reducer = acc.reducer
    limits = reducer.limits
    for mid in acc.messages:
        json.dumps(deltasnap.unstructure(acc.messages[mid]))
    for sid in reducer.run_steps:
        json.dumps(deltasnap.unstructure(reducer.run_steps[sid]))
    for rid in reducer.runs:
        view = reducer.runs[rid]
        json.dumps(deltasnap.unstructure(view.run))
    _ = reducer.run
    assert limits.max_messages is None or len(acc.messages) <= limits.max_messages
    assert limits.max_steps is None or len(reducer.run_steps) <= limits.max_steps
    # close() may add one reports_dropped report past the limit
    assert limits.max_reports is None or len(acc.reports) <= limits.max_reports + 1
    assert limits.max_kept_events is None or len(acc.events) <= limits.max_kept_events


def _chunks(data: bytes, seed: int) -> Iterator[bytes]:
    """``data`` cut into pieces of 1 to 64 bytes, the sizes drawn from ``seed``."""
    pos = 0
    while pos < len(data):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        size = 1 + (seed >> 8) % 64
        yield data[pos : pos + size]
        pos += size


def _feed_bytes(data: bytes, *, strict: bool, limits: Limits | None, seed: int | None) -> None:
    acc = Accumulator(strict=strict, limits=limits, use_completed=seed is None or seed % 2 == 0)
    pieces = [data] if seed is None else _chunks(data, seed)
    try:
        for piece in pieces:
            acc.feed(piece)
            check_readable(acc)
        acc.close()
    except DeltasnapError:
        if not strict:
            raise
    check_readable(acc)


def snapshots(acc: Accumulator) -> dict[str, Any]:
    """Every message and run-step snapshot, and every run, in JSON shape."""
    reducer = acc.reducer
    return {
        "messages": {mid: deltasnap.unstructure(m) for mid, m in reducer.messages.items()},
        "steps": {sid: deltasnap.unstructure(s) for sid, s in reducer.run_steps.items()},
        "runs": {rid: deltasnap.unstructure(reducer.runs[rid].run) for rid in reducer.runs},
    }


def _skipped(acc: Accumulator) -> int:
    return sum(report.kind == "skipped_event" for report in acc.reports)


def feed_event_checked(acc: Accumulator, event: str, data: Any) -> None:
    """``acc.feed_event``, checking that an event it rejects (raised in strict mode, skipped in
    lenient mode) changed no snapshot: validation comes before anything is applied. (A skip is
    seen by its report: once ``max_reports`` are kept, lenient skips can no longer be told.)"""
    before = snapshots(acc)
    skipped = None if acc.reports.full else _skipped(acc)
    try:
        acc.feed_event(event, data)
    except DeltasnapError:
        assert snapshots(acc) == before, "a rejected event changed the snapshots"
        raise
    if skipped is not None and _skipped(acc) > skipped:
        assert snapshots(acc) == before, "a skipped event changed the snapshots"
    check_readable(acc)


def _feed_events(data: bytes, *, strict: bool) -> None:
    decoder = SSEDecoder(max_event_bytes=None, errors="replace")
    decoder.receive(data)
    acc = Accumulator(strict=strict, limits=TINY_ALL_REPORTS)
    try:
        while (event := decoder.next_event()) is not None:
            feed_event_checked(acc, event.event, event.data)
        acc.close()
    except DeltasnapError:
        if not strict:
            raise
    check_readable(acc)


def run_one(data: bytes) -> None:
    """Feed one stream through every configuration; raise if the contract is broken."""
    seed = zlib.crc32(data)
    _feed_bytes(data, strict=False, limits=None, seed=None)
    _feed_bytes(data, strict=False, limits=TINY, seed=seed)
    _feed_bytes(data, strict=True, limits=None, seed=seed)
    _feed_bytes(data, strict=True, limits=TINY, seed=None)
    _feed_events(data, strict=False)
    _feed_events(data, strict=True)


# Values the JSON-aware mutation puts in place of a field: every JSON type, the stream's own
# names, and the numbers that hit index limits and integer edge cases.
_NAMES = (
    "text refusal image_file image_url file_citation file_path function code_interpreter "
    "file_search logs image tool_calls message_creation msg_1 step_1 run_1"
).split()
_VALUES: list[Any] = [
    *(None, True, False, 0, 1, -1, 2, 4294967294, 2**63, 1.5, "", "x", "\ud800", [], {}, [{}]),
    *_NAMES,
    {"index": 0, "type": "text", "text": {"value": "v"}},
    {"index": 1, "type": "image_file"},
    {"index": 0, "type": "logs", "logs": "l"},
    {"index": 0, "type": "file_path", "text": "t"},
]


def _json_mutation(data: bytes, rng: random.Random) -> bytes | None:
    """Replace (or drop) one value inside one event's JSON data; None if no event has JSON."""
    blocks = data.split(b"\n\n")
    candidates = [i for i, block in enumerate(blocks) if b"data: {" in block]
    if not candidates:
        return None
    i = rng.choice(candidates)
    head, _, body = blocks[i].partition(b"data: ")
    try:
        value = json.loads(body)
    except ValueError:
        return None
    holders: list[dict[str, Any] | list[Any]] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            holders.append(item)
            stack.extend(item.values() if isinstance(item, dict) else item)
    holder = rng.choice(holders)
    if not holder:
        return None
    if isinstance(holder, dict):
        key = rng.choice(list(holder))
        if rng.random() < 0.2:
            del holder[key]
        else:
            holder[key] = rng.choice(_VALUES)
    else:
        holder[rng.randrange(len(holder))] = rng.choice(_VALUES)
    blocks[i] = head + b"data: " + json.dumps(value).encode()
    return b"\n\n".join(blocks)


def _event_mutation(data: bytes, rng: random.Random) -> bytes:
    """Duplicate, drop or move one event (blocks separated by a blank line)."""
    blocks = data.split(b"\n\n")
    i = rng.randrange(len(blocks))
    choice = rng.random()
    if choice < 0.4:
        blocks.insert(rng.randrange(len(blocks) + 1), blocks[i])
    elif choice < 0.6:
        del blocks[i]
    else:
        blocks.insert(rng.randrange(len(blocks) + 1), blocks.pop(i))
    return b"\n\n".join(blocks)


def mutate(data: bytes, max_size: int, seed: int) -> bytes:
    """Custom mutator: JSON-aware and event-level mutations half of the time, libFuzzer's own
    byte-level ones otherwise (so inputs stay mostly well-formed and reach the reducer)."""
    import atheris

    rng = random.Random(seed)
    choice = rng.random()
    if choice < 0.35:
        mutated = _json_mutation(data, rng)
        if mutated is not None:
            return mutated[:max_size]
    elif choice < 0.5 and data:
        return _event_mutation(data, rng)[:max_size]
    return bytes(atheris.Mutate(data, max_size))


def main() -> None:
    """Run atheris (libFuzzer options and corpus directories come from the command line)."""
    import atheris  # the ``fuzz`` extra

    atheris.instrument_all()
    atheris.Setup(sys.argv, run_one, custom_mutator=mutate)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
