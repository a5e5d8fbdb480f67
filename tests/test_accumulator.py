"""Accumulator: bytes in any chunking to snapshots; records, updates, truncation, errors."""

from __future__ import annotations

import gc
import json
import pickle
import weakref
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltasnap import (
    Accumulator,
    DecodeError,
    InvalidJSON,
    Limits,
    ServerError,
    accumulate,
    summarize,
    unstructure,
)

from conftest import MESSAGE_STREAMS, STREAM_NAMES, expected, stream_path

# every test here runs with the text-delta shortcut on and off
pytestmark = pytest.mark.usefixtures("shortcut")


def stream_bytes(name: str) -> bytes:
    """The raw bytes of a reference capture."""
    return stream_path(name).read_bytes()


def run(data: bytes, chunks: list[int] | None = None, **options: Any) -> Accumulator:
    """Feed data, cut at the given chunk sizes (all at once when None), then close."""
    acc = Accumulator(**options)
    if chunks is None:
        acc.feed(data)
    else:
        pos = 0
        for size in chunks:
            acc.feed(data[pos : pos + size])
            pos += size
        acc.feed(data[pos:])
    acc.close()
    return acc


def final(acc: Accumulator) -> dict[str, Any]:
    """Every message snapshot in JSON shape."""
    return {mid: unstructure(msg) for mid, msg in acc.messages.items()}


@pytest.mark.parametrize("name", MESSAGE_STREAMS)
@pytest.mark.parametrize("use_completed", [True, False])
def test_reference_bytes_reduce_to_expected(name: str, use_completed: bool) -> None:
    """Each capture's bytes reduce to its expected messages, with or without completed copies."""
    acc = run(stream_bytes(name), use_completed=use_completed)
    assert final(acc) == expected(name)
    assert acc.done and not acc.truncated
    assert [r.kind for r in acc.reports] == []


@pytest.mark.parametrize("name", MESSAGE_STREAMS)
def test_one_byte_at_a_time(name: str) -> None:
    """Feeding one byte at a time changes nothing."""
    data = stream_bytes(name)
    acc = run(data, [1] * len(data), use_completed=False)
    assert final(acc) == expected(name)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(MESSAGE_STREAMS), data=st.data())
def test_any_chunking_same_snapshots_and_events(name: str, data: st.DataObject) -> None:
    """Any chunking of a stream's bytes gives the same events and the same snapshots."""
    raw = stream_bytes(name)
    sizes = data.draw(st.lists(st.integers(1, 64), max_size=len(raw)))
    whole = run(raw, keep_deltas=True)
    cut = run(raw, sizes, keep_deltas=True)
    assert final(cut) == final(whole) == expected(name)
    assert cut.events == whole.events


@pytest.mark.parametrize("ending", [b"\r\n", b"\r", b"\n"])
@pytest.mark.parametrize("name", MESSAGE_STREAMS)
def test_line_endings(name: str, ending: bytes) -> None:
    """CRLF, CR and LF line ends give the same snapshots."""
    lf = stream_bytes(name).replace(b"\r\n", b"\n")
    acc = run(lf.replace(b"\n", ending), use_completed=False)
    assert final(acc) == expected(name)


def test_updates_carry_the_live_text() -> None:
    """Concatenating the text updates per message and part gives the final text."""
    acc = Accumulator()
    pieces: dict[tuple[str | None, int | None], str] = {}
    for update in [*acc.feed(stream_bytes("two-messages")), *acc.close()]:
        if update.kind == "text":
            key = (update.message_id, update.content_index)
            pieces[key] = pieces.get(key, "") + (update.text or "")
    assert pieces == {("msg_a", 0): "alpha beta gamma", ("msg_b", 0): "one two three"}


def test_every_event_recorded_except_deltas_by_default() -> None:
    """Run, message and done events are kept with their data; deltas are counted, not kept."""
    acc = run(stream_bytes("basic"))
    names = [e.event for e in acc.events]
    assert names == [
        "thread.run.created",
        "thread.message.created",
        "thread.message.completed",
        "thread.run.completed",
        "done",
    ]
    assert acc.events[0].data["status"] == "created"
    assert acc.events[0].number == 1 and acc.events[0].offset == 0
    assert acc.event_counts["thread.message.delta"] == 8
    kept = run(stream_bytes("basic"), keep_deltas=True)
    assert len(kept.events) == sum(kept.event_counts.values()) == 13


def test_unknown_events_pass_through() -> None:
    """Unknown event names are recorded and reported as updates, not rejected."""
    acc = Accumulator()
    updates = acc.feed(b'event: thread.future.thing\ndata: {"x": 1}\n\n')
    assert [(u.kind, u.text) for u in updates] == [("event", "thread.future.thing")]
    assert acc.events[0].data == {"x": 1}


def test_close_without_done_keeps_snapshots() -> None:
    """A stream cut before done keeps every snapshot and reports the truncation."""
    data = stream_bytes("basic")
    cut = data.index(b"event: thread.message.completed")
    acc = run(data[: cut + 20])
    assert acc.truncated
    text = acc.messages["msg_1"].content[0].text.value  # type: ignore[union-attr]
    assert text == "Hello, world! Streaming is fun — ünïcødé 🚀"
    kinds = [r.kind for r in acc.reports]
    assert kinds == ["truncated_event", "truncated"]


def test_truncated_mid_utf8() -> None:
    """A stream cut inside a multi-byte character keeps what came before."""
    data = stream_bytes("basic")
    cut = data.index("🚀".encode()) + 2
    acc = run(data[:cut])
    assert acc.truncated
    assert acc.messages["msg_1"].content[0].text.value == "Hello, world! Streaming is fun"  # type: ignore[union-attr]


def test_error_event_is_surfaced() -> None:
    """An error event becomes a ServerError, an update and a report; nothing is swallowed."""
    body = {"code": "server_error", "message": "boom", "param": None, "type": "server_error"}
    acc = Accumulator()
    updates = acc.feed(f"event: error\ndata: {json.dumps(body)}\n\n")
    assert [(u.kind, u.text) for u in updates] == [("error", "server error [server_error]: boom")]
    assert acc.server_errors[0].code == "server_error"
    with pytest.raises(ServerError, match="boom"):
        acc.raise_for_error()
    assert [r.kind for r in acc.reports] == ["server_error"]


def test_invalid_json_lenient_and_strict() -> None:
    """Invalid JSON is skipped and recorded (lenient) or raised with its location (strict)."""
    good = stream_bytes("basic")
    bad = good.replace(b'{"value": " world"}', b'{"value": " world"', 1)
    lenient = run(bad)
    assert [r.kind for r in lenient.reports][:1] == ["skipped_event"]
    assert lenient.reports[0].event_number == 5
    assert lenient.messages["msg_1"].status == "completed"
    strict = Accumulator(strict=True)
    with pytest.raises(InvalidJSON) as info:
        strict.feed(bad)
    assert info.value.event_number == 5
    bad_at = good.index(b'{"value": " world"}')
    assert info.value.byte_offset == good.rindex(b"event: thread.message.delta", 0, bad_at)
    assert strict.messages["msg_1"].content[0].text.value == "Hello,"  # type: ignore[union-attr]


def test_second_segment_continues_the_run() -> None:
    """new_segment() lets a second HTTP body (same run) continue in the same accumulator."""
    acc = run(stream_bytes("run-steps"))
    acc.new_segment()
    acc.feed(stream_bytes("basic"))
    acc.close()
    assert list(acc.messages) == ["msg_1"]
    assert acc.done and not acc.truncated
    assert [r.kind for r in acc.reports] == []


def test_events_after_done_are_reported() -> None:
    """Events after done in the same body are applied but reported."""
    acc = run(stream_bytes("basic") + stream_bytes("refusal"))
    assert "msg_x" in acc.messages
    assert "event_after_done" in [r.kind for r in acc.reports]


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_feed_event_matches_feed(name: str) -> None:
    """Feeding decoded events gives the same snapshots as feeding bytes."""
    by_bytes = run(stream_bytes(name), keep_deltas=True)
    by_event = Accumulator()
    for event in by_bytes.events:
        by_event.feed_event(event.event, event.data)
    by_event.close()
    assert final(by_event) == final(by_bytes)


def test_trailing_keepalive_is_not_a_truncation() -> None:
    """A stream that ends with a keep-alive comment after done is complete."""
    acc = run(stream_bytes("basic") + b": keep-alive\n")
    assert not acc.truncated
    assert acc.reports == []


# Annotations a text delta may carry: new and repeated indices, the text they add, and ones the
# general path refuses (a type change, a bad field or index, not a list of objects).
_NOTES: list[Any] = [
    None,
    [],
    [{"index": 0, "type": "file_citation", "text": "[1]", "file_citation": {"file_id": "f"}}],
    [{"index": 0, "type": "file_citation", "start_index": 3, "end_index": 6}],
    [{"index": 1, "type": "file_path", "text": "p"}, {"index": 1, "type": "file_path"}],
    [{"index": 0, "type": "file_path"}],
    [{"index": 2, "type": "file_citation", "start_index": "3"}],
    [{"index": -1, "type": "file_path"}],
    [{"type": "file_path"}],
    [7],
    [{"index": 0, "type": "file_citation", "deep": {"a": {"b": {"c": {}}}}}],
]


def _delta_payload(mid: str, index: int, value: str, style: int, notes: Any = None) -> str:
    text: dict[str, Any] = {"value": value}
    if notes is not None:
        text["annotations"] = notes
    body = {
        "id": mid,
        "object": "thread.message.delta",
        "delta": {"content": [{"index": index, "type": "text", "text": text}]},
    }
    if style == 0:
        return json.dumps(body)
    if style == 1:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(body, ensure_ascii=False, indent=1).replace("\n", " \t ")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["msg_1", "msg_2", 'm"q', "m\\x", "msg_é"]),
            st.integers(0, 3),
            st.text(max_size=12),
            st.integers(0, 2),
            st.sampled_from(["", "", "", "bad-escape", "trailing"]),
            st.sampled_from(range(len(_NOTES))),
        ),
        max_size=25,
    ),
    st.sampled_from([64, 6, 8]),
)
def test_fast_path_equals_general_path(
    deltas: list[tuple[str, int, str, int, str, int]], depth: int
) -> None:
    """The shape-matched text fast path (annotations too) gives exactly what json.loads + the
    general merge give, under a tight nesting limit as well."""
    created = stream_bytes("basic").split(b"\n\n")[1] + b"\n\n"  # thread.message.created msg_1
    chunks = [created]
    for mid, index, value, style, damage, notes in deltas:
        payload = _delta_payload(mid, index, value, style, _NOTES[notes])
        if damage == "bad-escape":
            payload = payload.replace('"value": "', '"value": "\\q', 1).replace(
                '"value":"', '"value":"\\q', 1
            )
        elif damage == "trailing":
            payload += " x"
        chunks.append(f"event: thread.message.delta\ndata: {payload}\n\n".encode())
    data = b"".join(chunks)
    limits = Limits(max_json_depth=depth)
    fast, general = Accumulator(limits=limits), Accumulator(keep_deltas=True, limits=limits)
    fast_updates = fast.feed(data) + fast.close()
    general_updates = general.feed(data) + general.close()
    assert fast_updates == general_updates
    assert final(fast) == final(general)
    assert fast.reports == general.reports
    assert fast.event_counts == general.event_counts


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_freed_without_the_cycle_collector(name: str) -> None:
    """A dropped accumulator (views read, a bad event reported) is freed by reference counting
    alone: its state holds no reference cycle, so big snapshots do not wait for the collector."""
    gc.collect()
    gc.disable()
    try:
        acc = run(stream_bytes(name) + b"event: thread.message.delta\ndata: {bad\n\n")
        assert acc.reports
        list(acc.messages.values())
        list(acc.reducer.run_steps.values())
        list(acc.reducer.runs.values())
        _ = acc.reducer.run
        refs = [weakref.ref(acc), weakref.ref(acc.reducer), weakref.ref(acc.reducer._runs)]
        del acc
        assert [ref() for ref in refs] == [None, None, None]
    finally:
        gc.enable()


def test_pickled_server_error_keeps_its_data() -> None:
    """A pickled ServerError keeps data, code, param and type, and its location."""
    body = {"code": "rate_limit", "message": "slow down", "param": "p", "type": "requests"}
    acc = Accumulator()
    acc.feed(f"event: error\ndata: {json.dumps({'error': body})}\n\n")
    err = pickle.loads(pickle.dumps(acc.server_errors[0]))
    assert isinstance(err, ServerError)
    assert err.data == {"error": body}
    assert (err.code, err.param, err.type) == ("rate_limit", "p", "requests")
    assert err.event_number == 1
    assert str(err) == str(acc.server_errors[0])


def test_event_numbers_count_dropped_events() -> None:
    """Stream A B A B A with B undecodable: the two B reports say events 2 and 4."""
    good = b'event: ping\ndata: {"a": 1}\n\n'
    bad = b"event: ping\ndata: \xff\n\n"
    acc = Accumulator()
    acc.feed(good + bad + good + bad + good)
    assert [r.event_number for r in acc.reports if r.kind == "skipped_event"] == [2, 4]
    strict = Accumulator(strict=True)
    numbers = []
    for chunk in (good + bad, good + bad, good):
        try:
            strict.feed(chunk)
        except DecodeError as err:
            numbers.append(err.event_number)
    assert numbers == [2, 4]


def test_runs_and_steps_read_from_the_accumulator() -> None:
    """acc.run, acc.runs and acc.run_steps are the reducer's, without reaching into it."""
    acc = accumulate(stream_path("run-steps"))
    assert acc.run is not None and acc.run is acc.reducer.run
    assert list(acc.runs) == list(acc.reducer.runs) and acc.run.id in acc.runs
    assert dict(acc.run_steps) == dict(acc.reducer.run_steps) and len(acc.run_steps) > 0
    assert summarize(acc) == summarize(acc.reducer)


def _surrogate_stream() -> str:
    """A text stream whose third event holds a lone surrogate between two good deltas."""
    created = {"id": "m", "object": "thread.message", "role": "assistant", "content": []}

    def piece(value: str) -> str:
        part = {"index": 0, "type": "text", "text": {"value": value}}
        body = {"id": "m", "object": "thread.message.delta", "delta": {"content": [part]}}
        # the surrogate is written as a raw character, not a JSON escape
        text = json.dumps(body).replace("SURROGATE", "\udcff")
        return f"event: thread.message.delta\ndata: {text}\n\n"

    return (
        f"event: thread.message.created\ndata: {json.dumps(created)}\n\n"
        + piece("a")
        + piece("SURROGATE")
        + piece("b")
        + "event: done\ndata: [DONE]\n\n"
    )


def test_str_with_a_lone_surrogate_is_one_skipped_event() -> None:
    """feed(str) holding "\\udcff": that event is skipped with its number (lenient) or raises a
    located DecodeError (strict), never a UnicodeEncodeError; the run is kept."""
    stream = _surrogate_stream()
    acc = Accumulator()
    acc.feed(stream)
    acc.close()
    assert acc.messages["m"].content[0].text.value == "ab"  # type: ignore[union-attr]
    assert [(r.kind, r.event_number) for r in acc.reports] == [("skipped_event", 3)]
    strict = Accumulator(strict=True)
    with pytest.raises(DecodeError) as info:
        strict.feed(stream)
    assert info.value.event_number == 3 and info.value.byte_offset is not None
    assert strict.messages["m"].content[0].text.value == "a"  # type: ignore[union-attr]


def test_text_file_opened_with_surrogateescape(tmp_path: Path) -> None:
    """A text file over invalid UTF-8 opened with errors="surrogateescape" (what sys.stdin is
    in the C locale) accumulates, the undecodable event skipped and located."""
    path = tmp_path / "bad.sse"
    raw = _surrogate_stream().encode("utf-8", "surrogateescape")  # "\udcff" -> the byte 0xff
    assert b"\xff" in raw
    path.write_bytes(raw)
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        acc = accumulate(handle)
    assert acc.messages["m"].content[0].text.value == "ab"  # type: ignore[union-attr]
    assert [(r.kind, r.event_number) for r in acc.reports] == [("skipped_event", 3)]


@pytest.mark.parametrize("piece", ["", "b"])
def test_text_delta_for_an_unannounced_part_gives_the_general_updates(piece: str) -> None:
    """A text delta for a part the lifecycle has not announced yet (first seen in a final
    copy) gives the general path's updates with the text shortcut on: text.created included."""
    message = {"id": "msg_1", "object": "thread.message", "status": "in_progress", "content": []}
    final = {
        **message,
        "status": "completed",
        "content": [{"type": "text", "text": {"value": "a", "annotations": []}}],
    }
    delta = _delta_payload("msg_1", 0, piece, 1)
    data = (
        f"event: thread.message.created\ndata: {json.dumps(message)}\n\n"
        f"event: thread.message.completed\ndata: {json.dumps(final)}\n\n"
        f"event: thread.message.delta\ndata: {delta}\n\n"
    )
    fast, general = Accumulator(), Accumulator(keep_deltas=True)
    assert fast.feed(data) + fast.close() == general.feed(data) + general.close()
