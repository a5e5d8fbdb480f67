"""The piece shortcuts (refusal and tool-call pieces): exactly what the general path gives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltasnap import Accumulator, DeltasnapError, Limits, unstructure

from strategies import (
    call_piece_delta,
    chunkings,
    piece_streams,
    refusal_delta,
    render,
    sse_event,
    step_created,
)

LIMITS = st.one_of(
    st.just(Limits()),
    st.builds(Limits, max_text_per_message=st.integers(4, 30)),
    st.just(Limits(max_json_depth=7)),  # refusal, arguments and input shapes fit; logs do not
    st.sampled_from(
        [
            Limits(max_json_depth=4),  # (no shortcut: the text delta's shape does not fit)
            Limits(max_tool_call_index=1, max_output_index=1, max_content_index=1),
        ]
    ),
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


def snapshots(acc: Accumulator) -> dict[str, Any]:
    """Every message and step snapshot in JSON shape, and each run's steps and messages."""
    return {
        "messages": {mid: unstructure(m) for mid, m in acc.messages.items()},
        "steps": {sid: unstructure(s) for sid, s in acc.run_steps.items()},
        "runs": {
            rid: ([s.id for s in view.steps], [m.id for m in view.messages])
            for rid, view in acc.runs.items()
        },
    }


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
    reads: list[Any] = []
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
        reads.append(snapshots(acc))  # read after every chunk: caches must see each change
    try:
        updates += acc.close()
    except DeltasnapError as err:  # pragma: no cover - close() raises nothing here
        raised.append(type(err).__name__)
    return {
        "updates": updates,
        "raised": raised,
        "snapshots": snapshots(acc),
        "reads": reads,
        "reports": list(acc.reports),
        "counts": dict(acc.event_counts),
        "events": [(e.number, e.event, e.offset, e.data) for e in acc.events],
        "numbers": (acc._number, acc.reducer.events_applied, acc.reducer._ctx.latest_run),
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
    quietly, snapshots read after each chunk, a listener or not: the shortcuts leave the very
    updates, snapshots, reports, counts, kept events, errors and what the listener is told."""
    chunks = data.draw(chunkings(stream))
    quiet = data.draw(st.lists(st.booleans(), min_size=len(chunks), max_size=len(chunks)))
    general = outcome(chunks, quiet, False, limits, strict, listen)
    assert outcome(chunks, quiet, True, limits, strict, listen) == general
    whole = outcome([stream], [], False, limits, strict, listen)
    assert outcome([stream], [], True, limits, strict, listen) == whole


@pytest.mark.parametrize("quiet", [False, True])
def test_pieces_skip_json_loads(monkeypatch: pytest.MonkeyPatch, quiet: bool) -> None:
    """Refusal, arguments, input and logs pieces for known parts, calls and outputs, compact or
    spaced, are applied without json.loads: only the other events are parsed."""
    from deltasnap import _accumulator

    parsed: list[str] = []
    real = _accumulator.loads
    monkeypatch.setattr(
        _accumulator, "loads", lambda text, depth: parsed.append(text) or real(text, depth)
    )
    message = {
        "id": "msg_1",
        "object": "thread.message",
        "content": [{"type": "refusal", "refusal": ""}],
    }
    calls = [
        {"id": "c0", "type": "function", "function": {"name": "f", "arguments": ""}},
        {
            "id": "c1",
            "type": "code_interpreter",
            "code_interpreter": {"input": "", "outputs": [{"type": "logs", "logs": ""}]},
        },
    ]
    events = [
        ("thread.message.created", message),
        ("thread.run.step.created", step_created(tool_calls=calls, type="tool_calls")),
    ]
    pieces = [
        refusal_delta("msg_1", 0, "I can't"),
        call_piece_delta("step_1", 0, "arguments", -1, '{"a": '),
        call_piece_delta("step_1", 1, "input", -1, "print(1)"),
        call_piece_delta("step_1", 1, "logs", 0, "1\n"),
    ]
    text = "".join(sse_event(e, render(d, 0)) for e, d in events)
    for style in (0, 1, 2):
        for data in pieces:
            name = "thread.message.delta" if "content" in data["delta"] else "thread.run.step.delta"
            text += sse_event(name, render(data, style))
    acc = Accumulator()
    if quiet:
        acc._feed_quietly(text)
    else:
        updates = acc.feed(text)
        assert [u.kind for u in updates[-4:]] == ["refusal", "arguments", "input", "logs"]
    assert len(parsed) == 2  # the created events
    refusal = acc.messages["msg_1"].content[0]
    assert refusal.refusal == "I can't" * 3  # type: ignore[union-attr]
    step = unstructure(acc.run_steps["step_1"])["step_details"]["tool_calls"]
    assert step[0]["function"]["arguments"] == '{"a": ' * 3
    assert step[1]["code_interpreter"]["input"] == "print(1)" * 3
    assert step[1]["code_interpreter"]["outputs"][0]["logs"] == "1\n" * 3
    assert acc.event_counts["thread.run.step.delta"] == 9


def _limit_stream() -> bytes:
    """A refusal part and a step with a function call and a code call with a logs output, then
    pieces for each: enough text to pass a small ``max_text_per_message``."""
    message = {"id": "msg_1", "object": "thread.message", "content": [{"type": "refusal"}]}
    code = {"input": "", "outputs": [{"type": "logs", "logs": ""}]}
    calls = [
        {"id": "c0", "type": "function", "function": {"name": "f", "arguments": ""}},
        {"id": "c1", "type": "code_interpreter", "code_interpreter": code},
    ]
    step = step_created(type="tool_calls", tool_calls=calls)
    text = sse_event("thread.message.created", render(message, 1))
    text += sse_event("thread.run.step.created", render(step, 1))
    for _ in range(3):
        text += sse_event("thread.message.delta", render(refusal_delta("msg_1", 0, "abcd"), 1))
        for field, index, output in (("arguments", 0, -1), ("input", 1, -1), ("logs", 1, 0)):
            data = call_piece_delta("step_1", index, field, output, "wxyz")
            text += sse_event("thread.run.step.delta", render(data, 1))
    return text.encode()


@pytest.mark.parametrize(
    "limits",
    [Limits(max_text_per_message=10), Limits(max_json_depth=7)],
    ids=["text", "depth"],
)
@pytest.mark.parametrize("strict", [False, True])
def test_pieces_past_a_limit_are_the_general_paths(limits: Limits, strict: bool) -> None:
    """A piece that would pass ``max_text_per_message`` (refusal, arguments, input, logs) or a
    logs piece nested deeper than ``max_json_depth`` is skipped (strict: raised) exactly as the
    general path skips it."""
    stream = _limit_stream()
    general = outcome([stream], [], False, limits, strict)
    assert outcome([stream], [], True, limits, strict) == general
    kinds = {r.kind for r in general["reports"]} | {e[0] for e in general["raised"]}
    assert kinds & {"skipped_event", "TextTooLong", "JSONTooDeep"}
