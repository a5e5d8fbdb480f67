"""Message state: content parts and annotations as plain dicts and text pieces, built into
snapshots on demand and cached until something in them changes."""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from sys import intern
from typing import Any, cast

import attrs

from .. import _models as m
from .._converter import structure, unstructure
from .._errors import ContentTypeMismatch
from .._text import TextBuffer
from .rules import ANNOTATION_STREAMED as _ANNOTATION_APPEND
from .rules import CONTENT_NEEDS_OBJECT as _NEEDS_OBJECT
from .rules import KEYED_ANNOTATIONS, TypeRule, streamed_content
from .values import merge_into

__all__ = [
    "MessageState",
    "Part",
    "StreamedPart",
    "TextPart",
    "bare_message",
    "new_part",
    "part_from_block",
]

_INDEX_TYPE = frozenset({"index", "type"})
_ANNOTATION_SKIP = _INDEX_TYPE | {_ANNOTATION_APPEND}


class _Annotation:
    """One annotation as its JSON, a dict never changed once made (a final copy's equal
    annotation is this very dict: see merge/message_final.py), and its streamed ``text`` as
    pieces once a second piece comes (so appending stays linear)."""

    __slots__ = ("cache", "data", "more")

    def __init__(self, kind: str) -> None:
        self.data: dict[str, Any] = {"type": intern(kind)}
        self.more: TextBuffer | None = None
        self.cache: m.Annotation | None = None

    @property
    def type(self) -> str:
        return cast(str, self.data["type"])

    def merge(self, delta: Mapping[str, Any]) -> None:
        data = dict(self.data)
        piece = delta.get(_ANNOTATION_APPEND)
        if type(piece) is str:
            more = self.more
            if more is None:
                old = data.get(_ANNOTATION_APPEND)
                if type(old) is str and old:
                    more = self.more = TextBuffer(old)  # json() puts the whole text in place
                else:
                    data[_ANNOTATION_APPEND] = piece
            if more is not None:
                more.append(piece)
        merge_into(data, delta, _ANNOTATION_SKIP)
        self.data = data
        self.cache = None

    def json(self) -> dict[str, Any]:
        more = self.more
        if more is not None:
            text = more.text()
            if self.data[_ANNOTATION_APPEND] is not text:
                self.data = {**self.data, _ANNOTATION_APPEND: text}
        return self.data

    def build(self) -> m.Annotation:
        if self.cache is None:
            self.cache = structure(dict(self.json()), m.Annotation)
        return self.cache


class TextPart:
    __slots__ = (
        "ann_tuple",
        "annotations",
        "buffer",
        "built",
        "cache",
        "dirty",
        "extra",
        "order",
        "text_extra",
    )
    type = "text"

    def __init__(self, value: str = "") -> None:
        self.buffer = TextBuffer(value)
        self.annotations: dict[int, _Annotation] = {}
        self.order: list[int] = []  # annotation indices, sorted
        # built[i] is the snapshot of annotation order[i]; only the dirty ones are rebuilt, so a
        # snapshot after each annotation delta costs a pointer copy, not a rebuild of them all
        self.built: list[m.Annotation | None] = []
        self.dirty: list[int] = []
        self.ann_tuple: tuple[m.Annotation, ...] | None = ()
        self.text_extra: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.cache: m.TextContentBlock | None = None

    def annotation(self, index: int, kind: str) -> _Annotation:
        ann = self.annotations.get(index)
        if ann is None:
            ann = self.annotations[index] = _Annotation(kind)
            at = bisect.bisect_left(self.order, index)
            self.order.insert(at, index)
            self.built.insert(at, None)
        elif ann.type != kind:
            raise ContentTypeMismatch(
                f"annotation {index} is {ann.type!r}, a delta says {kind!r}",
                annotation_index=index,
            )
        self.dirty.append(index)
        self.ann_tuple = None
        return ann

    def annotation_snapshots(self) -> tuple[m.Annotation, ...]:
        if self.ann_tuple is None:
            built, order = self.built, self.order
            for index in self.dirty:
                built[bisect.bisect_left(order, index)] = self.annotations[index].build()
            self.dirty.clear()
            self.ann_tuple = tuple(cast(list[m.Annotation], built))
        return self.ann_tuple

    def json(self) -> dict[str, Any]:
        annotations = [self.annotations[i].json() for i in self.order]
        text = {"value": self.buffer.text(), "annotations": annotations, **self.text_extra}
        return {"type": "text", "text": text, **self.extra}

    def build(self) -> m.TextContentBlock:
        if self.cache is None:
            anns = self.annotation_snapshots()
            text = m.Text(
                value=cast(str, self.buffer.ref()), annotations=anns, extra=dict(self.text_extra)
            )
            self.cache = m.TextContentBlock(text=text, extra=dict(self.extra))
        return self.cache


class StreamedPart:
    """A content part one field of which streams (appended), as its rules-table row says:
    refusal, and any streamed type without annotations that gets a row there."""

    __slots__ = ("buffer", "cache", "header", "inner", "rule", "top", "type")

    def __init__(self, rule: TypeRule, value: str = "") -> None:
        self.rule = rule
        self.type = rule.type
        self.buffer = TextBuffer(value)
        self.top: dict[str, Any] = {}  # the item's other fields (but index, type, the object)
        self.inner: dict[str, Any] = {}  # the row's object's other fields, if it has one
        # the snapshot with an empty streamed field, rebuilt only when a field other than the
        # streamed one changes (a streamed piece costs an evolve, not a structure)
        self.header: Any = None
        self.cache: m.ContentBlock | None = None

    def merge(self, item: Mapping[str, Any]) -> str | None:
        """Merge one checked delta of this part; return the streamed piece it carried, if any."""
        rule = self.rule
        field = cast(str, rule.streamed)
        key = rule.obj
        if key is None:
            holder: Mapping[str, Any] | None = item
            if len(item) > 2 + (field in item):
                merge_into(self.top, item, _INDEX_TYPE | {field})
                self.header = None
        else:
            holder = item.get(key)
            if len(item) > 2 + (key in item):
                merge_into(self.top, item, _INDEX_TYPE | {key})
                self.header = None
            if holder and len(holder) > (field in holder):
                merge_into(self.inner, holder, frozenset({field}))
                self.header = None
        piece = holder.get(field) if holder else None
        if piece:
            self.buffer.append(piece)
            return cast(str, piece)
        return None

    def _payload(self, value: str) -> dict[str, Any]:
        rule = self.rule
        field = cast(str, rule.streamed)
        if rule.obj is None:
            return {"type": self.type, field: value, **self.top}
        return {"type": self.type, rule.obj: {field: value, **self.inner}, **self.top}

    def json(self) -> dict[str, Any]:
        return self._payload(self.buffer.text())

    def build(self) -> m.ContentBlock:
        if self.cache is None:
            rule = self.rule
            field = cast(str, rule.streamed)
            header = self.header
            if header is None:
                header = self.header = structure(self._payload(""), rule.model)
            value = self.buffer.ref()
            if rule.obj is None:
                self.cache = attrs.evolve(header, **{field: value})
            else:
                inner = attrs.evolve(getattr(header, rule.obj), **{field: value})
                self.cache = attrs.evolve(header, **{rule.obj: inner})
        return self.cache


class _OtherPart:
    """image_file, image_url and unknown types: replaced or merged key by key, nothing streamed."""

    __slots__ = ("cache", "data", "type")

    def __init__(self, kind: str) -> None:
        self.type = kind
        self.data: dict[str, Any] = {}
        self.cache: m.ContentBlock | None = None

    def json(self) -> dict[str, Any]:
        return {"type": self.type, **self.data}

    def build(self) -> m.ContentBlock:
        if self.cache is None:
            payload = {"type": self.type, **self.data}
            key = _NEEDS_OBJECT.get(self.type)
            if key is not None and payload.get(key) is None:
                payload[key] = {}
            self.cache = structure(payload, m.ContentBlock)
        return self.cache


Part = TextPart | StreamedPart | _OtherPart


def new_part(kind: str) -> Part:
    """The state of a new content part of type ``kind``, as its rules-table row says."""
    rule = streamed_content(kind)
    if rule is None:
        return _OtherPart(kind)
    if rule.children == KEYED_ANNOTATIONS:
        return TextPart()
    return StreamedPart(rule)


_MESSAGE_FIELDS = tuple(f.name for f in attrs.fields(m.Message) if f.name != "content")


def init_kwargs(message: m.Message) -> dict[str, Any]:
    """A message's fields but its content, as constructor arguments (so that a new snapshot is
    built with new content more cheaply than by attrs.evolve)."""
    return {name: getattr(message, name) for name in _MESSAGE_FIELDS}


class MessageState:
    __slots__ = ("header", "json", "normal", "order", "parts", "snapshot", "text", "top")

    def __init__(self, top: dict[str, Any], text: int = 0) -> None:
        self.top = top
        # the snapshot's fields but its content, as constructor arguments (built when needed)
        self.header: dict[str, Any] | None = None
        self.parts: dict[int, Part] = {}
        self.order: list[int] = []
        self.snapshot: m.Message | None = None
        self.text = text  # characters of streamed text, for max_text_per_message
        # content_json() and normal_json(), kept until a delta changes the content
        self.json: list[Any] | None = None
        self.normal: list[Any] | None = None

    def part(self, index: int) -> Part | None:
        return self.parts.get(index)

    def add_part(self, index: int, part: Part) -> None:
        if index not in self.parts:
            bisect.insort(self.order, index)
        self.parts[index] = part

    def changed(self, part: Part) -> None:
        """``part`` changed: forget the caches it is in (the one place that does, for the general
        path and the text-delta shortcut alike)."""
        part.cache = None
        self.snapshot = None
        self.json = self.normal = None

    def content_json(self) -> list[Any]:
        """The content as plain JSON straight from the state (cheap, not normalized), kept until
        a delta changes it, so that many final copies compared with one big message cost what
        they carry, not what the message holds."""
        if self.json is None:
            self.json = [self.parts[i].json() for i in self.order]
        return self.json

    def normal_json(self) -> list[Any]:
        """The content exactly as the snapshot unstructures (kept like content_json)."""
        if self.normal is None:
            self.normal = unstructure(self.build())["content"]
        return self.normal

    def build(self) -> m.Message:
        if self.snapshot is None:
            header = self.header
            if header is None:
                header = self.header = init_kwargs(
                    structure({**self.top, "content": []}, m.Message)
                )
            content = tuple([self.parts[i].build() for i in self.order])
            self.snapshot = m.Message(**header, content=content)
        return self.snapshot


def part_from_block(block: m.ContentBlock, raw: Mapping[str, Any]) -> Part:
    """Part state holding a whole content block (from a created or completed message)."""
    if isinstance(block, m.TextContentBlock):
        part = TextPart(block.text.value)
        raw_text = raw.get("text") or {}
        for i, (ann, raw_ann) in enumerate(
            zip(block.text.annotations, raw_text.get("annotations") or (), strict=True)
        ):
            state = part.annotations[i] = _Annotation(ann.type)
            state.data.update((k, v) for k, v in raw_ann.items() if k != "type")
            state.cache = ann
            part.order.append(i)
            part.built.append(ann)
        part.ann_tuple = block.text.annotations
        part.text_extra = dict(block.text.extra)
        part.extra = dict(block.extra)
        part.cache = block
        return part
    rule = streamed_content(block.type)
    if rule is not None and rule.children != KEYED_ANNOTATIONS and type(block) is rule.model:
        field = cast(str, rule.streamed)
        streamed = StreamedPart(rule)
        if rule.obj is None:
            streamed.buffer = TextBuffer(getattr(block, field))
            streamed.top = {k: v for k, v in raw.items() if k != "type" and k != field}
        else:
            streamed.buffer = TextBuffer(getattr(getattr(block, rule.obj), field))
            streamed.top = {k: v for k, v in raw.items() if k != "type" and k != rule.obj}
            raw_inner = raw.get(rule.obj) or {}
            streamed.inner = {k: v for k, v in raw_inner.items() if k != field}
        streamed.cache = block
        return streamed
    other = _OtherPart(block.type)
    other.data = {k: v for k, v in raw.items() if k != "type"}
    other.cache = block
    return other


def bare_message(mid: str) -> dict[str, Any]:
    """The top-level fields of a message known only by its id."""
    return {"id": mid, "object": "thread.message"}
