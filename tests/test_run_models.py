"""Run and run-step models: exact round trips, unknowns kept, lazy streamed text, strict types."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltasnap import (
    CodeInterpreter,
    CodeInterpreterLogs,
    Function,
    FunctionToolCall,
    FunctionToolCallDelta,
    Run,
    RunStep,
    RunStepDeltaEvent,
    StepDetails,
    ToolCall,
    ToolCallDelta,
    ToolCallsStepDetails,
    UnknownCodeInterpreterOutput,
    UnknownStepDetails,
    UnknownToolCall,
    UnknownToolCallDelta,
    ValidationError,
    structure,
    unstructure,
)
from deltasnap._text import TextBuffer

from conftest import expected, simple_events
from strategies import roundtrip_json, run_steps, runs, step_events


@settings(max_examples=200, deadline=None)
@given(run_steps())
def test_run_step_round_trip(step: dict[str, Any]) -> None:
    """unstructure(structure(x)) == x for any run step, unknown fields and types included."""
    step = roundtrip_json(step)
    assert unstructure(structure(step, RunStep)) == step


@settings(max_examples=200, deadline=None)
@given(runs())
def test_run_round_trip(run: dict[str, Any]) -> None:
    """A run object, full or trimmed, round-trips exactly; unknown fields live in extra."""
    run = roundtrip_json(run)
    typed = structure(run, Run)
    assert unstructure(typed) == run
    assert "tools" not in run or typed.extra["tools"] == run["tools"]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_step_delta_event_round_trip(data: st.DataObject) -> None:
    """Step delta payloads round-trip exactly too (no index dropped, no null invented)."""
    events = data.draw(step_events(data.draw(run_steps())))
    for event, body in events:
        if event == "thread.run.step.delta":
            body = roundtrip_json(body)
            assert unstructure(structure(body, RunStepDeltaEvent)) == body


def test_reference_step_keeps_key_order() -> None:
    """The reference step comes back byte-identical as JSON, key order included."""
    for step in expected("run-steps").values():
        assert json.dumps(unstructure(structure(step, RunStep))) == json.dumps(step)


def test_reference_step_deltas_keep_key_order() -> None:
    """Reference step deltas come back byte-identical: index, id, type, as on the wire."""
    deltas = [d for e, d in simple_events("run-steps") if e == "thread.run.step.delta"]
    assert deltas
    for body in deltas:
        typed = structure(body, RunStepDeltaEvent)
        assert json.dumps(unstructure(typed)) == json.dumps(body)
    first = structure(deltas[0], RunStepDeltaEvent).delta.step_details
    assert isinstance(first.tool_calls[0], FunctionToolCallDelta)  # type: ignore[union-attr]


def test_lazy_streamed_fields_equal_plain_ones() -> None:
    """arguments, input and logs built on lazy references equal and print like plain strings."""
    buf = TextBuffer("{}")
    lazy = Function(name="f", arguments=buf.ref())  # type: ignore[arg-type]
    buf.append(" more")
    assert lazy == Function(name="f", arguments="{}")
    assert repr(lazy) == repr(Function(name="f", arguments="{}"))
    assert lazy.arguments == "{}"
    code = CodeInterpreter(input=TextBuffer("x = 1").ref())  # type: ignore[arg-type]
    assert code.input == "x = 1"
    logs = CodeInterpreterLogs(logs=TextBuffer("out").ref())  # type: ignore[arg-type]
    assert logs.logs == "out"
    assert unstructure(logs) == {"type": "logs", "logs": "out"}


def test_unknown_kinds_are_kept_whole() -> None:
    """Unknown tool-call, output and step-details types survive as Unknown* models."""
    call = {"type": "computer", "id": "c", "action": {"x": 1}}
    assert isinstance(structure(call, ToolCall), UnknownToolCall)
    assert unstructure(structure(call, ToolCall)) == call
    delta = {"index": 2, "type": "computer", "action": {}}
    typed = structure(delta, ToolCallDelta)
    assert isinstance(typed, UnknownToolCallDelta) and typed.index == 2
    details = {"type": "handoff", "to": "b"}
    assert isinstance(structure(details, StepDetails), UnknownStepDetails)
    ci = {"type": "code_interpreter", "id": "x", "code_interpreter": {"input": "", "outputs": []}}
    ci["code_interpreter"]["outputs"] = [{"type": "table", "rows": []}]
    typed_ci = structure(ci, ToolCall)
    assert isinstance(typed_ci.code_interpreter.outputs[0], UnknownCodeInterpreterOutput)  # type: ignore[union-attr]
    assert unstructure(typed_ci) == ci


def test_null_step_details_and_missing_optional_fields() -> None:
    """A null step_details stays null; an absent metadata stays absent, a null one stays null."""
    step = {**expected("run-steps")["step_1"], "step_details": None}
    assert unstructure(structure(step, RunStep)) == step
    with_meta = {**step, "metadata": None}
    assert unstructure(structure(with_meta, RunStep)) == with_meta


def test_tool_call_type_is_a_constant_and_models_are_frozen() -> None:
    """The tool-call type is fixed by the class; snapshots cannot be changed in place."""
    call = FunctionToolCall(id="c", function=Function(arguments="{}"))
    assert call.type == "function"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        call.id = "d"  # type: ignore[misc]
    with pytest.raises(TypeError):
        FunctionToolCall(type="code", function=Function(arguments=""))  # type: ignore[call-arg]
    details = ToolCallsStepDetails(tool_calls=(call,))
    assert unstructure(details) == {
        "type": "tool_calls",
        "tool_calls": [
            {
                "id": "c",
                "type": "function",
                "function": {"name": None, "arguments": "{}", "output": None},
            }
        ],
    }


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"created_at": "now"}, "created_at: expected int"),
        ({"step_details": {"tool_calls": []}}, "step_details.type"),
        (
            {"step_details": {"type": "tool_calls", "tool_calls": [{"type": "function"}]}},
            "step_details.tool_calls[0].function: required",
        ),
        (
            {
                "step_details": {
                    "type": "tool_calls",
                    "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": 1}}],
                }
            },
            "step_details.tool_calls[0].function.arguments: expected str",
        ),
        ({"usage": {"total_tokens": "9"}}, "usage.total_tokens: expected int"),
        ({"last_error": "boom"}, "last_error: expected object"),
    ],
)
def test_wrong_types_raise_with_a_path(patch: dict[str, Any], where: str) -> None:
    """Wrong types in a run step are not coerced: a ValidationError names the JSON path."""
    step = {**expected("run-steps")["step_1"], **patch}
    with pytest.raises(ValidationError) as info:
        structure(step, RunStep)
    assert where in str(info.value)


def test_run_requires_an_id_and_types_known_fields() -> None:
    """A run needs an id; its known fields are typed, the rest is kept as is."""
    with pytest.raises(ValidationError, match="id: required"):
        structure({"object": "thread.run"}, Run)
    with pytest.raises(ValidationError, match="required_action"):
        structure({"id": "r", "required_action": []}, Run)
    run = structure({"id": "r", "status": "queued", "tools": [1]}, Run)
    assert (run.status, run.extra) == ("queued", {"tools": [1]})
