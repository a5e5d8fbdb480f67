"""Runs: ``thread.run.*`` events, and each run's view over the steps and messages it names."""

from __future__ import annotations

from typing import Any

from .. import _run_models as rm
from .._converter import structure
from .._errors import DeltaError
from .._limits import RUNS
from .lifecycle import MergeContext
from .messages import MessageStore
from .reports import Update
from .steps import StepStore
from .values import type_name
from .views import RunView

__all__ = ["RUN_EVENTS", "RUN_STATUSES", "RunStore"]

RUN_STATUSES = (
    "created",
    "queued",
    "in_progress",
    "requires_action",
    "completed",
    "incomplete",
    "failed",
    "cancelling",
    "cancelled",
    "expired",
)
RUN_EVENTS = tuple(f"thread.run.{s}" for s in RUN_STATUSES)


class _RunState:
    __slots__ = ("run", "statuses")

    def __init__(self, run: rm.Run) -> None:
        self.run = run
        self.statuses: list[str] = []


class _Members:
    """One run's messages (or steps), cached: which states belong to it (valid while the
    context's ``tops`` stays the same), their snapshots, and the states changed since."""

    __slots__ = ("built", "dirty", "snapshots", "tops", "where")

    def __init__(self, tops: int, states: list[Any]) -> None:
        self.tops = tops
        self.where = {id(state): i for i, state in enumerate(states)}
        self.built = [state.build() for state in states]
        self.snapshots = tuple(self.built)
        self.dirty: set[object] = set()  # filled by Lifecycle.touched()

    def watch(self, watchers: dict[int, list[set[object]]]) -> None:
        """Have every member's changes collected in ``dirty``."""
        for key in self.where:
            watchers.setdefault(key, []).append(self.dirty)

    def unwatch(self, watchers: dict[int, list[set[object]]]) -> None:
        """Stop collecting the members' changes (this cache is being replaced)."""
        for key in self.where:
            held = watchers[key]
            held.remove(self.dirty)
            if not held:
                del watchers[key]


class RunStore:
    """Run id → latest run object and statuses; a RunView per run, built when read."""

    def __init__(self, ctx: MergeContext, messages: MessageStore, steps: StepStore) -> None:
        self.ctx = ctx
        self._messages = messages
        self._steps = steps
        self._runs: dict[str, _RunState] = {}
        self._views: dict[str, tuple[int, RunView]] = {}
        self._members: dict[tuple[str, bool], _Members] = {}
        # steps (True) or messages (False): the tops stamp, and the states in order of creation
        # with the positions of each run id's (None: those that name no run)
        self._groups: dict[bool, tuple[int, list[Any], dict[str | None, list[int]]]] = {}

    def on_run(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        """A run status event: the run object replaces the last one; its status is recorded."""
        rid = data.get("id")
        if type(rid) is not str:
            raise DeltaError(f"run id must be a string, got {type_name(rid)}")
        run = structure(data, rm.Run)
        state = self._runs.get(rid)
        if state is None:
            if len(self._runs) >= self.ctx.bounds.runs:
                raise RUNS.more(self.ctx.limits)
            state = self._runs[rid] = _RunState(run)
        else:
            state.run = run
        status = run.status if run.status is not None else event.rpartition(".")[2]
        if not state.statuses or state.statuses[-1] != status:
            state.statuses.append(status)
        self.ctx.latest_run = rid
        return [Update("run", number, text=status, run_id=rid)]

    def run_ids(self) -> dict[str, None]:
        """Every run id known: from run events, then steps, then messages, in first appearance."""
        ids: dict[str, None] = dict.fromkeys(self._runs)
        for state in self._steps.states.values():
            rid = state.run_id
            if rid is not None:
                ids.setdefault(rid)
        for message in self._messages.states.values():
            rid = message.top.get("run_id")
            if type(rid) is str:
                ids.setdefault(rid)
        return ids

    def run_object(self, run_id: str) -> rm.Run:
        """The run's latest run object (without building its view over steps and messages)."""
        state = self._runs.get(run_id)
        return state.run if state is not None else self.view(run_id).run

    def latest(self) -> RunView | None:
        """The run most recently named by a run or step event (else the last one known)."""
        latest = self.ctx.latest_run
        if latest is not None and (latest in self._runs or latest in self.run_ids()):
            return self.view(latest)
        # (a step that named the run may have been renamed to another run since)
        ids = list(self.run_ids())
        return self.view(ids[-1]) if ids else None

    def view(self, run_id: str) -> RunView:
        """The RunView of one run (KeyError if no event named it)."""
        stamp = self.ctx.events_applied
        cached = self._views.get(run_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        state = self._runs.get(run_id)
        if state is None and run_id not in self.run_ids():
            raise KeyError(run_id)
        steps = self._snapshots(run_id, steps=True)
        messages = self._snapshots(run_id, steps=False)
        view = RunView(
            id=run_id,
            run=state.run if state is not None else rm.Run(id=run_id),
            statuses=tuple(state.statuses) if state is not None else (),
            steps=steps,
            messages=messages,
        )
        self._views[run_id] = (stamp, view)
        return view

    def _snapshots(self, run_id: str, *, steps: bool) -> tuple[Any, ...]:
        """The run's step (or message) snapshots in order of creation, those that name no run
        included. Costs what changed since the last read: only the states touched since are
        rebuilt, unless objects were added or their top-level fields changed."""
        ctx = self.ctx
        members = self._members.get((run_id, steps))
        if members is None or members.tops != ctx.tops:
            if members is not None:
                members.unwatch(ctx.watchers)
            members = self._members[(run_id, steps)] = _Members(
                ctx.tops, self._states_of(run_id, steps)
            )
            members.watch(ctx.watchers)
        elif members.dirty:
            built, where = members.built, members.where
            for state in members.dirty:
                at = where.get(id(state))
                if at is not None:
                    built[at] = state.build()  # type: ignore[attr-defined]
            members.dirty.clear()
            members.snapshots = tuple(built)
        return members.snapshots

    def _states_of(self, run_id: str, steps: bool) -> list[Any]:
        """The run's step (or message) states, those that name no run included, in order of
        creation. Every run's are found in one pass, kept while ``tops`` stays the same: reading
        each of many runs' views costs one pass in all, not one per run."""
        tops = self.ctx.tops
        cached = self._groups.get(steps)
        if cached is None or cached[0] != tops:
            store: Any = self._steps if steps else self._messages
            states: list[Any] = list(store.states.values())
            groups: dict[str | None, list[int]] = {}
            for at, state in enumerate(states):
                rid = state.run_id if steps else state.top.get("run_id")
                if rid is None or type(rid) is str:
                    groups.setdefault(rid, []).append(at)
            cached = self._groups[steps] = (tops, states, groups)
        _, states, groups = cached
        mine, floating = groups.get(run_id, []), groups.get(None, [])
        return [states[at] for at in (sorted(mine + floating) if floating else mine)]
