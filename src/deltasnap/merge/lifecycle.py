"""One lifecycle for every streamed object (messages and run steps alike).

created → in_progress → delta… → final (completed, incomplete, failed, …), written once. What
differs per object (its model, its child list, how a delta's children are checked and applied)
is supplied by a subclass; what to do when events arrive out of order is the ``REPAIRS`` table.
Every handler checks the whole event first and changes state only after: a bad event changes
nothing, in lenient and in strict mode alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import attrs

from .._errors import DeltaError, StrictModeError
from .._limits import Bounds, Limit, Limits
from .completed import Differences
from .reports import Reports, Update
from .values import merge_into, type_name

__all__ = ["REPAIRS", "STAGES", "Lifecycle", "MergeContext", "Repair"]


class MergeContext:
    """What every store of one reducer shares: the limits, the mode, the reports, the clock."""

    __slots__ = (
        "bounds",
        "events_applied",
        "latest_run",
        "limits",
        "reports",
        "strict",
        "tops",
        "use_completed",
        "watchers",
    )

    def __init__(self, *, use_completed: bool, strict: bool, limits: Limits) -> None:
        self.use_completed = use_completed
        self.strict = strict
        self.limits = limits
        self.bounds = Bounds(limits)
        self.reports = Reports(limits.max_reports)
        #: Events applied so far; also the stamp that tells a cached read it is stale.
        self.events_applied = 0
        #: Bumped whenever an object is added or its top-level fields change (so a cached read
        #: that groups objects by run knows its grouping is stale).
        self.tops = 0
        #: id(state) → the sets that collect it when its children change: one per cached read
        #: that holds the state (see runs), so a change costs the reads that hold it, no more.
        self.watchers: dict[int, list[set[object]]] = {}
        #: The run most recently named by a run or step event.
        self.latest_run: str | None = None


@attrs.frozen
class Repair:
    """An event out of order: lenient mode reports ``kind`` and does ``action``; strict raises
    StrictModeError with the same reason unless ``strict_raises`` is False (a genuine stream's
    normal way: reported, informational, in both modes). ``reason`` is formatted with event,
    noun, id, children."""

    kind: str
    reason: str
    action: str
    strict_raises: bool = True


# The README's lenient/strict table, as data (the strict column: StrictModeError, except for the
# informational repairs, which strict mode accepts too).
REPAIRS: dict[str, Repair] = {
    "delta_first": Repair(
        "delta_before_created",
        "delta for {noun} {id} that was never created; starting a bare snapshot",
        "start a bare snapshot",
    ),
    "created_twice": Repair(
        "duplicate_created",
        "{noun} {id} was created twice; keeping its accumulated {children}",
        "keep the accumulated children, take the top-level fields",
    ),
    "never_created": Repair(
        "missing_created",
        "{event} for {noun} {id} that was never created",
        "start from the object the event carries",
    ),
    "final_unknown": Repair(
        "completed_unknown",
        "{event} for {noun} {id} not seen before (an earlier body's?); taking the server's copy",
        "take the server's copy",
        strict_raises=False,
    ),
    "created_again": Repair(
        "created_again",
        "{noun} {id} was created again, agreeing with what is known",
        "keep everything",
        strict_raises=False,
    ),
}

# Lifecycle stage → (the repair when its object is unknown, the repair when it is known);
# None: the stage is in order, nothing to repair.
STAGES: dict[str, tuple[str | None, str | None]] = {
    "created": (None, "created_twice"),
    "in_progress": ("never_created", None),
    "delta": ("delta_first", None),
    "final": ("final_unknown", None),
}

S = TypeVar("S")
Plan = Any  # what a subclass's check_children returns and its apply_children executes


class Lifecycle(Generic[S]):
    """The lifecycle handlers, once; a subclass names its object and supplies the hooks below."""

    noun: str  # "message", "step"
    children: str  # the key of the child list or object: "content", "step_details"
    children_words: str  # how a report names them: "content", "step details"
    update_prefix: str  # "message", "step"
    count: Limit  # the limit of how many objects one stream may hold: MESSAGES

    def __init__(self, ctx: MergeContext) -> None:
        self.ctx = ctx
        self.states: dict[str, S] = {}

    # -- hooks -----------------------------------------------------------------------------

    def count_bound(self) -> int:
        """How many objects of this kind one stream may hold."""
        raise NotImplementedError

    def check_whole(self, data: Mapping[str, Any]) -> int:
        """Check a whole object's children against the limits; return its streamed-text length."""
        raise NotImplementedError

    def structure(self, data: Mapping[str, Any]) -> Any:
        """The snapshot model of a whole object (raises ValidationError)."""
        raise NotImplementedError

    def from_whole(self, data: Mapping[str, Any], text: int, obj: Any) -> S:
        """A fresh state holding a whole, checked and structured object."""
        raise NotImplementedError

    def bare(self, oid: str) -> S:
        """A fresh state with nothing but the id."""
        raise NotImplementedError

    def top_of(self, state: S) -> dict[str, Any]:
        """The state's top-level fields."""
        raise NotImplementedError

    def check_top(self, top: dict[str, Any]) -> Any:
        """Validate top-level fields (raises ValidationError); return what set_top keeps."""
        raise NotImplementedError

    def set_top(self, state: S, top: dict[str, Any], header: Any) -> None:
        """Make ``top`` (checked by check_top into ``header``) the state's top-level fields."""
        raise NotImplementedError

    def keep_children(self, state: S, data: Mapping[str, Any], server: Any) -> None:
        """A final event with ``use_completed=False``: take the server's top-level fields only."""
        top = self._without_children(data)
        self.set_top(state, top, self.check_top(top))

    def differs(self, state: S, data: Mapping[str, Any], server: Any) -> Differences:
        """Where the accumulated children differ from the server's final copy (none: equal)."""
        raise NotImplementedError

    def same_final(self, state: S, data: Mapping[str, Any], text: int) -> bool:
        """A final copy whose children are exactly the accumulated ones (checked as
        ``structure`` would): take its top-level fields and say True, without building it;
        False (nothing changed): the general path decides."""
        return False

    def children_json(self, state: S) -> Any:
        """The accumulated children in JSON shape."""
        raise NotImplementedError

    def agrees(self, state: S, data: Mapping[str, Any]) -> bool:
        """Whether a repeated ``created`` says nothing new: every field as known (the children as
        accumulated)."""
        top = self.top_of(state)
        for key, value in data.items():
            if key == self.children:
                if value != self.children_json(state):
                    return False
            elif top.get(key) != value:
                return False
        return True

    def check_children(self, state: S | None, children: Any) -> Plan:
        """Check a delta's children in full, changing nothing; return the plan to apply."""
        raise NotImplementedError

    def apply_children(
        self, state: S, plan: Plan, number: int, oid: str, updates: list[Update]
    ) -> None:
        """Execute a plan made by check_children."""
        raise NotImplementedError

    def update(self, kind: str, number: int, oid: str, state: S) -> Update:
        """The Update of a lifecycle event."""
        raise NotImplementedError

    def report(
        self, kind: str, reason: str, number: int, oid: str, details: tuple[str, ...] = ()
    ) -> None:
        """Add a report located at this object."""
        raise NotImplementedError

    # -- the lifecycle -----------------------------------------------------------------------

    def object_id(self, data: Mapping[str, Any]) -> str:
        """The event's object id (a string, or the event is bad)."""
        oid = data.get("id")
        if type(oid) is not str:
            raise DeltaError(f"{self.noun} id must be a string, got {type_name(oid)}")
        return oid

    def check_new(self) -> None:
        """Raise unless one more object fits in its count limit."""
        if len(self.states) >= self.count_bound():
            raise self.count.more(self.ctx.limits)

    def touched(self, state: S) -> None:
        """``state``'s children changed: tell the cached reads that watch for it."""
        for watcher in self.ctx.watchers.get(id(state), ()):
            watcher.add(state)

    def repair(self, name: str | None, number: int, oid: str, event: str) -> None:
        """An event out of order (``name`` in REPAIRS; None: in order, nothing to do): raise in
        strict mode, else report it (the caller repairs)."""
        if name is None:
            return
        rule = REPAIRS[name]
        reason = rule.reason.format(
            event=event, noun=self.noun, id=oid, children=self.children_words
        )
        if self.ctx.strict and rule.strict_raises:
            raise StrictModeError(reason)
        self.report(rule.kind, reason, number, oid)

    def _without_children(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k != self.children}

    def on_created(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        """``created``: a new object, or (repaired) new top-level fields for a known one."""
        return self._start("created", data, number, event)

    def on_in_progress(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        """``in_progress``: new top-level fields, or (repaired) a new object."""
        return self._start("in_progress", data, number, event)

    def _start(self, stage: str, data: dict[str, Any], number: int, event: str) -> list[Update]:
        """``created`` or ``in_progress``: the object whole, or its top-level fields."""
        unknown, known = STAGES[stage]
        oid = self.object_id(data)
        state = self.states.get(oid)
        if state is None:
            text = self.check_whole(data)
            self.check_new()  # (before structure(): a flood past the limit costs little)
            obj = self.structure(data)
            self.repair(unknown, number, oid, event)
            state = self.states[oid] = self.from_whole(data, text, obj)
            self.ctx.tops += 1
        else:
            top = self._without_children(data)
            header = self.check_top(top)  # validate before reporting or changing anything
            if known == "created_twice" and self.agrees(state, data):
                known = "created_again"
            self.repair(known, number, oid, event)
            self.set_top(state, top, header)
            self.ctx.tops += 1
        return [self.update(stage, number, oid, state)]

    def on_final(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        """A final event: the server's copy, compared with what was accumulated."""
        oid = self.object_id(data)
        text = self.check_whole(data)
        state = self.states.get(oid)
        if state is not None and self.same_final(state, data, text):
            self.ctx.tops += 1
            return [self.update(event.rpartition(".")[2], number, oid, state)]
        server = self.structure(data)
        if state is None:
            self.check_new()
            self.repair(STAGES["final"][0], number, oid, event)
        else:
            diffs = self.differs(state, data, server)
            if diffs.real:
                reason = f"the server's {event} copy of {oid} differs from what was accumulated"
                self.report("completed_differs", reason, number, oid, diffs.real)
            if diffs.adds:
                reason = f"the server's {event} copy of {oid} adds data that is never streamed"
                self.report("completed_adds", reason, number, oid, diffs.adds)
        if state is None or self.ctx.use_completed:
            state = self.states[oid] = self.from_whole(data, text, server)
        else:
            self.keep_children(state, data, server)
        self.ctx.tops += 1
        return [self.update(event.rpartition(".")[2], number, oid, state)]

    def on_delta(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        """A delta: check it all (children, top-level fields, limits), then apply the plan."""
        oid = self.object_id(data)
        delta = data.get("delta")
        if type(delta) is not dict:
            raise DeltaError(f"delta must be an object, got {type_name(delta)}")
        key = self.children
        state = self.states.get(oid)
        children = delta.get(key)
        plan = self.check_children(state, children)
        top: dict[str, Any] | None = None
        header: Any = None
        if len(delta) > (key in delta):
            top = dict(self.top_of(state)) if state is not None else self.top_of(self.bare(oid))
            merge_into(top, delta, frozenset({key}))
            header = self.check_top(top)
        if state is None:
            self.check_new()
            self.repair(STAGES["delta"][0], number, oid, event)
            state = self.states[oid] = self.bare(oid)
            self.ctx.tops += 1
        updates: list[Update] = []
        if top is not None:
            self.set_top(state, top, header)
            self.ctx.tops += 1
            updates.append(self.update("delta", number, oid, state))
        if plan is not None:
            self.apply_children(state, plan, number, oid, updates)
            self.touched(state)
        return updates
