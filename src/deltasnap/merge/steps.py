"""Run steps: the lifecycle's hooks for ``thread.run.step.*`` events, and their details merge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import attrs

from .. import _run_models as rm
from .._converter import structure, unstructure
from .._errors import DeltaError
from .._limits import STEPS
from .._text import TextBuffer
from .completed import Differences, split_differences
from .lifecycle import Lifecycle
from .reports import Report, Update, UpdateKind
from .step_checks import DetailsPlan, check_details, check_step
from .step_state import StepState, ToolCall, bare_step, state_from_step
from .values import merge_into, type_name

__all__ = ["STEP_EVENTS", "StepStore"]

STEP_EVENTS = tuple(
    f"thread.run.step.{s}"
    for s in ("created", "in_progress", "delta", "completed", "failed", "cancelled", "expired")
)

_SAME = Differences()

_TYPE = frozenset({"type"})
_TYPE_CALLS = frozenset({"type", "tool_calls"})
# The tool-call type whose delta carries each shortcut piece (see ``call_piece``).
_PIECE_CALL = {"arguments": "function", "input": "code_interpreter", "logs": "code_interpreter"}


class StepStore(Lifecycle[StepState]):
    """Step id → state, driven by the one lifecycle; remembers the run a step last named."""

    noun = "step"
    children = "step_details"
    children_words = "step details"
    update_prefix = "step"
    count = STEPS

    def count_bound(self) -> int:
        return self.ctx.bounds.steps

    def check_whole(self, data: Mapping[str, Any]) -> int:
        return check_step(data, self.ctx.bounds, self.ctx.limits)

    def structure(self, data: Mapping[str, Any]) -> rm.RunStep:
        return structure(data, rm.RunStep)

    def from_whole(self, data: Mapping[str, Any], text: int, obj: Any) -> StepState:
        return state_from_step(data, text, obj)

    def bare(self, oid: str) -> StepState:
        return StepState(bare_step(oid))

    def top_of(self, state: StepState) -> dict[str, Any]:
        return state.top

    def check_top(self, top: dict[str, Any]) -> rm.RunStep:
        return structure(top, rm.RunStep)

    def set_top(self, state: StepState, top: dict[str, Any], header: Any) -> None:
        state.top = top
        state.header = header
        state.snapshot = None

    def keep_children(self, state: StepState, data: Mapping[str, Any], server: Any) -> None:
        top = {k: v for k, v in data.items() if k != "step_details"}
        self.set_top(state, top, attrs.evolve(server, step_details=None))

    def differs(self, state: StepState, data: Mapping[str, Any], server: Any) -> Differences:
        ours = state.details_json()
        theirs = unstructure(server).get("step_details")
        return _SAME if ours == theirs else split_differences(ours, theirs, "step_details")

    def children_json(self, state: StepState) -> Any:
        return state.details_json()

    def update(self, kind: str, number: int, oid: str, state: StepState) -> Update:
        return Update(
            cast("UpdateKind", f"step.{kind}"), number, step_id=oid, run_id=self.seen(state)
        )

    def seen(self, state: StepState) -> str | None:
        """The step's run id, now the latest run named."""
        rid = state.run_id
        if rid is not None:
            self.ctx.latest_run = rid
        return rid

    def report(
        self, kind: str, reason: str, number: int, oid: str, details: tuple[str, ...] = ()
    ) -> None:
        self.ctx.reports.append(Report(kind, reason, number, None, details, step_id=oid))

    def long_texts(self, oid: str, min_chars: int) -> list[TextBuffer]:
        """The streamed texts of step ``oid`` at least ``min_chars`` long, in the order of its
        JSON (what its final copy repeats): each tool call's, then its outputs' logs."""
        state = self.states.get(oid)
        if state is None:
            return []
        found: list[TextBuffer | None] = []
        for index in state.order:
            call = state.calls[index]
            if call.rule is not None:
                found.append(call.buffer)
                found += [call.outputs[i].buffer for i in call.order]
        return [b for b in found if b is not None and len(b) >= min_chars]

    # -- step details ----------------------------------------------------------------------

    def check_children(self, state: StepState | None, children: Any) -> DetailsPlan | None:
        if children is None:
            return None
        if type(children) is not dict:
            raise DeltaError(f"delta.step_details must be an object, got {type_name(children)}")
        return check_details(state, children, self.ctx.bounds, self.ctx.limits)

    def apply_children(
        self, state: StepState, plan: Any, number: int, oid: str, updates: list[Update]
    ) -> None:
        checked: DetailsPlan = plan
        rid = self.seen(state)

        def update(kind: UpdateKind, **where: Any) -> None:
            updates.append(Update(kind, number, step_id=oid, run_id=rid, **where))

        details = checked.details
        state.changed()
        state.text = checked.text
        state.details_type = kind = checked.type
        if kind != "tool_calls":
            if len(details) > 1:
                merge_into(state.details, details, _TYPE)
                update("step.delta")
            return
        if len(details) > 1 + ("tool_calls" in details):
            merge_into(state.details, details, _TYPE_CALLS)
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
                    call = ToolCall(item["type"])
                    state.add_call(index, call)
                call.merge(item, new, update, index)

    def call_piece(
        self,
        step_id: str,
        index: int,
        field: str,
        output: int,
        piece: str,
        number: int,
        updates: list[Update] | None,
    ) -> bool:
        """The tool-call-piece shortcut: more ``field`` ("arguments" of a function call, "input"
        of a code_interpreter call, or "logs" of such a call's output ``output``) for a tool call
        (and output) that already exists.

        Same state as the general path's delta, and the same updates appended to ``updates``
        (None: nobody reads them): ``Update(field, number, step_id=..., run_id=..., text=piece,
        tool_call_index=index)`` (and ``output_index`` for logs); none for an empty arguments or
        input piece, a ``tool_call`` update with ``output_index`` for an empty logs piece.
        Returns False, having changed nothing, whenever the general path has to decide (unknown
        step, call or output, another type, details not tool_calls, the index or text limits).
        """
        state = self.states.get(step_id)
        if state is None or state.details_type != "tool_calls":
            return False
        call = state.calls.get(index)
        if call is None or call.type != _PIECE_CALL.get(field) or call.rule is None:
            return False
        rule = call.rule
        out = call.outputs.get(output) if output >= 0 and rule.outputs else None
        streamed = rule.streamed if output < 0 else out.field if out is not None else None
        if streamed != field:
            return False  # not the call's streamed field, or not a logs output the call has
        ctx = self.ctx
        bounds = ctx.bounds
        text = state.text + len(piece)
        if text > bounds.text or index > bounds.tool_call_index or output > bounds.output_index:
            return False  # the general path raises TextTooLong / IndexTooLarge
        # what apply_children and ToolCall.merge do with such a delta, no more
        ctx.events_applied += 1
        rid = self.seen(state)
        state.changed()
        state.text = text
        state.calls_tuple = None
        call.cache = None
        if out is None:
            if piece:
                call.buffer.append(piece)
                if updates is not None:
                    updates.append(
                        Update(
                            cast("UpdateKind", field),
                            number,
                            text=piece,
                            step_id=step_id,
                            tool_call_index=index,
                            run_id=rid,
                        )
                    )
        else:
            call.outputs_tuple = None
            out.cache = None
            if piece and out.buffer is not None:
                out.buffer.append(piece)
            if updates is not None:
                updates.append(
                    Update(
                        "logs" if piece else "tool_call",
                        number,
                        text=piece or None,
                        step_id=step_id,
                        tool_call_index=index,
                        output_index=output,
                        run_id=rid,
                    )
                )
        if ctx.watchers:
            self.touched(state)
        return True
