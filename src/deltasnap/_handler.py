"""EventHandler: the openai SDK's ``AssistantEventHandler`` callbacks, driven by deltasnap.

A handler written for the SDK ports by renaming its base class: the same method names and
arguments, with deltasnap's models (``TextDelta`` / ``Text`` with ``.value``, ``Message``,
``RunStep``, ``ToolCall``…). Every snapshot handed to a callback is the accumulator's snapshot as
that event left it, keyed by message id and index, so it stays right where the SDK's is wrong
(interleaved messages). When each callback fires:

- ``on_event(event)``: first, for every event (``event.event``, ``event.data`` as a model).
- ``on_message_created(message)`` / ``on_run_step_created(run_step)``: at their created event.
- ``on_text_created(text)`` / ``on_tool_call_created(tool_call)``: at the event that first names
  that part or call (its first delta, or the message's or step's created copy), before its delta.
- ``on_text_delta(delta, snapshot)``: for each text item of a message delta (a piece and/or
  annotations), then ``on_message_delta(delta, snapshot)`` once for the event.
- ``on_tool_call_delta(delta, snapshot)``: for each tool-call item of a step delta, except the one
  that created the call (as in the SDK), then ``on_run_step_delta(delta, snapshot)``.
- ``on_text_done(text)`` / ``on_image_file_done(image_file)`` for every part, then
  ``on_message_done(message)``, when the message finishes; ``on_tool_call_done(tool_call)`` for
  every call, then ``on_run_step_done(run_step)``, when the step finishes. (The SDK calls a part
  or call done when the next index begins; deltasnap waits for its message or step, so that
  ``done`` always holds the final value, even when deltas for several parts interleave.)
- ``on_exception(exception)`` when the stream raises (then it is raised); ``on_end()`` last,
  always.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

from . import _models as m
from . import _run_models as rm
from ._accumulator import Accumulator
from ._converter import structure
from ._feeding import aiter_updates, iter_updates
from .merge.reports import Update

__all__ = ["EventHandler", "HandlerEvent", "aconsume", "atext_deltas", "consume", "text_deltas"]

MESSAGE_DELTA = "thread.message.delta"
STEP_DELTA = "thread.run.step.delta"

H = TypeVar("H", bound="EventHandler")


def _data_model(event: str) -> type[Any] | None:
    """The model an event's data is structured into for ``HandlerEvent.data``."""
    if event == MESSAGE_DELTA:
        return m.MessageDeltaEvent
    if event.startswith("thread.message."):
        return m.Message
    if event == STEP_DELTA:
        return rm.RunStepDeltaEvent
    if event.startswith("thread.run.step."):
        return rm.RunStep
    if event.startswith("thread.run."):
        return rm.Run
    return None


def _text_delta_data(update: Update) -> dict[str, Any]:
    """The delta a fast-path text update stands for (one text piece for one part)."""
    item = {"index": update.content_index, "type": "text", "text": {"value": update.text}}
    return {"id": update.message_id, "object": MESSAGE_DELTA, "delta": {"content": [item]}}


def _plain_text_delta(text: Any) -> m.TextDelta | None:
    """The model of a text delta that is one piece and nothing else, built directly (the same
    as ``structure`` gives, without its cost on the commonest delta); None for any other."""
    if type(text) is dict and len(text) == 1:
        value = text.get("value")
        if type(value) is str:
            return m.TextDelta(value=value)
    return None


class HandlerEvent:
    """One stream event as ``on_event`` sees it: ``event`` (its name), ``data`` (a deltasnap
    model: Run, RunStep, RunStepDeltaEvent, Message or MessageDeltaEvent; else the JSON value),
    ``raw`` (the parsed JSON) and ``number`` (its place in the stream)."""

    __slots__ = ("_data", "event", "number", "raw")

    def __init__(self, number: int, event: str, raw: Any) -> None:
        self.number = number
        self.event = event
        self.raw = raw
        self._data: Any = None

    @property
    def data(self) -> Any:
        """The event's data as a deltasnap model (structured on first read)."""
        if self._data is None:
            model = _data_model(self.event)
            raw = self.raw
            self._data = structure(raw, model) if model is not None and type(raw) is dict else raw
        return self._data

    def __repr__(self) -> str:
        return f"HandlerEvent(number={self.number}, event={self.event!r})"


class EventHandler:
    """Subclass it and override the ``on_*`` callbacks you need; run it with ``consume``."""

    def __init__(self) -> None:
        self._accumulator: Accumulator | None = None
        self._current_event: HandlerEvent | None = None
        self._current_run_id: str | None = None
        self._current_message_id: str | None = None
        self._current_step_id: str | None = None

    # -- state -----------------------------------------------------------------------------

    @property
    def accumulator(self) -> Accumulator:
        """The Accumulator behind the handler (set by ``consume``)."""
        if self._accumulator is None:
            raise RuntimeError("the handler has not consumed a stream yet")
        return self._accumulator

    @property
    def current_event(self) -> HandlerEvent | None:
        """The event being handled (None between events)."""
        return self._current_event

    @property
    def current_run(self) -> rm.Run | None:
        """The latest copy of the run the last run event named."""
        rid = self._current_run_id
        return None if rid is None else self.accumulator.reducer.runs[rid].run

    @property
    def current_message_snapshot(self) -> m.Message | None:
        """The snapshot of the message the last message event named."""
        mid = self._current_message_id
        return None if mid is None else self.accumulator.messages[mid]

    @property
    def current_run_step_snapshot(self) -> rm.RunStep | None:
        """The snapshot of the step being streamed (None once it is done)."""
        sid = self._current_step_id
        return None if sid is None else self.accumulator.reducer.run_steps[sid]

    def final_messages(self) -> list[m.Message]:
        """Every message of the stream, as finally accumulated, in order of creation."""
        return list(self.accumulator.messages.values())

    def final_run(self) -> rm.Run:
        """The latest copy of the run (RuntimeError if the stream named none)."""
        view = self.accumulator.reducer.run
        if view is None:
            raise RuntimeError("the stream named no run")
        return view.run

    def final_run_steps(self) -> list[rm.RunStep]:
        """Every run step of the stream, as finally accumulated, in order of creation."""
        return list(self.accumulator.reducer.run_steps.values())

    def get_final_messages(self) -> list[m.Message]:
        """The SDK's name for ``final_messages``."""
        return self.final_messages()

    def get_final_run(self) -> rm.Run:
        """The SDK's name for ``final_run``."""
        return self.final_run()

    def get_final_run_steps(self) -> list[rm.RunStep]:
        """The SDK's name for ``final_run_steps``."""
        return self.final_run_steps()

    # -- callbacks (override these) --------------------------------------------------------

    def on_event(self, event: HandlerEvent) -> None:
        """Every event, before the callbacks it causes."""

    def on_run_step_created(self, run_step: rm.RunStep) -> None:
        """A run step was created."""

    def on_run_step_delta(self, delta: rm.RunStepDelta, snapshot: rm.RunStep) -> None:
        """A run-step delta arrived; ``snapshot`` is the step with it applied."""

    def on_run_step_done(self, run_step: rm.RunStep) -> None:
        """A run step finished (completed, failed, cancelled or expired)."""

    def on_tool_call_created(self, tool_call: rm.ToolCall) -> None:
        """A tool call began."""

    def on_tool_call_delta(self, delta: rm.ToolCallDelta, snapshot: rm.ToolCall) -> None:
        """A tool-call delta arrived; ``snapshot`` is the call with it applied."""

    def on_tool_call_done(self, tool_call: rm.ToolCall) -> None:
        """A tool call is final (its step finished)."""

    def on_exception(self, exception: Exception) -> None:
        """The stream raised ``exception`` (it is raised after this)."""

    def on_timeout(self) -> None:
        """Kept for SDK handlers; deltasnap does no I/O, so it never calls it."""

    def on_message_created(self, message: m.Message) -> None:
        """A message was created."""

    def on_message_delta(self, delta: m.MessageDelta, snapshot: m.Message) -> None:
        """A message delta arrived; ``snapshot`` is the message with it applied."""

    def on_message_done(self, message: m.Message) -> None:
        """A message finished (completed or incomplete)."""

    def on_text_created(self, text: m.Text) -> None:
        """A text part began."""

    def on_text_delta(self, delta: m.TextDelta, snapshot: m.Text) -> None:
        """A text delta arrived; ``snapshot`` is the part's text with it applied."""

    def on_text_done(self, text: m.Text) -> None:
        """A text part is final (its message finished)."""

    def on_image_file_done(self, image_file: m.ImageFile) -> None:
        """An image_file part is final (its message finished)."""

    def on_end(self) -> None:
        """The stream ended (also after an exception)."""

    # -- dispatch --------------------------------------------------------------------------

    def _handle(self, number: int, event: str, data: Any, updates: list[Update]) -> None:
        """Call the callbacks of one event, while the snapshots are as it left them."""
        acc = self.accumulator
        if data is None and updates and updates[0].kind == "text":
            data = _text_delta_data(updates[0])
        current = self._current_event = HandlerEvent(number, event, data)
        if event != "done":  # the SDK's handlers never see the closing ``done``
            self.on_event(current)
        created_calls: set[int | None] = set()
        for update in updates:
            kind = update.kind
            if kind == "run":
                self._current_run_id = update.run_id
            elif kind == "message.created":
                self._current_message_id = update.message_id
                self.on_message_created(acc.messages[update.message_id])  # type: ignore[index]
            elif kind == "text.created":
                self.on_text_created(update.value)
            elif kind == "text.done":
                self.on_text_done(update.value)
            elif kind == "image_file.done":
                self.on_image_file_done(update.value)
            elif kind == "message.done":
                self._current_message_id = update.message_id
                self.on_message_done(update.value)
            elif kind == "step.created":
                self._current_step_id = update.step_id
                self.on_run_step_created(acc.reducer.run_steps[update.step_id])  # type: ignore[index]
            elif kind == "tool_call.created":
                created_calls.add(update.tool_call_index)
                self.on_tool_call_created(update.value)
            elif kind == "tool_call.done":
                self.on_tool_call_done(update.value)
            elif kind == "step.done":
                self.on_run_step_done(update.value)
                self._current_step_id = None
        if type(data) is dict:
            if event == MESSAGE_DELTA:
                self._message_delta(data)
            elif event == STEP_DELTA:
                self._step_delta(data, created_calls)
        self._current_event = None

    def _message_delta(self, data: dict[str, Any]) -> None:
        acc = self.accumulator
        mid: str = data["id"]
        self._current_message_id = mid
        delta = data["delta"]
        content = delta.get("content") or ()
        blocks: list[m.TextDeltaBlock] | None = [] if len(delta) == 1 else None
        for item in content:
            text = item.get("text") if item["type"] == "text" else None
            piece = _plain_text_delta(text) if len(item) == 3 else None
            if blocks is not None:
                if piece is None:
                    blocks = None
                else:
                    blocks.append(m.TextDeltaBlock(index=item["index"], text=piece))
            if text:
                part = acc._lifecycle.part(mid, item["index"])
                if isinstance(part, m.TextContentBlock):
                    text_delta = piece if piece is not None else structure(text, m.TextDelta)
                    self.on_text_delta(text_delta, part.text)
        if blocks is not None and content:
            model = m.MessageDelta(content=tuple(blocks))
        else:
            model = structure(delta, m.MessageDelta)
        self.on_message_delta(model, acc.messages[mid])

    def _step_delta(self, data: dict[str, Any], created: set[int | None]) -> None:
        acc = self.accumulator
        sid: str = data["id"]
        self._current_step_id = sid
        delta = data["delta"]
        details = delta.get("step_details")
        calls = details.get("tool_calls") if details and details["type"] == "tool_calls" else None
        for item in calls or ():
            index = item["index"]
            if index in created:
                continue
            call = acc._lifecycle.tool_call(sid, index)
            if call is not None:
                self.on_tool_call_delta(structure(item, rm.ToolCallDelta), call)
        self.on_run_step_delta(structure(delta, rm.RunStepDelta), acc.reducer.run_steps[sid])


def _start(handler: EventHandler, accumulator: Accumulator | None, options: Any) -> Accumulator:
    acc = accumulator if accumulator is not None else Accumulator(**options)
    if accumulator is not None and (acc.closed or acc.done):
        acc.new_segment()
    handler._accumulator = acc
    acc._lifecycle.listener = handler._handle
    return acc


def consume(
    source: Any, handler: H, *, accumulator: Accumulator | None = None, **options: Any
) -> H:
    """Run ``handler``'s callbacks over a whole stream (any source ``accumulate`` takes); return
    the handler. ``options`` go to ``Accumulator``; pass ``accumulator`` to continue a run in a
    new stream segment (e.g. after submitting tool outputs)."""
    acc = _start(handler, accumulator, options)
    try:
        for _ in iter_updates(acc, source):
            pass
    except Exception as exc:
        handler.on_exception(exc)
        raise
    finally:
        acc._lifecycle.listener = None  # no reference cycle left behind
        handler.on_end()
    return handler


async def aconsume(
    source: Any, handler: H, *, accumulator: Accumulator | None = None, **options: Any
) -> H:
    """Async form of ``consume``: also takes async iterables of chunks or events."""
    acc = _start(handler, accumulator, options)
    try:
        async for _ in aiter_updates(acc, source):
            pass
    except Exception as exc:
        handler.on_exception(exc)
        raise
    finally:
        acc._lifecycle.listener = None
        handler.on_end()
    return handler


def text_deltas(source: Any, **options: Any) -> Iterator[str]:
    """The text pieces of a stream as they arrive (any source ``accumulate`` takes)."""
    for update in Accumulator(**options).updates(source):
        if update.kind == "text" and update.text:
            yield update.text


async def atext_deltas(source: Any, **options: Any) -> AsyncIterator[str]:
    """Async form of ``text_deltas``."""
    async for update in Accumulator(**options).aupdates(source):
        if update.kind == "text" and update.text:
            yield update.text
