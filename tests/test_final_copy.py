"""Light final copies (sse/long.py, payload/final_bytes.py, merge/message_final.py): the same
snapshots, reports, updates, events and errors as the general path, with less memory."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deltasnap
from deltasnap import Accumulator, DeltasnapError, Limits, _final_copy
from deltasnap.testing.generate import generate_stream

from strategies import (
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
        [(e.number, e.event, e.data, e.offset, e.id) for e in acc.events],
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
                draw(st.sampled_from(["same", "same", "text", "annotation", "never_streamed"])),
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


@pytest.mark.parametrize("how", ["same", "text", "annotation", "never_streamed", "content_extra"])
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
    assert bool(kinds) == (how not in ("same", "never_streamed"))  # top-level fields: no report


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


def test_peak_memory_stays_well_under_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_final_copy, "LONG_LINE", 1 << 16)
    monkeypatch.setattr(_final_copy, "_MIN_CHARS", 1 << 10)
    data = generate_stream(n_deltas=20_000, seed=0, annotation_every=50).data
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        acc = deltasnap.accumulate(iter(chunks))
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert acc.done and not acc.reports
    # about 0.42 of the stream with light final copies; 0.84 without them
    assert peak < 0.6 * len(data)
