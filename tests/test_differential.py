"""Differential test: a deliberately simple reference merge, written from the README's merge
contract alone (it shares no code with deltasnap), against Reducer and Accumulator on generated
streams: interleaved messages and run steps, sparse indices, multi-byte characters split across
chunks, random chunking."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from deltasnap import Accumulator, Reducer, unstructure

from strategies import chunkings, differential_streams

# ---------------------------------------------------------------- the reference merge
# The contract: objects keyed by id; list items that carry an ``index`` are keyed by it (never by
# position) and come out ordered by it, without the ``index``; streamed strings append (text
# ``value``, ``refusal``, annotation ``text``, tool-call ``arguments``); anything else is replaced
# by the latest value; a null never erases.

APPENDED = {"value", "refusal", "text", "arguments"}


def _keyed(items: list[Any]) -> bool:
    return all(type(item) is dict and "index" in item for item in items)


def ref_merge(target: dict[str, Any], delta: dict[str, Any]) -> None:
    """Merge ``delta`` into ``target`` by the contract (keyed lists held as index -> item)."""
    for key, value in delta.items():
        if key == "index" or value is None:
            continue
        if type(value) is list and _keyed(value):
            held = target.setdefault(key, {})
            for item in value:
                ref_merge(held.setdefault(item["index"], {}), item)
        elif type(value) is dict:
            ref_merge(target.setdefault(key, {}), value)
        elif key in APPENDED and type(value) is str and type(target.get(key)) is str:
            target[key] += value
        else:
            target[key] = value


def ref_render(value: Any) -> Any:
    """Keyed lists as lists ordered by index; nulls, empty lists and empty strings left out (the
    contract says nothing of defaults, so neither side's defaults are compared)."""
    if type(value) is dict:
        if value and all(type(k) is int for k in value):
            return [ref_render(value[k]) for k in sorted(value)]
        out = {k: ref_render(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, [], "", {})}
    if type(value) is list:
        return [ref_render(v) for v in value]
    return value


def reference(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Id -> final object (messages and run steps), built by the reference merge."""
    objects: dict[str, dict[str, Any]] = {}
    for event, data in events:
        if event.endswith(".created"):
            objects[data["id"]] = {}
            ref_merge(objects[data["id"]], data)
        elif event.endswith(".delta"):
            ref_merge(objects[data["id"]], data["delta"])
    return {oid: ref_render(obj) for oid, obj in objects.items()}


# ---------------------------------------------------------------- comparing


def library_view(messages: Any, steps: Any) -> dict[str, Any]:
    """The library's snapshots, in JSON shape, with the same defaults left out."""
    out = {mid: ref_render(unstructure(msg)) for mid, msg in messages.items()}
    out |= {sid: ref_render(unstructure(step)) for sid, step in steps.items()}
    return out


def same(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Every field the reference built is in the library's snapshot with the same value."""
    assert ours.keys() == theirs.keys()
    for oid, expected in theirs.items():
        _subset(expected, ours[oid], oid)


def _subset(expected: Any, got: Any, path: str) -> None:
    if type(expected) is dict:
        assert type(got) is dict, path
        for key, value in expected.items():
            assert key in got, f"{path}.{key} missing"
            _subset(value, got[key], f"{path}.{key}")
    elif type(expected) is list:
        assert type(got) is list and len(got) == len(expected), path
        for i, (a, b) in enumerate(zip(expected, got, strict=True)):
            _subset(a, b, f"{path}[{i}]")
    else:
        assert got == expected, f"{path}: {got!r} != {expected!r}"


def sse(events: list[tuple[str, dict[str, Any]]]) -> bytes:
    """The events as an SSE stream (non-ASCII written as UTF-8), ending with done."""
    out = [
        f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
        for event, data in events
    ]
    return ("".join(out) + "event: done\ndata: [DONE]\n\n").encode()


@settings(max_examples=300)
@given(differential_streams())
def test_reducer_agrees_with_the_reference(events: list[tuple[str, dict[str, Any]]]) -> None:
    """Reducer.apply on decoded events builds what the reference merge builds."""
    reducer = Reducer(strict=True)
    for event, data in events:
        reducer.apply(event, json.loads(json.dumps(data)))
    assert not reducer.reports
    same(library_view(reducer.messages, reducer.run_steps), reference(events))


@settings(max_examples=300)
@given(differential_streams(), st.data(), st.booleans())
def test_accumulator_agrees_with_the_reference_in_any_chunking(
    events: list[tuple[str, dict[str, Any]]], data: st.DataObject, use_shortcut: bool
) -> None:
    """The Accumulator fed the SSE bytes in random chunks (characters split across them), with
    the text-delta shortcut on or off, builds what the reference merge builds."""
    stream = sse(events)
    acc = Accumulator(strict=True)
    acc._use_shortcut = use_shortcut
    for chunk in data.draw(chunkings(stream)):
        acc.feed(chunk)
    acc.close()
    assert [r.kind for r in acc.reports] == []
    same(library_view(acc.messages, acc.run_steps), reference(events))
