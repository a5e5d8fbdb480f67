"""structure/unstructure: the API's exact JSON shape, unknowns kept, strict about types."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltasnap import (
    ActivitiesStepDetails,
    Annotation,
    AnnotationDelta,
    BingGroundingToolCall,
    ContentBlock,
    MCPToolCall,
    MCPToolCallDelta,
    Message,
    MessageDeltaEvent,
    Run,
    StepDetails,
    TextContentBlock,
    ToolCall,
    ToolCallDelta,
    UnknownContentBlock,
    URLCitationAnnotation,
    URLCitationDeltaAnnotation,
    ValidationError,
    structure,
    unstructure,
)

from conftest import MESSAGE_STREAMS, expected, simple_events
from strategies import message_events, messages, roundtrip_json


@settings(max_examples=200, deadline=None)
@given(messages())
def test_message_round_trip(message: dict[str, Any]) -> None:
    """unstructure(structure(x)) == x for any message JSON, unknown fields and types included."""
    message = roundtrip_json(message)
    assert unstructure(structure(message, Message)) == message


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_delta_event_round_trip(data: st.DataObject) -> None:
    """Delta payloads round-trip exactly too (no index dropped, no null invented)."""
    events = data.draw(message_events(data.draw(messages())))
    for event, body in events:
        if event == "thread.message.delta":
            body = roundtrip_json(body)
            assert unstructure(structure(body, MessageDeltaEvent)) == body


@pytest.mark.parametrize("name", MESSAGE_STREAMS)
def test_reference_messages_keep_key_order(name: str) -> None:
    """Reference messages come back byte-identical as JSON, key order included."""
    for msg in expected(name).values():
        again = unstructure(structure(msg, Message))
        assert json.dumps(again) == json.dumps(msg)


def test_reference_deltas_structure() -> None:
    """Every delta in the reference captures structures into typed delta models."""
    for name in MESSAGE_STREAMS:
        for event, data in simple_events(name):
            if event == "thread.message.delta":
                typed = structure(data, MessageDeltaEvent)
                assert typed.delta.content
                assert unstructure(typed) == data


def test_unknown_content_type_is_kept_whole() -> None:
    """A content type deltasnap does not know survives as UnknownContentBlock."""
    raw = {"type": "audio", "audio": {"id": "a1"}, "n": 3}
    block = structure(raw, ContentBlock)
    assert isinstance(block, UnknownContentBlock)
    assert block.type == "audio"
    assert unstructure(block) == raw


def test_unknown_fields_kept_in_extra() -> None:
    """Unknown keys land in ``extra`` and are written back."""
    raw = {"type": "text", "text": {"value": "v", "annotations": [], "lang": "en"}, "x": [1]}
    block = structure(raw, ContentBlock)
    assert isinstance(block, TextContentBlock)
    assert block.extra == {"x": [1]}
    assert block.text.extra == {"lang": "en"}
    assert unstructure(block) == raw


def test_optional_absent_and_null_both_round_trip() -> None:
    """An optional field that is absent stays absent; one that is null stays null."""
    absent = {"type": "image_file", "image_file": {"file_id": "f"}}
    null = {"type": "image_file", "image_file": {"file_id": "f", "detail": None}}
    assert unstructure(structure(absent, ContentBlock)) == absent
    assert unstructure(structure(null, ContentBlock)) == null


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"created_at": "yesterday"}, "created_at: expected int"),
        ({"created_at": True}, "created_at: expected int"),
        (
            {"content": [{"type": "text", "text": {"value": 1, "annotations": []}}]},
            "content[0].text.value",
        ),
        ({"content": [{"text": {}}]}, "content[0].type"),
        ({"content": "abc"}, "content: expected array"),
        ({"metadata": []}, "metadata: expected object"),
        ({"id": None}, "id: expected str"),
    ],
)
def test_wrong_types_raise_with_a_path(patch: dict[str, Any], where: str) -> None:
    """Wrong types are not coerced: a ValidationError names the JSON path."""
    msg = {**expected("basic")["msg_1"], **patch}
    with pytest.raises(ValidationError) as info:
        structure(msg, Message)
    assert where in str(info.value)


def test_missing_required_field() -> None:
    """A message without an id is rejected."""
    with pytest.raises(ValidationError, match="id: required"):
        structure({"object": "thread.message"}, Message)


def test_structure_non_object() -> None:
    """Structuring something that is not an object fails cleanly."""
    with pytest.raises(ValidationError, match="expected object"):
        structure([], Message)


def _cyclic() -> dict[str, Any]:
    loop: dict[str, Any] = {"a": 1}
    loop["items"] = [0, {"back": loop}]
    return loop


@pytest.mark.parametrize(
    ("raw", "cls", "where"),
    [
        ({"id": "m", "metadata": _cyclic()}, Message, r"metadata\.items\[1\]\.back"),
        ({"id": "m", "metadata": {"k": [_cyclic()]}}, Message, r"metadata\.k\[0\]\.items"),
        ({"id": "m", "unknown_field": _cyclic()}, Message, r"unknown_field\.items\[1\]"),
        ({"type": "future", "payload": _cyclic()}, ContentBlock, r"payload\.items\[1\]"),
        ({"id": "r", "metadata": _cyclic()}, Run, r"metadata\.items"),
        ({"id": "r", "tools": [_cyclic()]}, Run, r"tools\[0\]\.items"),
    ],
)
def test_cyclic_free_form_data_is_refused(raw: dict[str, Any], cls: Any, where: str) -> None:
    """A dict or list that holds itself, in metadata or any free-form field, is refused by
    structure() with a ValidationError naming where (never a MemoryError or RecursionError)."""
    with pytest.raises(ValidationError, match=f"{where}.*cyclic"):
        structure(raw, cls)


def test_unstructure_refuses_cyclic_data_built_by_hand() -> None:
    """A model built by hand around a cycle cannot be written as JSON: a ValidationError."""
    with pytest.raises(ValidationError, match="cyclic"):
        unstructure(Message(id="m", metadata=_cyclic()))


def test_shared_and_deep_free_form_data_is_fine() -> None:
    """A container reached twice (no cycle) and data far deeper than Python's recursion limit
    both structure and unstructure."""
    shared = {"x": [1, 2]}
    raw = {"id": "m", "metadata": {"a": shared, "b": shared, "c": [shared, shared]}}
    assert unstructure(structure(raw, Message))["metadata"] == raw["metadata"]
    deep: Any = []
    for _ in range(50_000):
        deep = [deep]
    again = unstructure(structure({"id": "m", "metadata": {"deep": deep}}, Message))
    depth, node = 0, again["metadata"]["deep"]
    while node:
        depth, node = depth + 1, node[0]
    assert depth == 50_000


@pytest.mark.parametrize(
    ("raw", "union", "cls"),
    [
        ({"type": "url_citation", "text": "t"}, Annotation, URLCitationAnnotation),
        ({"type": "bing_grounding", "id": "c"}, ToolCall, BingGroundingToolCall),
        ({"type": "mcp", "id": "c"}, ToolCall, MCPToolCall),
        ({"type": "activities", "activities": []}, StepDetails, ActivitiesStepDetails),
        ({"type": "url_citation", "index": 0}, AnnotationDelta, URLCitationDeltaAnnotation),
        ({"type": "mcp", "index": 0}, ToolCallDelta, MCPToolCallDelta),
    ],
)
def test_new_types_are_chosen_by_type(raw: dict[str, Any], union: Any, cls: type) -> None:
    """The union hooks pick the Azure AI Agents models by their ``type``."""
    assert type(structure(raw, union)) is cls


def test_unstructure_copies_shared_data_and_refuses_a_list_cycle() -> None:
    """unstructure copies a container reached twice (the copies are independent) and refuses a
    list that holds itself."""
    shared: dict[str, Any] = {"x": [1]}
    out = unstructure(Message(id="m", metadata={"a": shared, "b": [shared]}))
    assert out["metadata"] == {"a": {"x": [1]}, "b": [{"x": [1]}]}
    assert (
        out["metadata"]["a"] is not shared and out["metadata"]["a"] is not out["metadata"]["b"][0]
    )
    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(ValidationError, match=r"loop\[1\]: cyclic"):
        unstructure(Message(id="m", metadata={"loop": loop}))
