"""Checking message events against the contract and the limits, before anything changes.

``check_content`` returns the plan that ``apply_content`` (messages.py) executes: the checked
items and the message's streamed-text length once they are applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .. import _models as m
from .._converter import structure
from .._errors import (
    DeltaError,
    DeltasnapError,
    ValidationError,
)
from .._limits import Bounds, Limits
from .keyed import ANNOTATION, CONTENT_PART, Typed, check_text
from .message_state import MessageState, TextPart
from .rules import (
    ANNOTATION_FIELDS,
    ANNOTATION_STREAMED,
    CONTENT,
    KEYED_ANNOTATIONS,
    Schema,
    streamed_content,
    streamed_path,
)
from .values import type_name

__all__ = ["ContentPlan", "check_annotations", "check_content", "check_message"]

_NOTHING: dict[int, Typed] = {}


@attrs.frozen
class ContentPlan:
    """A checked content delta: its items as (index, type, item), and the message's streamed-text
    length once they are applied."""

    items: list[tuple[int, str, dict[str, Any]]]
    text: int


def check_content(
    state: MessageState | None, content: list[Any], bounds: Bounds, limits: Limits
) -> ContentPlan:
    """Check every content delta before any is applied, so a bad event changes nothing."""
    CONTENT_PART.check_list(content, bounds, limits)
    parts: Mapping[int, Typed] = state.parts if state is not None else _NOTHING
    text = state.text if state is not None else 0
    new: dict[int, str] = {}
    new_annotations: dict[int, dict[int, str]] = {}  # by part, in this delta
    items: list[tuple[int, str, dict[str, Any]]] = []
    for item in content:
        index, kind = CONTENT_PART.check_item(item, parts, new, bounds, limits)
        try:
            rule = CONTENT.get(kind)
            if rule is None or rule.streamed is None:
                structure(item, m.ContentDelta)
            elif (holder := item if rule.obj is None else _holder(item, rule.obj)) is not None:
                piece = holder.get(rule.streamed)
                if piece is not None:
                    if type(piece) is not str:
                        raise DeltaError(
                            f"{streamed_path(rule)} must be a string, got {type_name(piece)}"
                        )
                    text += len(piece)
                annotations = holder.get(KEYED_ANNOTATIONS)
                if annotations is not None and rule.children == KEYED_ANNOTATIONS:
                    part = parts.get(index)
                    existing = part.annotations if type(part) is TextPart else _NOTHING
                    added = new_annotations.setdefault(index, {})
                    text += check_annotations(annotations, existing, added, bounds, limits)
            check_text(text, bounds, limits, "message")
        except ValidationError as err:
            raise DeltaError(f"bad {kind} delta: {err.reason}").located(
                content_index=index
            ) from None
        except DeltasnapError as err:
            raise err.located(content_index=index) from None
        items.append((index, kind, item))
    return ContentPlan(items, text)


def _holder(item: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """The object ``key`` of a content delta that holds its streamed field (None when absent);
    raise when it is not an object."""
    inner = item.get(key)
    if inner is not None and type(inner) is not dict:
        raise DeltaError(f"{key} must be an object, got {type_name(inner)}")
    return inner


def check_annotations(
    annotations: Any,
    existing: Mapping[int, Typed],
    new: dict[int, str],
    bounds: Bounds,
    limits: Limits,
) -> int:
    """Check a text delta's annotation deltas (``new``: the indices this delta adds, filled in);
    return the characters of text they add."""
    if type(annotations) is not list:
        raise DeltaError(f"text.annotations must be an array, got {type_name(annotations)}")
    ANNOTATION.check_list(annotations, bounds, limits)
    added = 0
    for ann in annotations:
        ai, kind = ANNOTATION.check_item(ann, existing, new, bounds, limits)
        try:
            fields = ANNOTATION_FIELDS.get(kind)
            if fields is not None:
                _check_fields(ann, fields, "")
            piece = ann.get(ANNOTATION_STREAMED)
            if type(piece) is str:
                added += len(piece)
        except DeltasnapError as err:
            raise err.located(annotation_index=ai) from None
    return added


def _check_fields(obj: Mapping[str, Any], schema: Schema, path: str) -> None:
    for key, want in schema.items():
        value = obj.get(key)
        if value is None:
            continue
        if isinstance(want, type):
            if type(value) is not want:
                raise DeltaError(f"{path}{key} must be {want.__name__}, got {type_name(value)}")
        elif type(value) is not dict:
            raise DeltaError(f"{path}{key} must be an object, got {type_name(value)}")
        else:
            _check_fields(value, want, f"{path}{key}.")


def check_message(data: Mapping[str, Any], bounds: Bounds, limits: Limits) -> int:
    """Check a whole message object's content (created, in progress or final) against the limits
    before it is structured; return its streamed-text length. Shape errors are left to
    ``structure()``."""
    content = data.get("content")
    if type(content) is not list or not content:
        return 0
    CONTENT_PART.check_whole(len(content), "a message", bounds)
    text = 0
    for index, block in enumerate(content):
        if type(block) is not dict:
            continue
        rule = streamed_content(block.get("type"))
        if rule is None:
            continue
        holder = block if rule.obj is None else block.get(rule.obj)
        if type(holder) is not dict:
            continue
        text += _length(holder.get(rule.streamed))
        if rule.children == KEYED_ANNOTATIONS:
            annotations = holder.get(KEYED_ANNOTATIONS)
            if type(annotations) is not list or not annotations:
                continue
            ANNOTATION.check_whole(len(annotations), "a text part", bounds, content_index=index)
            for ann in annotations:
                if type(ann) is dict:
                    text += _length(ann.get(ANNOTATION_STREAMED))
    check_text(text, bounds, limits, "message", whole=True)
    return text


def _length(value: Any) -> int:
    """The length of a streamed-text field's value (0 when it is not a string)."""
    return len(value) if type(value) is str else 0
