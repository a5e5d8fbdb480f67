"""Hostile and broken input: every limit, every kind of broken stream, bounded memory (time is a
ratio in benchmarks/linearity.py, never asserted here)."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from typing import Any, TypeVar
from unittest.mock import ANY

import attrs
import pytest

from deltasnap import (
    Accumulator,
    ContentTypeMismatch,
    DecodeError,
    DeltaError,
    DeltasnapError,
    EventTooLarge,
    IndexTooLarge,
    InvalidIndex,
    InvalidJSON,
    JSONTooDeep,
    LimitExceeded,
    Limits,
    Reducer,
    SSEDecoder,
    StrictModeError,
    TextTooLong,
    TooManyAnnotations,
    TooManyMessages,
    TooManyOutputs,
    TooManyParts,
    TooManyRuns,
    TooManySteps,
    TooManyToolCalls,
    ValidationError,
    structure,
    unstructure,
)
from deltasnap._limits import MAX_JSON_DEPTH
from deltasnap._models import Message
from deltasnap.payload.json import check_depth, loads

from conftest import JoinCounter
from strategies import code_delta, function_delta, run_event, step_created, step_delta

T = TypeVar("T")
MIB = 1024 * 1024
# What each bounded case measured (peak bytes traced), for reporting.
MEASURED: dict[str, int] = {}


def measure(name: str, run: Callable[[], T], megabytes: float) -> T:
    """Run ``run`` under tracemalloc: its allocations must peak under ``megabytes`` (a
    deterministic bound; the time it takes is a ratio in ``benchmarks/linearity.py``, never a
    test's assertion). Returns what ``run`` returned."""
    tracemalloc.start()
    try:
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    MEASURED[name] = peak
    assert peak < megabytes * MIB, f"{name}: peak {peak / MIB:.1f} MiB"
    return result


# ---------------------------------------------------------------------------- builders


def sse(event: str, data: Any) -> bytes:
    """One SSE event; ``data`` is sent as is when it is a str, else as JSON."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return f"event: {event}\ndata: {payload}\n\n".encode()


def created(mid: str = "msg_1", **fields: Any) -> dict[str, Any]:
    """A thread.message.created payload (empty content unless given)."""
    return {"id": mid, "object": "thread.message", "status": "in_progress", "content": [], **fields}


def delta(*content: dict[str, Any], mid: str = "msg_1", **top: Any) -> dict[str, Any]:
    """A thread.message.delta payload."""
    body: dict[str, Any] = dict(top)
    if content:
        body["content"] = list(content)
    return {"id": mid, "object": "thread.message.delta", "delta": body}


def text(index: int, value: str | None = None, annotations: Any = None) -> dict[str, Any]:
    """A text content delta."""
    inner: dict[str, Any] = {}
    if value is not None:
        inner["value"] = value
    if annotations is not None:
        inner["annotations"] = annotations
    return {"index": index, "type": "text", "text": inner}


def ann(index: int, kind: str = "file_path", **fields: Any) -> dict[str, Any]:
    """An annotation delta."""
    return {"index": index, "type": kind, **fields}


START = sse("thread.message.created", created()) + sse(
    "thread.message.delta", delta(text(0, "kept"))
)
DONE = b"event: done\ndata: [DONE]\n\n"


def state(acc: Accumulator | Reducer) -> dict[str, Any]:
    """Every snapshot (messages and run steps) in JSON shape."""
    reducer = acc.reducer if isinstance(acc, Accumulator) else acc
    return {
        "messages": {mid: unstructure(msg) for mid, msg in reducer.messages.items()},
        "steps": {sid: unstructure(step) for sid, step in reducer.run_steps.items()},
    }


def kinds(acc: Accumulator | Reducer) -> list[str]:
    """The kinds of the reports so far."""
    return [r.kind for r in acc.reports]


def rejects(
    payload: bytes,
    error: type[DeltasnapError],
    *,
    limits: Limits | None = None,
    prefix: bytes = START,
) -> DeltasnapError:
    """Feed ``prefix`` then ``payload`` in strict and in lenient mode: strict raises ``error``
    and lenient skips the event with a report; in both the snapshots are those of ``prefix``
    alone. Returns the strict error."""
    clean = Accumulator(limits=limits)
    clean.feed(prefix)
    before = state(clean)
    strict = Accumulator(strict=True, limits=limits)
    strict.feed(prefix)
    with pytest.raises(error) as info:
        strict.feed(payload)
    assert state(strict) == before
    lenient = Accumulator(limits=limits)
    lenient.feed(prefix)
    lenient.feed(payload)
    assert state(lenient) == before
    assert kinds(lenient) == ["skipped_event"]
    assert lenient.reports[0].event_number == info.value.event_number
    return info.value


# ------------------------------------------------------------------------- the limits


def test_limits_defaults_and_validation() -> None:
    """Limits has finite defaults, accepts positive ints or None, and keeps depth bounded."""
    limits = Limits()
    for field in attrs.fields(Limits):
        value = getattr(limits, field.name)
        assert type(value) is int and value > 0, field.name
    for bad in (0, -1, True, 1.5, "3"):
        with pytest.raises(ValueError, match="max_messages"):
            Limits(max_messages=bad)  # type: ignore[arg-type]
    for bad_depth in (None, 0, MAX_JSON_DEPTH + 1):
        with pytest.raises(ValueError, match="max_json_depth"):
            Limits(max_json_depth=bad_depth)  # type: ignore[arg-type]
    free = Limits.unlimited()
    assert free.max_json_depth == MAX_JSON_DEPTH
    assert {getattr(free, f.name) for f in attrs.fields(Limits)} == {None, MAX_JSON_DEPTH}


def test_limits_reach_the_reducer() -> None:
    """Accumulator(limits=) hands its limits to its Reducer; Reducer(limits=) enforces them."""
    limits = Limits(max_messages=1)
    assert Accumulator(limits=limits).reducer.limits is limits
    reducer = Reducer(limits=limits)
    reducer.apply("thread.message.created", created("a"))
    with pytest.raises(TooManyMessages):
        reducer.apply("thread.message.created", created("b"))


def test_limit_errors_are_limit_exceeded() -> None:
    """Every limit error is a LimitExceeded, and so a DeltasnapError."""
    for cls in (
        EventTooLarge,
        IndexTooLarge,
        JSONTooDeep,
        TextTooLong,
        TooManyAnnotations,
        TooManyMessages,
        TooManyOutputs,
        TooManyParts,
        TooManyRuns,
        TooManySteps,
        TooManyToolCalls,
    ):
        assert issubclass(cls, LimitExceeded)


def test_huge_content_index_is_rejected_without_allocating() -> None:
    """Content index 4 294 967 294 raises IndexTooLarge (located) at once, allocating nothing."""
    payload = sse("thread.message.delta", delta(text(4294967294, "x")))
    err = measure("content index 4294967294", lambda: rejects(payload, IndexTooLarge), 1)
    assert err.content_index == 4294967294
    assert err.message_id == "msg_1"
    assert err.event_number == 3
    assert err.byte_offset == len(START)
    assert "max_content_index=1000" in str(err)


def test_huge_annotation_index_is_rejected() -> None:
    """An annotation index past max_annotation_index raises IndexTooLarge naming both indices."""
    payload = sse("thread.message.delta", delta(text(0, annotations=[ann(4294967294)])))
    err = rejects(payload, IndexTooLarge)
    assert (err.content_index, err.annotation_index) == (0, 4294967294)


def test_huge_indices_are_keys_not_positions() -> None:
    """Without limits, huge content and annotation indices are dict keys: nothing proportional."""
    indices = [0, 10**6, 4294967294, 2**62]

    def run() -> Any:
        acc = Accumulator(limits=Limits.unlimited())
        acc.feed(sse("thread.message.created", created()))
        for i in reversed(indices):
            acc.feed(sse("thread.message.delta", delta(text(i, f"{i};", [ann(i, text="t")]))))
        return unstructure(acc.messages["msg_1"])

    message = measure("huge indices as keys, unlimited", run, 1)
    assert [part["text"]["value"] for part in message["content"]] == [f"{i};" for i in indices]
    assert all(len(part["text"]["annotations"]) == 1 for part in message["content"])


def test_a_million_annotations_requested_via_huge_indices() -> None:
    """10**6 annotation deltas at huge indices in one delta are refused before any is looked at."""
    many = [ann(4294967294)] * 10**6  # one dict, a million times: cheap to build
    reducer = Reducer()
    reducer.apply("thread.message.created", created())

    def run() -> DeltasnapError:
        with pytest.raises(TooManyAnnotations) as info:
            reducer.apply("thread.message.delta", delta(text(0, annotations=many)))
        return info.value

    # (the depth check walks the decoded data level by level: 8 bytes per element at most)
    err = measure("10**6 annotations in one delta", run, 12)
    assert err.content_index == 0
    assert unstructure(reducer.messages["msg_1"])["content"] == []
    # and over the wire, 1000 per event at descending huge indices: each event refused at once
    events = b"".join(
        sse(
            "thread.message.delta",
            delta(text(0, annotations=[ann(4294967294 - 1000 * e - k) for k in range(1000)])),
        )
        for e in range(100)
    )

    def run() -> Accumulator:
        acc = Accumulator()
        acc.feed(START)
        acc.feed(events)
        return acc

    acc = measure("10**5 annotations at huge indices, 100 events", run, 16)
    assert kinds(acc) == ["skipped_event"] * 100
    assert acc.messages["msg_1"].content[0].text.annotations == ()  # type: ignore[union-attr]


def test_too_many_parts() -> None:
    """A message may have max_parts_per_message parts, from deltas or a created content list."""
    limits = Limits(max_parts_per_message=3)
    payload = sse("thread.message.delta", delta(text(1, "b"), text(2, "c"), text(3, "d")))
    err = rejects(payload, TooManyParts, limits=limits)
    assert err.content_index == 3
    long_list = sse("thread.message.delta", delta(*[text(0, "x")] * 4))
    rejects(long_list, TooManyParts, limits=limits)  # even when all at one index
    four = [{"type": "refusal", "refusal": "r"}] * 4
    rejects(sse("thread.message.completed", created(content=four)), TooManyParts, limits=limits)
    rejects(sse("thread.message.created", created("m2", content=four)), TooManyParts, limits=limits)
    # up to the limit is fine
    acc = Accumulator(strict=True, limits=limits)
    acc.feed(START + sse("thread.message.delta", delta(text(1, "b"), text(2, "c"))))
    assert len(acc.messages["msg_1"].content) == 3


def test_too_many_annotations_counts_across_items_and_events() -> None:
    """Annotations per part are counted over a delta's items (same part) and over events."""
    limits = Limits(max_annotations_per_part=2)
    prefix = START + sse("thread.message.delta", delta(text(0, annotations=[ann(0)])))
    two_items = delta(text(0, annotations=[ann(1)]), text(0, annotations=[ann(2)]))
    err = rejects(
        sse("thread.message.delta", two_items), TooManyAnnotations, limits=limits, prefix=prefix
    )
    assert (err.content_index, err.annotation_index) == (0, 2)
    later = sse("thread.message.delta", delta(text(0, annotations=[ann(1), ann(0), ann(5)])))
    rejects(later, TooManyAnnotations, limits=limits, prefix=prefix)
    blocks = [{"type": "text", "text": {"value": "", "annotations": [{"type": "x"}] * 3}}]
    rejects(
        sse("thread.message.created", created("m2", content=blocks)),
        TooManyAnnotations,
        limits=limits,
    )


def test_annotation_types_are_checked_across_items() -> None:
    """Two items of one delta giving one new annotation two types change nothing."""
    clash = delta(
        text(0, annotations=[ann(0, "file_path")]), text(0, annotations=[ann(0, "file_citation")])
    )
    err = rejects(sse("thread.message.delta", clash), ContentTypeMismatch)
    assert (err.content_index, err.annotation_index) == (0, 0)


def test_a_million_tiny_events_stop_at_max_messages() -> None:
    """A flood of created events stops at max_messages, in bounded memory (reports capped too)."""
    one = b'event: thread.message.created\ndata: {"id":"m%d"}\n\n'
    million = b"".join(one % i for i in range(10**6))
    limits = Limits(max_messages=1000, max_reports=100)

    def run(stream: bytes, strict: bool) -> tuple[Accumulator, DeltasnapError | None]:
        acc = Accumulator(strict=strict, limits=limits)
        try:
            for i in range(0, len(stream), 64 * 1024):
                acc.feed(stream[i : i + 64 * 1024])
            acc.close()
        except TooManyMessages as err:
            return acc, err
        return acc, None

    strict, err = measure("10**6 created events, strict", lambda: run(million, True), 8)
    assert err is not None and (err.event_number, err.message_id) == (1001, "m1000")
    assert len(strict.messages) == 1000
    part = b"".join(one % i for i in range(50_000))
    lenient, _ = measure("5 * 10**4 created events, lenient", lambda: run(part, False), 8)
    assert len(lenient.messages) == 1000
    assert len(lenient.events) == 1000  # skipped events are not kept
    assert kinds(lenient)[:100] == ["skipped_event"] * 100
    assert lenient.reports[-1].kind == "reports_dropped"
    assert "48901 more reports" in lenient.reports[-1].reason  # 49 000 skipped + truncated - 100


def test_text_limit_counts_values_refusals_and_annotation_text() -> None:
    """max_text_per_message counts text values, refusals and annotation text, over all parts."""
    limits = Limits(max_text_per_message=10)
    prefix = START  # "kept": 4 characters
    err = rejects(
        sse("thread.message.delta", delta(text(0, "1234567"))),
        TextTooLong,
        limits=limits,
        prefix=prefix,
    )
    assert err.content_index == 0
    refusal = {"index": 1, "type": "refusal", "refusal": "1234567"}
    assert (
        rejects(
            sse("thread.message.delta", delta(refusal)), TextTooLong, limits=limits, prefix=prefix
        ).content_index
        == 1
    )
    in_annotation = delta(text(2, "12", [ann(0, text="12345")]))
    rejects(sse("thread.message.delta", in_annotation), TextTooLong, limits=limits, prefix=prefix)
    acc = Accumulator(strict=True, limits=limits)
    acc.feed(prefix + sse("thread.message.delta", delta(text(0, "123456"))))  # exactly 10
    assert acc.messages["msg_1"].content[0].text.value == "kept123456"  # type: ignore[union-attr]


def test_text_limit_on_whole_messages() -> None:
    """A created or completed message longer than max_text_per_message is refused."""
    limits = Limits(max_text_per_message=10)
    blocks = [{"type": "text", "text": {"value": "x" * 11, "annotations": []}}]
    rejects(
        sse("thread.message.created", created("m2", content=blocks)), TextTooLong, limits=limits
    )
    rejects(sse("thread.message.completed", created(content=blocks)), TextTooLong, limits=limits)


def test_streamed_annotation_text_costs_linear_time(text_joins: JoinCounter) -> None:
    """Annotation text streamed in many pieces is appended, not rejoined per piece (that was
    quadratic): at most one join for the one read, counted; memory bounded."""
    piece = "x" * 10_000
    one = sse("thread.message.delta", delta(text(0, annotations=[ann(0, text=piece)])))
    stream = START + one * 2000  # 20 M characters in 2000 pieces: quadratic would take minutes

    def run() -> Accumulator:
        acc = Accumulator()
        acc.feed(stream)
        return acc

    acc = measure("2000 pieces of annotation text, 10 000 characters each", run, 200)
    assert text_joins.count == 0  # nothing joined while the pieces streamed
    annotation = acc.messages["msg_1"].content[0].text.annotations[0]  # type: ignore[union-attr]
    assert annotation.text == piece * 2000  # type: ignore[union-attr]


def test_tiny_final_copies_cost_what_they_carry() -> None:
    """Final copies of a big message cost what they carry, not what the message holds."""
    many = [ann(i, text="t", start_index=0, end_index=1) for i in range(10_000)]
    big = START + sse("thread.message.delta", delta(text(0, "x" * 10**6, many)))
    tiny = sse("thread.message.completed", created(status="completed")) * 200
    acc = Accumulator(use_completed=False)
    acc.feed(big)

    def run() -> None:
        acc.feed(tiny)

    measure("200 tiny final copies of a message with 10 000 annotations", run, 16)
    assert kinds(acc) == ["completed_differs"] * 200
    assert len(acc.messages["msg_1"].content[0].text.annotations) == 10_000  # type: ignore[union-attr]


def test_max_reports_keeps_the_first_and_counts_the_rest() -> None:
    """Past max_reports, reports are only counted; close() says how many were dropped."""
    acc = Accumulator(limits=Limits(max_reports=3))
    acc.feed(b"event: thread.message.delta\ndata: nope\n\n" * 10)
    assert len(acc.reports) == 3 and acc.reports.dropped == 7
    acc.close()
    assert kinds(acc) == ["skipped_event"] * 3 + ["reports_dropped"]
    assert acc.reports[-1].reason == "8 more reports were not kept (max_reports=3)"
    assert acc.reports.dropped == 8
    acc.close()
    assert len(acc.reports) == 4


def test_max_kept_events_bounds_the_event_log() -> None:
    """Past max_kept_events, events are applied and counted but not kept; one report says so."""
    event = sse("thread.run.in_progress", run_event("in_progress"))
    acc = Accumulator(limits=Limits(max_kept_events=3))
    acc.feed(event * 10)
    assert len(acc.events) == 3 and acc.events_not_kept == 7
    assert acc.event_counts["thread.run.in_progress"] == 10
    assert kinds(acc) == ["events_not_kept"]
    assert acc.reports[0].event_number == 4
    kept = Accumulator(limits=Limits(max_kept_events=None))
    kept.feed(event * 10)
    assert len(kept.events) == 10 and kept.events_not_kept == 0 and kept.reports == []


def test_max_kept_event_bytes_bounds_the_event_log() -> None:
    """Past max_kept_event_bytes (counted from the data's JSON text), events are applied and
    counted but not kept; one events_not_kept report names the bound; decoded data counts too."""
    event = sse("thread.run.in_progress", run_event("in_progress"))
    size = len(json.dumps(run_event("in_progress"), ensure_ascii=False))
    acc = Accumulator(limits=Limits(max_kept_event_bytes=3 * size))
    acc.feed(event * 10)
    assert len(acc.events) == 3 and acc.events_not_kept == 7
    assert acc.kept_event_bytes == 3 * size
    assert acc.event_counts["thread.run.in_progress"] == 10
    assert kinds(acc) == ["events_not_kept"]
    assert acc.reports[0].event_number == 4
    assert "max_kept_event_bytes" in acc.reports[0].reason
    decoded = Accumulator(limits=Limits(max_kept_event_bytes=2 * size + 10))
    for _ in range(5):
        decoded.feed_event("thread.run.in_progress", run_event("in_progress"))
    assert len(decoded.events) == 2 and decoded.events_not_kept == 3
    assert Limits.unlimited().max_kept_event_bytes is None


def test_unknown_events_are_kept_within_their_byte_bound() -> None:
    """Unknown events whose data costs ~32x its size in memory (arrays of empty arrays): what
    acc.events holds is bounded by max_kept_event_bytes, not by the events' count."""
    payload = json.dumps({"id": "x", "data": [[]] * 100_000})  # ~400 KB of text, ~6 MB parsed
    event = sse("thread.unknown.event", payload)
    acc = Accumulator(limits=Limits(max_kept_event_bytes=len(payload)))

    def run() -> None:
        for _ in range(20):
            acc.feed(event)

    measure("20 unknown events of 100 000 empty arrays, one kept", run, 24)
    assert len(acc.events) == 1 and acc.events_not_kept == 19
    assert kinds(acc) == ["events_not_kept"]


# -------------------------------------------------------------------- run-step limits

STEP_START = sse("thread.run.step.created", step_created()) + sse(
    "thread.run.step.delta",
    step_delta(function_delta(0, "{}", name="f"), code_delta(1, "x", {"index": 0, "type": "logs"})),
)


@pytest.mark.parametrize(
    ("payload", "error", "where"),
    [
        (
            step_delta(function_delta(4294967294, "")),
            IndexTooLarge,
            {"tool_call_index": 4294967294},
        ),
        (
            step_delta(code_delta(1, None, {"index": 4294967294, "type": "logs"})),
            IndexTooLarge,
            {"tool_call_index": 1, "output_index": 4294967294},
        ),
        (
            step_delta(function_delta(2), function_delta(3)),
            TooManyToolCalls,
            {"tool_call_index": 3},
        ),
        (step_delta(*[function_delta(0)] * 4), TooManyToolCalls, {}),
        (
            step_delta(code_delta(1, None, *[{"index": i, "type": "logs"} for i in (1, 2, 3)])),
            TooManyOutputs,
            {"tool_call_index": 1, "output_index": 3},
        ),
        (step_delta(function_delta(0, "123456789")), TextTooLong, {"tool_call_index": 0}),
        (
            step_delta(code_delta(1, None, {"index": 0, "type": "logs", "logs": "123456789"})),
            TextTooLong,
            {"tool_call_index": 1},
        ),
        (step_delta(sid="step_2"), TooManySteps, {"step_id": "step_2"}),
    ],
    ids=[
        "call index",
        "output index",
        "calls",
        "call items",
        "outputs",
        "arguments",
        "logs",
        "steps",
    ],
)
def test_run_step_limits(
    payload: dict[str, Any], error: type[DeltasnapError], where: dict[str, Any]
) -> None:
    """Run steps have the same index, count and text limits, located by step and tool call."""
    limits = Limits(
        max_steps=1,
        max_tool_call_index=10**6,
        max_tool_calls_per_step=3,
        max_output_index=10**6,
        max_outputs_per_tool_call=3,
        max_text_per_message=10,
    )
    err = rejects(sse("thread.run.step.delta", payload), error, limits=limits, prefix=STEP_START)
    assert err.location.items() >= {"step_id": payload["id"], **where}.items()


def test_run_step_limits_on_whole_steps_and_runs() -> None:
    """Created and final steps are checked as a whole; runs are counted by max_runs."""
    limits = Limits(max_tool_calls_per_step=1, max_outputs_per_tool_call=1, max_runs=1)
    calls = {"type": "tool_calls", "tool_calls": [{"type": "function", "function": {}}] * 2}
    rejects(
        sse("thread.run.step.created", step_created("s2", **calls)), TooManyToolCalls, limits=limits
    )
    outputs = [{"type": "logs", "logs": ""}] * 2
    call = {"type": "code_interpreter", "code_interpreter": {"input": "", "outputs": outputs}}
    one_call = {"type": "tool_calls", "tool_calls": [call]}
    err = rejects(
        sse("thread.run.step.completed", step_created("s2", **one_call)),
        TooManyOutputs,
        limits=limits,
    )
    assert err.tool_call_index == 0
    prefix = START + sse("thread.run.created", run_event("created"))
    err = rejects(
        sse("thread.run.created", run_event("created", "run_2")),
        TooManyRuns,
        limits=limits,
        prefix=prefix,
    )
    assert "max_runs=1" in str(err)


# -------------------------------------------------------------------------- JSON depth


def nested_dict(depth: int) -> dict[str, Any]:
    """A dict nesting ``depth`` dicts in all (built without recursion)."""
    top: dict[str, Any] = {}
    inner = top
    for _ in range(depth - 1):
        inner["a"] = {}
        inner = inner["a"]
    return top


@pytest.mark.parametrize(("opener", "closer"), [("[", "]"), ('{"a":', "}")])
def test_json_nested_100000_deep(opener: str, closer: str) -> None:
    """JSON nested 100 000 deep raises JSONTooDeep (no RecursionError), in bounded memory."""
    body = opener * 100_000 + "1" + closer * 100_000
    payload = sse("thread.message.delta", body)
    err = measure(f"JSON nested 100000 deep {opener}", lambda: rejects(payload, JSONTooDeep), 4)
    assert err.event_number == 3
    assert "max_json_depth=64" in str(err)


def test_decoded_deep_data_is_checked_too() -> None:
    """Already-decoded data (feed_event, Reducer.apply) is depth-checked, cycles included."""
    deep = {**created("m2"), "metadata": nested_dict(100_000)}
    cyclic: dict[str, Any] = created("m3")
    cyclic["metadata"] = {"self": cyclic}
    for name, data in (("100000-deep", deep), ("cyclic", cyclic)):

        def run(data: dict[str, Any] = data) -> Accumulator:
            acc = Accumulator()
            acc.feed(START)
            acc.feed_event("thread.message.created", data)
            return acc

        acc = measure(f"feed_event, {name} dict", run, 1)
        assert kinds(acc) == ["skipped_event"] and "max_json_depth" in acc.reports[0].reason
        assert state(acc) == state(Accumulator()) | {"messages": {"msg_1": ANY}}
        with pytest.raises(JSONTooDeep):
            Reducer().apply("thread.message.created", data)
    with pytest.raises(JSONTooDeep):
        check_depth([[[]]], 2)
    check_depth([[[]]], 3)
    check_depth("[[[[not a container", 1)


def test_data_at_the_depth_limit_is_fine_everywhere() -> None:
    """Data nested up to max_json_depth is parsed, merged, compared and copied without recursing."""
    limits = Limits(max_json_depth=MAX_JSON_DEPTH)
    deep = nested_dict(MAX_JSON_DEPTH - 3)  # inside event data, a delta and an extra field
    events = [
        ("thread.message.created", created(metadata=nested_dict(MAX_JSON_DEPTH - 1))),
        ("thread.message.delta", delta(text(0, "a"), x_extra=deep)),
        ("thread.message.delta", delta(text(0, "b"), x_extra=deep)),
        ("thread.message.completed", {**created(x_extra=deep), "status": "completed"}),
    ]
    raw = b"".join(sse(event, data) for event, data in events)
    assert loads(raw.split(b"data: ")[2].split(b"\n")[0].decode(), MAX_JSON_DEPTH)
    for use_completed in (True, False):
        acc = Accumulator(strict=True, limits=limits, use_completed=use_completed)
        acc.feed(raw)
        message = acc.messages["msg_1"]
        again = structure(unstructure(message), Message)
        assert unstructure(again) == unstructure(message)
        json.dumps(unstructure(message))
        by_event = Accumulator(strict=True, limits=limits, use_completed=use_completed)
        for event, data in events:
            by_event.feed_event(event, data)
        assert state(by_event) == state(acc)
    too_deep = sse("thread.message.delta", delta(text(0, "c"), x_extra=nested_dict(MAX_JSON_DEPTH)))
    rejects(too_deep, JSONTooDeep, limits=limits)


def test_depth_check_is_linear_on_escaped_quotes() -> None:
    """Escaped quotes and backslashes cannot make the depth check quadratic (it once was)."""
    body = "[" * 70 + '"' + '\\"[' * 300_000 + '"' + "]" * 70
    assert json.loads(body)

    def run() -> None:
        rejects(sse("thread.message.delta", body), JSONTooDeep)
        rejects(sse("thread.message.delta", '\\"' * 300_000 + "[" * 100), InvalidJSON)

    measure("depth check, 600 KB of escaped quotes", run, 16)


# ------------------------------------------------------------------------- event size


def test_100mb_line_without_newline_keeps_memory_bounded() -> None:
    """A 100 MB line in 64 KB chunks never holds over max_event_bytes; events around it stay."""
    limits = Limits(max_event_bytes=MIB)
    chunk = b"x" * (64 * 1024)

    def run() -> Accumulator:
        acc = Accumulator(limits=limits)
        acc.feed(START)
        acc.feed(b"data: ")
        for _ in range(100 * MIB // len(chunk)):
            acc.feed(chunk)
        acc.feed(b"\n\n" + sse("thread.message.delta", delta(text(0, "!"))) + DONE)
        return acc

    acc = measure("100 MB line in 64 KB chunks", run, 3)
    assert acc.messages["msg_1"].content[0].text.value == "kept!"  # type: ignore[union-attr]
    assert kinds(acc) == ["skipped_event"]
    assert "max_event_bytes=1048576" in acc.reports[0].reason
    strict = Accumulator(strict=True, limits=limits)
    with pytest.raises(EventTooLarge) as info:
        strict.feed(START + b"data: " + b"x" * (2 * MIB))
    assert (info.value.event_number, info.value.byte_offset) == (3, len(START))


# ----------------------------------------------------------------------- broken input


def test_invalid_utf8() -> None:
    """Invalid UTF-8: the decoder raises DecodeError at its byte offset; lenient skips it."""
    bad = sse("thread.message.delta", delta(text(0, "é"))).replace("é".encode(), b"\xff")
    with pytest.raises(DecodeError) as info:
        SSEDecoder().feed(START + bad)
    assert info.value.byte_offset == len(START) + bad.index(b"data:")
    assert info.value.event_number == 3
    err = rejects(bad, DecodeError)
    assert err.byte_offset == len(START) + bad.index(b"data:")


def test_invalid_json() -> None:
    """Invalid JSON is an InvalidJSON located at its event."""
    err = rejects(b'event: thread.message.delta\ndata: {"id": "msg_1", "delta": \n\n', InvalidJSON)
    assert (err.event_number, err.byte_offset, err.event) == (3, len(START), "thread.message.delta")


@pytest.mark.parametrize("body", ["[1]", '"x"', "3", "null", "true"])
@pytest.mark.parametrize(
    "event",
    [
        "thread.message.created",
        "thread.message.delta",
        "thread.message.completed",
        "thread.run.step.delta",
        "thread.run.created",
    ],
)
def test_data_that_is_not_an_object(event: str, body: str) -> None:
    """JSON that is not an object, for an event that needs one, is InvalidJSON."""
    rejects(sse(event, body), InvalidJSON)


BAD_DELTAS: list[tuple[str, dict[str, Any], type[DeltasnapError]]] = [
    ("missing index", delta({"type": "text"}), InvalidIndex),
    ("missing type", delta({"index": 0}), DeltaError),
    ("string index", delta({"index": "0", "type": "text"}), InvalidIndex),
    ("bool index", delta({"index": True, "type": "text"}), InvalidIndex),
    ("float index", delta({"index": 0.0, "type": "text"}), InvalidIndex),
    ("negative index", delta({"index": -1, "type": "text"}), InvalidIndex),
    ("type change", delta({"index": 0, "type": "refusal", "refusal": "r"}), ContentTypeMismatch),
    ("annotation index", delta(text(0, annotations=[ann(True)])), InvalidIndex),  # type: ignore[arg-type]
    ("annotation type", delta(text(0, annotations=[{"index": 0}])), DeltaError),
    ("delta not object", {"id": "msg_1", "delta": "x"}, DeltaError),
    ("bad top-level field", delta(role=5), ValidationError),
    ("id not string", {"id": 1, "delta": {}}, DeltaError),
]


@pytest.mark.parametrize(("name", "payload", "error"), BAD_DELTAS, ids=[b[0] for b in BAD_DELTAS])
def test_malformed_deltas(name: str, payload: dict[str, Any], error: type[DeltasnapError]) -> None:
    """Missing or wrong-typed fields and type changes raise their error and change nothing."""
    err = rejects(sse("thread.message.delta", payload), error)
    assert err.event_number == 3
    assert err.byte_offset == len(START)


def test_malformed_delta_for_an_unknown_message_creates_nothing() -> None:
    """A bad delta for a message never created creates no bare snapshot and no repair report."""
    rejects(sse("thread.message.delta", delta(role=5, mid="ghost")), ValidationError)
    rejects(sse("thread.message.in_progress", {"id": "ghost", "content": 3}), ValidationError)


@pytest.mark.parametrize(
    ("event", "data"),
    [
        ("thread.message.created", created("m2", content=[{"type": ["text"]}])),
        ("thread.message.completed", created(content=[{"type": "text", "text": [1]}])),
        (
            "thread.run.step.created",
            step_created(
                "s2",
                type="tool_calls",
                tool_calls=[
                    {"type": "code_interpreter", "code_interpreter": {"outputs": [{"type": {}}]}}
                ],
            ),
        ),
    ],
    ids=["created", "completed", "step"],
)
def test_whole_objects_with_wrong_types(event: str, data: dict[str, Any]) -> None:
    """Created and final objects with wrong-typed inner fields are ValidationErrors."""
    rejects(sse(event, data), ValidationError)


def test_delta_before_created() -> None:
    """Lenient: a delta for an unknown message starts a bare snapshot, reported; strict raises."""
    acc = Accumulator()
    acc.feed(sse("thread.message.delta", delta(text(0, "orphan"))))
    assert acc.messages["msg_1"].content[0].text.value == "orphan"  # type: ignore[union-attr]
    assert kinds(acc) == ["delta_before_created"]
    strict = Accumulator(strict=True)
    with pytest.raises(StrictModeError) as info:
        strict.feed(sse("thread.message.delta", delta(text(0, "orphan"))))
    assert (info.value.message_id, info.value.event_number) == ("msg_1", 1)
    assert len(strict.messages) == 0


def test_duplicate_created() -> None:
    """A second created keeps the accumulated content (reported); strict raises."""
    acc = Accumulator()
    acc.feed(START + sse("thread.message.created", created()))
    assert acc.messages["msg_1"].content[0].text.value == "kept"  # type: ignore[union-attr]
    assert kinds(acc) == ["duplicate_created"]
    strict = Accumulator(strict=True)
    strict.feed(START)
    with pytest.raises(StrictModeError):
        strict.feed(sse("thread.message.created", created()))
    assert strict.messages["msg_1"].content[0].text.value == "kept"  # type: ignore[union-attr]


def test_completed_for_an_unknown_id() -> None:
    """A completed message never created is taken as is (reported, informational), in strict
    mode too: a final copy is complete data (an earlier body's object, fed alone)."""
    final = sse("thread.message.completed", created("msg_z", status="completed"))
    for strict in (False, True):
        acc = Accumulator(strict=strict)
        acc.feed(final)
        assert acc.messages["msg_z"].status == "completed"
        assert kinds(acc) == ["completed_unknown"]


def test_events_after_done() -> None:
    """After done: lenient applies the event and reports it; strict raises StrictModeError."""
    after = sse("thread.message.delta", delta(text(0, "+")))
    acc = Accumulator()
    acc.feed(START + DONE + after)
    assert acc.messages["msg_1"].content[0].text.value == "kept+"  # type: ignore[union-attr]
    assert kinds(acc) == ["event_after_done"]
    strict = Accumulator(strict=True)
    strict.feed(START + DONE)
    with pytest.raises(StrictModeError, match="after done") as info:
        strict.feed(after)
    assert issubclass(StrictModeError, DeltasnapError)
    assert (info.value.event_number, info.value.event) == (4, "thread.message.delta")
    assert strict.messages["msg_1"].content[0].text.value == "kept"  # type: ignore[union-attr]
    strict.new_segment()  # a new body on the same run may go on
    strict.feed(after)
    assert strict.messages["msg_1"].content[0].text.value == "kept+"  # type: ignore[union-attr]


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("where", ["mid-event", "mid-UTF-8", "mid-JSON"])
def test_truncated_stream(where: str, strict: bool) -> None:
    """A stream cut mid-event, mid-character or mid-JSON keeps its snapshots and reports the cut."""
    tail = sse("thread.message.delta", delta(text(0, " café")))
    cut = {
        "mid-event": tail.index(b"\n\n") + 1,
        "mid-UTF-8": tail.index("é".encode()) + 1,
        "mid-JSON": tail.index(b'"value"'),
    }[where]
    acc = Accumulator(strict=strict, dispatch_unterminated=False)
    acc.feed(START + tail[:cut])
    acc.close()
    assert acc.truncated
    assert kinds(acc) == ["truncated_event", "truncated"]
    assert acc.messages["msg_1"].content[0].text.value == "kept"  # type: ignore[union-attr]
    # by default an unterminated last event whose JSON is complete is applied (informational)
    acc = Accumulator(strict=strict)
    acc.feed(START + tail[:cut])
    acc.close()
    assert acc.truncated  # no done still
    value = acc.messages["msg_1"].content[0].text.value  # type: ignore[union-attr]
    if where == "mid-event":
        assert kinds(acc) == ["unterminated_event", "truncated"]
        assert value == "kept café"
    else:
        assert kinds(acc) == ["truncated_event", "truncated"]
        assert value == "kept"


def test_json_cut_short_inside_a_complete_event() -> None:
    """JSON cut short but followed by a blank line is an InvalidJSON for that event only."""
    tail = sse("thread.message.delta", delta(text(0, "lost")))
    cut_json = tail[: tail.index(b'"value"')] + b"\n\n"
    rejects(cut_json, InvalidJSON)


# -------------------------------------------------------------- found by fuzzing (fixed)


def test_image_part_without_its_object_stays_readable() -> None:
    """An image_file / image_url delta without (or with a null) object leaves a readable part."""
    acc = Accumulator(strict=True)
    acc.feed(START + sse("thread.message.delta", delta({"index": 1, "type": "image_file"})))
    acc.feed(
        sse("thread.message.delta", delta({"index": 2, "type": "image_url", "image_url": None}))
    )
    content = unstructure(acc.messages["msg_1"])["content"]
    assert content[1:] == [
        {"type": "image_file", "image_file": {"file_id": None}},
        {"type": "image_url", "image_url": {"url": None}},
    ]
    acc.feed(
        sse(
            "thread.message.delta",
            delta({"index": 1, "type": "image_file", "image_file": {"file_id": "f"}}),
        )
    )
    assert unstructure(acc.messages["msg_1"])["content"][1]["image_file"] == {"file_id": "f"}


def test_latest_run_survives_its_step_being_replaced() -> None:
    """The latest run stays readable when the only step naming it is replaced without a run."""
    acc = Accumulator()
    acc.feed(sse("thread.run.step.created", step_created()))
    assert acc.reducer.run is not None and acc.reducer.run.id == "run_1"
    final = {k: v for k, v in step_created().items() if k != "run_id"}
    acc.feed(sse("thread.run.step.completed", final))
    assert acc.reducer.run is None
    assert list(acc.reducer.runs) == []
