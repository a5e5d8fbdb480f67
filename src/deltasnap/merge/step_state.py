"""Run-step state: step details and tool calls (with their outputs) as plain dicts and text
pieces, built into snapshots on demand and cached until something in them changes."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .. import _run_models as rm
from .._converter import structure, unstructure
from .._text import TextBuffer
from .rules import OUTPUT_STREAMED as _OUTPUT_STREAMED
from .rules import STEP_NEEDS_OBJECT as _NEEDS_OBJECT
from .rules import TOOL_CALLS
from .values import merge_into

__all__ = ["CALL_RULES", "StepState", "ToolCall", "bare_step", "state_from_step"]

_INDEX_TYPE = frozenset({"index", "type"})
_TYPE_CALLS = frozenset({"type", "tool_calls"})


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


# The tool-call types with a streamed field, from the rules table.
CALL_RULES = {
    kind: _CallRule(rule.obj, rule.streamed, outputs=rule.children == "outputs")
    for kind, rule in TOOL_CALLS.items()
    if rule.obj is not None and rule.streamed is not None
}


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
            merge_into(self.data, item, _INDEX_TYPE | {field} if field else _INDEX_TYPE)
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


class ToolCall:
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
        self.rule = CALL_RULES.get(kind)
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
                merge_into(self.top, item, _INDEX_TYPE)
                changed = True
        else:
            if len(item) > 2 + (rule.key in item):
                merge_into(self.top, item, _INDEX_TYPE | {rule.key})
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
                    merge_into(self.inner, obj, rule.skip)
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


_UNSET: Any = object()


class StepState:
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
        self.calls: dict[int, ToolCall] = {}
        self.order: list[int] = []
        self.calls_tuple: tuple[rm.ToolCall, ...] | None = ()
        self.snapshot: rm.RunStep | None = None

    @property
    def run_id(self) -> str | None:
        run_id = self.top.get("run_id")
        return run_id if type(run_id) is str else None

    def changed(self) -> None:
        """The step details changed: forget the caches they are in (the one place that does)."""
        self.snapshot = None
        self.details_cache = None
        self.json = _UNSET

    def add_call(self, index: int, call: ToolCall) -> None:
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


def state_from_step(
    data: Mapping[str, Any], text: int, step: rm.RunStep | None = None
) -> StepState:
    """A fresh state holding a whole run-step object (created, or the server's final copy),
    already checked by ``_check_step`` (which measured its ``text``)."""
    if step is None:
        step = structure(data, rm.RunStep)
    state = StepState({k: v for k, v in data.items() if k != "step_details"}, text)
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


def _call_from(call: rm.ToolCall, raw: Mapping[str, Any]) -> ToolCall:
    """Tool-call state holding a whole tool call (from a created or final step)."""
    state = ToolCall(call.type)
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


def bare_step(sid: str) -> dict[str, Any]:
    """The top-level fields of a step known only by its id."""
    return {"id": sid, "object": "thread.run.step"}
