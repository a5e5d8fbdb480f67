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
