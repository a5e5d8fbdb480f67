"""The merge contract, pinned down: reference captures, merge laws, errors and linear cost."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deltasnap
from deltasnap import (
    ContentTypeMismatch,
    DeltaError,
    DeltasnapError,
    InvalidIndex,
    InvalidJSON,
    Reducer,
    StrictModeError,
    ValidationError,
    unstructure,
)

from conftest import MESSAGE_STREAMS, JoinCounter, expected, simple_events
from strategies import interleavings, message_events, messages, multi_message_streams

# every test here runs with the text-delta shortcut on and off
pytestmark = pytest.mark.usefixtures("shortcut")


def reduce(events: list[tuple[str, Any]], **kwargs: Any) -> Reducer:
    """A reducer that has applied every event."""
    reducer = Reducer(**kwargs)
    for event, data in events:
        reducer.apply(event, data)
    return reducer


def snapshots(reducer: Reducer) -> dict[str, Any]:
    """Every message snapshot in the API's JSON shape."""
    return {mid: unstructure(msg) for mid, msg in reducer.messages.items()}


def created(mid: str = "msg_1") -> dict[str, Any]:
    """A thread.message.created payload with empty content."""
    return {
        "id": mid,
        "object": "thread.message",
        "created_at": 1,
        "assistant_id": None,
        "thread_id": "t",
        "run_id": None,
        "status": "in_progress",
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
        "role": "assistant",
        "content": [],
        "attachments": [],
        "metadata": {},
    }


def delta(*content: dict[str, Any], mid: str = "msg_1", **top: Any) -> dict[str, Any]:
    """A thread.message.delta payload."""
    body: dict[str, Any] = dict(top)
    if content:
        body["content"] = list(content)
    return {"id": mid, "object": "thread.message.delta", "delta": body}


def text(index: int, value: str | None = None, **fields: Any) -> dict[str, Any]:
    """A text content delta."""
    inner = dict(fields)
    if value is not None:
        inner["value"] = value
    return {"index": index, "type": "text", "text": inner}


# ------------------------------------------------------------------- reference captures


@pytest.mark.parametrize("name", MESSAGE_STREAMS)
@pytest.mark.parametrize("use_completed", [True, False])
def test_reference_stream_reduces_to_expected(name: str, use_completed: bool) -> None:
    """Each reference capture reduces to its expected messages, with or without completed copies."""
    reducer = reduce(simple_events(name), use_completed=use_completed)
    assert snapshots(reducer) == expected(name)
    assert [r for r in reducer.reports if r.kind == "completed_differs"] == []


@pytest.mark.parametrize("name", MESSAGE_STREAMS)
def test_snapshot_readable_after_every_event(name: str) -> None:
    """Reading every snapshot after every event works and ends at the same result."""
    reducer = Reducer(use_completed=False)
    for event, data in simple_events(name):
        reducer.apply(event, data)
        for msg in reducer.messages.values():
            unstructure(msg)
    assert snapshots(reducer) == expected(name)


def test_mid_stream_snapshot_is_the_text_so_far() -> None:
    """A snapshot taken mid-stream shows exactly the text received so far."""
    reducer = Reducer()
    events = simple_events("basic")
    for event, data in events[:5]:  # run.created, created, 3 deltas
        reducer.apply(event, data)
    msg = reducer.messages["msg_1"]
    assert msg.content[0].text.value == "Hello, world"  # type: ignore[union-attr]
    assert msg.status == "in_progress"


def test_old_snapshot_does_not_change() -> None:
    """A snapshot is immutable: later deltas do not change what it reads."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    reducer.apply("thread.message.delta", delta(text(0, "ab")))
    before = reducer.messages["msg_1"]
    reducer.apply("thread.message.delta", delta(text(0, "cd")))
    after = reducer.messages["msg_1"]
    assert before.content[0].text.value == "ab"  # type: ignore[union-attr]
    assert after.content[0].text.value == "abcd"  # type: ignore[union-attr]
    assert before != after


# ------------------------------------------------------------------------ merge laws


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_split_of_deltas_rebuilds_the_message(data: st.DataObject) -> None:
    """However text, refusals and annotations are split into deltas, the message comes out."""
    message = data.draw(messages())
    events = data.draw(message_events(message))
    reducer = reduce(events, use_completed=False)
    assert snapshots(reducer) == {message["id"]: message}
    assert [r.kind for r in reducer.reports] == []


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_splitting_a_delta_changes_nothing(data: st.DataObject) -> None:
    """Splitting one text/refusal delta into two gives the same snapshot at the end."""
    message = data.draw(messages())
    events = data.draw(message_events(message))
    splittable = [
        i
        for i, (event, body) in enumerate(events)
        if event == "thread.message.delta"
        and len(body["delta"]["content"]) == 1
        and len(_streamed_piece(body["delta"]["content"][0]) or "") >= 2
    ]
    if not splittable:
        return
    i = data.draw(st.sampled_from(splittable))
    item = events[i][1]["delta"]["content"][0]
    piece = _streamed_piece(item)
    assert piece is not None
    cut = data.draw(st.integers(1, len(piece) - 1))
    first, second = copy.deepcopy(item), copy.deepcopy(item)
    _set_streamed_piece(first, piece[:cut])
    _set_streamed_piece(second, piece[cut:])
    split = [
        *events[:i],
        ("thread.message.delta", delta(first, mid=message["id"])),
        ("thread.message.delta", delta(second, mid=message["id"])),
        *events[i + 1 :],
    ]
    mid = message["id"]
    assert (
        snapshots(reduce(split, use_completed=False))[mid]
        == snapshots(reduce(events, use_completed=False))[mid]
    )


def _streamed_piece(item: dict[str, Any]) -> str | None:
    if item["type"] == "text":
        return item.get("text", {}).get("value")  # type: ignore[no-any-return]
    if item["type"] == "refusal":
        return item.get("refusal")  # type: ignore[no-any-return]
    return None


def _set_streamed_piece(item: dict[str, Any], piece: str) -> None:
    if item["type"] == "text":
        item["text"]["value"] = piece
    else:
        item["refusal"] = piece


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_interleaving_messages_in_any_order(data: st.DataObject) -> None:
    """Any interleaving of several messages' events gives each message its own snapshot."""
    msgs, streams = data.draw(multi_message_streams())
    merged = data.draw(interleavings(streams))
    reducer = reduce(merged, use_completed=False)
    assert snapshots(reducer) == msgs
    assert reducer.reports == []


def test_content_keyed_by_index_not_position() -> None:
    """Sparse and out-of-order indices land at their own key; content is ordered by index."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    reducer.apply("thread.message.delta", delta(text(5, "five")))
    reducer.apply("thread.message.delta", delta({"index": 2, "type": "refusal", "refusal": "no"}))
    reducer.apply("thread.message.delta", delta(text(5, "!")))
    content = unstructure(reducer.messages["msg_1"])["content"]
    assert content == [
        {"type": "refusal", "refusal": "no"},
        {"type": "text", "text": {"value": "five!", "annotations": []}},
    ]


def test_annotations_keyed_by_index_and_merged() -> None:
    """Annotation deltas merge by their own index: text appends, other fields replace."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    ann1 = {"index": 1, "type": "file_path", "text": "b", "start_index": 3}
    ann0 = {"index": 0, "type": "file_citation", "text": "x", "start_index": 0, "end_index": 1}
    reducer.apply("thread.message.delta", delta(text(0, "hey", annotations=[ann1])))
    reducer.apply("thread.message.delta", delta(text(0, annotations=[ann0])))
    later = {
        "index": 1,
        "type": "file_path",
        "text": "c",
        "end_index": 5,
        "file_path": {"file_id": "f"},
    }
    reducer.apply("thread.message.delta", delta(text(0, annotations=[later])))
    anns = unstructure(reducer.messages["msg_1"])["content"][0]["text"]["annotations"]
    assert anns == [
        {
            "type": "file_citation",
            "text": "x",
            "start_index": 0,
            "end_index": 1,
            "file_citation": None,
        },
        {
            "type": "file_path",
            "text": "bc",
            "start_index": 3,
            "end_index": 5,
            "file_path": {"file_id": "f"},
        },
    ]


def test_numbers_are_replaced_never_added() -> None:
    """Repeated numeric fields take the latest value; nothing is summed."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    ann = {"index": 0, "type": "file_path", "start_index": 4, "end_index": 9}
    reducer.apply("thread.message.delta", delta(text(0, "a", annotations=[ann], tokens=3)))
    ann2 = {"index": 0, "type": "file_path", "start_index": 4, "end_index": 9}
    reducer.apply("thread.message.delta", delta(text(0, "b", annotations=[ann2], tokens=3)))
    block = unstructure(reducer.messages["msg_1"])["content"][0]
    assert block["text"]["annotations"][0]["start_index"] == 4
    assert block["text"]["annotations"][0]["end_index"] == 9
    assert block["text"]["tokens"] == 3


def test_scalars_replace_and_null_does_not_erase() -> None:
    """Image fields are replaced by the latest value; a later null leaves the value in place."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    img = {"index": 0, "type": "image_url", "image_url": {"url": "http://a", "detail": "low"}}
    reducer.apply("thread.message.delta", delta(img))
    img2 = {"index": 0, "type": "image_url", "image_url": {"url": "http://b", "detail": None}}
    reducer.apply("thread.message.delta", delta(img2))
    block = unstructure(reducer.messages["msg_1"])["content"][0]
    assert block == {"type": "image_url", "image_url": {"url": "http://b", "detail": "low"}}


def test_role_and_unknown_top_level_delta_fields_replace() -> None:
    """Top-level delta fields (role, unknown ones) replace the message's fields."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    updates = reducer.apply("thread.message.delta", delta(role="user", x_new=1))
    msg = unstructure(reducer.messages["msg_1"])
    assert msg["role"] == "user"
    assert msg["x_new"] == 1
    assert [u.kind for u in updates] == ["message.delta"]


def test_updates_report_text_pieces() -> None:
    """apply() says what changed: message, content index and the new text piece."""
    reducer = Reducer()
    assert reducer.apply("thread.message.created", created())[0].kind == "message.created"
    updates = reducer.apply(
        "thread.message.delta",
        delta(text(0, "Hi"), {"index": 1, "type": "refusal", "refusal": "No"}),
    )
    assert [(u.kind, u.message_id, u.content_index, u.text) for u in updates] == [
        ("text", "msg_1", 0, "Hi"),
        ("refusal", "msg_1", 1, "No"),
    ]
    assert updates[0].event_number == 2


def test_other_events_are_ignored() -> None:
    """Error, done, thread and unknown events are accepted and change no message."""
    reducer = Reducer()
    for event in ("thread.created", "error", "done", "made.up", "thread.run.step.made_up"):
        assert reducer.apply(event, {"id": "x"}) == []
    assert len(reducer.messages) == 0
    assert reducer.events_applied == 5


# --------------------------------------------------------------- completed messages


def _differing_stream() -> list[tuple[str, Any]]:
    final = {**created(), "status": "completed", "completed_at": 9}
    final["content"] = [{"type": "text", "text": {"value": "server", "annotations": []}}]
    return [
        ("thread.message.created", created()),
        ("thread.message.delta", delta(text(0, "ours", annotations=[]))),
        ("thread.message.completed", final),
    ]


def test_completed_copy_wins_and_difference_is_reported() -> None:
    """The completed message becomes the snapshot; its difference from ours is reported."""
    reducer = reduce(_differing_stream())
    msg = reducer.messages["msg_1"]
    assert msg.content[0].text.value == "server"  # type: ignore[union-attr]
    assert msg.status == "completed"
    [report] = reducer.reports
    assert report.kind == "completed_differs"
    assert report.message_id == "msg_1"
    assert report.event_number == 3
    assert any("content[0].text.value" in d and "'ours'" in d for d in report.details)


def test_use_completed_false_keeps_accumulated_content() -> None:
    """use_completed=False keeps the deltas' content but takes status and times from the server."""
    reducer = reduce(_differing_stream(), use_completed=False)
    msg = reducer.messages["msg_1"]
    assert msg.content[0].text.value == "ours"  # type: ignore[union-attr]
    assert msg.status == "completed"
    assert msg.completed_at == 9
    assert [r.kind for r in reducer.reports] == ["completed_differs"]


def test_deltas_after_completed_merge_onto_the_server_copy() -> None:
    """A delta after completed continues from the server's copy, not from stale state."""
    reducer = reduce(_differing_stream())
    reducer.apply("thread.message.delta", delta(text(0, "+")))
    assert reducer.messages["msg_1"].content[0].text.value == "server+"  # type: ignore[union-attr]


def test_created_with_content_is_the_starting_snapshot() -> None:
    """A message created with content (e.g. a user message) starts from that content."""
    start = created()
    start["content"] = [{"type": "text", "text": {"value": "given", "annotations": []}}]
    reducer = reduce(
        [("thread.message.created", start), ("thread.message.delta", delta(text(0, "!")))]
    )
    assert reducer.messages["msg_1"].content[0].text.value == "given!"  # type: ignore[union-attr]


# ------------------------------------------------------------- lenient and strict repairs


def test_delta_before_created_lenient_then_strict() -> None:
    """A delta for an unknown message starts a bare snapshot (reported); strict mode raises."""
    reducer = Reducer()
    reducer.apply("thread.message.delta", delta(text(0, "orphan")))
    assert reducer.messages["msg_1"].content[0].text.value == "orphan"  # type: ignore[union-attr]
    assert [r.kind for r in reducer.reports] == ["delta_before_created"]
    strict = Reducer(strict=True)
    with pytest.raises(StrictModeError) as info:
        strict.apply("thread.message.delta", delta(text(0, "orphan")))
    assert info.value.message_id == "msg_1"
    assert len(strict.messages) == 0


def test_duplicate_created_keeps_content() -> None:
    """A second created for the same id is reported and keeps what was accumulated."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    reducer.apply("thread.message.delta", delta(text(0, "kept")))
    reducer.apply("thread.message.created", {**created(), "status": "in_progress"})
    assert reducer.messages["msg_1"].content[0].text.value == "kept"  # type: ignore[union-attr]
    assert [r.kind for r in reducer.reports] == ["duplicate_created"]
    stale = [
        ("thread.message.created", created()),
        ("thread.message.delta", delta(text(0, "kept"))),
        ("thread.message.created", created()),
    ]
    with pytest.raises(StrictModeError):
        reduce(stale, strict=True)
    # one that agrees with what is known is accepted, reported as informational
    again = reduce([("thread.message.created", created())] * 2, strict=True)
    assert [(r.kind, r.severity) for r in again.reports] == [("created_again", "info")]


def test_completed_for_unknown_message() -> None:
    """A completed message never created is taken as is and reported."""
    final = {**created("msg_z"), "status": "completed"}
    reducer = reduce([("thread.message.completed", final)])
    assert reducer.messages["msg_z"].status == "completed"
    assert [r.kind for r in reducer.reports] == ["completed_unknown"]


# ---------------------------------------------------------------------------- errors

BAD_DELTAS: list[tuple[str, dict[str, Any], type[DeltasnapError], int | None]] = [
    ("string index", delta({"index": "0", "type": "text"}), InvalidIndex, None),
    ("float index", delta({"index": 0.0, "type": "text"}), InvalidIndex, None),
    ("bool index", delta({"index": True, "type": "text"}), InvalidIndex, None),
    ("negative index", delta({"index": -1, "type": "text"}), InvalidIndex, None),
    ("missing index", delta({"type": "text"}), InvalidIndex, None),
    ("missing type", delta({"index": 0}), DeltaError, 0),
    (
        "type mismatch",
        delta({"index": 0, "type": "refusal", "refusal": "x"}),
        ContentTypeMismatch,
        0,
    ),
    ("delta not object", {"id": "msg_1", "delta": [1]}, DeltaError, None),
    ("content not array", delta() | {"delta": {"content": {"index": 0}}}, DeltaError, None),
    ("item not object", delta() | {"delta": {"content": ["x"]}}, DeltaError, None),
    ("text not object", delta({"index": 0, "type": "text", "text": "x"}), DeltaError, 0),
    ("value not string", delta({"index": 0, "type": "text", "text": {"value": 5}}), DeltaError, 0),
    ("annotations not array", delta(text(0, annotations={})), DeltaError, 0),
    (
        "annotation index",
        delta(text(0, annotations=[{"index": -3, "type": "file_path"}])),
        InvalidIndex,
        0,
    ),
    (
        "annotation field type",
        delta(text(0, annotations=[{"index": 0, "type": "file_path", "start_index": "1"}])),
        DeltaError,
        0,
    ),
    ("refusal not string", delta({"index": 1, "type": "refusal", "refusal": 1}), DeltaError, 1),
    (
        "image field type",
        delta({"index": 1, "type": "image_file", "image_file": {"file_id": 7}}),
        DeltaError,
        1,
    ),
    ("id not string", {"id": 5, "delta": {}}, DeltaError, None),
]


@pytest.mark.parametrize(
    ("name", "payload", "error", "content_index"), BAD_DELTAS, ids=[b[0] for b in BAD_DELTAS]
)
def test_malformed_delta_raises_located_error(
    name: str, payload: dict[str, Any], error: type[DeltasnapError], content_index: int | None
) -> None:
    """Each malformed delta raises its own DeltasnapError naming event, message and index."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    reducer.apply("thread.message.delta", delta(text(0, "before")))
    before = snapshots(reducer)
    with pytest.raises(error) as info:
        reducer.apply("thread.message.delta", payload, event_number=7, byte_offset=123)
    err = info.value
    assert isinstance(err, DeltasnapError)
    assert err.event_number == 7
    assert err.byte_offset == 123
    assert err.event == "thread.message.delta"
    if payload.get("id") == "msg_1":
        assert err.message_id == "msg_1"
        assert "message_id='msg_1'" in str(err)
    assert err.content_index == content_index
    assert snapshots(reducer) == before  # nothing accumulated is lost or half-applied


def test_bad_second_item_leaves_first_unapplied() -> None:
    """A delta with one good and one bad content item changes nothing (validated before applied)."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    with pytest.raises(InvalidIndex):
        reducer.apply(
            "thread.message.delta", delta(text(0, "good"), {"index": None, "type": "text"})
        )
    assert unstructure(reducer.messages["msg_1"])["content"] == []


def test_annotation_type_mismatch() -> None:
    """An annotation delta whose type differs from the one at its index is an error."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    reducer.apply(
        "thread.message.delta", delta(text(0, "a", annotations=[{"index": 0, "type": "file_path"}]))
    )
    with pytest.raises(ContentTypeMismatch) as info:
        reducer.apply(
            "thread.message.delta",
            delta(text(0, annotations=[{"index": 0, "type": "file_citation"}])),
        )
    assert (info.value.content_index, info.value.annotation_index) == (0, 0)


def test_non_object_data_and_bad_created() -> None:
    """Data that is not an object, or a created message of the wrong shape, raises."""
    reducer = Reducer()
    with pytest.raises(InvalidJSON):
        reducer.apply("thread.message.delta", [1, 2])
    with pytest.raises(ValidationError) as info:
        reducer.apply("thread.message.created", {**created(), "content": "nope"})
    assert "content" in str(info.value)
    assert info.value.event_number == 2
    assert len(reducer.messages) == 0


def test_errors_share_one_root() -> None:
    """Every exported error class derives from DeltasnapError."""
    for name in deltasnap.__all__:
        obj = getattr(deltasnap, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, DeltasnapError)


# ------------------------------------------------------------------------- linear cost


def test_reading_snapshots_does_not_join_text(text_joins: JoinCounter) -> None:
    """Taking a snapshot after every delta joins no text until the text itself is read."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    for i in range(2000):
        reducer.apply("thread.message.delta", delta(text(0, f"{i} ")))
        assert reducer.messages["msg_1"].content  # snapshot built, text untouched
    assert text_joins.count == 0
    value = reducer.messages["msg_1"].content[0].text.value  # type: ignore[union-attr]
    assert text_joins.count == 1
    assert value.startswith("0 1 2 ") and value.endswith("1999 ")


def test_untouched_parts_are_reused() -> None:
    """A delta to one part rebuilds only that part; other parts' snapshots are the same objects."""
    reducer = Reducer()
    reducer.apply("thread.message.created", created())
    anns = [{"index": i, "type": "file_path", "text": "x"} for i in range(300)]
    reducer.apply("thread.message.delta", delta(text(0, "a", annotations=anns)))
    reducer.apply("thread.message.delta", delta(text(1, "b")))
    first = reducer.messages["msg_1"]
    reducer.apply("thread.message.delta", delta(text(1, "c")))
    second = reducer.messages["msg_1"]
    assert first.content[0] is second.content[0]
    assert len(second.content[0].text.annotations) == 300  # type: ignore[union-attr]
    reducer.apply("thread.message.delta", delta(text(0, "d")))
    third = reducer.messages["msg_1"]
    assert third.content[0].text.annotations is second.content[0].text.annotations  # type: ignore[union-attr]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_cached_snapshots_equal_fresh_ones(data: st.DataObject) -> None:
    """Snapshots read after every event (cached, partly rebuilt) equal ones built from scratch."""
    message = data.draw(messages())
    events = data.draw(message_events(message))
    reading = Reducer(use_completed=False)
    for i, (event, body) in enumerate(events, start=1):
        reading.apply(event, body)
        fresh = reduce(events[:i], use_completed=False)
        assert snapshots(reading) == snapshots(fresh)


HUGE = 10**5000  # more than 4,300 digits: str() of it raises ValueError


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    ("part", "error", "field"),
    [
        (
            {"index": HUGE, "type": "text", "text": {"value": "x"}},
            deltasnap.IndexTooLarge,
            "content_index",
        ),
        ({"index": -HUGE, "type": "text", "text": {"value": "x"}}, InvalidIndex, None),
        (
            {
                "index": 0,
                "type": "text",
                "text": {"annotations": [{"index": HUGE, "type": "file_path"}]},
            },
            deltasnap.IndexTooLarge,
            "annotation_index",
        ),
    ],
)
def test_index_of_more_than_4300_digits(
    part: dict[str, Any], error: type[DeltasnapError], field: str | None, strict: bool
) -> None:
    """An index given as a Python int of 5,001 digits raises its IndexTooLarge / InvalidIndex
    (lenient or strict), with a short rendering, never ValueError while the message is made;
    the error pickles and the accumulator skips the event."""
    created = {"id": "m", "object": "thread.message", "role": "assistant", "content": []}
    data = {"id": "m", "object": "thread.message.delta", "delta": {"content": [part]}}
    reducer = Reducer(strict=strict)
    reducer.apply("thread.message.created", created)
    with pytest.raises(error) as info:
        reducer.apply("thread.message.delta", data)
    text = str(info.value)
    assert "about 5001 digits" in text and len(text) < 400
    if field is not None:
        assert getattr(info.value, field) == HUGE
    assert str(pickle.loads(pickle.dumps(info.value))) == text
    acc = deltasnap.Accumulator(strict=strict)
    acc.feed_event("thread.message.created", created)
    if strict:
        with pytest.raises(error):
            acc.feed_event("thread.message.delta", data)
    else:
        acc.feed_event("thread.message.delta", data)
        assert [r.kind for r in acc.reports] == ["skipped_event"]
        assert "about 5001 digits" in acc.reports[0].reason
