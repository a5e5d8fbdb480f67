"""Checking run-step events against the contract and the limits, before anything changes.

``check_details`` returns the plan that the step store's ``apply_children`` executes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .. import _run_models as rm
from .._converter import structure
from .._errors import (
    ContentTypeMismatch,
    DeltaError,
    DeltasnapError,
    ValidationError,
)
from .._limits import Bounds, Limits
from .keyed import OUTPUT, TOOL_CALL, Typed, check_text
from .rules import OUTPUT_STREAMED
from .step_state import CALL_RULES, StepState, ToolCall
from .values import short, type_name

__all__ = ["DetailsPlan", "check_details", "check_step"]

_NOTHING: dict[int, Typed] = {}


@attrs.frozen
class DetailsPlan:
    """A checked step-details delta: its type, the details object, and the step's streamed-text
    length once it is applied."""

    type: str
    details: dict[str, Any]
    text: int


def check_details(
    state: StepState | None, details: dict[str, Any], bounds: Bounds, limits: Limits
) -> DetailsPlan:
    """Check a step-details delta in full before any of it is applied."""
    text = state.text if state is not None else 0
    kind = details.get("type")
    if type(kind) is not str:
        raise DeltaError(f"step_details type must be a string, got {type_name(kind)}")
    have = state.details_type if state is not None else None
    if have is not None and have != kind:
        raise ContentTypeMismatch(f"the step's details are {have!r}, a delta says {short(kind)}")
    if kind != "tool_calls":
        try:
            structure(details, rm.StepDetailsDelta)
        except ValidationError as err:
            raise DeltaError(f"bad {kind} step details: {err.reason}") from None
        return DetailsPlan(kind, details, text)
    calls = details.get("tool_calls")
    if calls is None:
        return DetailsPlan(kind, details, text)
    if type(calls) is not list:
        raise DeltaError(f"step_details.tool_calls must be an array, got {type_name(calls)}")
    TOOL_CALL.check_list(calls, bounds, limits)
    existing: Mapping[int, Typed] = state.calls if state is not None else _NOTHING
    new: dict[int, str] = {}
    new_outputs: dict[int, dict[int, str]] = {}  # by tool call, in this delta
    for item in calls:
        index, call_kind = TOOL_CALL.check_item(item, existing, new, bounds, limits)
        try:
            rule = CALL_RULES.get(call_kind)
            if rule is not None and rule.outputs:
                obj = item.get(rule.key)
                outputs = obj.get("outputs") if type(obj) is dict else None
                if type(outputs) is list and outputs:
                    call = existing.get(index)
                    old = call.outputs if type(call) is ToolCall else _NOTHING
                    added = new_outputs.setdefault(index, {})
                    text += _check_outputs(outputs, old, added, index, bounds, limits)
            try:
                structure(item, rm.ToolCallDelta)
            except ValidationError as err:
                raise DeltaError(
                    f"tool call {index}: bad {call_kind} delta: {err.reason}"
                ) from None
            text += streamed_length(call_kind, item)
            check_text(text, bounds, limits, "step")
        except DeltasnapError as err:
            raise err.located(tool_call_index=index) from None
    return DetailsPlan(kind, details, text)


def _check_outputs(
    outputs: list[Any],
    existing: Mapping[int, Typed],
    new: dict[int, str],
    index: int,
    bounds: Bounds,
    limits: Limits,
) -> int:
    """Check a code-interpreter call's output deltas (indices, types, limits: the rest of their
    shape is left to ``structure``); return the characters of logs they add."""
    OUTPUT.check_list(outputs, bounds, limits)
    added = 0
    for out in outputs:
        OUTPUT.check_item(out, existing, new, bounds, limits, prefix=f"tool call {index} ")
        added += output_length(out)
    return added


def streamed_length(call_kind: Any, item: Mapping[str, Any]) -> int:
    """Characters of streamed text (arguments or input) in a tool call or tool-call delta."""
    rule = CALL_RULES.get(call_kind) if type(call_kind) is str else None
    obj = item.get(rule.key) if rule is not None else None
    if rule is None or type(obj) is not dict:
        return 0
    piece = obj.get(rule.streamed)
    return len(piece) if type(piece) is str else 0


def output_length(out: Mapping[str, Any]) -> int:
    """Characters of streamed text (logs) in a code-interpreter output or output delta."""
    kind = out.get("type")
    field = OUTPUT_STREAMED.get(kind) if type(kind) is str else None
    piece = out.get(field) if field is not None else None
    return len(piece) if type(piece) is str else 0


def check_step(data: Mapping[str, Any], bounds: Bounds, limits: Limits) -> int:
    """Check a whole run-step object (created, in progress or final) against the limits before it
    is structured; return its streamed-text length. Shape errors are left to ``structure()``."""
    details = data.get("step_details")
    calls = details.get("tool_calls") if type(details) is dict else None
    if type(calls) is not list or not calls:
        return 0
    TOOL_CALL.check_whole(len(calls), "a step", bounds)
    text = 0
    for index, call in enumerate(calls):
        if type(call) is not dict:
            continue
        kind = call.get("type")
        text += streamed_length(kind, call)
        obj = call.get("code_interpreter") if kind == "code_interpreter" else None
        outputs = obj.get("outputs") if type(obj) is dict else None
        if type(outputs) is not list or not outputs:
            continue
        OUTPUT.check_whole(len(outputs), "a tool call", bounds, tool_call_index=index)
        for out in outputs:
            if type(out) is dict:
                text += output_length(out)
    check_text(text, bounds, limits, "run step", whole=True)
    return text
