"""Run steps and runs: step deltas merged by step id and tool-call index, run status tracked.

The same merge contract as messages: a step is keyed by its id, a tool call by its delta ``index``
inside its step, a code_interpreter output by its ``index`` inside its call (logical keys, never
list positions). Streamed text (``arguments``, ``input``, ``logs``) is appended into a TextBuffer;
everything else is replaced, and a null never erases a value. Snapshots are built when asked for
and cached; a delta rebuilds only the tool call (and output) it touched.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs

from . import _models as m
from . import _run_models as rm
from ._converter import structure, unstructure
from ._errors import (
    ContentTypeMismatch,
    DeltaError,
    DeltasnapError,
    IndexTooLarge,
    StrictModeError,
    TextTooLong,
    TooManyOutputs,
    TooManyRuns,
    TooManySteps,
    TooManyToolCalls,
    ValidationError,
)
from ._limits import Bounds, Limits
from ._merge import (
    Report,
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
from ._text import TextBuffer

if TYPE_CHECKING:
    from ._reducer import Reducer

__all__ = ["RUN_EVENTS", "STEP_EVENTS", "RunStepsView", "RunTracker", "RunView", "RunsView"]

STEP_CREATED = "thread.run.step.created"
STEP_IN_PROGRESS = "thread.run.step.in_progress"
STEP_DELTA = "thread.run.step.delta"
STEP_FINAL = tuple(f"thread.run.step.{s}" for s in ("completed", "failed", "cancelled", "expired"))
STEP_EVENTS = (STEP_CREATED, STEP_IN_PROGRESS, STEP_DELTA, *STEP_FINAL)
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

Handler = Callable[[dict[str, Any], int, str], list[Update]]

# ------------------------------------------------------------------------ rules as data


@attrs.frozen
class _CallRule:
    """How a tool-call type streams: the object inside the call and its appended field."""

    key: str
    streamed: str
    outputs: bool

    @property
    def skip(self) -> frozenset[str]:
        """Keys of the inner object that are not merged as plain fields."""
        return frozenset({self.streamed, "outputs"} if self.outputs else {self.streamed})


_CALL_RULES = {
    "function": _CallRule("function", "arguments", outputs=False),
    "code_interpreter": _CallRule("code_interpreter", "input", outputs=True),
}
_OUTPUT_STREAMED = {"logs": "logs"}  # output type -> its appended field
# types whose snapshot model needs an object under this key (``{}`` when the stream gave none)
_NEEDS_OBJECT = {
    "image": "image",
    "file_search": "file_search",
    "message_creation": "message_creation",
}

_INDEX_TYPE = frozenset({"index", "type"})
_TYPE = frozenset({"type"})
_TYPE_CALLS = frozenset({"type", "tool_calls"})
_DETAILS = frozenset({"step_details"})


def _with_object(payload: dict[str, Any]) -> dict[str, Any]:
    key = _NEEDS_OBJECT.get(payload["type"])
    if key is not None and payload.get(key) is None:
        payload[key] = {}
    return payload


# ------------------------------------------------------------------------------ states


class _Output:
    """One code_interpreter output, keyed by its index in the call."""

    __slots__ = ("buffer", "cache", "data", "field", "header", "type")

    def __init__(self, kind: str) -> None:
        self.type = kind
        self.field = _OUTPUT_STREAMED.get(kind)
        self.buffer = TextBuffer() if self.field is not None else None
        self.data: dict[str, Any] = {}
        self.header: rm.CodeInterpreterOutput | None = None
        self.cache: rm.CodeInterpreterOutput | None = None

    def merge(self, item: Mapping[str, Any]) -> str | None:
        """Merge one output delta; return the streamed piece it carried, if any."""
        field = self.field
        piece = item.get(field) if field is not None else None
        if piece and self.buffer is not None:
            self.buffer.append(piece)
        if len(item) > 2 + (field is not None and field in item):
            _merge_into(self.data, item, _INDEX_TYPE | {field} if field else _INDEX_TYPE)
            self.header = None
        self.cache = None
        return piece or None

    def build(self) -> rm.CodeInterpreterOutput:
        if self.cache is None:
            header = self.header
            if header is None:
                payload = _with_object({"type": self.type, **self.data})
                if self.field is not None:
                    payload[self.field] = ""
                header = self.header = structure(payload, rm.CodeInterpreterOutput)
            if self.field is not None and self.buffer is not None:
                self.cache = attrs.evolve(header, **{self.field: self.buffer.ref()})
            else:
                self.cache = header
        return self.cache


class _ToolCall:
    """One tool call, keyed by its index in the step."""

    __slots__ = (
        "buffer",
        "cache",
        "header",
        "inner",
        "order",
        "outputs",
        "outputs_tuple",
        "rule",
        "top",
        "type",
    )

    def __init__(self, kind: str) -> None:
        self.type = kind
        self.rule = _CALL_RULES.get(kind)
        self.top: dict[str, Any] = {}  # id and unknown keys (everything, for other types)
        self.inner: dict[str, Any] = {}  # the rule's object, without streamed text and outputs
        self.buffer = TextBuffer()
        self.outputs: dict[int, _Output] = {}
        self.order: list[int] = []
        self.outputs_tuple: tuple[rm.CodeInterpreterOutput, ...] | None = ()
        self.header: rm.ToolCall | None = None
        self.cache: rm.ToolCall | None = None

    def output(self, index: int, kind: str) -> _Output:
        out = self.outputs.get(index)
        if out is None:
            out = self.outputs[index] = _Output(kind)
            bisect.insort(self.order, index)
        self.outputs_tuple = None
        return out

    def merge(
        self, item: Mapping[str, Any], new: bool, update: Callable[..., None], index: int
    ) -> None:
        """Merge one tool-call delta (validated); report what changed through ``update``."""
        rule = self.rule
        changed = new
        self.cache = None
        if rule is None:
            if len(item) > 2:
                _merge_into(self.top, item, _INDEX_TYPE)
                changed = True
        else:
            if len(item) > 2 + (rule.key in item):
                _merge_into(self.top, item, _INDEX_TYPE | {rule.key})
                self.header = None
                changed = True
            obj = item.get(rule.key)
            if obj:
                piece = obj.get(rule.streamed)
                if piece:
                    self.buffer.append(piece)
                    update(rule.streamed, text=piece, tool_call_index=index)
                outputs = obj.get("outputs") if rule.outputs else None
                plain = len(obj) - (rule.streamed in obj) - (rule.outputs and "outputs" in obj)
                if plain:
                    _merge_into(self.inner, obj, rule.skip)
                    self.header = None
                    changed = True
                if outputs:
                    for out in outputs:
                        oi: int = out["index"]
                        got = self.output(oi, out["type"]).merge(out)
                        if got:
                            update("logs", text=got, tool_call_index=index, output_index=oi)
                        else:
                            update("tool_call", tool_call_index=index, output_index=oi)
        if changed:
            update("tool_call", tool_call_index=index)

    def build(self) -> rm.ToolCall:
        if self.cache is None:
            rule = self.rule
            if rule is None:
                self.cache = structure(_with_object({"type": self.type, **self.top}), rm.ToolCall)
                return self.cache
            header = self.header
            if header is None:
                inner = {**self.inner, rule.streamed: ""}
                if rule.outputs:
                    inner["outputs"] = []
                payload = {"type": self.type, **self.top, rule.key: inner}
                header = self.header = structure(payload, rm.ToolCall)
            changes: dict[str, Any] = {rule.streamed: self.buffer.ref()}
            if rule.outputs:
                outs = self.outputs_tuple
                if outs is None:
                    outs = self.outputs_tuple = tuple(self.outputs[i].build() for i in self.order)
                changes["outputs"] = outs
            inner_obj = attrs.evolve(getattr(header, rule.key), **changes)
            self.cache = attrs.evolve(header, **{rule.key: inner_obj})
        return self.cache


_NO_CALLS: dict[int, _ToolCall] = {}
_NO_OUTPUTS: dict[int, _Output] = {}
_UNSET: Any = object()


class _StepState:
    """One run step: its top-level fields, its step details and its tool calls by index."""

    __slots__ = (
        "calls",
        "calls_tuple",
        "details",
        "details_cache",
        "details_header",
        "details_type",
        "header",
        "json",
        "order",
        "snapshot",
        "text",
        "top",
    )

    def __init__(self, top: dict[str, Any], text: int = 0) -> None:
        self.top = top
        self.text = text  # characters of streamed text, for max_text_per_message
        self.json: Any = _UNSET  # see details_json(); reset when the details change
        self.header: rm.RunStep | None = None
        self.details_type: str | None = None
        self.details: dict[str, Any] = {}  # step_details fields but type (and tool_calls)
        self.details_header: rm.StepDetails | None = None
        self.details_cache: rm.StepDetails | None = None
        self.calls: dict[int, _ToolCall] = {}
        self.order: list[int] = []
        self.calls_tuple: tuple[rm.ToolCall, ...] | None = ()
        self.snapshot: rm.RunStep | None = None

    @property
    def run_id(self) -> str | None:
        run_id = self.top.get("run_id")
        return run_id if type(run_id) is str else None

    def add_call(self, index: int, call: _ToolCall) -> None:
        if index not in self.calls:
            bisect.insort(self.order, index)
        self.calls[index] = call

    def details_json(self) -> Any:
        """The step details in JSON shape, kept until a delta changes them (so that many final
        copies compared with one big step cost what they carry, not what the step holds)."""
        if self.json is _UNSET:
            self.json = unstructure(self.build()).get("step_details")
        return self.json

    def build(self) -> rm.RunStep:
        if self.snapshot is None:
            header = self.header
            if header is None:
                header = self.header = structure(self.top, rm.RunStep)
            self.snapshot = attrs.evolve(header, step_details=self._build_details())
        return self.snapshot

    def _build_details(self) -> rm.StepDetails | None:
        kind = self.details_type
        if kind is None:
            return None
        if self.details_cache is None:
            if kind != "tool_calls":
                payload = _with_object({"type": kind, **self.details})
                self.details_cache = structure(payload, rm.StepDetails)
                return self.details_cache
            header = self.details_header
            if header is None:
                payload = {"type": kind, **self.details, "tool_calls": []}
                header = self.details_header = structure(payload, rm.StepDetails)
            calls = self.calls_tuple
            if calls is None:
                calls = self.calls_tuple = tuple(self.calls[i].build() for i in self.order)
            self.details_cache = attrs.evolve(header, tool_calls=calls)
        return self.details_cache


def _state_from_step(
    data: Mapping[str, Any], text: int, step: rm.RunStep | None = None
) -> _StepState:
    """A fresh state holding a whole run-step object (created, or the server's final copy),
    already checked by ``_check_step`` (which measured its ``text``)."""
    if step is None:
        step = structure(data, rm.RunStep)
    state = _StepState({k: v for k, v in data.items() if k != "step_details"}, text)
    state.header = attrs.evolve(step, step_details=None)
    details = step.step_details
    raw = data.get("step_details")
    if details is not None and type(raw) is dict:
        state.details_type = details.type
        if isinstance(details, rm.ToolCallsStepDetails):
            state.details = {k: v for k, v in raw.items() if k not in _TYPE_CALLS}
            raw_calls = raw.get("tool_calls") or ()
            for i, (call, raw_call) in enumerate(zip(details.tool_calls, raw_calls, strict=True)):
                state.add_call(i, _call_from(call, raw_call))
            state.details_header = attrs.evolve(details, tool_calls=())
            state.calls_tuple = details.tool_calls
        else:
            state.details = {k: v for k, v in raw.items() if k != "type"}
        state.details_cache = details
    state.snapshot = step
    return state


def _call_from(call: rm.ToolCall, raw: Mapping[str, Any]) -> _ToolCall:
    """Tool-call state holding a whole tool call (from a created or final step)."""
    state = _ToolCall(call.type)
    rule = state.rule
    if rule is None:
        state.top = {k: v for k, v in raw.items() if k != "type"}
    else:
        state.top = {k: v for k, v in raw.items() if k != "type" and k != rule.key}
        raw_inner = raw.get(rule.key) or {}
        state.inner = {k: v for k, v in raw_inner.items() if k not in rule.skip}
        obj = getattr(call, rule.key)
        state.buffer = TextBuffer(getattr(obj, rule.streamed))
        if rule.outputs:
            raw_outputs = raw_inner.get("outputs") or ()
            for i, (out, raw_out) in enumerate(zip(obj.outputs, raw_outputs, strict=True)):
                ostate = state.output(i, out.type)
                if ostate.field is not None:
                    ostate.buffer = TextBuffer(getattr(out, ostate.field))
                    skip = {"type", ostate.field}
                else:
                    skip = {"type"}
                ostate.data = {k: v for k, v in raw_out.items() if k not in skip}
                ostate.cache = out
            state.outputs_tuple = obj.outputs
    state.cache = call
    return state


# ------------------------------------------------------------------------------- views


class RunStepsView(SnapshotView[rm.RunStep]):
    """A live, read-only mapping of step id to its current snapshot, in order of creation."""

    __slots__ = ()


@attrs.frozen(kw_only=True)
class RunView:
    """One run as the stream told it: latest run object, statuses seen, steps and messages."""

    id: str
    run: rm.Run
    """The latest copy of the run object (a bare one if only steps or messages named the run)."""
    statuses: tuple[str, ...] = ()
    """Every status the run went through, in order, repeats in a row collapsed."""
    steps: tuple[rm.RunStep, ...] = ()
    """Its steps in order of creation (steps that name no run are in every run)."""
    messages: tuple[m.Message, ...] = ()
    """Its messages in order of creation (messages that name no run are in every run)."""

    @property
    def status(self) -> str | None:
        """The latest status."""
        return self.statuses[-1] if self.statuses else self.run.status

    @property
    def required_action(self) -> rm.RequiredAction | None:
        """What the run waits for, while it does (from the latest run object)."""
        return self.run.required_action

    @property
    def last_error(self) -> rm.LastError | None:
        """The run's last error, if the latest run object has one."""
        return self.run.last_error

    @property
    def usage(self) -> rm.Usage | None:
        """Token usage, once the server reports it."""
        return self.run.usage


class _RunState:
    __slots__ = ("run", "statuses")

    def __init__(self, run: rm.Run) -> None:
        self.run = run
        self.statuses: list[str] = []


class RunsView(Mapping[str, RunView]):
    """A live, read-only mapping of run id to its RunView, in order of first appearance.

    A view is built when asked for and cached until the next event.
    """

    __slots__ = ("_tracker",)

    def __init__(self, tracker: RunTracker) -> None:
        self._tracker = tracker

    def __getitem__(self, run_id: str) -> RunView:
        return self._tracker.view(run_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tracker.run_ids())

    def __len__(self) -> int:
        return len(self._tracker.run_ids())

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._tracker.run_ids()

    def __repr__(self) -> str:
        return f"RunsView({list(self._tracker.run_ids())!r})"


# ----------------------------------------------------------------------------- tracker


class RunTracker:
    """The run and run-step half of the reducer: handlers for ``thread.run.*`` events."""

    def __init__(self, reducer: Reducer) -> None:
        # A weak proxy: the reducer holds the tracker (and its handlers), not the other way
        # round, so that the two make no reference cycle.
        self._reducer: Reducer = weakref.proxy(reducer)
        self._limits = reducer.limits
        self._bounds = Bounds(reducer.limits)
        self._steps: dict[str, _StepState] = {}
        self._runs: dict[str, _RunState] = {}
        self._latest: str | None = None
        self._views: dict[str, tuple[int, RunView]] = {}
        self.steps = RunStepsView(self._steps)

    def handlers(self) -> dict[str, Handler]:
        """Event name -> handler, for the reducer's dispatch table."""
        table: dict[str, Handler] = {
            STEP_CREATED: self._on_created,
            STEP_IN_PROGRESS: self._on_in_progress,
            STEP_DELTA: self._on_delta,
        }
        table.update(dict.fromkeys(STEP_FINAL, self._on_final))
        table.update(dict.fromkeys(RUN_EVENTS, self._on_run))
        return table

    # -- runs ------------------------------------------------------------------------------

    def run_ids(self) -> dict[str, None]:
        """Every run id known: from run events, then steps, then messages, in first appearance."""
        ids: dict[str, None] = dict.fromkeys(self._runs)
        for state in self._steps.values():
            rid = state.run_id
            if rid is not None:
                ids.setdefault(rid)
        for msg in self._reducer.messages.values():
            if msg.run_id is not None:
                ids.setdefault(msg.run_id)
        return ids

    def latest(self) -> RunView | None:
        """The run most recently named by a run or step event (else the last one known)."""
        latest = self._latest
        if latest is not None and (latest in self._runs or latest in self.run_ids()):
            return self.view(latest)
        # (a step that named the run may have been renamed to another run since)
        ids = list(self.run_ids())
        return self.view(ids[-1]) if ids else None

    def view(self, run_id: str) -> RunView:
        """The RunView of one run (KeyError if no event named it)."""
        stamp = self._reducer.events_applied
        cached = self._views.get(run_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        state = self._runs.get(run_id)
        if state is None and run_id not in self.run_ids():
            raise KeyError(run_id)
        steps = tuple(
            s.build() for s in self._steps.values() if s.run_id is None or s.run_id == run_id
        )
        messages = tuple(
            msg
            for msg in self._reducer.messages.values()
            if msg.run_id is None or msg.run_id == run_id
        )
        view = RunView(
            id=run_id,
            run=state.run if state is not None else rm.Run(id=run_id),
            statuses=tuple(state.statuses) if state is not None else (),
            steps=steps,
            messages=messages,
        )
        self._views[run_id] = (stamp, view)
        return view

    def _on_run(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        rid = data.get("id")
        if type(rid) is not str:
            raise DeltaError(f"run id must be a string, got {_type_name(rid)}")
        run = structure(data, rm.Run)
        state = self._runs.get(rid)
        if state is None:
            if len(self._runs) >= self._bounds.runs:
                raise TooManyRuns(f"more runs than max_runs={self._limits.max_runs}")
            state = self._runs[rid] = _RunState(run)
        else:
            state.run = run
        status = run.status if run.status is not None else event.rpartition(".")[2]
        if not state.statuses or state.statuses[-1] != status:
            state.statuses.append(status)
        self._latest = rid
        return [Update("run", number, text=status, run_id=rid)]

    # -- helpers ---------------------------------------------------------------------------

    def _report(
        self, kind: str, reason: str, number: int, sid: str, details: tuple[str, ...] = ()
    ) -> None:
        self._reducer.reports.append(Report(kind, reason, number, None, details, step_id=sid))

    def _strict_or_report(self, kind: str, reason: str, number: int, sid: str) -> None:
        if self._reducer.strict:
            raise StrictModeError(reason)
        self._report(kind, reason, number, sid)

    @staticmethod
    def _step_id(data: Mapping[str, Any]) -> str:
        sid = data.get("id")
        if type(sid) is not str:
            raise DeltaError(f"step id must be a string, got {_type_name(sid)}")
        return sid

    def _check_new_step(self) -> None:
        """Raise unless one more step fits in ``max_steps``."""
        if len(self._steps) >= self._bounds.steps:
            raise TooManySteps(f"more run steps than max_steps={self._limits.max_steps}")

    def _seen(self, state: _StepState) -> str | None:
        rid = state.run_id
        if rid is not None:
            self._latest = rid
        return rid

    @staticmethod
    def _set_top(state: _StepState, top: dict[str, Any], header: rm.RunStep | None = None) -> None:
        if header is None:
            header = structure(top, rm.RunStep)  # validate before anything changes
        state.top = top
        state.header = header
        state.snapshot = None

    # -- step events -----------------------------------------------------------------------

    def _on_created(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        sid = self._step_id(data)
        state = self._steps.get(sid)
        if state is None:
            text = _check_step(data, self._bounds, self._limits)
            self._check_new_step()
            state = self._steps[sid] = _state_from_step(data, text)
        else:
            top = {k: v for k, v in data.items() if k != "step_details"}
            header = structure(top, rm.RunStep)  # validate before reporting or changing anything
            self._strict_or_report(
                "duplicate_created",
                f"step {sid} was created twice; keeping its accumulated step details",
                number,
                sid,
            )
            self._set_top(state, top, header)
        return [Update("step.created", number, step_id=sid, run_id=self._seen(state))]

    def _on_in_progress(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        sid = self._step_id(data)
        state = self._steps.get(sid)
        if state is None:
            text = _check_step(data, self._bounds, self._limits)
            step = structure(data, rm.RunStep)
            self._check_new_step()
            self._strict_or_report(
                "missing_created", f"{event} for step {sid} that was never created", number, sid
            )
            state = self._steps[sid] = _state_from_step(data, text, step)
        else:
            self._set_top(state, {k: v for k, v in data.items() if k != "step_details"})
        return [Update("step.in_progress", number, step_id=sid, run_id=self._seen(state))]

    def _on_final(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        sid = self._step_id(data)
        text = _check_step(data, self._bounds, self._limits)
        server = structure(data, rm.RunStep)
        state = self._steps.get(sid)
        if state is None:
            self._check_new_step()
            self._strict_or_report(
                "completed_unknown",
                f"{event} for step {sid} that was never created; taking the server's copy",
                number,
                sid,
            )
        else:
            ours = state.details_json()
            theirs = unstructure(server).get("step_details")
            if ours != theirs:
                self._report(
                    "completed_differs",
                    f"the server's {event} copy of {sid} differs from what was accumulated",
                    number,
                    sid,
                    tuple(_differences(ours, theirs, "step_details")),
                )
        if state is None or self._reducer.use_completed:
            state = self._steps[sid] = _state_from_step(data, text, server)
        else:  # keep the accumulated step details, take everything else from the server
            top = {k: v for k, v in data.items() if k != "step_details"}
            self._set_top(state, top, attrs.evolve(server, step_details=None))
        kind = cast("UpdateKind", "step." + event.rpartition(".")[2])
        return [Update(kind, number, step_id=sid, run_id=self._seen(state))]

    def _on_delta(self, data: dict[str, Any], number: int, event: str) -> list[Update]:
        sid = self._step_id(data)
        delta = data.get("delta")
        if type(delta) is not dict:
            raise DeltaError(f"delta must be an object, got {_type_name(delta)}")
        details = delta.get("step_details")
        if details is not None and type(details) is not dict:
            raise DeltaError(f"delta.step_details must be an object, got {_type_name(details)}")
        state = self._steps.get(sid)
        # validate everything (shape, types, limits) before anything changes
        text = self._check_details(state, details) if details is not None else 0
        top: dict[str, Any] | None = None
        header: rm.RunStep | None = None
        if len(delta) > ("step_details" in delta):
            top = dict(state.top) if state is not None else _bare(sid)
            _merge_into(top, delta, _DETAILS)
            header = structure(top, rm.RunStep)
        if state is None:
            self._check_new_step()
            self._strict_or_report(
                "delta_before_created",
                f"delta for step {sid} that was never created; starting a bare snapshot",
                number,
                sid,
            )
            state = self._steps[sid] = _StepState(_bare(sid))
        rid = self._seen(state)
        updates: list[Update] = []

        def update(kind: UpdateKind, **where: Any) -> None:
            updates.append(Update(kind, number, step_id=sid, run_id=rid, **where))

        if top is not None:
            self._set_top(state, top, header)
            update("step.delta")
        if details is not None:
            state.snapshot = None
            state.details_cache = None
            state.json = _UNSET
            state.text = text
            kind: str = details["type"]
            state.details_type = kind
            if kind == "tool_calls":
                if len(details) > 1 + ("tool_calls" in details):
                    _merge_into(state.details, details, _TYPE_CALLS)
                    state.details_header = None
                    update("step.delta")
                calls = details.get("tool_calls")
                if calls:
                    state.calls_tuple = None
                    for item in calls:
                        index: int = item["index"]
                        call = state.calls.get(index)
                        new = call is None
                        if call is None:
                            call = _ToolCall(item["type"])
                            state.add_call(index, call)
                        call.merge(item, new, update, index)
            elif len(details) > 1:
                _merge_into(state.details, details, _TYPE)
                update("step.delta")
        return updates

    # -- validation ------------------------------------------------------------------------

    def _check_details(self, state: _StepState | None, details: Mapping[str, Any]) -> int:
        """Validate a step-details delta before any of it is applied, so a bad event changes
        nothing; return the step's streamed-text length once it is."""
        text = state.text if state is not None else 0
        kind = details.get("type")
        if type(kind) is not str:
            raise DeltaError(f"step_details type must be a string, got {_type_name(kind)}")
        have = state.details_type if state is not None else None
        if have is not None and have != kind:
            raise ContentTypeMismatch(
                f"the step's details are {have!r}, a delta says {_short(kind)}"
            )
        if kind != "tool_calls":
            try:
                structure(details, rm.StepDetailsDelta)
            except ValidationError as err:
                raise DeltaError(f"bad {kind} step details: {err.reason}") from None
            return text
        calls = details.get("tool_calls")
        if calls is None:
            return text
        if type(calls) is not list:
            raise DeltaError(f"step_details.tool_calls must be an array, got {_type_name(calls)}")
        bounds = self._bounds
        limit = self._limits.max_tool_calls_per_step
        if len(calls) > bounds.tool_calls:
            raise TooManyToolCalls(
                f"a delta with {len(calls)} tool calls, above max_tool_calls_per_step={limit}"
            )
        existing = state.calls if state is not None else _NO_CALLS
        count = len(existing)
        seen: dict[int, str] = {}
        new_outputs: dict[int, dict[int, str]] = {}  # by tool call, in this delta
        for item in calls:
            if type(item) is not dict:
                raise DeltaError(f"a tool-call delta must be an object, got {_type_name(item)}")
            try:
                index = _check_index(
                    item.get("index"), "tool call", bounds.tool_call_index, "max_tool_call_index"
                )
            except IndexTooLarge as err:
                raise err.located(tool_call_index=item["index"]) from None
            try:
                call_kind = item.get("type")
                if type(call_kind) is not str:
                    raise DeltaError(
                        f"tool call {index}: type must be a string, got {_short(call_kind)}"
                    )
                call = existing.get(index)
                if call is not None:
                    have = call.type
                else:
                    have = seen.get(index)
                    if have is None:
                        count += 1
                        if count > bounds.tool_calls:
                            raise TooManyToolCalls(
                                f"more tool calls than max_tool_calls_per_step={limit}"
                            )
                if have is not None and have != call_kind:
                    raise ContentTypeMismatch(
                        f"tool call {index} is {have!r}, a delta says {_short(call_kind)}"
                    )
                seen[index] = call_kind
                rule = _CALL_RULES.get(call_kind)
                if rule is not None and rule.outputs:
                    obj = item.get(rule.key)
                    outputs = obj.get("outputs") if type(obj) is dict else None
                    if type(outputs) is list and outputs:
                        text += self._check_outputs(
                            outputs, call, index, new_outputs.setdefault(index, {})
                        )
                try:
                    structure(item, rm.ToolCallDelta)
                except ValidationError as err:
                    raise DeltaError(
                        f"tool call {index}: bad {call_kind} delta: {err.reason}"
                    ) from None
                text += _streamed_length(call_kind, item)
                if text > bounds.text:
                    raise TextTooLong(
                        "the step's streamed text would be longer than "
                        f"max_text_per_message={self._limits.max_text_per_message}"
                    )
            except DeltasnapError as err:
                raise err.located(tool_call_index=index) from None
        return text

    def _check_outputs(
        self, outputs: list[Any], call: _ToolCall | None, index: int, new: dict[int, str]
    ) -> int:
        """Validate a code-interpreter call's output deltas (indices, types, limits: the rest of
        their shape is left to ``structure``); return the characters of logs they add. ``new``
        holds the outputs this delta adds to the call (index -> type), shared by all the delta's
        items for that call."""
        bounds = self._bounds
        limit = self._limits.max_outputs_per_tool_call
        if len(outputs) > bounds.outputs:
            raise TooManyOutputs(
                f"a delta with {len(outputs)} outputs, above max_outputs_per_tool_call={limit}"
            )
        existing = call.outputs if call is not None else _NO_OUTPUTS
        added = 0
        where = f"tool call {index} output"
        for out in outputs:
            if type(out) is not dict:
                raise DeltaError(
                    f"{where}: an output delta must be an object, got {_type_name(out)}"
                )
            try:
                oi = _check_index(out.get("index"), where, bounds.output_index, "max_output_index")
            except IndexTooLarge as err:
                raise err.located(output_index=out["index"]) from None
            try:
                kind = out.get("type")
                if type(kind) is not str:
                    raise DeltaError(f"{where} {oi}: type must be a string, got {_short(kind)}")
                old = existing.get(oi)
                have = old.type if old is not None else new.get(oi)
                if have is None:
                    new[oi] = kind
                    if len(existing) + len(new) > bounds.outputs:
                        raise TooManyOutputs(f"more outputs than max_outputs_per_tool_call={limit}")
                elif have != kind:
                    raise ContentTypeMismatch(
                        f"{where} {oi} is {have!r}, a delta says {_short(kind)}"
                    )
                added += _output_length(out)
            except DeltasnapError as err:
                raise err.located(output_index=oi) from None
        return added


def _bare(sid: str) -> dict[str, Any]:
    return {"id": sid, "object": "thread.run.step"}


# -------------------------------------------------------------------------- validation


def _streamed_length(call_kind: Any, item: Mapping[str, Any]) -> int:
    """Characters of streamed text (arguments or input) in a tool call or tool-call delta."""
    rule = _CALL_RULES.get(call_kind) if type(call_kind) is str else None
    obj = item.get(rule.key) if rule is not None else None
    if rule is None or type(obj) is not dict:
        return 0
    piece = obj.get(rule.streamed)
    return len(piece) if type(piece) is str else 0


def _output_length(out: Mapping[str, Any]) -> int:
    """Characters of streamed text (logs) in a code-interpreter output or output delta."""
    kind = out.get("type")
    field = _OUTPUT_STREAMED.get(kind) if type(kind) is str else None
    piece = out.get(field) if field is not None else None
    return len(piece) if type(piece) is str else 0


def _check_step(data: Mapping[str, Any], bounds: Bounds, limits: Limits) -> int:
    """Check a whole run-step object (created, in progress or final) against the limits before it
    is structured; return its streamed-text length. Shape errors are left to ``structure()``."""
    details = data.get("step_details")
    calls = details.get("tool_calls") if type(details) is dict else None
    if type(calls) is not list or not calls:
        return 0
    _check_whole_list(
        len(calls),
        "a step",
        (TooManyToolCalls, "tool calls", bounds.tool_calls, "max_tool_calls_per_step"),
        ("tool call", bounds.tool_call_index, "max_tool_call_index", "tool_call_index"),
    )
    text = 0
    for index, call in enumerate(calls):
        if type(call) is not dict:
            continue
        kind = call.get("type")
        text += _streamed_length(kind, call)
        obj = call.get("code_interpreter") if kind == "code_interpreter" else None
        outputs = obj.get("outputs") if type(obj) is dict else None
        if type(outputs) is not list or not outputs:
            continue
        _check_whole_list(
            len(outputs),
            "a tool call",
            (TooManyOutputs, "outputs", bounds.outputs, "max_outputs_per_tool_call"),
            ("output", bounds.output_index, "max_output_index", "output_index"),
            tool_call_index=index,
        )
        for out in outputs:
            if type(out) is dict:
                text += _output_length(out)
    if text > bounds.text:
        raise TextTooLong(
            f"a run step with {text} characters of text, above "
            f"max_text_per_message={limits.max_text_per_message}"
        )
    return text
