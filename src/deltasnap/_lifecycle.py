"""Lifecycle updates: each content part, tool call, message, step and run announced once.

When they fire (the contract; the README's "Updates" table lists every kind's fields):

- ``text.created``: at the event that first names a text part (by message id and content
  index): the message's ``created`` / ``in_progress`` copy, or the first delta for that index,
  before that delta's own updates. Its ``value`` is the ``Text`` snapshot then.
- ``tool_call.created``: likewise for a tool call (step id, tool-call index), ``value`` the
  ``ToolCall`` snapshot then.
- ``text.done`` / ``refusal.done`` / ``image_file.done`` / ``image_url.done``: for every part of
  a message that was announced (created copy or deltas), in index order, when the message
  finishes (``thread.message.completed`` or ``.incomplete``), with the finished part from the
  final snapshot (``value``; ``text`` too for text and refusals), then ``message.done``
  (``value``: the Message).
- ``tool_call.done``: for every call of a step, in index order, when the step finishes
  (completed, failed, cancelled, expired), then ``step.done`` (``value``: the RunStep); or,
  earlier, when the run stops at ``requires_action`` (the calls of its open steps are complete
  then: their outputs are the caller's to submit, and their step finishes in the next segment).
- ``run.done``: when a run event brings a final status (completed, failed, cancelled, expired,
  incomplete; not ``requires_action``, after which the run goes on), ``value``: the Run.
- ``end``: once at the end of every stream segment (``close()``).

Unlike the openai SDK, which calls a part or tool call done when the next index begins, a part
is done only when its message is: deltas for several parts (or messages) may interleave, and
a done must carry the final value. Keys are the delta's indices, never list positions, so sparse
indices and interleaved messages are fine; objects that never finish get no done, and parts or
calls first seen in a final copy (e.g. a step that began in an earlier stream segment, handled
there) are not announced: their message or step done carries them.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from . import _models as m
from . import _run_models as rm
from ._reducer import Reducer
from .merge.reports import Update, UpdateKind

__all__ = ["Lifecycle", "Listener"]

#: Called once per applied event with its number, name, parsed data (None for a plain text
#: delta taken by the fast path) and every update it made, lifecycle ones included.
Listener = Callable[[int, str, Any, list[Update]], None]

MESSAGE_DELTA = "thread.message.delta"
STEP_DELTA = "thread.run.step.delta"
_MESSAGE_OPEN = frozenset({"message.created", "message.in_progress"})
_MESSAGE_FINAL = frozenset({"message.completed", "message.incomplete"})
_STEP_OPEN = frozenset({"step.created", "step.in_progress"})
_STEP_FINAL = frozenset({"step.completed", "step.failed", "step.cancelled", "step.expired"})
_PART_UPDATES = frozenset({"text", "refusal", "annotation", "content"})
_RUN_FINAL = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})
_PART_DONE: dict[str, UpdateKind] = {
    "text": "text.done",
    "refusal": "refusal.done",
    "image_file": "image_file.done",
    "image_url": "image_url.done",
}


class _Children:
    """The keyed children (content parts or tool calls) of one message or step."""

    __slots__ = ("closed", "done", "order", "types")

    def __init__(self) -> None:
        self.types: dict[int, str] = {}
        self.order: list[int] = []  # the indices, sorted: a child's snapshot position is its rank
        self.done = False
        self.closed: set[int] = set()  # children already announced done

    def add(self, index: int, kind: str) -> bool:
        """Record a child; True if it is new."""
        if index in self.types:
            return False
        self.types[index] = kind
        bisect.insort(self.order, index)
        return True

    def position(self, index: int) -> int:
        return bisect.bisect_left(self.order, index)

    def final(self, count: int) -> list[tuple[int, int]]:
        """(index, position) of each known child in a final copy of ``count`` children: the
        known ones by rank (children first seen in a final copy are not announced)."""
        return [(index, pos) for pos, index in enumerate(self.order[:count])]


def _children_in(data: Any, *path: str) -> list[tuple[int, str]]:
    """(index, type) of each item of a validated delta's child list found at ``path``."""
    for key in path:
        if type(data) is not dict:
            return []
        data = data.get(key)
    if type(data) is not list:
        return []
    return [(item["index"], item["type"]) for item in data]


def _call_update(
    kind: UpdateKind, number: int, sid: str, index: int, call: rm.ToolCall | None
) -> Update:
    return Update(kind, number, step_id=sid, tool_call_index=index, value=call)


class Lifecycle:
    """Adds the lifecycle updates to the updates of each applied event (see the module doc)."""

    def __init__(self, reducer: Reducer) -> None:
        self._reducer = reducer
        self._messages: dict[str, _Children] = {}
        self._steps: dict[str, _Children] = {}
        self._runs_done: set[str] = set()
        #: True while the accumulator feeds without building updates (nothing is tracked).
        self.quiet = False
        #: Told of every event as it is applied, while the snapshots are as that event left them.
        self.listener: Listener | None = None

    # -- positions (for readers of snapshots) -----------------------------------------------

    def part(self, message_id: str, index: int) -> m.ContentBlock | None:
        """The current snapshot of a message's content part at ``index``."""
        children = self._messages.get(message_id)
        if children is None or index not in children.types:
            return None
        content = self._reducer.messages[message_id].content
        pos = children.position(index)
        return content[pos] if pos < len(content) else None

    def tool_call(self, step_id: str, index: int) -> rm.ToolCall | None:
        """The current snapshot of a step's tool call at ``index``."""
        children = self._steps.get(step_id)
        if children is None or index not in children.types:
            return None
        details = self._reducer.run_steps[step_id].step_details
        if not isinstance(details, rm.ToolCallsStepDetails):
            return None
        pos = children.position(index)
        return details.tool_calls[pos] if pos < len(details.tool_calls) else None

    def announced(self, message_id: str, index: int) -> bool:
        """Whether a message's content part at ``index`` is known here already (a delta for it
        then adds no lifecycle update)."""
        children = self._messages.get(message_id)
        return children is not None and index in children.types

    def call_announced(self, step_id: str, index: int) -> bool:
        """Whether a step's tool call at ``index`` is known here already (a delta for it then
        adds no lifecycle update)."""
        children = self._steps.get(step_id)
        return children is not None and index in children.types

    # -- the hook ----------------------------------------------------------------------------

    def after(self, number: int, event: str, data: Any, updates: list[Update]) -> list[Update]:
        """The updates of one applied event with the lifecycle ones added in place."""
        if self.quiet:
            return updates
        out: list[Update] = []
        if event == MESSAGE_DELTA and data is not None:
            self._new_parts(number, data, out)
        elif event == STEP_DELTA:
            self._new_calls(number, data, out)
        for update in updates:
            kind = update.kind
            if kind in _PART_UPDATES:
                self._part_seen(update, out)
                out.append(update)
            elif kind in _MESSAGE_OPEN:
                out.append(update)
                self._message_open(number, update.message_id, out)
            elif kind in _MESSAGE_FINAL:
                out.append(update)
                self._message_final(number, update.message_id, out)
            elif kind in _STEP_OPEN:
                out.append(update)
                self._step_open(number, update.step_id, out)
            elif kind in _STEP_FINAL:
                out.append(update)
                self._step_final(number, update.step_id, out)
            elif kind == "run":
                out.append(update)
                self._run(number, update, out)
            else:
                out.append(update)
        if self.listener is not None:
            self.listener(number, event, data, out)
        return out

    # -- messages ----------------------------------------------------------------------------

    def _children(self, message_id: str) -> _Children:
        children = self._messages.get(message_id)
        if children is None:
            children = self._messages[message_id] = _Children()
        return children

    def _new_parts(self, number: int, data: Any, out: list[Update]) -> None:
        mid = data.get("id") if type(data) is dict else None
        if type(mid) is not str:
            return
        children = self._children(mid)
        new = [i for i, kind in _children_in(data, "delta", "content") if children.add(i, kind)]
        for index in new:
            self._text_created(number, mid, index, out)

    def _part_seen(self, update: Update, out: list[Update]) -> None:
        """A part only an update names (fed while quiet, or the fast path): created now."""
        mid, index = update.message_id, update.content_index
        if mid is None or index is None:
            return
        children = self._children(mid)
        if index in children.types:
            return
        children.add(index, "refusal" if update.kind == "refusal" else "text")
        if update.kind == "content":
            block = self.part(mid, index)
            children.types[index] = block.type if block is not None else "unknown"
            return
        self._text_created(update.event_number, mid, index, out)

    def _text_created(self, number: int, mid: str, index: int, out: list[Update]) -> None:
        block = self.part(mid, index)
        if isinstance(block, m.TextContentBlock):
            out.append(Update("text.created", number, mid, index, value=block.text))

    def _message_open(self, number: int, mid: str | None, out: list[Update]) -> None:
        if mid is None or mid in self._messages:
            return
        children = self._children(mid)
        for pos, block in enumerate(self._reducer.messages[mid].content):
            children.add(pos, block.type)
            if isinstance(block, m.TextContentBlock):
                out.append(Update("text.created", number, mid, pos, value=block.text))

    def _message_final(self, number: int, mid: str | None, out: list[Update]) -> None:
        if mid is None:
            return
        children = self._children(mid)
        if children.done:
            return
        children.done = True
        message = self._reducer.messages[mid]
        content = message.content
        for index, pos in children.final(len(content)):
            block = content[pos]
            if isinstance(block, m.TextContentBlock):
                value = block.text
                out.append(Update("text.done", number, mid, index, text=value.value, value=value))
            elif isinstance(block, m.RefusalContentBlock):
                out.append(
                    Update("refusal.done", number, mid, index, text=block.refusal, value=block)
                )
            elif isinstance(block, m.ImageFileContentBlock):
                out.append(Update("image_file.done", number, mid, index, value=block.image_file))
            elif isinstance(block, m.ImageURLContentBlock):
                out.append(Update("image_url.done", number, mid, index, value=block.image_url))
        out.append(Update("message.done", number, mid, value=message))

    # -- steps -------------------------------------------------------------------------------

    def _calls(self, step_id: str) -> _Children:
        children = self._steps.get(step_id)
        if children is None:
            children = self._steps[step_id] = _Children()
        return children

    def _new_calls(self, number: int, data: Any, out: list[Update]) -> None:
        sid = data.get("id") if type(data) is dict else None
        if type(sid) is not str:
            return
        children = self._calls(sid)
        found = _children_in(data, "delta", "step_details", "tool_calls")
        new = [i for i, kind in found if children.add(i, kind)]
        for index in new:
            out.append(
                _call_update("tool_call.created", number, sid, index, self.tool_call(sid, index))
            )

    def _step_open(self, number: int, sid: str | None, out: list[Update]) -> None:
        if sid is None or sid in self._steps:
            return
        children = self._calls(sid)
        details = self._reducer.run_steps[sid].step_details
        if isinstance(details, rm.ToolCallsStepDetails):
            for pos, call in enumerate(details.tool_calls):
                children.add(pos, call.type)
                out.append(
                    Update(
                        "tool_call.created", number, step_id=sid, tool_call_index=pos, value=call
                    )
                )

    def _step_final(self, number: int, sid: str | None, out: list[Update]) -> None:
        if sid is None:
            return
        children = self._calls(sid)
        if children.done:
            return
        children.done = True
        step = self._reducer.run_steps[sid]
        details = step.step_details
        calls = details.tool_calls if isinstance(details, rm.ToolCallsStepDetails) else ()
        for index, pos in children.final(len(calls)):
            call = calls[pos]
            if index not in children.closed:
                children.closed.add(index)
                out.append(_call_update("tool_call.done", number, sid, index, call))
        out.append(Update("step.done", number, step_id=sid, run_id=step.run_id, value=step))

    # -- runs --------------------------------------------------------------------------------

    def _run(self, number: int, update: Update, out: list[Update]) -> None:
        rid = update.run_id
        if update.text == "requires_action":
            self._calls_wait(number, rid, out)
            return
        if rid is None or update.text not in _RUN_FINAL or rid in self._runs_done:
            return
        self._runs_done.add(rid)
        out.append(Update("run.done", number, run_id=rid, value=self._reducer.run_object(rid)))

    def _calls_wait(self, number: int, rid: str | None, out: list[Update]) -> None:
        """The run waits for tool outputs: the calls of its open steps are done (arguments
        complete), each once; their steps finish later, in the next stream segment."""
        steps = self._reducer.run_steps
        for sid, children in self._steps.items():
            if children.done or sid not in steps:
                continue
            step = steps[sid]
            details = step.step_details
            if step.run_id not in (rid, None) or not isinstance(details, rm.ToolCallsStepDetails):
                continue
            for index, call in zip(children.order, details.tool_calls, strict=False):
                if index not in children.closed:
                    children.closed.add(index)
                    out.append(_call_update("tool_call.done", number, sid, index, call))
