"""SSEDecoder: the WHATWG event-stream parsing rules, any chunking, errors that resume, limits."""

from __future__ import annotations

import itertools
import re
import tracemalloc
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltasnap._errors import DecodeError, DeltasnapError, EventTooLarge
from deltasnap.sse.decoder import ServerSentEvent, SSEDecoder
from deltasnap.sse.events import MAX_RETRY

from conftest import STREAMS_DIR

SSE_FILES = sorted(STREAMS_DIR.glob("*.sse"))
BOM = b"\xef\xbb\xbf"

# ---------------------------------------------------------------------------------------------
# Reusable hypothesis strategies (to move to tests/strategies.py)
# ---------------------------------------------------------------------------------------------

# Values exercise the parser: colons, leading spaces, NUL, digits, multi-byte UTF-8, a BOM char.
_VALUE_CHARS = st.sampled_from([*"ab :0179", " ", "\0", "é", "漢", "🚀", "\ufeff", "\u2028"])
_FIELD_NAMES = st.sampled_from(["data", "data", "data", "event", "id", "retry", "foo", "Data", ""])
_LINE_ENDS = st.sampled_from([b"\n", b"\r", b"\r\n"])
# Byte strings that are not valid UTF-8 on their own (or at all).
_INVALID_UTF8 = st.sampled_from(
    [b"\xff", b"\xc3", b"\xe6\x97", b"\x80", b"\xed\xa0\x80", b"\xef\xbb"]
)


@st.composite
def sse_lines(draw: st.DrawFn, *, invalid_utf8: bool = False) -> bytes:
    """One SSE line without its line end: a field, a bare field name, a comment or a blank line."""
    kind = draw(st.sampled_from(["field", "field", "field", "bare", "comment", "blank", "blank"]))
    if kind == "blank":
        return b""
    value = draw(st.text(_VALUE_CHARS, max_size=12)).encode("utf-8")
    if kind == "field" and draw(st.booleans()):
        value = draw(st.sampled_from([b"", b" "])) + value
    if invalid_utf8 and draw(st.integers(0, 3)) == 0:
        cut = draw(st.integers(0, len(value)))
        value = value[:cut] + draw(_INVALID_UTF8) + value[cut:]
    if kind == "comment":
        return b":" + value
    name = draw(_FIELD_NAMES).encode("ascii")
    if kind == "bare":
        return name or b"data"
    return name + b":" + value


@st.composite
def sse_streams(draw: st.DrawFn, *, invalid_utf8: bool = False) -> bytes:
    """SSE lines with mixed CR / LF / CRLF line ends, maybe a BOM, maybe an unfinished end."""
    lines = draw(st.lists(sse_lines(invalid_utf8=invalid_utf8), max_size=30))
    parts = [draw(st.sampled_from([b"", b"", BOM, BOM + BOM]))]
    for line in lines:
        parts.append(line)
        parts.append(draw(_LINE_ENDS))
    if draw(st.booleans()):
        parts.append(draw(sse_lines(invalid_utf8=invalid_utf8)))  # an unfinished last line
    return b"".join(parts)


def chunkings(data: bytes) -> st.SearchStrategy[list[bytes]]:
    """Ways to cut ``data`` into chunks: byte by byte, or at random points (empty chunks too)."""

    def cut(points: list[int]) -> list[bytes]:
        bounds = [0, *sorted(points), len(data)]
        return [data[a:b] for a, b in itertools.pairwise(bounds)]

    return st.one_of(
        st.just([data[i : i + 1] for i in range(len(data))]),
        st.lists(st.integers(0, len(data)), max_size=40).map(cut),
    )


# ---------------------------------------------------------------------------------------------
# Helpers, and an obviously-spec-shaped reference model to compare against
# ---------------------------------------------------------------------------------------------


def decode_all(data: bytes | str, **options: Any) -> list[ServerSentEvent]:
    """Every event of a whole stream fed at once, then closed."""
    decoder = SSEDecoder(**options)
    return decoder.feed(data) + decoder.close()


def outcomes(chunks: Iterable[bytes], **options: Any) -> tuple[list[Any], dict[str, Any]]:
    """Events and errors (as tuples) in order, from receive()/next_event(); and the final state."""
    decoder = SSEDecoder(**options)
    out: list[Any] = []

    def drain() -> None:
        while True:
            try:
                event = decoder.next_event()
            except DeltasnapError as exc:
                out.append((type(exc).__name__, exc.byte_offset, exc.event_number))
                continue
            if event is None:
                return
            out.append(event)

    for chunk in chunks:
        decoder.receive(chunk)
        drain()
    while True:
        try:
            out.extend(decoder.close())
        except DeltasnapError as exc:
            out.append((type(exc).__name__, exc.byte_offset, exc.event_number))
            continue
        break
    return out, final_state(decoder)


def final_state(decoder: SSEDecoder) -> dict[str, Any]:
    """The decoder's public state after close()."""
    return {
        "last_event_id": decoder.last_event_id,
        "retry": decoder.retry,
        "truncated": decoder.truncated,
        "discarded_bytes": decoder.discarded_bytes,
        "bytes_received": decoder.bytes_received,
    }


_MODEL_LINE_END = re.compile(r"(\r\n|\r|\n)")


def model_decode(
    stream: bytes, errors: str = "strict"
) -> tuple[list[ServerSentEvent], dict[str, Any]]:
    """The WHATWG algorithm as written: decode the whole stream, split lines, process each line."""
    text = stream.decode("utf-8", errors)
    offset = 0
    if text.startswith("\ufeff"):  # the UTF-8 decode algorithm drops one leading BOM
        text = text[1:]
        offset = 3
    pieces = _MODEL_LINE_END.split(text)
    lines, ends = pieces[0::2], pieces[1::2]  # the last line has no end: never processed
    events: list[ServerSentEvent] = []
    data, event_type, id_buffer, last_id, retry, event_retry = "", "", None, None, None, None
    start = offset
    for line, end in zip(lines, ends, strict=False):
        offset += len(line.encode("utf-8", "surrogatepass")) + len(end)
        if not line:
            last_id = id_buffer
            if data:
                events.append(
                    ServerSentEvent(
                        event_type or "message",
                        data.removesuffix("\n"),
                        id_buffer,
                        event_retry,
                        len(events) + 1,
                        start,
                    )
                )
            data, event_type, event_retry = "", "", None
            start = offset
            continue
        if line.startswith(":"):
            continue
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "event":
            event_type = value
        elif field == "data":
            data += value + "\n"
        elif field == "id":
            if "\0" not in value:
                id_buffer = value
        elif field == "retry":
            if value and all(c in "0123456789" for c in value):
                retry = event_retry = int(value)
    state = {
        "last_event_id": last_id,
        "retry": retry,
        "truncated": bool(data) or (bool(lines[-1]) and not lines[-1].startswith(":")),
        "discarded_bytes": len(stream) - start,
        "bytes_received": len(stream),
    }
    return events, state


def brief(events: Iterable[ServerSentEvent]) -> list[tuple[str, str]]:
    """(event type, data) of each event."""
    return [(e.event, e.data) for e in events]


# ---------------------------------------------------------------------------------------------
# The examples of the WHATWG specification
# ---------------------------------------------------------------------------------------------


def test_spec_example_multiline_data() -> None:
    """Spec: the three data lines YHOO / +2 / 10 make one event, joined by LF."""
    events = decode_all(b"data: YHOO\ndata: +2\ndata: 10\n\n")
    assert events == [ServerSentEvent("message", "YHOO\n+2\n10", None, None, 1, 0)]


def test_spec_example_ids_and_leading_space() -> None:
    """Spec: a comment block fires nothing, ids "1" then "", the unfinished last block dropped."""
    stream = (
        b": test stream\n\n"
        b"data: first event\nid: 1\n\n"
        b"data:second event\nid\n\n"
        b"data:  third event\n"
    )
    decoder = SSEDecoder()
    events = decoder.feed(stream) + decoder.close()
    assert [(e.data, e.id) for e in events] == [("first event", "1"), ("second event", "")]
    assert decoder.last_event_id == ""
    assert decoder.truncated and decoder.discarded_bytes == len(b"data:  third event\n")
    # with the final blank line the third event is dispatched, its data keeping one leading space
    assert decode_all(stream + b"\n")[-1].data == " third event"


def test_spec_example_empty_data_events() -> None:
    """Spec: "data" and "data\\ndata" fire "" and "\\n"; a final "data:" without blank line not."""
    decoder = SSEDecoder()
    events = decoder.feed(b"data\n\ndata\ndata\n\ndata:") + decoder.close()
    assert [e.data for e in events] == ["", "\n"]
    assert decoder.truncated and decoder.discarded_bytes == len(b"data:")


def test_spec_example_space_after_colon_optional() -> None:
    """Spec: "data:test" and "data: test" both carry "test"."""
    assert [e.data for e in decode_all(b"data:test\n\ndata: test\n\n")] == ["test", "test"]


# ---------------------------------------------------------------------------------------------
# Line ends
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_end_style(end: bytes) -> None:
    """LF, CRLF and CR-only streams give the same events; offsets count the real line ends."""
    lines = [b"event: a", b"data: 1", b"", b": c", b"id: 7", b"data: 2", b"data: 3", b""]
    events = decode_all(end.join(lines) + end)
    assert [(e.event, e.data, e.id) for e in events] == [("a", "1", None), ("message", "2\n3", "7")]
    assert events[1].offset == sum(len(line) + len(end) for line in lines[:3])


def test_mixed_line_ends_in_one_chunk() -> None:
    """A chunk mixing CRLF, LF and CR lines (runs of each, and alternating) is split correctly."""
    stream = (
        b"data: a\r\ndata: b\r\n\r\n"  # CRLF run
        b"data: c\ndata: d\n\n"  # LF run
        b"data: e\rdata: f\r\r"  # CR run
        b"data: g\r\ndata: h\ndata: i\r\r\n"  # alternating, ending in CR then CRLF (blank)
        b"data: j\n\r\n"  # LF then CRLF blank line
    )
    assert [e.data for e in decode_all(stream)] == ["a\nb", "c\nd", "e\nf", "g\nh\ni", "j"]
    assert decode_all(stream) == model_decode(stream)[0]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    """A CR ending one chunk and the LF starting the next are one line end, not a blank line."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r\n\r") == [
        ServerSentEvent("message", "a\nb", None, None, 1, 0)
    ]
    # "data: a\r\ndata: b\r\n\r\n" is 20 bytes: the next event starts after the split CRLF
    assert decoder.feed(b"\ndata: c\r\n\r\n") == [
        ServerSentEvent("message", "c", None, None, 2, 20)
    ]


def test_cr_at_end_of_chunk_dispatches_without_waiting() -> None:
    """A blank line ended by a CR at the end of a chunk dispatches at once (CR-only servers)."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == [ServerSentEvent("message", "a", None, None, 1, 0)]
    assert decoder.feed(b"\rdata: b\r\r") == [ServerSentEvent("message", "b", None, None, 2, 10)]


def test_cr_cr_is_two_line_ends_across_chunks() -> None:
    """A CR at the end of one chunk followed by a CR (not LF) is two line ends: a blank line."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert [e.data for e in decoder.feed(b"\r")] == ["a"]


def test_lf_after_cr_only_skipped_once() -> None:
    """Only the single LF right after a chunk-final CR is swallowed; a second LF is a blank line."""
    decoder = SSEDecoder()
    decoder.feed(b"data: a\r")
    assert [e.data for e in decoder.feed(b"\n\n")] == ["a"]


def test_empty_chunks_are_harmless() -> None:
    """Empty chunks (even between a CR and an LF) change nothing."""
    decoder = SSEDecoder()
    assert decoder.feed(b"") == []
    decoder.feed(b"data: a\r")
    assert decoder.feed(b"") == []
    assert decoder.feed("") == []
    assert [e.data for e in decoder.feed(b"\ndata: b\r\n\r\n")] == ["a\nb"]


# ---------------------------------------------------------------------------------------------
# Byte order mark
# ---------------------------------------------------------------------------------------------


def test_bom_at_start_is_skipped() -> None:
    """A UTF-8 BOM at the very start is skipped; offsets still count its three bytes."""
    assert decode_all(BOM + b"data: a\n\n") == [ServerSentEvent("message", "a", None, None, 1, 3)]


def test_bom_split_across_chunks() -> None:
    """A BOM arriving one byte at a time is still recognised and skipped."""
    decoder = SSEDecoder()
    events = [e for byte in BOM + b"data: a\n\n" for e in decoder.feed(bytes([byte]))]
    assert events == [ServerSentEvent("message", "a", None, None, 1, 3)]


def test_bom_skipped_only_once() -> None:
    """A second BOM is part of the first line: the field is "\\ufeffdata", unknown, so no event."""
    assert decode_all(BOM + BOM + b"data: a\n\n") == []


def test_bom_later_in_stream_is_data() -> None:
    """A BOM after the start is ordinary text (here it makes an unknown field name)."""
    assert brief(decode_all(b"data: a\n\n" + BOM + b"data: b\n\ndata: " + BOM + b"\n\n")) == [
        ("message", "a"),
        ("message", "\ufeff"),
    ]


def test_bom_prefix_only_is_discarded() -> None:
    """A stream that ends after two BOM bytes discards them; no event was lost."""
    decoder = SSEDecoder()
    assert decoder.feed(BOM[:2]) + decoder.close() == []
    assert not decoder.truncated and decoder.discarded_bytes == 2


def test_bom_only_stream_is_clean() -> None:
    """A stream that is just a BOM has no unfinished event."""
    decoder = SSEDecoder()
    assert decoder.feed(BOM) + decoder.close() == []
    assert not decoder.truncated and decoder.discarded_bytes == 0


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


def test_comments_are_ignored() -> None:
    """Lines starting with a colon are comments, even inside an event."""
    assert brief(decode_all(b": hi\ndata: a\n:data: b\n:\n\n")) == [("message", "a")]


def test_field_value_split_at_first_colon() -> None:
    """The field name ends at the first colon; later colons belong to the value."""
    assert [e.data for e in decode_all(b"data: a: b\n\ndata::x\n\n")] == ["a: b", ":x"]


def test_only_one_space_is_removed() -> None:
    """Exactly one space after the colon is removed; more spaces, and tabs, stay."""
    assert [e.data for e in decode_all(b"data:  two\n\ndata:\tt\n\n")] == [" two", "\tt"]


def test_line_without_colon_is_a_field_with_empty_value() -> None:
    """A line without colon is a field name with an empty value (data, event and id alike)."""
    stream = b"id: 5\n\nevent: x\nevent\nid\ndata\n\n"
    decoder = SSEDecoder()
    assert decoder.feed(stream) + decoder.close() == [
        ServerSentEvent("message", "", "", None, 1, 7)
    ]


def test_event_type_applies_to_one_event() -> None:
    """An event field sets the type of the next dispatched event only; then it is "message"."""
    events = decode_all(b"event: a\ndata: 1\n\ndata: 2\n\nevent:b\ndata: 3\n\n")
    assert brief(events) == [("a", "1"), ("message", "2"), ("b", "3")]


def test_blank_line_without_data_resets_event_type() -> None:
    """A blank line with an empty data buffer dispatches nothing but resets the event type."""
    assert brief(decode_all(b"event: a\n\ndata: 2\n\n")) == [("message", "2")]


def test_empty_event_type_means_message() -> None:
    """An empty event field leaves the type "message"."""
    assert brief(decode_all(b"event:\ndata: x\n\nevent: \ndata: y\n\n")) == [
        ("message", "x"),
        ("message", "y"),
    ]


def test_unusual_event_names_pass_through() -> None:
    """Event names are taken verbatim (spaces, colons, non-ASCII), and the last one wins."""
    events = decode_all("event: a\nevent:  b: c é\ndata: x\n\n".encode())
    assert brief(events) == [(" b: c é", "x")]


def test_many_distinct_event_names() -> None:
    """More distinct event names than the decoder caches are all decoded correctly."""
    stream = "".join(f"event: name-{i}\ndata: {i}\n\n" for i in range(1500)).encode()
    assert brief(decode_all(stream)) == [(f"name-{i}", str(i)) for i in range(1500)]


def test_data_buffer_final_lf_removed_once() -> None:
    """Only the final LF of the data buffer is removed: two empty data lines give one LF."""
    assert [e.data for e in decode_all(b"data:\ndata:\n\ndata\ndata\ndata\n\n")] == ["\n", "\n\n"]


def test_data_without_space_and_with() -> None:
    """data lines with and without the optional space are joined alike."""
    assert [e.data for e in decode_all(b"data:a\ndata: b\ndata\ndata:  c\n\n")] == ["a\nb\n\n c"]


def test_id_persists_across_events() -> None:
    """The id is the last-event-ID buffer: later events without an id field keep it."""
    events = decode_all(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\ndata: d\n\n")
    assert [e.id for e in events] == ["1", "1", "2", "2"]


def test_id_set_in_event_without_data_persists() -> None:
    """An id in a block that dispatches nothing still sets the buffer (and last_event_id)."""
    decoder = SSEDecoder()
    events = decoder.feed(b"id: 3\n\ndata: a\n\n")
    assert [e.id for e in events] == ["3"]
    assert decoder.last_event_id == "3"


def test_id_with_nul_is_ignored() -> None:
    """An id value containing U+0000 is ignored; the previous id stays."""
    events = decode_all(b"id: 1\ndata: a\n\nid: x\0y\ndata: b\n\n")
    assert [e.id for e in events] == ["1", "1"]


def test_empty_id_resets_to_empty_string() -> None:
    """An empty id sets the buffer to "" (not None)."""
    assert [e.id for e in decode_all(b"id: 1\ndata: a\n\nid:\ndata: b\n\n")] == ["1", ""]


def test_last_event_id_is_committed_at_blank_lines() -> None:
    """last_event_id is the id in effect at the last blank line, not an unfinished event's."""
    decoder = SSEDecoder()
    decoder.feed(b"id: 5\ndata: x\n\nid: 6\ndata: y\n")
    assert decoder.last_event_id == "5"
    decoder.close()
    assert decoder.last_event_id == "5"


def test_retry_sets_reconnection_time() -> None:
    """retry with only ASCII digits sets the reconnection time and the event's retry."""
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: 1000\ndata: a\n\ndata: b\n\n")
    assert [e.retry for e in events] == [1000, None]
    assert decoder.retry == 1000


@pytest.mark.parametrize(
    "value",
    [b"", b" 1", b"1 ", b"-1", b"+1", b"1.5", b"1e3", b"1_000", "١٢".encode(), b"0x10", b"12a"],
)
def test_retry_other_than_ascii_digits_is_ignored(value: bytes) -> None:
    """retry values that are not solely ASCII digits are ignored."""
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: 7\n\nretry: " + value + b"\ndata: x\n\n")
    assert [e.retry for e in events] == [None]
    assert decoder.retry == 7


def test_retry_huge_is_clamped_not_an_error() -> None:
    """A retry with more digits than int() accepts (over 4,300) is set, clamped to MAX_RETRY."""
    decoder = SSEDecoder()
    assert [e.data for e in decoder.feed(b"retry: " + b"9" * 10_000 + b"\ndata: x\n\n")] == ["x"]
    assert decoder.retry == MAX_RETRY
    decoder.feed(b"retry: 1500\n\n")
    assert decoder.retry == 1500


def test_last_event_id_to_start_from() -> None:
    """SSEDecoder(last_event_id=...) gives events before any id: field that id, until one comes."""
    decoder = SSEDecoder(last_event_id="saved-7")
    assert decoder.last_event_id == "saved-7"
    events = decoder.feed(b"data: a\n\nid: 8\ndata: b\n\n")
    assert [e.id for e in events] == ["saved-7", "8"]


def test_retry_leading_zeros() -> None:
    """retry digits are read in base ten (leading zeros allowed)."""
    assert decode_all(b"retry: 0042\ndata: x\n\n")[0].retry == 42


def test_unknown_fields_are_ignored() -> None:
    """Unknown field names (field names are case-sensitive) are ignored."""
    assert [e.data for e in decode_all(b"foo: bar\nData: x\nDATA: y\ndata: z\n\n")] == ["z"]


def test_number_counts_dispatched_events() -> None:
    """number is the 1-based count of dispatched events; blocks without data do not count."""
    events = decode_all(b"data: a\n\nevent: x\n\n: c\n\ndata: b\n\n")
    assert [e.number for e in events] == [1, 2]


def test_offset_is_first_byte_of_first_line() -> None:
    """offset is where the event's first line starts (maybe a comment), after any blank lines."""
    stream = b": c\n\n\n\ndata: a\n\n: ping\nevent: e\ndata: b\n\n"
    events = decode_all(stream)
    assert [e.offset for e in events] == [stream.index(b"data: a"), stream.index(b": ping")]


def test_str_input_is_encoded_as_utf8() -> None:
    """A str chunk is encoded as UTF-8 (offsets and bytes_received count bytes)."""
    decoder = SSEDecoder()
    events = decoder.feed("data: é\n\ndata: x\n\n")
    assert [(e.data, e.offset) for e in events] == [("é", 0), ("x", 10)]
    assert decoder.bytes_received == 19


def test_bytes_like_input_accepted() -> None:
    """bytearray and memoryview chunks are accepted."""
    decoder = SSEDecoder()
    decoder.receive(bytearray(b"data: a\n"))
    decoder.receive(memoryview(b"\n"))
    assert [e.data for e in decoder.close()] == ["a"]


def test_next_event_returns_none_until_complete() -> None:
    """next_event() returns None while the event is incomplete, then the event."""
    decoder = SSEDecoder()
    decoder.receive(b"data: a\n")
    assert decoder.next_event() is None
    decoder.receive(b"\n")
    assert decoder.next_event() == ServerSentEvent("message", "a", None, None, 1, 0)
    assert decoder.next_event() is None


def test_receive_buffers_many_chunks_before_reading() -> None:
    """Many receive() calls, then next_event() calls, hand out every event in order."""
    decoder = SSEDecoder()
    for i in range(5):
        decoder.receive(f"data: {i}\n".encode())
        decoder.receive(b"\n")
    events = [decoder.next_event() for _ in range(5)]
    assert [e.data for e in events if e is not None] == ["0", "1", "2", "3", "4"]
    assert decoder.next_event() is None


def test_event_is_frozen() -> None:
    """ServerSentEvent is immutable and compares by value."""
    event = ServerSentEvent(data="x")
    with pytest.raises(AttributeError):
        event.data = "y"  # type: ignore[misc]
    assert event == ServerSentEvent("message", "x", None, None, 0, 0)


def test_decoded_events_are_ordinary_events() -> None:
    """Decoded events equal, hash, repr and evolve like ones built with the constructor."""
    (event,) = decode_all(b"id: 1\nretry: 5\nevent: e\ndata: x\n\n")
    built = ServerSentEvent("e", "x", "1", 5, 1, 0)
    assert type(event) is ServerSentEvent
    assert (event, hash(event), repr(event)) == (built, hash(built), repr(built))
    assert attrs.evolve(event, data="y") == ServerSentEvent("e", "y", "1", 5, 1, 0)
    with pytest.raises(AttributeError):
        event.event = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "options",
    [{"max_event_bytes": -1}, {"errors": "ignore"}],
)
def test_bad_options_rejected(options: dict[str, Any]) -> None:
    """A negative limit or an unknown errors mode is a ValueError."""
    with pytest.raises(ValueError):
        SSEDecoder(**options)


# ---------------------------------------------------------------------------------------------
# UTF-8
# ---------------------------------------------------------------------------------------------


def test_utf8_split_across_chunks() -> None:
    """Multi-byte characters split between chunks (one byte at a time) decode correctly."""
    stream = "event: 漢\ndata: é漢字🚀\u2028x\n\n".encode()
    decoder = SSEDecoder()
    events = [e for byte in stream for e in decoder.feed(bytes([byte]))]
    assert brief(events) == [("漢", "é漢字🚀\u2028x")]


def test_invalid_utf8_strict_raises_with_location() -> None:
    """Strict: invalid UTF-8 raises DecodeError at the bad line, with the would-be event number."""
    decoder = SSEDecoder()
    stream = b"data: ok\n\nevent: e\ndata: \xff\n\ndata: after\n\n"
    decoder.receive(stream)
    assert decoder.next_event() == ServerSentEvent("message", "ok", None, None, 1, 0)
    with pytest.raises(DecodeError) as info:
        decoder.next_event()
    assert type(info.value) is DecodeError
    assert info.value.byte_offset == len(b"data: ok\n\nevent: e\n")
    assert info.value.event_number == 2
    assert isinstance(info.value.__cause__, UnicodeDecodeError)
    # resumable: the bad event is dropped, the next one comes out (taking the free number)
    after = stream.index(b"data: after")
    assert decoder.next_event() == ServerSentEvent("message", "after", None, None, 2, after)
    assert decoder.next_event() is None


def test_invalid_utf8_drops_rest_of_event() -> None:
    """After a decode error the rest of that event, up to its blank line, is dropped."""
    out, _ = outcomes([b"data: a\ndata: \xc3\ndata: b\nevent: x\n\ndata: c\n\n"])
    assert out == [("DecodeError", 8, 1), ServerSentEvent("message", "c", None, None, 1, 34)]


@pytest.mark.parametrize(
    "line",
    [b": \xff", b"event: \xff", b"id: \xff", b"id: \0\xff", b"foo: \xff", b"\xff", b"retry: \xff"],
)
def test_invalid_utf8_anywhere_is_strict_error(line: bytes) -> None:
    """Strict mode rejects invalid UTF-8 in any line: comments, event, id, unknown fields too."""
    out, _ = outcomes([b"data: a\n" + line + b"\n\ndata: b\n\n"])
    assert out == [
        ("DecodeError", 8, 1),
        ServerSentEvent("message", "b", None, None, 1, len(line) + 10),
    ]


def test_invalid_utf8_replace_mode() -> None:
    """errors="replace" decodes invalid bytes to U+FFFD like the WHATWG UTF-8 decoder."""
    stream = b"event: \xff\ndata: a\xe6\x97b\xc3\ndata: \xed\xa0\x80\nid: \x80\n\n"
    events = decode_all(stream, errors="replace")
    assert [(e.event, e.data, e.id) for e in events] == [
        ("\ufffd", "a\ufffdb\ufffd\n\ufffd\ufffd\ufffd", "\ufffd")
    ]
    assert [(e.event, e.data, e.id) for e in events] == [
        (e.event, e.data, e.id) for e in model_decode(stream, errors="replace")[0]
    ]


def test_truncated_utf8_at_line_end_replace() -> None:
    """An incomplete UTF-8 sequence cut by a line end becomes one U+FFFD, whatever the chunking."""
    stream = b"data: \xe6\x97\n\n"
    assert decode_all(stream, errors="replace")[0].data == "\ufffd"
    decoder = SSEDecoder(errors="replace")
    assert [e.data for b in stream for e in decoder.feed(bytes([b]))] == ["\ufffd"]


# ---------------------------------------------------------------------------------------------
# max_event_bytes
# ---------------------------------------------------------------------------------------------


def test_event_too_large_raises_and_skips_rest_of_event() -> None:
    """An event over the limit raises EventTooLarge and is dropped up to its blank line."""
    stream = b"data: short\n\ndata: " + b"x" * 50 + b"\ndata: more\n\ndata: next\n\n"
    out, _ = outcomes([stream], max_event_bytes=20)
    assert out == [
        ServerSentEvent("message", "short", None, None, 1, 0),
        ("EventTooLarge", 13, 2),
        ServerSentEvent("message", "next", None, None, 2, stream.index(b"data: next")),
    ]
    assert issubclass(EventTooLarge, DecodeError)


def test_event_size_counts_lines_and_line_ends() -> None:
    """Size = the event's lines with their line ends, blank line excluded; at the limit is fine."""
    for end in [b"\n", b"\r\n", b"\r"]:
        stream = b"event: e" + end + b"data: a" + end + end
        size = len(stream) - len(end)
        assert [e.data for e in decode_all(stream, max_event_bytes=size)] == ["a"]
        with pytest.raises(EventTooLarge):
            decode_all(stream, max_event_bytes=size - 1)


def test_comments_count_toward_event_size() -> None:
    """Comment lines are part of the event and count toward its size."""
    with pytest.raises(EventTooLarge):
        decode_all(b": " + b"p" * 30 + b"\ndata: a\n\n", max_event_bytes=20)


def test_blank_lines_between_events_do_not_count() -> None:
    """Blank lines between events are not part of any event's size."""
    assert [e.data for e in decode_all(b"\n\n\n\ndata: a\n\n\r\n\r\r", max_event_bytes=8)] == ["a"]


def test_unterminated_line_trips_limit() -> None:
    """A line that never ends raises EventTooLarge once it passes the limit, before any line end."""
    decoder = SSEDecoder(max_event_bytes=1000)
    decoder.receive(b"data: a\n\ndata: ")
    assert decoder.next_event() is not None
    for _ in range(9):
        decoder.receive(b"x" * 100)
        assert decoder.next_event() is None
    decoder.receive(b"x" * 100)
    with pytest.raises(EventTooLarge) as info:
        decoder.next_event()
    assert (info.value.byte_offset, info.value.event_number) == (9, 2)


def test_oversized_event_is_not_buffered() -> None:
    """After EventTooLarge the rest of a never-ending line is discarded as it comes (bounded)."""
    decoder = SSEDecoder(max_event_bytes=64 * 1024)
    chunk = b"y" * (256 * 1024)
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: " + chunk)
    tracemalloc.start()
    try:
        for _ in range(80):  # 20 MB more of the same line
            assert decoder.feed(chunk) == []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < len(chunk)  # nothing of it was kept (buffering would need 20 MB)
    assert decoder.feed(b"\r\ndata: dropped\r\n" + chunk + b"\r\n") == []  # same event
    assert [e.data for e in decoder.feed(b"\r\ndata: ok\r\n\r\n")] == ["ok"]


def test_skip_treats_continuation_of_dropped_line_as_non_blank() -> None:
    """The line end finishing a dropped partial line is not the blank line ending the event."""
    decoder = SSEDecoder(max_event_bytes=10)
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: " + b"z" * 20)
    assert decoder.feed(b"\n") == []  # ends the dropped line, not the event
    assert decoder.feed(b"data: still dropped\n") == []
    assert [e.data for e in decoder.feed(b"\ndata: ok\n\n")] == ["ok"]


def test_skip_handles_crlf_split_after_dropped_line() -> None:
    """While dropping, a CR ending a chunk and the LF starting the next are still one line end."""
    decoder = SSEDecoder(max_event_bytes=10)
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: " + b"z" * 20 + b"\r")
    assert decoder.feed(b"\n\r") == []  # CRLF ends the dropped line, then CR: the blank line
    assert [e.data for e in decoder.feed(b"\ndata: ok\r\n\r\n")] == ["ok"]


def test_no_limit_with_none() -> None:
    """max_event_bytes=None accepts events of any size."""
    big = b"q" * (3 * 1024 * 1024)
    assert len(decode_all(b"data: " + big + b"\n\n", max_event_bytes=None)[0].data) == len(big)


def test_zero_limit_rejects_every_event() -> None:
    """max_event_bytes=0 rejects every non-empty event but still tolerates blank lines."""
    out, _ = outcomes([b"\n\ndata: a\n\n\ndata: b\n\n"], max_event_bytes=0)
    assert out == [("EventTooLarge", 2, 1), ("EventTooLarge", 12, 1)]


def test_feed_raises_but_keeps_decoded_events() -> None:
    """feed() raises at the first error; events decoded before it come first from the next call."""
    decoder = SSEDecoder(max_event_bytes=30)
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: a\n\ndata: " + b"x" * 40 + b"\n\ndata: b\n\n")
    assert [e.data for e in decoder.feed(b"data: c\n\n")] == ["a", "b", "c"]


def test_feed_resumes_after_each_of_several_errors() -> None:
    """Calling feed(b"") again after each error reaches every error and every event."""
    decoder = SSEDecoder()
    decoder.receive(b"data: \xff\n\ndata: a\n\ndata: \xfe\n\ndata: b\n\n")
    seen: list[Any] = []
    for _ in range(5):
        try:
            seen.extend(e.data for e in decoder.feed(b""))
        except DecodeError as exc:
            seen.append(exc.byte_offset)
    # the event decoded just before an error comes with the next call, after that error
    assert seen == [0, 18, "a", "b"]


def test_errors_carry_location_in_message() -> None:
    """The raised errors say where they happened."""
    with pytest.raises(EventTooLarge, match=r"max_event_bytes=5 \(event_number=1, byte_offset=0\)"):
        decode_all(b"data: abc\n\n", max_event_bytes=5)


# ---------------------------------------------------------------------------------------------
# close()
# ---------------------------------------------------------------------------------------------


def test_close_returns_remaining_events() -> None:
    """close() returns every complete event still in the buffer."""
    decoder = SSEDecoder()
    decoder.receive(b"data: a\n\ndata: b\n\n")
    assert [e.data for e in decoder.close()] == ["a", "b"]
    assert not decoder.truncated and decoder.discarded_bytes == 0


def test_close_discards_unfinished_event() -> None:
    """An event without its blank line is discarded at close() and recorded."""
    decoder = SSEDecoder()
    assert [e.data for e in decoder.feed(b"data: a\n\nevent: x\ndata: b\n")] == ["a"]
    assert decoder.close() == []
    assert decoder.truncated and decoder.discarded_bytes == len(b"event: x\ndata: b\n")


def test_close_discards_partial_line() -> None:
    """A partial last line counts as an unfinished event."""
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\nda")
    decoder.close()
    assert decoder.truncated and decoder.discarded_bytes == 2


def test_close_after_trailing_comment_is_not_truncated() -> None:
    """A trailing keep-alive comment (or a data-less field) loses no event: not truncated."""
    for tail in (b": keep-alive\n", b": keep-al", b"event: x\n", b"id: 1\n"):
        decoder = SSEDecoder()
        decoder.feed(b"data: a\n\n" + tail)
        decoder.close()
        assert not decoder.truncated and decoder.discarded_bytes == len(tail)


def test_close_after_dropped_event_reports_it() -> None:
    """A stream ending inside an event being dropped after an error is also truncated."""
    decoder = SSEDecoder(max_event_bytes=8)
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: a\n\ndata: toolong\ndata: x")
    assert [e.data for e in decoder.close()] == ["a"]  # kept from the feed() that raised
    assert decoder.truncated and decoder.discarded_bytes == len(b"data: toolong\ndata: x")


def test_close_is_idempotent_and_final() -> None:
    """close() twice is harmless; receive() after close() is a ValueError."""
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\n")
    assert decoder.close() == []
    assert decoder.close() == []
    with pytest.raises(ValueError):
        decoder.receive(b"data: b\n\n")


def test_close_can_be_retried_after_an_error() -> None:
    """If close() raises, calling it again returns the remaining events."""
    decoder = SSEDecoder()
    decoder.receive(b"data: a\n\ndata: \xff\n\ndata: b\n\ndata: c")
    with pytest.raises(DecodeError):
        decoder.close()
    assert [e.data for e in decoder.close()] == ["a", "b"]
    assert decoder.truncated and decoder.discarded_bytes == len(b"data: c")


# ---------------------------------------------------------------------------------------------
# Reference captures, chunking and the reference model
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SSE_FILES, ids=[p.stem for p in SSE_FILES])
def test_reference_capture_matches_model(path: Path) -> None:
    """Each reference capture decodes like the reference model and ends with done/[DONE]."""
    data = path.read_bytes()
    decoder = SSEDecoder()
    events = decoder.feed(data) + decoder.close()
    assert (events, final_state(decoder)) == model_decode(data)
    assert (events[-1].event, events[-1].data) == ("done", "[DONE]")
    assert all(e.event.startswith("thread.") for e in events[:-1])


@pytest.mark.parametrize("path", SSE_FILES, ids=[p.stem for p in SSE_FILES])
def test_reference_capture_one_byte_at_a_time(path: Path) -> None:
    """Feeding a reference capture one byte at a time gives the same events."""
    data = path.read_bytes()
    assert outcomes(data[i : i + 1] for i in range(len(data))) == outcomes([data])


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_reference_captures_any_chunking(data: st.DataObject) -> None:
    """Any chunking of any reference capture (or of all of them in a row) gives the same events."""
    blob = data.draw(
        st.sampled_from(SSE_FILES).map(Path.read_bytes)
        | st.just(b"".join(p.read_bytes() for p in SSE_FILES))
    )
    assert outcomes(data.draw(chunkings(blob))) == outcomes([blob])


@given(stream=sse_streams())
def test_generated_streams_match_model(stream: bytes) -> None:
    """Generated streams (mixed line ends, comments, BOMs, UTF-8) decode like the model."""
    assert outcomes([stream]) == model_decode(stream)


@given(data=st.data(), stream=sse_streams())
def test_generated_streams_any_chunking(data: st.DataObject, stream: bytes) -> None:
    """Any chunking of a generated stream gives the same events and final state as one chunk."""
    assert outcomes(data.draw(chunkings(stream))) == outcomes([stream])


@given(stream=sse_streams(invalid_utf8=True))
def test_invalid_utf8_replace_matches_model(stream: bytes) -> None:
    """errors="replace": invalid UTF-8 decodes like the model decoding the whole stream at once."""
    got = [(e.event, e.data, e.id, e.retry, e.number) for e in decode_all(stream, errors="replace")]
    want = [
        (e.event, e.data, e.id, e.retry, e.number)
        for e in model_decode(stream, errors="replace")[0]
    ]
    assert got == want


@given(
    data=st.data(),
    stream=sse_streams(invalid_utf8=True),
    limit=st.none() | st.integers(0, 40),
)
def test_errors_and_limits_independent_of_chunking(
    data: st.DataObject, stream: bytes, limit: int | None
) -> None:
    """Errors and events (strict mode, small limits) come out the same whatever the chunking."""
    chunks = data.draw(chunkings(stream))
    assert outcomes(chunks, max_event_bytes=limit) == outcomes([stream], max_event_bytes=limit)


@pytest.mark.parametrize("cut", [0, 1, 2])
def test_split_crlf_counts_toward_the_event_size(cut: int) -> None:
    """The LF of a CRLF that arrives in the next chunk still counts toward max_event_bytes
    (found by hypothesis: the event passed the limit by that one byte only when split)."""
    stream = b"data: 12345678\r\n\r\ndata: ok\r\n\r\n"  # first event: 14 + 2 = 16 bytes
    at = stream.index(b"\r\n") + cut  # before, inside and after the first CRLF
    for limit in (15, 16):
        whole = outcomes([stream], max_event_bytes=limit)
        assert outcomes([stream[:at], stream[at:]], max_event_bytes=limit) == whole
        errors = [item for item in whole[0] if isinstance(item, tuple)]
        assert errors == ([("EventTooLarge", 0, 1)] if limit == 15 else [])


def test_cr_line_ends_never_delay_an_event() -> None:
    """A CR ending a field line waits for the next byte (it may start a CRLF), but a blank line
    dispatches at once, however the CRs are cut."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    assert [e.data for e in decoder.feed(b"\r")] == ["x"]
    assert [e.data for e in decoder.feed(b"data: y\r\r")] == ["y"]
    assert [e.data for e in decoder.feed(b"\ndata: z\r\n\r")] == ["z"]


def test_close_ends_a_held_line() -> None:
    """At close(), a line whose CR was held back is a complete line."""
    decoder = SSEDecoder()
    decoder.receive(b"retry: 7\r")
    assert decoder.close() == [] and decoder.retry == 7 and not decoder.truncated
    decoder = SSEDecoder()
    decoder.receive(b"data: cut\r")
    assert decoder.close() == [] and decoder.truncated and decoder.discarded_bytes == 10


@given(stream=sse_streams(), limit=st.integers(0, 60))
def test_limit_drops_exactly_the_oversized_events(stream: bytes, limit: int) -> None:
    """With a limit, the events that come out are exactly the model's events not over the limit."""
    events, _ = model_decode(stream)
    ends = [_event_end(stream, e) for e in events]
    fitting = [e.data for e, end in zip(events, ends, strict=True) if end - e.offset <= limit]
    out, _ = outcomes([stream], max_event_bytes=limit)
    assert [e.data for e in out if isinstance(e, ServerSentEvent)] == fitting


def _event_end(stream: bytes, event: ServerSentEvent) -> int:
    """Offset just after the last non-blank line of ``event`` (found with the model's offsets)."""
    pieces = re.split(rb"(\r\n|\r|\n)", stream[event.offset :])
    size = 0
    for line, end in zip(pieces[0::2], pieces[1::2], strict=False):
        if not line:
            break
        size += len(line) + len(end)
    return event.offset + size


# ---------------------------------------------------------------------------------------------
# Linear time
# ---------------------------------------------------------------------------------------------


def test_one_byte_at_a_time_large_stream_completes() -> None:
    """A 200 KB stream fed one byte at a time finishes (no rescanning) with the same events."""
    line = "data: " + "abcdefghé" * 10
    stream = ("event: e\n" + line + "\r\n" + line + "\r\r\n").encode() * 900
    assert len(stream) > 200_000
    decoder = SSEDecoder()
    events = [e for i in range(len(stream)) for e in decoder.feed(stream[i : i + 1])]
    assert events == decode_all(stream)
    assert len(events) == 900


def test_one_byte_at_a_time_long_line_completes() -> None:
    """A single 200 KB line fed one byte at a time is not rescanned (or re-copied) per byte."""
    decoder = SSEDecoder()
    decoder.feed(b"data: ")
    tracemalloc.start()
    try:
        for _ in range(200_000):
            assert decoder.feed(b"x") == []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # the pending line is kept compactly, not as 200 000 small objects
    assert [len(e.data) for e in decoder.feed(b"\n\n")] == [200_000]


@pytest.mark.parametrize("bad", ["\udcff", "\ud800", "a\udfffb", "\ud83d"])
def test_str_with_lone_surrogates_is_one_bad_event(bad: str) -> None:
    """A str holding a lone surrogate (as a text source opened with errors="surrogateescape"
    gives) is one located DecodeError for its event, never a UnicodeEncodeError; the decoder
    goes on with the next event."""
    decoder = SSEDecoder()
    head = "data: ok\n\n"
    decoder.receive(head + f"event: e\ndata: {bad}\n\ndata: after\n\n")
    assert decoder.next_event() == ServerSentEvent("message", "ok", None, None, 1, 0)
    with pytest.raises(DecodeError) as info:
        decoder.next_event()
    assert info.value.event_number == 2
    assert info.value.byte_offset == len(head + "event: e\n")
    after = decoder.next_event()
    assert after is not None and after.data == "after"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"event: done\ndata: [DONE]\n", ("done", "[DONE]")),
        (b"event: done\ndata: [DONE]", ("done", "[DONE]")),
        (
            b'event: error\ndata: {"error": {"message": "x"}}',
            ("error", '{"error": {"message": "x"}}'),
        ),
        (b"data: 1\n\nevent: x\ndata: [1,\ndata: 2]\n", ("x", "[1,\n2]")),
    ],
)
def test_unterminated_last_event_with_complete_data(body: bytes, expected: tuple[str, str]) -> None:
    """dispatch_unterminated=True: at close() an unterminated last event whose data is complete
    ([DONE] or JSON that parses) is dispatched, numbered and located; off (the default, WHATWG)
    it is discarded."""
    decoder = SSEDecoder(dispatch_unterminated=True)
    events = decoder.feed(body) + decoder.close()
    assert (events[-1].event, events[-1].data) == expected
    assert events[-1].number == len(events)
    assert body[events[-1].offset :].startswith(b"event: " + expected[0].encode())
    assert decoder.unterminated and not decoder.truncated and decoder.discarded_bytes == 0
    whatwg = SSEDecoder()
    kept = whatwg.feed(body) + whatwg.close()
    assert len(kept) == len(events) - 1
    assert whatwg.truncated and not whatwg.unterminated


@pytest.mark.parametrize(
    "body", [b'data: {"a"', b"data: [DONE", b"data: x\n", b": comment\n", b"data: \xff"]
)
def test_unterminated_last_event_with_incomplete_data_is_dropped(body: bytes) -> None:
    """An unterminated last event whose data is not complete JSON (or not UTF-8) is discarded,
    as WHATWG says, even with dispatch_unterminated=True."""
    decoder = SSEDecoder(dispatch_unterminated=True)
    assert decoder.feed(body) + decoder.close() == []
    assert not decoder.unterminated
