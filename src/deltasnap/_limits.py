"""Limits: every resource bound in one frozen attrs class, with documented defaults."""

from __future__ import annotations

from typing import Any

import attrs

from ._errors import (
    EventTooLarge,
    IndexTooLarge,
    JSONTooDeep,
    LimitExceeded,
    TextTooLong,
    TooManyAnnotations,
    TooManyMessages,
    TooManyOutputs,
    TooManyParts,
    TooManyRuns,
    TooManySteps,
    TooManyToolCalls,
)

__all__ = [
    "ANNOTATIONS",
    "ANNOTATION_INDEX",
    "CONTENT_INDEX",
    "EVENT_BYTES",
    "JSON_DEPTH",
    "KEPT_EVENTS",
    "LIMITS",
    "MAX_JSON_DEPTH",
    "MESSAGES",
    "OUTPUTS",
    "OUTPUT_INDEX",
    "PARTS",
    "REPORTS",
    "RUNS",
    "STEPS",
    "TEXT",
    "TOOL_CALLS",
    "TOOL_CALL_INDEX",
    "UNLIMITED",
    "Bounds",
    "Limit",
    "Limits",
]

# The deepest JSON any limit may allow: data this deep is still parsed, merged and compared (the
# few steps that recurse, one frame per level) with room to spare on the default Python stack
# (recursion limit 1000) for the caller's own frames.
MAX_JSON_DEPTH = 256
# Stands in for "no limit" on the hot path: larger than any count or index a stream can reach.
UNLIMITED = 1 << 62


def _positive(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (type(value) is not int or value < 1):
        raise ValueError(f"{attribute.name} must be a positive integer or None, got {value!r}")


def _depth(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not int or not 1 <= value <= MAX_JSON_DEPTH:
        raise ValueError(
            f"{attribute.name} must be an integer from 1 to {MAX_JSON_DEPTH} (deeper JSON would "
            f"overflow the stack), got {value!r}"
        )


def _limit(default: int) -> Any:
    return attrs.field(default=default, validator=_positive)


@attrs.frozen(kw_only=True)
class Limits:
    """Bounds that keep hostile or broken streams from exhausting time or memory.

    Each limit is a positive integer, or None for no limit (``max_json_depth`` is always bounded,
    by at most ``MAX_JSON_DEPTH``). Exceeding one raises its own ``LimitExceeded`` subclass (strict
    mode) or skips the event with a report (lenient mode); either way the event changes nothing.
    """

    max_event_bytes: int | None = _limit(16 * 1024 * 1024)
    """Bytes of one SSE event, line ends included (EventTooLarge)."""
    max_json_depth: int = attrs.field(default=64, validator=_depth)
    """Nesting depth of one event's JSON data (JSONTooDeep; never a RecursionError)."""
    max_messages: int | None = _limit(10_000)
    """Messages one stream may create (TooManyMessages)."""
    max_content_index: int | None = _limit(1_000)
    """Largest content-part index accepted (IndexTooLarge)."""
    max_parts_per_message: int | None = _limit(1_000)
    """Content parts one message may have (TooManyParts)."""
    max_annotation_index: int | None = _limit(25_000)
    """Largest annotation index accepted (IndexTooLarge)."""
    max_annotations_per_part: int | None = _limit(25_000)
    """Annotations one text part may have (TooManyAnnotations)."""
    max_text_per_message: int | None = _limit(256 * 1024 * 1024)
    """Characters of streamed text per message (text values, refusals, annotation text) and per
    run step (tool-call arguments, code input, output logs) (TextTooLong)."""
    max_steps: int | None = _limit(10_000)
    """Run steps one stream may create (TooManySteps)."""
    max_tool_call_index: int | None = _limit(1_000)
    """Largest tool-call index accepted in a run step (IndexTooLarge)."""
    max_tool_calls_per_step: int | None = _limit(1_000)
    """Tool calls one run step may have (TooManyToolCalls)."""
    max_output_index: int | None = _limit(10_000)
    """Largest code-interpreter output index accepted (IndexTooLarge)."""
    max_outputs_per_tool_call: int | None = _limit(10_000)
    """Outputs one code-interpreter tool call may have (TooManyOutputs)."""
    max_runs: int | None = _limit(1_000)
    """Runs one stream may name in run events (TooManyRuns)."""
    max_reports: int | None = _limit(10_000)
    """Reports kept (no error: later ones are only counted, in ``reports.dropped``)."""
    max_kept_events: int | None = _limit(100_000)
    """Events kept in ``Accumulator.events`` (no error: later ones are applied and counted in
    ``event_counts`` but not kept; one ``events_not_kept`` report says so)."""
    max_kept_event_bytes: int | None = _limit(64 * 1024 * 1024)
    """Size of the events kept in ``Accumulator.events``, counted from each event's data as it
    arrived (characters of its JSON text): past it, events are applied and counted but not kept,
    as past ``max_kept_events`` (one ``events_not_kept`` report for both)."""

    @classmethod
    def unlimited(cls) -> Limits:
        """No bounds at all (for trusted input only); JSON depth stays bounded by the stack."""
        return cls(
            max_event_bytes=None,
            max_json_depth=MAX_JSON_DEPTH,
            max_messages=None,
            max_content_index=None,
            max_parts_per_message=None,
            max_annotation_index=None,
            max_annotations_per_part=None,
            max_text_per_message=None,
            max_steps=None,
            max_tool_call_index=None,
            max_tool_calls_per_step=None,
            max_output_index=None,
            max_outputs_per_tool_call=None,
            max_runs=None,
            max_reports=None,
            max_kept_events=None,
            max_kept_event_bytes=None,
        )


class Bounds:
    """A ``Limits`` resolved for the hot path: every bound an int (``UNLIMITED`` for None), so each
    check is a single comparison."""

    __slots__ = (
        "annotation_index",
        "annotations",
        "content_index",
        "json_depth",
        "messages",
        "output_index",
        "outputs",
        "parts",
        "runs",
        "steps",
        "text",
        "tool_call_index",
        "tool_calls",
    )

    def __init__(self, limits: Limits) -> None:
        self.json_depth = limits.max_json_depth
        self.messages = _bound(limits.max_messages)
        self.content_index = _bound(limits.max_content_index)
        self.parts = _bound(limits.max_parts_per_message)
        self.annotation_index = _bound(limits.max_annotation_index)
        self.annotations = _bound(limits.max_annotations_per_part)
        self.text = _bound(limits.max_text_per_message)
        self.steps = _bound(limits.max_steps)
        self.tool_call_index = _bound(limits.max_tool_call_index)
        self.tool_calls = _bound(limits.max_tool_calls_per_step)
        self.output_index = _bound(limits.max_output_index)
        self.outputs = _bound(limits.max_outputs_per_tool_call)
        self.runs = _bound(limits.max_runs)


def _bound(value: int | None) -> int:
    return UNLIMITED if value is None else value


# -- the limits table: limit field → Bounds slot → error class → wording --------------------------


@attrs.frozen
class Limit:
    """One row of the limits table: a ``Limits`` field, the ``Bounds`` slot it resolves to (None:
    not on the merge hot path), the error raised past it (None: nothing raised, only counted) and
    the plural noun of what it counts."""

    field: str
    bound: str | None
    error: type[LimitExceeded] | None
    noun: str

    def named(self, value: int | None) -> str:
        """How a message names the limit and its value: ``max_runs=1000``."""
        return f"{self.field}={value}"

    def of(self, limits: Limits) -> str:
        """``named`` with the value ``limits`` sets."""
        return self.named(getattr(limits, self.field))

    def more(self, limits: Limits) -> LimitExceeded:
        """The error for one too many: "more runs than max_runs=1000"."""
        assert self.error is not None, f"{self.field} raises nothing"
        return self.error(f"more {self.noun} than {self.of(limits)}")


EVENT_BYTES = Limit("max_event_bytes", None, EventTooLarge, "bytes")
JSON_DEPTH = Limit("max_json_depth", "json_depth", JSONTooDeep, "levels")
MESSAGES = Limit("max_messages", "messages", TooManyMessages, "messages")
CONTENT_INDEX = Limit("max_content_index", "content_index", IndexTooLarge, "content indices")
PARTS = Limit("max_parts_per_message", "parts", TooManyParts, "content parts")
ANNOTATION_INDEX = Limit(
    "max_annotation_index", "annotation_index", IndexTooLarge, "annotation indices"
)
ANNOTATIONS = Limit("max_annotations_per_part", "annotations", TooManyAnnotations, "annotations")
TEXT = Limit("max_text_per_message", "text", TextTooLong, "characters")
STEPS = Limit("max_steps", "steps", TooManySteps, "steps")
TOOL_CALL_INDEX = Limit(
    "max_tool_call_index", "tool_call_index", IndexTooLarge, "tool-call indices"
)
TOOL_CALLS = Limit("max_tool_calls_per_step", "tool_calls", TooManyToolCalls, "tool calls")
OUTPUT_INDEX = Limit("max_output_index", "output_index", IndexTooLarge, "output indices")
OUTPUTS = Limit("max_outputs_per_tool_call", "outputs", TooManyOutputs, "outputs")
RUNS = Limit("max_runs", "runs", TooManyRuns, "runs")
REPORTS = Limit("max_reports", None, None, "reports")
KEPT_EVENTS = Limit("max_kept_events", None, None, "events")
KEPT_EVENT_BYTES = Limit("max_kept_event_bytes", None, None, "characters of event data")

LIMITS: dict[str, Limit] = {
    row.field: row
    for row in (
        EVENT_BYTES,
        JSON_DEPTH,
        MESSAGES,
        CONTENT_INDEX,
        PARTS,
        ANNOTATION_INDEX,
        ANNOTATIONS,
        TEXT,
        STEPS,
        TOOL_CALL_INDEX,
        TOOL_CALLS,
        OUTPUT_INDEX,
        OUTPUTS,
        RUNS,
        REPORTS,
        KEPT_EVENTS,
        KEPT_EVENT_BYTES,
    )
}
"""Every limit by its ``Limits`` field (tests/test_limits.py pins that no field lacks a row)."""


def _check_table() -> None:
    """Every row names a ``Limits`` field, and a ``Bounds`` slot where it has one."""
    fields = attrs.fields_dict(Limits)
    for row in LIMITS.values():
        assert row.field in fields, f"Limits has no field {row.field!r}"
        assert row.bound is None or row.bound in Bounds.__slots__, f"Bounds has no {row.bound!r}"


_check_table()
