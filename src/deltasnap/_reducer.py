"""Reducer: the merge stage's front door — one context, three stores, one event table.

The hot path works on plain dicts and keeps streamed text as pieces; attrs snapshots are built
only when asked for and cached until a delta touches them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import _run_models as rm
from ._errors import DeltasnapError, InvalidJSON
from ._limits import Limits
from .merge.lifecycle import MergeContext
from .merge.messages import MessageStore
from .merge.reports import Report, Reports, Update
from .merge.runs import RUN_EVENTS, RunStore
from .merge.steps import StepStore
from .merge.values import type_name
from .merge.views import MessagesView, RunStepsView, RunsView, RunView
from .payload.json import check_depth

# MessagesView, Report and Update: re-exported for imports of this old path (homes: merge/).
__all__ = ["MessagesView", "Reducer", "Report", "Update"]

_MESSAGE_EVENTS = "thread.message."
_STEP_EVENTS = "thread.run.step."
_FINALS = {
    _MESSAGE_EVENTS: ("completed", "incomplete"),
    _STEP_EVENTS: ("completed", "failed", "cancelled", "expired"),
}

Handler = Callable[[dict[str, Any], int, str], list[Update]]


def _event_table() -> dict[str, tuple[str, str]]:
    """Event name → (store attribute, handler name): the lifecycle for messages and steps alike,
    and the run store for run status events."""
    table: dict[str, tuple[str, str]] = {}
    for prefix, store in ((_MESSAGE_EVENTS, "_messages"), (_STEP_EVENTS, "_steps")):
        table[prefix + "created"] = (store, "on_created")
        table[prefix + "in_progress"] = (store, "on_in_progress")
        table[prefix + "delta"] = (store, "on_delta")
        for final in _FINALS[prefix]:
            table[prefix + final] = (store, "on_final")
    for event in RUN_EVENTS:
        table[event] = ("_runs", "on_run")
    return table


_EVENTS = _event_table()


class Reducer:
    """Merge decoded stream events into per-message snapshots, following the merge contract.

    ``limits`` bounds what one stream may make it hold (see ``Limits``); an event that would go
    past a limit raises its ``LimitExceeded`` subclass and changes nothing.
    """

    def __init__(
        self, *, use_completed: bool = True, strict: bool = False, limits: Limits | None = None
    ) -> None:
        limits = Limits() if limits is None else limits
        self._ctx = ctx = MergeContext(use_completed=use_completed, strict=strict, limits=limits)
        self._messages = MessageStore(ctx)
        self._steps = StepStore(ctx)
        self._runs = RunStore(ctx, self._messages, self._steps)
        self._view = MessagesView(self._messages.states)
        self._steps_view = RunStepsView(self._steps.states)

    @property
    def use_completed(self) -> bool:
        """Whether a final event's server copy replaces what was accumulated."""
        return self._ctx.use_completed

    @property
    def strict(self) -> bool:
        """Whether repairs raise StrictModeError instead of being reported."""
        return self._ctx.strict

    @property
    def limits(self) -> Limits:
        """The bounds this reducer holds a stream to."""
        return self._ctx.limits

    @property
    def reports(self) -> Reports:
        """Everything noticed and not raised (see ``Accumulator.reports``)."""
        return self._ctx.reports

    @property
    def events_applied(self) -> int:
        """How many events were applied (or offered: unrelated ones count too)."""
        return self._ctx.events_applied

    @property
    def messages(self) -> MessagesView:
        """Message id → snapshot, valid at any moment (a live view; snapshots are immutable)."""
        return self._view

    @property
    def run_steps(self) -> RunStepsView:
        """Step id → run-step snapshot, in order of creation (a live view, like ``messages``)."""
        return self._steps_view

    def run_object(self, run_id: str) -> rm.Run:
        """A run's latest run object, without building its view (KeyError if none is known)."""
        return self._runs.run_object(run_id)

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
        ctx = self._ctx
        ctx.events_applied += 1
        number = ctx.events_applied if event_number is None else event_number
        route = _EVENTS.get(event)
        if route is None:
            return []
        # looked up per event, so that the reducer holds no bound method of its own stores
        handler: Handler = getattr(getattr(self, route[0]), route[1])
        try:
            if type(data) is not dict:
                raise InvalidJSON(f"event data must be a JSON object, got {type_name(data)}")
            if not depth_checked:
                check_depth(data, ctx.bounds.json_depth)
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
        """The text-delta shortcut (see ``MessageStore.text_delta``): True if applied."""
        return self._messages.text_delta(message_id, index, piece)
