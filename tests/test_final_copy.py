"""Light final copies (sse/long.py, payload/final_bytes.py, merge/message_final.py): the same
snapshots, reports, updates, events and errors as the general path, with less memory."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import deltasnap
from deltasnap import Accumulator, DeltasnapError, Limits, _final_copy
from deltasnap.merge import message_final
from deltasnap.testing.generate import generate_stream

from strategies import (
    TEXT,
    chunked,
    event_blocks,
    interleavings,
    multi_message_streams,
    multi_step_streams,
    sse_bytes,
)

FINALS = tuple(sorted(_final_copy.FINAL_EVENTS))


@pytest.fixture(autouse=True)
def everything_light(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every final copy takes the light path, however short (the real thresholds are for size)."""
    monkeypatch.setattr(_final_copy, "LONG_LINE", 1)
    monkeypatch.setattr(_final_copy, "_MIN_CHARS", 1)


def outcome(pieces: list[bytes], light: bool, quiet: bool, **options: Any) -> Any:
    """Everything an accumulator tells after reading ``pieces`` (or the error it raised)."""
    threshold = _final_copy.LONG_LINE
    _final_copy.LONG_LINE = threshold if light else 1 << 62
    try:
        acc = Accumulator(**options)
    finally:
        _final_copy.LONG_LINE = threshold
    updates: list[Any] = []
    try:
        for piece in pieces:
            if quiet:
                acc._feed_quietly(piece)
            else:
                updates += acc.feed(piece)
        updates += acc.close()
    except DeltasnapError as err:
        return ("raised", type(err).__name__, str(err), err.event_number, err.byte_offset)
    return (
        {k: deltasnap.unstructure(v) for k, v in acc.messages.items()},
        {k: deltasnap.unstructure(v) for k, v in acc.run_steps.items()},
        list(acc.reports),
        # the data as JSON text too: key order and number types, which == does not compare
        [(e.number, e.event, e.data, json.dumps(e.data), e.offset, e.id) for e in acc.events],
        dict(acc.event_counts),
        acc.kept_event_bytes,
        updates,
    )


def same_both_ways(pieces: list[bytes], quiet: bool = True, **options: Any) -> Any:
    light = outcome(pieces, True, quiet, **options)
    general = outcome(pieces, False, quiet, **options)
    assert light == general
    return light


def _mutate(data: Any, how: str) -> Any:
    """A final copy changed the way ``how`` says (when it has what that needs)."""
    content = data.get("content") if isinstance(data, dict) else None
    texts = [b["text"] for b in content or () if b.get("type") == "text"]
    if how == "text" and texts:
        texts[0]["value"] = texts[0]["value"] + "!"
    elif how == "annotation" and texts and texts[0].get("annotations"):
        texts[0]["annotations"][0]["end_index"] = 10**6
    elif how == "reordered" and texts and texts[0].get("annotations"):
        first = texts[0]["annotations"][0]
        texts[0]["annotations"][0] = dict(reversed(list(first.items())))  # equal, not the same
    elif how == "float" and texts and texts[0].get("annotations"):
        first = texts[0]["annotations"][0]
        if type(first.get("start_index")) is int:
            first["start_index"] = float(first["start_index"])  # equal, not the same
    elif how == "never_streamed":
        data["x_added"] = {"a": 1}
    elif how == "content_extra" and content:
        content[0]["x_extra"] = [1]
    return data


def _encode(data: Any, style: str) -> bytes:
    """JSON the way different servers write it."""
    if style == "ascii":
        return json.dumps(data).encode()
    text = json.dumps(data, ensure_ascii=False).encode()
    if style == "slashes":
        return text.replace(b"/", b"\\/")  # a slash appears only inside strings in JSON
    if style == "compact":
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return text


# Copies equal to what was accumulated (==) that are not the same JSON.
_EQUAL = ("reordered", "float")


@st.composite
def streams(draw: st.DrawFn) -> bytes:
    """Generated messages and steps whose final copies are re-encoded, sometimes changed."""
    _, message_lists = draw(multi_message_streams(max_messages=2))
    _, step_lists = draw(multi_step_streams(max_steps=2))
    blocks = event_blocks(sse_bytes(draw(interleavings([*message_lists, *step_lists]))))
    out = []
    for block in blocks:
        head, _, body = block.partition(b"\ndata: ")
        if head.removeprefix(b"event: ").decode() in FINALS:
            data = _mutate(
                json.loads(body),
                draw(
                    st.sampled_from(
                        [*["same"] * 3, "text", "annotation", *_EQUAL, "never_streamed"]
                    )
                ),
            )
            body = _encode(data, draw(st.sampled_from(["utf8", "ascii", "slashes", "compact"])))
            if draw(st.integers(0, 9)) == 0:
                body = body[: draw(st.integers(0, len(body)))]  # cut: malformed JSON
        out.append(head + b"\ndata: " + body + b"\n\n")
    return b"".join(out)


@settings(max_examples=150, deadline=None)
@given(streams(), st.lists(st.integers(1, 64), max_size=12), st.booleans(), st.booleans())
def test_light_final_copies_change_nothing(
    stream: bytes, sizes: list[int], quiet: bool, use_completed: bool
) -> None:
    same_both_ways(chunked(stream, sizes), quiet, use_completed=use_completed)


@settings(max_examples=60, deadline=None)
@given(
    streams(),
    st.sampled_from(
        [
            {"strict": True},
            {"keep_deltas": True},
            {"limits": Limits(max_event_bytes=300)},
            {"limits": Limits(max_json_depth=4)},
            {"limits": Limits(max_text_per_message=30)},
            {"limits": Limits(max_kept_event_bytes=500)},
        ]
    ),
)
def test_light_final_copies_keep_modes_limits_and_errors(stream: bytes, options: Any) -> None:
    same_both_ways([stream], **options)


def _generated(n: int) -> bytes:
    return generate_stream(n_deltas=n, seed=1, annotation_every=7).data


def test_byte_at_a_time_is_whole_buffer() -> None:
    data = _generated(120)
    whole = same_both_ways([data])
    assert same_both_ways([data[i : i + 1] for i in range(len(data))]) == whole


@pytest.mark.parametrize(
    "how", ["same", "text", "annotation", *_EQUAL, "never_streamed", "content_extra"]
)
@pytest.mark.parametrize("style", ["utf8", "ascii", "slashes", "compact"])
def test_changed_and_re_encoded_copies(how: str, style: str) -> None:
    blocks = event_blocks(_generated(300))
    for i, block in enumerate(blocks):
        head, _, body = block.partition(b"\ndata: ")
        if head == b"event: thread.message.completed":
            body = _encode(_mutate(json.loads(body), how), style)
            blocks[i] = head + b"\ndata: " + body
    got = same_both_ways([b"\n\n".join(blocks) + b"\n\n"], quiet=False)
    kinds = {report.kind for report in got[2]}
    assert ("completed_differs" in kinds) == (how in ("text", "annotation", "content_extra"))
    assert bool(kinds) == (how not in ("same", "never_streamed", "reordered"))  # float: skipped


@pytest.mark.parametrize("cut", [10, 300, -3])
def test_cut_or_malformed_copies_fail_as_before(cut: int) -> None:
    blocks = event_blocks(_generated(200))
    for i, block in enumerate(blocks):
        if block.startswith(b"event: thread.message.completed"):
            at = block.index(b"data: ") + cut
            blocks[i] = block[:at] if cut > 0 else block[:cut] + b"\x01]"
    stream = b"\n\n".join(blocks) + b"\n\n"
    assert same_both_ways([stream])[2]  # reported
    assert same_both_ways([stream], strict=True)[0] == "raised"


def test_invalid_utf8_in_a_long_copy_is_located_as_before() -> None:
    data = _generated(200)
    at = data.index(b"event: thread.message.completed") + 200
    bad = data[:at] + b"\xff" + data[at + 1 :]
    result = same_both_ways([bad], strict=True)
    assert result[:2] == ("raised", "DecodeError")


def test_the_snapshot_and_the_kept_event_share_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_final_copy, "LONG_LINE", 1 << 16)
    monkeypatch.setattr(_final_copy, "_MIN_CHARS", 1 << 10)
    acc = deltasnap.accumulate(_generated(20_000))
    (kept,) = [e for e in acc.events if e.event == "thread.message.completed"]
    value = kept.data["content"][0]["text"]["value"]
    (message,) = acc.messages.values()
    assert len(value) > 10_000
    assert message.content[0].text.value is value
    assert not acc.reports


@pytest.mark.parametrize("compact", [False, True])
def test_the_kept_event_holds_the_accumulated_annotations(
    monkeypatch: pytest.MonkeyPatch, compact: bool
) -> None:
    """A final copy's annotations written exactly as the accumulated ones (spaced or compact)
    are not parsed again: the kept event's arrays hold the state's own dicts."""
    monkeypatch.setattr(_final_copy, "LONG_LINE", 1 << 16)
    monkeypatch.setattr(_final_copy, "_MIN_CHARS", 1 << 10)
    data = generate_stream(n_deltas=20_000, seed=0, annotation_every=50).data
    if compact:
        data = b"".join(_compact(block) for block in data.split(b"\n\n") if block)
    parsed_again: list[Any] = []  # the annotations left to the parser's object_hook
    share = message_final.sharing
    monkeypatch.setattr(
        _final_copy, "sharing", lambda items: share(parsed_again.extend(items) or parsed_again)
    )
    acc = deltasnap.accumulate(data)
    assert parsed_again == []
    (kept,) = [e for e in acc.events if e.event == "thread.message.completed"]
    theirs = kept.data["content"][0]["text"]["annotations"]
    (state,) = acc.reducer._messages.annotation_lists(kept.data["id"])
    assert len(theirs) == len(state) > 50
    assert all(a is b for a, b in zip(theirs, state, strict=True))
    assert not acc.reports


def _compact(block: bytes) -> bytes:
    """An event's block with its JSON data written compact."""
    head, _, data = block.partition(b"data: ")
    if data.startswith(b"{"):
        data = json.dumps(json.loads(data), ensure_ascii=False, separators=(",", ":")).encode()
    return head + b"data: " + data + b"\n\n"


def test_peak_memory_stays_well_under_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_final_copy, "LONG_LINE", 1 << 16)
    monkeypatch.setattr(_final_copy, "_MIN_CHARS", 1 << 10)
    data = generate_stream(n_deltas=20_000, seed=0, annotation_every=50).data
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        acc = deltasnap.accumulate(iter(chunks))
        kept, peak = (m - base for m in tracemalloc.get_traced_memory())
    finally:
        tracemalloc.stop()
    assert acc.done and not acc.reports
    # about 0.31-0.35 of the stream (0.29 at 100k deltas): the text made once at its size, the
    # annotations shared by the state and the kept copy; 0.42 before that, 0.84 without light
    # final copies. Kept after the run: about 0.21-0.25 (the text is most of it).
    assert peak < 0.42 * len(data)
    assert kept < 0.3 * len(data)


def test_deltas_after_the_copy_leave_the_kept_event_as_it_came() -> None:
    """The kept copy and the state share annotation dicts: a later delta to one of them (taken
    after the copy, leniently) changes the state's by a new dict, never the event's."""
    blocks = event_blocks(_generated(300))
    (at,) = [i for i, b in enumerate(blocks) if b.startswith(b"event: thread.message.completed")]
    body = json.loads(blocks[at].partition(b"\ndata: ")[2])
    text = body["content"][0]["text"]
    late = {
        "id": body["id"],
        "object": "thread.message.delta",
        "delta": {
            "content": [
                {
                    "index": 0,
                    "type": "text",
                    "text": {
                        "value": "more",
                        "annotations": [
                            {**text["annotations"][0], "index": 0, "end_index": 10**6},
                            {"index": 1, "type": text["annotations"][1]["type"], "text": "+"},
                        ],
                    },
                }
            ]
        },
    }
    blocks.insert(at + 1, b"event: thread.message.delta\ndata: " + json.dumps(late).encode())
    got = same_both_ways([b"\n\n".join(blocks) + b"\n\n"], quiet=False)
    (kept,) = [e for e in got[3] if e[1] == "thread.message.completed"]
    assert kept[2] == body and kept[3] == json.dumps(body)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, -0.0, 1.0]) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def equal_twins(draw: st.DrawFn, value: Any) -> Any:
    """A JSON value equal to ``value`` (==), its keys maybe reordered, its numbers maybe retyped."""
    if type(value) is dict:
        items = [(k, draw(equal_twins(v))) for k, v in value.items()]
        return dict(draw(st.permutations(items)))
    if type(value) is list:
        return [draw(equal_twins(v)) for v in value]
    if type(value) in (int, float) and draw(st.booleans()):
        return draw(
            st.sampled_from([int(value), float(value), -float(value) if not value else value])
        )
    if type(value) is bool and draw(st.booleans()):
        return int(value)
    return value


@settings(max_examples=300)
@example(({"a": None, "b": None}, {"b": None, "a": None}))
@example(({"a": [0.0]}, {"a": [-0.0]}))
@given(
    st.dictionaries(TEXT, JSON, max_size=4).flatmap(lambda v: st.tuples(st.just(v), equal_twins(v)))
)
def test_only_the_same_json_is_shared(pair: tuple[Any, Any]) -> None:
    """An equal annotation is taken for the parsed one only when its JSON text is the same."""
    ours, theirs = pair
    assert ours == theirs
    shared = message_final.sharing([ours])(theirs) is ours
    assert shared == (json.dumps(ours) == json.dumps(theirs))


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=["Cs"])), cut=st.integers(0, 40))
@example(text='a"b\\c\n\r\t\b\f\x00\x01\x0b\x1f\x7f é 🎉', cut=3)
def test_utf8_escaped_as_bytes_is_the_str_encoding(text: str, cut: int) -> None:
    """A text kept as UTF-8 is escaped byte by byte exactly as json.dumps writes the str (cut
    anywhere, even inside a character: every escaped character is one ASCII byte)."""
    from deltasnap.payload import final_bytes

    utf8 = text.encode()
    pieces = [utf8[:cut], utf8[cut:]]
    assert (
        b"".join(map(final_bytes._escaped, pieces))
        == json.dumps(text, ensure_ascii=False)[1:-1].encode()
    )


def test_a_surrogate_kept_as_utf8_is_no_match() -> None:
    """A lone surrogate (kept with "surrogatepass") has no UTF-8 encoding to find: no match."""
    from deltasnap.payload import final_bytes

    kept = bytearray("a\ud83db".encode("utf-8", "surrogatepass"))
    line = b'"a\\ud83db"'
    assert final_bytes._match(line, 0, [kept]) == -1
    assert final_bytes._match(b'"ab"', 0, [bytearray(b"ab")]) == 4
