"""merge/rules.py: the rules table per keyed level, checked against the models at import."""

from __future__ import annotations

import typing
from typing import Any

import attrs
import pytest

from deltasnap import DeltaError, Reducer, unstructure
from deltasnap import _models as m
from deltasnap.merge import rules


def test_every_typed_annotation_model_has_a_row() -> None:
    """Each annotation model of the Annotation union (Unknown aside) is a row of ANNOTATIONS."""
    typed = {c for c in typing.get_args(m.Annotation) if c is not m.UnknownAnnotation}
    assert {r.model for r in rules.ANNOTATIONS.values()} == typed
    assert all(r.delta is not None for r in rules.ANNOTATIONS.values())


def test_annotation_field_types_come_from_the_delta_models() -> None:
    """ANNOTATION_FIELDS is derived from each row's delta model, nested objects included."""
    assert rules.ANNOTATION_FIELDS["url_citation"] == {
        "text": str,
        "start_index": int,
        "end_index": int,
        "url_citation": {"url": str, "title": str},
    }
    for kind, rule in rules.ANNOTATIONS.items():
        assert rule.delta is not None
        names = {f.alias or f.name for f in attrs.fields(rule.delta)}
        assert set(rules.ANNOTATION_FIELDS[kind]) == names - {"index", "type", "extra"}


def test_a_row_naming_a_missing_field_fails_at_check() -> None:
    """A rule whose streamed field its model lacks makes the import-time check raise."""
    bad = rules.TypeRule("file_path", m.FilePathAnnotation, "file_path", "nope")
    saved = dict(rules.ANNOTATIONS)
    rules.ANNOTATIONS["file_path"] = bad
    try:
        with pytest.raises(AssertionError, match="nope"):
            rules._check_rules()
    finally:
        rules.ANNOTATIONS.clear()
        rules.ANNOTATIONS.update(saved)


def _message_with(annotation: dict[str, Any]) -> Reducer:
    reducer = Reducer()
    reducer.apply(
        "thread.message.created",
        {"id": "msg_1", "object": "thread.message", "role": "assistant", "content": []},
    )
    body = {"content": [{"index": 0, "type": "text", "text": {"annotations": [annotation]}}]}
    reducer.apply("thread.message.delta", {"id": "msg_1", "delta": body})
    return reducer


def test_url_citation_deltas_are_checked_field_by_field() -> None:
    """A url_citation delta with a wrongly typed nested field is refused with its path."""
    with pytest.raises(DeltaError, match=r"url_citation\.url must be str"):
        _message_with({"index": 0, "type": "url_citation", "url_citation": {"url": 5}})
    good = {"index": 0, "type": "url_citation", "text": "t", "url_citation": {"url": "u"}}
    ann = unstructure(_message_with(good).messages["msg_1"])["content"][0]["text"]["annotations"]
    assert ann[0]["url_citation"]["url"] == "u"


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class _Reasoning(m._Model):
    """A streamed content-part type deltasnap does not know: its summary streams."""

    _summary: str = m._streamed()
    effort: str | None = None
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def summary(self) -> str:
        """The summary so far."""
        return m._read_streamed(self, "_summary")


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class _ReasoningBlock(m._Model):
    """A content block holding a _Reasoning object."""

    type: str = m._kind("reasoning")
    reasoning: _Reasoning
    extra: dict[str, Any] = attrs.field(factory=dict)


attrs.resolve_types(_Reasoning)
attrs.resolve_types(_ReasoningBlock, globals())
# the converter structures the library's models (those of its model modules) with their hooks
_Reasoning.__module__ = _ReasoningBlock.__module__ = m.__name__


def _content_delta(reducer: Reducer, *items: dict[str, Any]) -> list[Any]:
    return reducer.apply("thread.message.delta", {"id": "msg_1", "delta": {"content": list(items)}})


def test_a_streamed_content_type_is_a_row_plus_a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A content-part row naming an object and its streamed field makes that field append, the
    object's other fields and the item's unknown keys merge, and the snapshot use the row's model
    (no message code knows the type)."""
    row = rules.TypeRule("reasoning", _ReasoningBlock, "reasoning", "summary")
    monkeypatch.setitem(rules.CONTENT, "reasoning", row)
    rules._check_rules()
    reducer = Reducer()
    reducer.apply(
        "thread.message.created",
        {"id": "msg_1", "object": "thread.message", "role": "assistant", "content": []},
    )
    first = {"index": 0, "type": "reasoning", "reasoning": {"summary": "Thin", "effort": "low"}}
    updates = _content_delta(reducer, first)
    _content_delta(reducer, {"index": 0, "type": "reasoning", "reasoning": {"summary": "king"}})
    _content_delta(
        reducer, {"index": 0, "type": "reasoning", "reasoning": {"summary": "…"}, "x": 1}
    )
    block = reducer.messages["msg_1"].content[0]
    assert type(block) is _ReasoningBlock
    assert (block.reasoning.summary, block.reasoning.effort, block.extra) == (
        "Thinking…",
        "low",
        {"x": 1},
    )
    assert [(u.kind, u.content_index, u.text) for u in updates] == [("content", 0, "Thin")]
    with pytest.raises(DeltaError, match=r"reasoning\.summary must be a string"):
        _content_delta(reducer, {"index": 0, "type": "reasoning", "reasoning": {"summary": 5}})
    assert reducer.messages["msg_1"].content[0].reasoning.summary == "Thinking…"  # type: ignore[union-attr]


def test_text_and_refusal_stream_as_their_rows_say() -> None:
    """The streamed content types are exactly the rows with a streamed field: text appends
    text.value (with keyed annotations), refusal appends refusal."""
    streamed = {k: rules.streamed_path(r) for k, r in rules.CONTENT.items() if r.streamed}
    assert streamed == {"text": "text.value", "refusal": "refusal"}
    assert rules.CONTENT["text"].children == rules.KEYED_ANNOTATIONS
    assert rules.streamed_content("image_file") is None
    assert rules.streamed_content(["not", "hashable"]) is None
