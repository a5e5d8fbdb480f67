"""Messages: the lifecycle's hooks for ``thread.message.*`` events, and their content merge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast, get_args

from .. import _models as m
from .._converter import structure, unstructure
from .._errors import DeltaError, DeltasnapError
from .._limits import MESSAGES
from .._text import TextBuffer
from .completed import Differences, split_differences
from .lifecycle import Lifecycle
from .message_checks import ContentPlan, check_annotations, check_content, check_message
from .message_final import same_final
from .message_state import (
    MessageState,
    StreamedPart,
    TextPart,
    _OtherPart,
    bare_message,
    init_kwargs,
    new_part,
    part_from_block,
)
from .reports import Report, Update, UpdateKind
from .values import merge_into, type_name

__all__ = ["MessageStore", "ScannedPart"]

_SAME = Differences()

_INDEX_TYPE = frozenset({"index", "type"})
_TEXT_PART_KEYS = frozenset({"index", "type", "text"})
_TEXT_KEYS = frozenset({"value", "annotations"})


_UPDATE_KINDS = frozenset(get_args(UpdateKind))


def _update_kind(kind: str) -> UpdateKind:
    """The update a streamed piece of a content part of type ``kind`` gives: named for the type
    when updates have such a kind ("refusal"), else "content"."""
    return cast("UpdateKind", kind) if kind in _UPDATE_KINDS else "content"


class MessageStore(Lifecycle[MessageState]):
    """Message id → state, driven by the one lifecycle."""

    noun = "message"
    children = "content"
    children_words = "content"
    update_prefix = "message"
    count = MESSAGES

    def count_bound(self) -> int:
        return self.ctx.bounds.messages

    def check_whole(self, data: Mapping[str, Any]) -> int:
        return check_message(data, self.ctx.bounds, self.ctx.limits)

    def structure(self, data: Mapping[str, Any]) -> m.Message:
        return structure(data, m.Message)

    def from_whole(self, data: Mapping[str, Any], text: int, obj: Any) -> MessageState:
        message: m.Message = obj
        state = MessageState({k: v for k, v in data.items() if k != "content"}, text)
        state.header = init_kwargs(message)
        for index, (block, raw) in enumerate(
            zip(message.content, data.get("content") or (), strict=True)
        ):
            state.add_part(index, part_from_block(block, raw))
        state.snapshot = message
        return state

    def bare(self, oid: str) -> MessageState:
        return MessageState(bare_message(oid))

    def top_of(self, state: MessageState) -> dict[str, Any]:
        return state.top

    def check_top(self, top: dict[str, Any]) -> None:
        structure({**top, "content": []}, m.Message)

    def set_top(self, state: MessageState, top: dict[str, Any], header: Any) -> None:
        state.top = top
        state.header = None
        state.snapshot = None

    def differs(self, state: MessageState, data: Mapping[str, Any], server: Any) -> Differences:
        if state.content_json() == data.get("content"):
            return _SAME
        # the cheap comparison said "maybe different": compare the normalized snapshots
        ours = state.normal_json()
        theirs = unstructure(server)["content"]
        return _SAME if ours == theirs else split_differences(ours, theirs, "content")

    def same_final(self, state: MessageState, data: Mapping[str, Any], text: int) -> bool:
        return same_final(state, data, text, self.check_top)

    def children_json(self, state: MessageState) -> Any:
        return state.content_json()

    def update(self, kind: str, number: int, oid: str, state: MessageState) -> Update:
        return Update(cast("UpdateKind", f"message.{kind}"), number, oid)

    def report(
        self, kind: str, reason: str, number: int, oid: str, details: tuple[str, ...] = ()
    ) -> None:
        self.ctx.reports.append(Report(kind, reason, number, oid, details))

    # -- content ---------------------------------------------------------------------------

    def check_children(self, state: MessageState | None, children: Any) -> ContentPlan | None:
        if children is not None and type(children) is not list:
            raise DeltaError(f"delta.content must be an array, got {type_name(children)}")
        if not children:
            return None
        return check_content(state, children, self.ctx.bounds, self.ctx.limits)

    def apply_children(
        self, state: MessageState, plan: Any, number: int, oid: str, updates: list[Update]
    ) -> None:
        content: ContentPlan = plan
        state.text = content.text
        for index, kind, item in content.items:
            part = state.parts.get(index)
            if part is None:
                part = new_part(kind)
                state.add_part(index, part)
            state.changed(part)
            if type(part) is TextPart:
                _merge_text(part, item, number, oid, index, updates)
            elif type(part) is StreamedPart:
                piece = part.merge(item)
                if piece:
                    updates.append(Update(_update_kind(kind), number, oid, index, None, piece))
            elif type(part) is _OtherPart:
                merge_into(part.data, item, _INDEX_TYPE)
                updates.append(Update("content", number, oid, index))

    def long_texts(self, oid: str, min_chars: int) -> list[TextBuffer]:
        """The streamed texts of message ``oid`` at least ``min_chars`` long, in content order
        (what its final copy repeats)."""
        state = self.states.get(oid)
        if state is None:
            return []
        found = []
        for index in state.order:
            part = state.parts[index]
            if isinstance(part, TextPart | StreamedPart) and len(part.buffer) >= min_chars:
                found.append(part.buffer)
        return found

    def annotation_lists(self, oid: str) -> list[list[dict[str, Any]]]:
        """The JSON of message ``oid``'s annotations, a list per text part that has any, in
        content order (what its final copy repeats)."""
        state = self.states.get(oid)
        lists = []
        for index in state.order if state is not None else ():
            part = state.parts[index]  # type: ignore[union-attr]
            if type(part) is TextPart and part.order:
                lists.append([part.annotations[ai].json() for ai in part.order])
        return lists

    def text_delta(self, message_id: str, index: int, piece: str) -> bool:
        """The text-delta shortcut: more text for a text part that already exists.

        Same snapshot as the general path's delta, whose update is
        ``Update("text", number, message_id, index, text=piece)`` (none for an empty piece).
        Returns False, having changed nothing, whenever the general path has to decide (unknown
        message or part, another type, the text limit).
        """
        state = self.states.get(message_id)
        if state is None:
            return False
        part = state.parts.get(index)
        if type(part) is not TextPart:
            return False
        text = state.text + len(piece)
        if text > self.ctx.bounds.text:
            return False  # the general path raises TextTooLong
        self.ctx.events_applied += 1
        if piece:
            state.text = text
            part.buffer.append(piece)
            state.changed(part)
            if self.ctx.watchers:
                self.touched(state)
        return True

    def refusal_delta(
        self, message_id: str, index: int, piece: str, number: int, updates: list[Update] | None
    ) -> bool:
        """The refusal-piece shortcut: more of a refusal part that already exists.

        Same state as the general path's delta, and the same update appended to ``updates``
        (None: nobody reads them): ``Update("refusal", number, message_id, index, text=piece)``,
        none for an empty piece. Returns False, having changed nothing, whenever the general path
        has to decide (unknown message or part, another type, the index or text limit).
        """
        state = self.states.get(message_id)
        if state is None:
            return False
        part = state.parts.get(index)
        if type(part) is not StreamedPart or part.type != "refusal":
            return False
        bounds = self.ctx.bounds
        text = state.text + len(piece)
        if text > bounds.text or index > bounds.content_index:
            return False  # the general path raises TextTooLong / IndexTooLarge
        self.ctx.events_applied += 1
        state.text = text
        state.changed(part)
        if piece:
            part.buffer.append(piece)
            if updates is not None:
                updates.append(Update("refusal", number, message_id, index, None, piece))
        if self.ctx.watchers:
            self.touched(state)
        return True

    def annotated_delta(
        self, message_id: str, index: int, piece: str, annotations: Any, number: int
    ) -> list[Update] | None:
        """The text-delta shortcut with annotations (parsed JSON, checked as ``check_run``
        checks a run's): the general path's updates, or None, having changed nothing, whenever
        it has to decide (as ``text_delta``, and any annotation it would refuse)."""
        refused, adds = self.check_run([(message_id, index, piece, 1, [annotations])])
        if refused is not None:
            return None
        (added,) = adds
        state = self.states[message_id]
        part = cast(TextPart, state.parts[index])
        self.ctx.events_applied += 1
        state.text += added
        state.changed(part)
        updates = []
        if piece:
            part.buffer.append(piece)
            updates.append(Update("text", number, message_id, index, None, piece))
        _merge_annotations(part, annotations, number, message_id, index, updates)
        self.touched(state)
        return updates

    def check_run(self, parts: list[ScannedPart]) -> tuple[int | None, list[int]]:
        """Check a scanned run (by part) before any of it is applied: where in ``parts`` the
        first part is whose events ``text_delta`` / ``annotated_delta`` would not all take (None
        when they take them all), and the characters of streamed text each part before it adds
        (its pieces and its annotations' ``text``; the text limit is counted per message)."""
        bounds, limits = self.ctx.bounds, self.ctx.limits
        text: dict[str, int] = {}
        adds: list[int] = []
        for at, (message_id, index, piece, _, notes) in enumerate(parts):
            state = self.states.get(message_id)
            part = state.parts.get(index) if state is not None else None
            if state is None or type(part) is not TextPart:
                return at, adds
            added = len(piece)
            new: dict[int, str] = {}  # indices the run adds, across its events
            for array in notes:
                if type(array) is not list:
                    return at, adds
                try:
                    added += check_annotations(array, part.annotations, new, bounds, limits)
                except DeltasnapError:
                    return at, adds
            total = text.get(message_id, state.text) + added
            if total > bounds.text:
                return at, adds
            text[message_id] = total
            adds.append(added)
        return None, adds

    def text_run(
        self, message_id: str, index: int, text: str, count: int, notes: list[Any], added: int
    ) -> None:
        """Apply ``count`` text deltas of one part at once (their pieces joined in ``text``,
        their annotations' arrays in ``notes``, ``added`` characters of streamed text in all):
        the same state as ``text_delta`` / ``annotated_delta`` on each. ``check_run`` said yes
        and counted ``added``."""
        state = self.states[message_id]
        part = cast(TextPart, state.parts[index])
        self.ctx.events_applied += count
        state.text += added
        if text:
            part.buffer.append(text)
        for array in notes:
            _merge_annotations(part, array, 0, message_id, index, None)
        if text or notes:
            state.changed(part)
            if self.ctx.watchers:
                self.touched(state)


#: A scanned run's events of one part: (message id, content index, joined text, number of
#: events, their annotations' arrays parsed).
ScannedPart = tuple[str, int, str, int, list[Any]]


def _merge_text(
    part: TextPart,
    item: dict[str, Any],
    number: int,
    mid: str,
    index: int,
    updates: list[Update],
) -> None:
    """Merge one checked text-part delta: text appended, annotations by index, the rest by key."""
    text = item.get("text")
    if len(item) > 3 or "text" not in item:
        merge_into(part.extra, item, _TEXT_PART_KEYS)
    if not text:
        return
    piece = text.get("value")
    if piece:
        part.buffer.append(piece)
        updates.append(Update("text", number, mid, index, None, piece))
    annotations = text.get("annotations")
    if annotations:
        _merge_annotations(part, annotations, number, mid, index, updates)
    if len(text) > ("value" in text) + ("annotations" in text):
        merge_into(part.text_extra, text, _TEXT_KEYS)


def _merge_annotations(
    part: TextPart,
    annotations: list[dict[str, Any]],
    number: int,
    mid: str,
    index: int,
    updates: list[Update] | None,
) -> None:
    """Merge a text delta's checked annotation deltas, each by its index (with its update
    unless ``updates`` is None: nobody reads them)."""
    for ann in annotations:
        ai: int = ann["index"]
        part.annotation(ai, ann["type"]).merge(ann)
        if updates is not None:
            updates.append(Update("annotation", number, mid, index, ai))
