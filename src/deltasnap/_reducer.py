"""The merge contract: stream events in, per-message snapshots out, in linear time.

The hot path works on plain dicts and keeps streamed text as pieces in a TextBuffer; attrs
snapshots are built only when asked for and cached until a delta touches that message (and, inside
it, only the touched content part is rebuilt).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any, cast

import attrs

from . import _models as m
from ._converter import structure, unstructure
from ._errors import (
    ContentTypeMismatch,
    DeltaError,
    DeltasnapError,
    IndexTooLarge,
    InvalidJSON,
    StrictModeError,
    TextTooLong,
    TooManyAnnotations,
    TooManyMessages,
    TooManyParts,
    ValidationError,
)
from ._json import check_depth
from ._limits import Bounds, Limits
from ._merge import (
    Report,
    Reports,
    SnapshotView,
    Update,
    UpdateKind,
    _check_index,
    _check_whole_list,
    _differences,
    _merge_into,
    _short,
    _type_name,
)
from ._steps import RunStepsView, RunsView, RunTracker, RunView
from ._text import TextBuffer

__all__ = ["MessagesView", "Reducer", "Report", "Update"]

MESSAGE_CREATED = "thread.message.created"
MESSAGE_IN_PROGRESS = "thread.message.in_progress"
MESSAGE_DELTA = "thread.message.delta"
MESSAGE_COMPLETED = "thread.message.completed"
MESSAGE_INCOMPLETE = "thread.message.incomplete"
_MESSAGE_EVENTS = "thread.message."
_STEP_EVENTS = "thread.run.step."


# ----------------------------------------------------------------------------- merge rules


_INDEX_TYPE = frozenset({"index", "type"})
_TEXT_PART_KEYS = frozenset({"index", "type", "text"})
_REFUSAL_PART_KEYS = frozenset({"index", "type", "refusal"})
_TEXT_KEYS = frozenset({"value", "annotations"})
_CONTENT_KEY = frozenset({"content"})
_ANNOTATION_APPEND = "text"  # the one streamed field of an annotation
_ANNOTATION_SKIP = _INDEX_TYPE | {_ANNOTATION_APPEND}
# content types whose snapshot model needs an object under this key (``{}`` until a delta gives one)
_NEEDS_OBJECT = {"image_file": "image_file", "image_url": "image_url"}


# ---------------------------------------------------------------------------- part states


class _Annotation:
    __slots__ = ("cache", "data", "text", "type")

    def __init__(self, kind: str) -> None:
        self.type = kind
        self.data: dict[str, Any] = {}
        # the streamed ``text``, once a delta brings some (pieces, so appending stays linear)
        self.text: TextBuffer | None = None
        self.cache: m.Annotation | None = None

    def merge(self, delta: Mapping[str, Any]) -> None:
        piece = delta.get(_ANNOTATION_APPEND)
        if type(piece) is str:
            text = self.text
            if text is None:
                old = self.data.get(_ANNOTATION_APPEND)
                text = self.text = TextBuffer(old if type(old) is str else "")
                self.data[_ANNOTATION_APPEND] = ""  # holds the key's place; build() fills it in
            text.append(piece)
        _merge_into(self.data, delta, _ANNOTATION_SKIP)
        self.cache = None

    def json(self) -> dict[str, Any]:
        raw = {"type": self.type, **self.data}
        if self.text is not None:
            raw[_ANNOTATION_APPEND] = self.text.text()
        return raw

    def build(self) -> m.Annotation:
        if self.cache is None:
            payload = {"type": self.type, **self.data}
            if self.text is not None:
                payload[_ANNOTATION_APPEND] = self.text.text()
            self.cache = structure(payload, m.Annotation)
        return self.cache


class _TextPart:
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


class _RefusalPart:
    __slots__ = ("buffer", "cache", "extra")
    type = "refusal"

    def __init__(self, value: str = "") -> None:
        self.buffer = TextBuffer(value)
        self.extra: dict[str, Any] = {}
        self.cache: m.RefusalContentBlock | None = None

    def json(self) -> dict[str, Any]:
        return {"type": "refusal", "refusal": self.buffer.text(), **self.extra}

    def build(self) -> m.RefusalContentBlock:
        if self.cache is None:
            self.cache = m.RefusalContentBlock(
                refusal=cast(str, self.buffer.ref()), extra=dict(self.extra)
            )
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


_Part = _TextPart | _RefusalPart | _OtherPart
_NO_PARTS: dict[int, _Part] = {}
_NO_ANNOTATIONS: dict[int, _Annotation] = {}


def _new_part(kind: str) -> _Part:
    if kind == "text":
        return _TextPart()
    if kind == "refusal":
        return _RefusalPart()
    return _OtherPart(kind)


_MESSAGE_FIELDS = tuple(f.name for f in attrs.fields(m.Message) if f.name != "content")


def _init_kwargs(message: m.Message) -> dict[str, Any]:
    """A message's fields but its content, as constructor arguments (so that a new snapshot is
    built with new content more cheaply than by attrs.evolve)."""
    return {name: getattr(message, name) for name in _MESSAGE_FIELDS}


class _MessageState:
    __slots__ = ("header", "json", "normal", "order", "parts", "snapshot", "text", "top")

    def __init__(self, top: dict[str, Any], text: int = 0) -> None:
        self.top = top
        # the snapshot's fields but its content, as constructor arguments (built when needed)
        self.header: dict[str, Any] | None = None
        self.parts: dict[int, _Part] = {}
        self.order: list[int] = []
        self.snapshot: m.Message | None = None
        self.text = text  # characters of streamed text, for max_text_per_message
        # content_json() and normal_json(), kept until a delta changes the content
        self.json: list[Any] | None = None
        self.normal: list[Any] | None = None

    def part(self, index: int) -> _Part | None:
        return self.parts.get(index)

    def add_part(self, index: int, part: _Part) -> None:
        if index not in self.parts:
            bisect.insort(self.order, index)
        self.parts[index] = part

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
                header = self.header = _init_kwargs(
                    structure({**self.top, "content": []}, m.Message)
                )
            content = tuple([self.parts[i].build() for i in self.order])
            self.snapshot = m.Message(**header, content=content)
        return self.snapshot


# --------------------------------------------------------------------------------- reducer


class MessagesView(SnapshotView[m.Message]):
    """A live, read-only mapping of message id to its current snapshot, in order of creation."""

    __slots__ = ()


# Message event -> the Reducer method that handles it.
_MESSAGE_HANDLERS = {
    MESSAGE_DELTA: "_on_delta",
    MESSAGE_CREATED: "_on_created",
    MESSAGE_IN_PROGRESS: "_on_in_progress",
    MESSAGE_COMPLETED: "_on_final",
    MESSAGE_INCOMPLETE: "_on_final",
}


class Reducer:
    """Merge decoded stream events into per-message snapshots, following the merge contract.

    ``limits`` bounds what one stream may make it hold (see ``Limits``); an event that would go
    past a limit raises its ``LimitExceeded`` subclass and changes nothing.
    """

    def __init__(
        self, *, use_completed: bool = True, strict: bool = False, limits: Limits | None = None
    ) -> None:
        self.use_completed = use_completed
        self.strict = strict
        self.limits = limits = Limits() if limits is None else limits
        self._bounds = Bounds(limits)
        self.reports: Reports = Reports(limits.max_reports)
        self.events_applied = 0
        self._states: dict[str, _MessageState] = {}
        self._view = MessagesView(self._states)
        self._runs = RunTracker(self)
        # Message events go to this class's methods (looked up per event, so that the reducer
        # holds no bound method of itself: no reference cycle, and a dropped reducer is freed
        # at once); thread.run.* and thread.run.step.* go to the run tracker's.
        self._handlers = self._runs.handlers()

    @property
    def messages(self) -> MessagesView:
        """Message id → snapshot, valid at any moment (a live view; snapshots are immutable)."""
        return self._view

    @property
    def run_steps(self) -> RunStepsView:
        """Step id → run-step snapshot, in order of creation (a live view, like ``messages``)."""
        return self._runs.steps

    @property
    def runs(self) -> RunsView:
        """Run id → RunView (run object, statuses seen, steps, messages), in first appearance."""
        return RunsView(self._runs)

    @property
    def run(self) -> RunView | None:
        """The run most recently named by a run or step event, or None if there is none."""
        return self._runs.latest()

    def apply(
        self,
        event: str,
        data: Any,
        *,
        event_number: int | None = None,
        byte_offset: int | None = None,
    ) -> list[Update]:
        """Apply one decoded event; return what it changed. Unrelated events are ignored.

        A bad event (malformed, out of order in strict mode, over a limit, nested deeper than
        ``max_json_depth``) raises a located ``DeltasnapError`` and changes nothing.
        """
        return self._apply(event, data, event_number, byte_offset, depth_checked=False)

    def _apply(
        self,
        event: str,
        data: Any,
        event_number: int | None,
        byte_offset: int | None,
        depth_checked: bool,
    ) -> list[Update]:
        """apply(); ``depth_checked``: the caller has bounded the data's depth already (the
        Accumulator does, while parsing), so it is not walked again."""
        self.events_applied += 1
        number = self.events_applied if event_number is None else event_number
        name = _MESSAGE_HANDLERS.get(event)
        handler = self._handlers.get(event) if name is None else getattr(self, name)
        if handler is None:
            return []
        try:
            if type(data) is not dict:
                raise InvalidJSON(f"event data must be a JSON object, got {_type_name(data)}")
            if not depth_checked:
                check_depth(data, self._bounds.json_depth)
            return handler(data, number, event)
        except DeltasnapError as err:
            ident = data.get("id") if type(data) is dict else None
            raise err.located(
                event_number=number,
                byte_offset=byte_offset,
                event=event,
                message_id=ident if event.startswith(_MESSAGE_EVENTS) else None,
                step_id=ident if event.startswith(_STEP_EVENTS) else None,
            ) from err.__cause__

    def text_delta(self, message_id: str, index: int, piece: str) -> bool:
        """Fast path for the commonest event: more text for a text part that already exists.

        Same snapshot as ``apply`` of the equivalent delta, whose update is
        ``Update("text", number, message_id, index, text=piece)`` (none for an empty piece).
        Returns False, having changed nothing, whenever the general path has to decide (unknown
        message or part, another type, the text limit).
        """
        state = self._states.get(message_id)
        if state is None:
            return False
        part = state.parts.get(index)
        if type(part) is not _TextPart:
            return False
        text = state.text + len(piece)
        if text > self._bounds.text:
            return False  # the general path raises TextTooLong
        self.events_applied += 1
        if piece:
            state.text = text
            part.buffer.append(piece)
            part.cache = None
            state.snapshot = None
            state.json = state.normal = None
        return True

    # -- helpers ---------------------------------------------------------------------------

    def _report(
        self,
        kind: str,
        reason: str,
        number: int,
        message_id: str | None,
        details: tuple[str, ...] = (),
    ) -> None:
        self.reports.append(Report(kind, reason, number, message_id, details))

    def _strict_or_report(self, kind: str, reason: str, number: int, message_id: str) -> None:
        if self.strict:
            raise StrictModeError(reason)
        self._report(kind, reason, number, message_id)

    def _check_new_message(self) -> None:
        """Raise unless one more message fits in ``max_messages``."""
        if len(self._states) >= self._bounds.messages:
            raise TooManyMessages(f"more messages than max_messages={self.limits.max_messages}")

    @staticmethod
    def _message_id(data: Mapping[str, Any]) -> str:
        mid = data.get("id")
        if type(mid) is not str:
            raise DeltaError(f"message id must be a string, got {_type_name(mid)}")
        return mid

    @staticmethod
    def _top_fields(data: Mapping[str, Any]) -> dict[str, Any]:
        top = {k: v for k, v in data.items() if k != "content"}
        structure({**top, "content": []}, m.Message)  # validate before anything changes
        return top

    def _state_from_message(
        self, data: Mapping[str, Any], text: int, message: m.Message | None = None
    ) -> _MessageState:
        """A fresh state holding a whole message object (created with content, or completed),
        already checked by ``_check_message`` (which measured its ``text``)."""
        if message is None:
            message = structure(data, m.Message)
        state = _MessageState({k: v for k, v in data.items() if k != "content"}, text)
        state.header = _init_kwargs(message)
        for index, (block, raw) in enumerate(
            zip(message.content, data.get("content") or (), strict=True)
        ):
            state.add_part(index, _part_from_block(block, raw))
        state.snapshot = message
        return state

    # -- events ----------------------------------------------------------------------------

    def _on_created(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        mid = self._message_id(data)
        state = self._states.get(mid)
        if state is None:
            text = _check_message(data, self._bounds, self.limits)
            self._check_new_message()
            self._states[mid] = self._state_from_message(data, text)
        else:
            top = self._top_fields(data)  # validate before reporting or changing anything
            self._strict_or_report(
                "duplicate_created",
                f"message {mid} was created twice; keeping its accumulated content",
                number,
                mid,
            )
            self._set_top(state, top)
        return [Update("message.created", number, mid)]

    def _on_in_progress(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        mid = self._message_id(data)
        state = self._states.get(mid)
        if state is None:
            text = _check_message(data, self._bounds, self.limits)
            self._check_new_message()
            new = self._state_from_message(data, text)
            self._strict_or_report(
                "missing_created", f"{event} for message {mid} that was never created", number, mid
            )
            self._states[mid] = new
        else:
            self._set_top(state, self._top_fields(data))
        return [Update("message.in_progress", number, mid)]

    @staticmethod
    def _set_top(state: _MessageState, top: dict[str, Any]) -> None:
        """Make ``top`` (validated by ``_top_fields``) the message's top-level fields."""
        state.top = top
        state.header = None
        state.snapshot = None

    def _on_final(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        mid = self._message_id(data)
        text = _check_message(data, self._bounds, self.limits)
        server = structure(data, m.Message)
        state = self._states.get(mid)
        if state is None:
            self._check_new_message()
            self._strict_or_report(
                "completed_unknown",
                f"{event} for message {mid} that was never created; taking the server's copy",
                number,
                mid,
            )
        elif state.content_json() != data.get("content"):
            # the cheap comparison said "maybe different": compare the normalized snapshots
            ours = state.normal_json()
            theirs = unstructure(server)["content"]
            if ours != theirs:
                diffs = tuple(_differences(ours, theirs, "content"))
                self._report(
                    "completed_differs",
                    f"the server's {event} copy of {mid} differs from what was accumulated",
                    number,
                    mid,
                    diffs,
                )
        if state is None or self.use_completed:
            self._states[mid] = self._state_from_message(data, text, server)
        else:
            self._set_top(state, self._top_fields(data))
        kind: UpdateKind = (
            "message.completed" if event == MESSAGE_COMPLETED else "message.incomplete"
        )
        return [Update(kind, number, mid)]

    def _on_delta(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        mid = self._message_id(data)
        delta = data.get("delta")
        if type(delta) is not dict:
            raise DeltaError(f"delta must be an object, got {_type_name(delta)}")
        content = delta.get("content")
        if content is not None and type(content) is not list:
            raise DeltaError(f"delta.content must be an array, got {_type_name(content)}")
        # validate everything (shape, types, limits) before anything changes
        state = self._states.get(mid)
        text = self._check_content(state, content) if content else 0
        top: dict[str, Any] | None = None
        if len(delta) > (content is not None):
            top = dict(state.top) if state is not None else _bare_message(mid)
            _merge_into(top, delta, _CONTENT_KEY)
            top = self._top_fields(top)
        if state is None:
            self._check_new_message()
            self._strict_or_report(
                "delta_before_created",
                f"delta for message {mid} that was never created; starting a bare snapshot",
                number,
                mid,
            )
            state = self._states[mid] = _MessageState(_bare_message(mid))
        updates: list[Update] = []
        if top is not None:
            self._set_top(state, top)
            updates.append(Update("message.delta", number, mid))
        if content:
            state.snapshot = None
            state.json = state.normal = None
            state.text = text
            for item in content:
                self._merge_part(state, item, number, mid, updates)
        return updates

    def _check_content(self, state: _MessageState | None, content: list[Any]) -> int:
        """Validate every content delta before any is applied, so a bad event changes nothing;
        return the message's streamed-text length once they are."""
        bounds = self._bounds
        if len(content) > bounds.parts:
            raise TooManyParts(
                f"a delta with {len(content)} content items, above "
                f"max_parts_per_message={self.limits.max_parts_per_message}"
            )
        parts = state.parts if state is not None else _NO_PARTS
        count = len(parts)
        text = state.text if state is not None else 0
        seen: dict[int, str] = {}
        new_annotations: dict[int, dict[int, str]] | None = None  # by part, in this delta
        for item in content:
            if type(item) is not dict:
                raise DeltaError(f"a content delta must be an object, got {_type_name(item)}")
            try:
                index = _check_index(
                    item.get("index"), "content", bounds.content_index, "max_content_index"
                )
            except IndexTooLarge as err:
                raise err.located(content_index=item["index"]) from None
            kind = item.get("type")
            try:
                if type(kind) is not str:
                    raise DeltaError(f"content delta type must be a string, got {_short(kind)}")
                part = parts.get(index)
                if part is not None:
                    have: str | None = part.type
                else:
                    have = seen.get(index)
                    if have is None:
                        count += 1
                        if count > bounds.parts:
                            raise TooManyParts(
                                "more content parts than "
                                f"max_parts_per_message={self.limits.max_parts_per_message}"
                            )
                if have is not None and have != kind:
                    raise ContentTypeMismatch(
                        f"content part {index} is {have!r}, a delta says {_short(kind)}"
                    )
                seen[index] = kind
                if kind == "text":
                    inner = item.get("text")
                    if inner is not None:
                        if type(inner) is not dict:
                            raise DeltaError(f"text must be an object, got {_type_name(inner)}")
                        piece = inner.get("value")
                        if piece is not None:
                            if type(piece) is not str:
                                raise DeltaError(
                                    f"text.value must be a string, got {_type_name(piece)}"
                                )
                            text += len(piece)
                        annotations = inner.get("annotations")
                        if annotations is not None:
                            if new_annotations is None:
                                new_annotations = {}
                            text += self._check_annotations(
                                annotations, part, new_annotations.setdefault(index, {})
                            )
                elif kind == "refusal":
                    piece = item.get("refusal")
                    if piece is not None:
                        if type(piece) is not str:
                            raise DeltaError(f"refusal must be a string, got {_type_name(piece)}")
                        text += len(piece)
                else:
                    structure(item, m.ContentDelta)
                if text > bounds.text:
                    raise TextTooLong(
                        "the message's streamed text would be longer than "
                        f"max_text_per_message={self.limits.max_text_per_message}"
                    )
            except ValidationError as err:
                raise DeltaError(f"bad {kind} delta: {err.reason}").located(
                    content_index=index
                ) from None
            except DeltasnapError as err:
                raise err.located(content_index=index) from None
        return text

    def _check_annotations(self, annotations: Any, part: _Part | None, new: dict[int, str]) -> int:
        """Validate a text delta's annotation deltas; return the characters of text they add.

        ``new`` holds the annotations this delta adds to the part (index -> type), shared by all
        the delta's items for that part, so types and counts are checked across them too.
        """
        if type(annotations) is not list:
            raise DeltaError(f"text.annotations must be an array, got {_type_name(annotations)}")
        bounds = self._bounds
        limit = self.limits.max_annotations_per_part
        if len(annotations) > bounds.annotations:
            raise TooManyAnnotations(
                f"a delta with {len(annotations)} annotations, above "
                f"max_annotations_per_part={limit}"
            )
        existing = part.annotations if type(part) is _TextPart else _NO_ANNOTATIONS
        added = 0
        for ann in annotations:
            if type(ann) is not dict:
                raise DeltaError(f"an annotation delta must be an object, got {_type_name(ann)}")
            try:
                ai = _check_index(
                    ann.get("index"), "annotation", bounds.annotation_index, "max_annotation_index"
                )
            except IndexTooLarge as err:
                raise err.located(annotation_index=ann["index"]) from None
            try:
                kind = ann.get("type")
                if type(kind) is not str:
                    raise DeltaError(f"annotation delta type must be a string, got {_short(kind)}")
                old = existing.get(ai)
                have = old.type if old is not None else new.get(ai)
                if have is None:
                    new[ai] = kind
                    if len(existing) + len(new) > bounds.annotations:
                        raise TooManyAnnotations(
                            f"more annotations than max_annotations_per_part={limit}"
                        )
                elif have != kind:
                    raise ContentTypeMismatch(
                        f"annotation {ai} is {have!r}, a delta says {_short(kind)}"
                    )
                fields = _ANNOTATION_FIELDS.get(kind)
                if fields is not None:
                    _check_fields(ann, fields, "")
                piece = ann.get(_ANNOTATION_APPEND)
                if type(piece) is str:
                    added += len(piece)
            except ValidationError as err:
                raise DeltaError(f"bad annotation delta: {err.reason}").located(
                    annotation_index=ai
                ) from None
            except DeltasnapError as err:
                raise err.located(annotation_index=ai) from None
        return added

    def _merge_part(
        self,
        state: _MessageState,
        item: dict[str, Any],
        number: int,
        mid: str,
        updates: list[Update],
    ) -> None:
        index: int = item["index"]
        kind: str = item["type"]
        part = state.parts.get(index)
        if part is None:
            part = _new_part(kind)
            state.add_part(index, part)
        part.cache = None
        if type(part) is _TextPart:
            text = item.get("text")
            if len(item) > 3 or "text" not in item:
                _merge_into(part.extra, item, _TEXT_PART_KEYS)
            if text:
                piece = text.get("value")
                if piece:
                    part.buffer.append(piece)
                    updates.append(Update("text", number, mid, index, None, piece))
                annotations = text.get("annotations")
                if annotations:
                    for ann in annotations:
                        ai: int = ann["index"]
                        part.annotation(ai, ann["type"]).merge(ann)
                        updates.append(Update("annotation", number, mid, index, ai))
                if len(text) > ("value" in text) + ("annotations" in text):
                    _merge_into(part.text_extra, text, _TEXT_KEYS)
        elif type(part) is _RefusalPart:
            piece = item.get("refusal")
            if piece:
                part.buffer.append(piece)
                updates.append(Update("refusal", number, mid, index, None, piece))
            if len(item) > 3 or "refusal" not in item:
                _merge_into(part.extra, item, _REFUSAL_PART_KEYS)
        elif type(part) is _OtherPart:
            _merge_into(part.data, item, _INDEX_TYPE)
            updates.append(Update("content", number, mid, index))


# The field types of the annotation deltas deltasnap knows (rules as data); a field may be
# absent or null, unknown fields pass, and bool is not accepted as an int.
_Schema = dict[str, "type | _Schema"]
_ANNOTATION_FIELDS: dict[str, _Schema] = {
    "file_citation": {
        "text": str,
        "start_index": int,
        "end_index": int,
        "file_citation": {"file_id": str, "quote": str},
    },
    "file_path": {"text": str, "start_index": int, "end_index": int, "file_path": {"file_id": str}},
}


def _check_fields(obj: Mapping[str, Any], schema: _Schema, path: str) -> None:
    for key, want in schema.items():
        value = obj.get(key)
        if value is None:
            continue
        if isinstance(want, dict):
            if type(value) is not dict:
                raise DeltaError(f"{path}{key} must be an object, got {_type_name(value)}")
            _check_fields(value, want, f"{path}{key}.")
        elif type(value) is not want:
            raise DeltaError(f"{path}{key} must be {want.__name__}, got {_type_name(value)}")


def _check_message(data: Mapping[str, Any], bounds: Bounds, limits: Limits) -> int:
    """Check a whole message object's content (created, in progress or final) against the limits
    before it is structured; return its streamed-text length. Shape errors are left to
    ``structure()``."""
    content = data.get("content")
    if type(content) is not list or not content:
        return 0
    _check_whole_list(
        len(content),
        "a message",
        (TooManyParts, "content parts", bounds.parts, "max_parts_per_message"),
        ("content", bounds.content_index, "max_content_index", "content_index"),
    )
    text = 0
    for index, block in enumerate(content):
        if type(block) is not dict:
            continue
        kind = block.get("type")
        if kind == "refusal":
            text += _length(block.get("refusal"))
        elif kind == "text" and type(inner := block.get("text")) is dict:
            text += _length(inner.get("value"))
            annotations = inner.get("annotations")
            if type(annotations) is not list or not annotations:
                continue
            _check_whole_list(
                len(annotations),
                "a text part",
                (TooManyAnnotations, "annotations", bounds.annotations, "max_annotations_per_part"),
                ("annotation", bounds.annotation_index, "max_annotation_index", "annotation_index"),
                content_index=index,
            )
            for ann in annotations:
                if type(ann) is dict:
                    text += _length(ann.get(_ANNOTATION_APPEND))
    if text > bounds.text:
        raise TextTooLong(
            f"a message with {text} characters of text, above "
            f"max_text_per_message={limits.max_text_per_message}"
        )
    return text


def _length(value: Any) -> int:
    """The length of a streamed-text field's value (0 when it is not a string)."""
    return len(value) if type(value) is str else 0


def _bare_message(mid: str) -> dict[str, Any]:
    return {"id": mid, "object": "thread.message"}


def _part_from_block(block: m.ContentBlock, raw: Mapping[str, Any]) -> _Part:
    """Part state holding a whole content block (from a created or completed message)."""
    if isinstance(block, m.TextContentBlock):
        part = _TextPart(block.text.value)
        raw_text = raw.get("text") or {}
        for i, (ann, raw_ann) in enumerate(
            zip(block.text.annotations, raw_text.get("annotations") or (), strict=True)
        ):
            state = part.annotations[i] = _Annotation(ann.type)
            state.data = {k: v for k, v in raw_ann.items() if k != "type"}
            state.cache = ann
            part.order.append(i)
            part.built.append(ann)
        part.ann_tuple = block.text.annotations
        part.text_extra = dict(block.text.extra)
        part.extra = dict(block.extra)
        part.cache = block
        return part
    if isinstance(block, m.RefusalContentBlock):
        refusal = _RefusalPart(block.refusal)
        refusal.extra = dict(block.extra)
        refusal.cache = block
        return refusal
    other = _OtherPart(block.type)
    other.data = {k: v for k, v in raw.items() if k != "type"}
    other.cache = block
    return other
