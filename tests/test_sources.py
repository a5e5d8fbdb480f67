"""accumulate()/aaccumulate() and the lazy update iterators over every kind of source."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltasnap import Accumulator, DeltasnapError, aaccumulate, accumulate, unstructure

from conftest import STREAM_NAMES, expected, stream_path
from strategies import chunked as chunked_at
from strategies import mutated_streams, two_segment_run

BASIC = expected("basic")


def final(acc: Accumulator) -> dict[str, Any]:
    """Every message snapshot in JSON shape."""
    return {mid: unstructure(msg) for mid, msg in acc.messages.items()}


def chunked(data: bytes, size: int = 7) -> Iterator[bytes]:
    """The data as a generator of small chunks."""
    for i in range(0, len(data), size):
        yield data[i : i + size]


RAW = stream_path("basic").read_bytes()


@pytest.mark.parametrize(
    "make",
    [
        lambda: RAW,
        lambda: bytearray(RAW),
        lambda: RAW.decode(),
        lambda: stream_path("basic"),
        lambda: str(stream_path("basic")),
        lambda: io.BytesIO(RAW),
        lambda: io.StringIO(RAW.decode()),
        lambda: chunked(RAW),
        lambda: [c.decode("latin-1") for c in [RAW]],
        lambda: [RAW.decode()[i : i + 5] for i in range(0, len(RAW.decode()), 5)],
    ],
    ids=[
        "bytes",
        "bytearray",
        "str",
        "path",
        "str-path",
        "binary-file",
        "text-file",
        "byte-chunks",
        "one-str",
        "str-chunks",
    ],
)
def test_accumulate_any_source(make: Any) -> None:
    """bytes, str, paths, files and chunk iterables all reduce to the same messages."""
    source = make()
    acc = accumulate(source)
    if isinstance(source, list) and source and "ü" not in source[0] and "Ã" in source[0]:
        return  # latin-1 mojibake variant only checks that it runs
    assert final(acc) == BASIC
    assert acc.done


def test_event_objects_with_dicts_json_and_models() -> None:
    """Objects with .event and .data (dict, JSON text or model_dump()) are accepted."""
    events = accumulate(RAW, keep_deltas=True).events

    class Model:
        def __init__(self, data: dict[str, Any]) -> None:
            self._data = data

        def model_dump(self, exclude_unset: bool = False) -> dict[str, Any]:
            return self._data

    mixed = []
    for i, e in enumerate(events):
        if e.event == "done":
            continue  # SDK event iterators do not yield done
        data: Any = [e.data, json.dumps(e.data), Model(e.data)][i % 3]
        mixed.append(SimpleNamespace(event=e.event, data=data))
    acc = accumulate(mixed)
    assert final(acc) == BASIC
    assert not acc.truncated


def test_updates_are_lazy() -> None:
    """updates() yields while the source is still being read."""
    consumed = 0

    def source() -> Iterator[bytes]:
        nonlocal consumed
        for chunk in chunked(RAW, 50):
            consumed += 1
            yield chunk

    acc = Accumulator()
    for update in acc.updates(source()):
        if update.kind == "text":
            assert consumed < len(RAW) // 50
            break


def test_aaccumulate_async_and_sync_sources() -> None:
    """aaccumulate takes async iterables of chunks and plain sync sources."""

    async def agen() -> AsyncIterator[bytes]:
        for chunk in chunked(RAW, 3):
            await asyncio.sleep(0)
            yield chunk

    async def main() -> tuple[Accumulator, Accumulator, list[str]]:
        a = await aaccumulate(agen())
        b = await aaccumulate(RAW)
        acc = Accumulator()
        kinds = [u.kind async for u in acc.aupdates(agen())]
        return a, b, kinds

    a, b, kinds = asyncio.run(main())
    assert final(a) == final(b) == BASIC
    assert kinds.count("text") == 8 and kinds[-2:] == ["done", "end"]


def test_continue_with_a_second_segment(tmp_path: Path) -> None:
    """accumulate(..., accumulator=acc) continues a finished accumulator with a new body."""
    acc = accumulate(stream_path("run-steps"))
    accumulate(stream_path("refusal"), accumulator=acc)
    assert list(acc.messages) == ["msg_x"]
    assert acc.done and not acc.truncated and acc.reports == []


def test_several_bodies_are_one_run() -> None:
    """accumulate(body1, body2, ...) reduces the bodies in order, each any kind of source (a path,
    bytes, chunks, decoded events), as one accumulator; aaccumulate the same; none is an error."""
    first, second = two_segment_run()
    events = [SimpleNamespace(event=e, data=d) for e, d in second]
    acc = accumulate(iter([SimpleNamespace(event=e, data=d) for e, d in first]), events)
    [run] = acc.runs.values()
    assert run.statuses[-1] == "completed" and "requires_action" in run.statuses
    both = asyncio.run(aaccumulate([SimpleNamespace(event=e, data=d) for e, d in first], events))
    assert final(both) == final(acc)
    paths = accumulate(stream_path("run-steps"), stream_path("refusal").read_bytes())
    assert list(paths.messages) == ["msg_x"] and paths.done
    with pytest.raises(TypeError):
        accumulate()


def test_unsupported_source() -> None:
    """A source of the wrong kind is a TypeError (a programming error, not bad input)."""
    with pytest.raises(TypeError):
        accumulate(42)
    with pytest.raises(TypeError):
        accumulate([1, 2])


CAPTURES = [stream_path(name).read_bytes() for name in STREAM_NAMES]


def _state(acc: Accumulator) -> tuple[Any, ...]:
    """Everything an accumulator ends with that a reader can see."""
    return (
        final(acc),
        list(acc.reports),
        acc.reports.dropped,
        dict(acc.event_counts),
        acc.events,
        acc.done,
        acc.truncated,
        acc.bytes_received,
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), sizes=st.lists(st.integers(1, 300), max_size=30), strict=st.booleans())
def test_accumulate_feeds_quietly_to_the_same_end(
    data: st.DataObject, sizes: list[int], strict: bool
) -> None:
    """accumulate() builds no updates, yet ends exactly where feeding chunk by chunk ends,
    including on mutated streams and at the same strict-mode error."""
    stream = data.draw(mutated_streams(CAPTURES))
    pieces = chunked_at(stream, sizes)
    quiet = Accumulator(strict=strict)
    loud = Accumulator(strict=strict)
    errors: list[str] = []
    try:
        accumulate(pieces, accumulator=quiet)
    except DeltasnapError as err:
        errors.append(repr(err))
    try:
        for piece in pieces:
            loud.feed(piece)
        loud.close()
    except DeltasnapError as err:
        errors.append(repr(err))
    assert len(errors) in (0, 2) and len(set(errors)) <= 1
    assert _state(quiet) == _state(loud)


def test_a_str_is_a_path_only_when_it_names_a_file(tmp_path: Path) -> None:
    """A one-line str that names no file is SSE text (``"data: {}"`` is not a path); one that
    names an existing file, or a Path, is read from disk."""
    acc = accumulate(
        'event: thread.message.created\ndata: {"id": "msg_1"}\n\nevent: done\ndata: [DONE]\n\n'
    )
    assert list(acc.messages) == ["msg_1"]
    one_line = accumulate("data: {}")
    assert one_line.event_counts["message"] == 1 and not one_line.messages
    capture = tmp_path / "one.sse"
    capture.write_bytes(stream_path("basic").read_bytes())
    assert accumulate(str(capture)).messages == accumulate(capture).messages
    assert accumulate(str(capture)).messages


def test_decoded_events_as_dicts() -> None:
    """Decoded events may be dicts with ``event`` and ``data``: one alone, or a list of them."""
    created = {"event": "thread.message.created", "data": {"id": "msg_1", "role": "assistant"}}
    delta = {
        "event": "thread.message.delta",
        "data": {
            "id": "msg_1",
            "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "hi"}}]},
        },
    }
    acc = accumulate([created, delta, {"event": "done", "data": "[DONE]"}])
    assert acc.messages["msg_1"].content[0].text.value == "hi"  # type: ignore[union-attr]
    assert not acc.truncated
    single = accumulate(created)
    assert list(single.messages) == ["msg_1"] and not single.truncated
