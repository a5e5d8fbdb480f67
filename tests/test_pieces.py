"""The piece shortcuts (refusal and tool-call pieces): exactly what the general path gives."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltasnap import Accumulator, DeltasnapError, Limits, unstructure

from strategies import chunkings, piece_streams

LIMITS = st.sampled_from(
    [
        Limits(),
        Limits(max_text_per_message=24),
        Limits(max_json_depth=4),  # the refusal shape fits, no tool-call shape does
        Limits(max_json_depth=6),  # arguments and input fit, logs do not
        Limits(max_tool_call_index=1, max_output_index=1, max_content_index=1),
    ]
)


def _told(data: Any) -> Any:
    """An event's data as a listener is told it, but for a text delta (the text shortcut tells
    None, by design, the general path the parsed data: both are "a text delta" here)."""
    if data is None:
        return "a text delta"
    try:
        (item,) = data["delta"]["content"]
        if item["type"] == "text":
            return "a text delta"
    except (KeyError, TypeError, ValueError):
        pass
    return data


def outcome(
    chunks: list[bytes],
    quiet: list[bool],
    fast: bool,
    limits: Limits,
    strict: bool,
    listen: bool = False,
) -> dict[str, Any]:
    """Everything an accumulator fed ``chunks`` (quietly where ``quiet`` says) ends up with
    (``listen``: and what a listener such as the event handler is told)."""
    acc = Accumulator(limits=limits, strict=strict)
    acc._use_shortcut = fast
    told: list[Any] = []
    if listen:
        acc._lifecycle.listener = lambda n, event, d, ups: told.append((n, event, _told(d), ups))
    updates: list[Any] = []
    raised: list[Any] = []
    for chunk, silent in zip(chunks, [*quiet, *[False] * len(chunks)], strict=False):
        while True:  # in strict mode the events after a bad one stay queued: drain them too
            try:
                if silent:
                    acc._feed_quietly(chunk)
                else:
                    updates += acc.feed(chunk)
                break
            except DeltasnapError as err:
                raised.append((type(err).__name__, str(err), err.event_number, err.byte_offset))
                chunk = b""
    try:
        updates += acc.close()
    except DeltasnapError as err:  # pragma: no cover - close() raises nothing here
        raised.append(type(err).__name__)
    return {
        "updates": updates,
        "raised": raised,
        "messages": {mid: unstructure(m) for mid, m in acc.messages.items()},
        "steps": {sid: unstructure(s) for sid, s in acc.run_steps.items()},
        "reports": list(acc.reports),
        "counts": dict(acc.event_counts),
        "events": [(e.number, e.event, e.offset, e.data) for e in acc.events],
        "numbers": (acc._number, acc.reducer.events_applied, acc.reducer._ctx.latest_run),
        "runs": {
            rid: ([s.id for s in v.steps], [m.id for m in v.messages])
            for rid, v in acc.runs.items()
        },
        "ends": (acc.done, acc.truncated),
        "told": told,
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stream=piece_streams(),
    data=st.data(),
    limits=LIMITS,
    strict=st.booleans(),
    listen=st.booleans(),
)
def test_piece_shortcuts_equal_the_general_path(
    stream: bytes, data: st.DataObject, limits: Limits, strict: bool, listen: bool
) -> None:
    """Refusal and tool-call pieces (random ids, indices, fields and types; spaced, compact or
    loose JSON; escapes; damaged data) among other events, in any chunking, some chunks fed
    quietly: the shortcuts leave the very updates, snapshots, reports, counts and errors."""
    chunks = data.draw(chunkings(stream))
    quiet = data.draw(st.lists(st.booleans(), min_size=len(chunks), max_size=len(chunks)))
    general = outcome(chunks, quiet, False, limits, strict)
    assert outcome(chunks, quiet, True, limits, strict) == general
    assert outcome([stream], [], True, limits, strict) == outcome(
        [stream], [], False, limits, strict
    )
