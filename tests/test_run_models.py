"""Run and run-step models: exact round trips, unknowns kept, lazy streamed text, strict types."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deltasnap
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


# ------------------------------------------------------------------ Azure AI Agents types

# One call of each tool-call type the Azure AI Agents service documents (its REST and SDK
# references), as a completed step shows it, with the class it must structure into.
AZURE_CALLS: list[tuple[dict[str, Any], type, type]] = [
    (
        {"id": "c", "type": "bing_grounding", "bing_grounding": {"requesturl": "u"}},
        deltasnap.BingGroundingToolCall,
        deltasnap.BingGroundingToolCallDelta,
    ),
    (
        {"id": "c", "type": "bing_custom_search", "bing_custom_search": {"requesturl": "u"}},
        deltasnap.BingCustomSearchToolCall,
        deltasnap.BingCustomSearchToolCallDelta,
    ),
    (
        {"id": "c", "type": "azure_ai_search", "azure_ai_search": {"input": "q", "output": "o"}},
        deltasnap.AzureAISearchToolCall,
        deltasnap.AzureAISearchToolCallDelta,
    ),
    (
        {"id": "c", "type": "sharepoint_grounding", "sharepoint_grounding": {"input": "q"}},
        deltasnap.SharepointGroundingToolCall,
        deltasnap.SharepointGroundingToolCallDelta,
    ),
    (
        {"id": "c", "type": "fabric_dataagent", "fabric_dataagent": {"input": "q", "output": "o"}},
        deltasnap.FabricDataAgentToolCall,
        deltasnap.FabricDataAgentToolCallDelta,
    ),
    (
        {"id": "c", "type": "openapi", "openapi": {}},
        deltasnap.OpenAPIToolCall,
        deltasnap.OpenAPIToolCallDelta,
    ),
    (
        {
            "id": "c",
            "type": "azure_function",
            "azure_function": {"name": "f", "arguments": "{}", "output": "ok"},
        },
        deltasnap.AzureFunctionToolCall,
        deltasnap.AzureFunctionToolCallDelta,
    ),
    (
        {
            "id": "c",
            "type": "connected_agent",
            "connected_agent": {
                "name": "helper",
                "arguments": "{}",
                "output": "done",
                "run_id": "run_2",
                "thread_id": "thread_2",
                "assistant_id": "asst_2",
            },
        },
        deltasnap.ConnectedAgentToolCall,
        deltasnap.ConnectedAgentToolCallDelta,
    ),
    (
        {"id": "c", "type": "deep_research", "deep_research": {"input": "q", "output": None}},
        deltasnap.DeepResearchToolCall,
        deltasnap.DeepResearchToolCallDelta,
    ),
    (
        {
            "id": "c",
            "type": "mcp",
            "arguments": "{}",
            "name": "search",
            "server_label": "github",
            "output": "[]",
        },
        deltasnap.MCPToolCall,
        deltasnap.MCPToolCallDelta,
    ),
]


@pytest.mark.parametrize(
    ("raw", "snapshot", "delta"), AZURE_CALLS, ids=[raw["type"] for raw, _, _ in AZURE_CALLS]
)
def test_azure_tool_calls_are_typed(raw: dict[str, Any], snapshot: type, delta: type) -> None:
    """Each documented Azure AI Agents tool-call type structures into its own model, and its
    delta (keyed by index, fields whole) into its twin; both round-trip exactly."""
    call = structure(raw, ToolCall)
    assert type(call) is snapshot
    assert unstructure(call) == raw
    assert json.dumps(unstructure(call)) == json.dumps(raw)
    piece = {"index": 2, **raw}
    typed = structure(piece, ToolCallDelta)
    assert type(typed) is delta
    assert typed.index == 2
    assert unstructure(typed) == piece
    bare = {"index": 0, "type": raw["type"]}  # a delta may carry nothing but its key
    assert unstructure(structure(bare, ToolCallDelta)) == bare


@pytest.mark.parametrize("raw", [raw for raw, _, _ in AZURE_CALLS], ids=lambda r: r["type"])
def test_azure_tool_calls_refuse_wrong_types(raw: dict[str, Any]) -> None:
    """A non-object where the call's object belongs (or a non-string mcp field) is refused."""
    key = "name" if raw["type"] == "mcp" else raw["type"]
    with pytest.raises(ValidationError, match=key):
        structure({**raw, key: 5}, ToolCall)


def test_function_like_azure_calls_read_naturally() -> None:
    """azure_function, connected_agent and deep_research expose their fields as attributes."""
    fn = structure(AZURE_CALLS[6][0], ToolCall)
    assert isinstance(fn, deltasnap.AzureFunctionToolCall)
    assert fn.azure_function == deltasnap.AzureFunction(name="f", arguments="{}", output="ok")
    agent = structure(AZURE_CALLS[7][0], ToolCall)
    assert isinstance(agent, deltasnap.ConnectedAgentToolCall)
    assert agent.connected_agent is not None and agent.connected_agent.assistant_id == "asst_2"
    research = structure(AZURE_CALLS[8][0], ToolCall)
    assert isinstance(research, deltasnap.DeepResearchToolCall)
    assert research.deep_research is not None and research.deep_research.output is None


def test_activities_step_details() -> None:
    """An activities step lists typed mcp_list_tools activities; other activities stay whole."""
    raw = {
        "type": "activities",
        "activities": [
            {
                "id": "activity_1",
                "type": "mcp_list_tools",
                "server_label": "github",
                "tools": {"f": {"description": "d", "parameters": {"type": "object"}}},
            },
            {"id": "activity_2", "type": "future_activity", "x": [1]},
        ],
    }
    details = structure(raw, StepDetails)
    assert isinstance(details, deltasnap.ActivitiesStepDetails)
    listed, future = details.activities
    assert isinstance(listed, deltasnap.MCPListToolsActivity)
    assert listed.tools == raw["activities"][0]["tools"]  # type: ignore[index]
    assert isinstance(future, deltasnap.UnknownActivity)
    assert unstructure(details) == raw
    delta = structure({"type": "activities"}, deltasnap.StepDetailsDelta)
    assert isinstance(delta, deltasnap.ActivitiesStepDetailsDelta)
    assert unstructure(delta) == {"type": "activities"}


def test_submit_tool_approval_required_action() -> None:
    """A run waiting for tool approval types its mcp calls; function calls and future call
    types are kept as they are."""
    raw = {
        "type": "submit_tool_approval",
        "submit_tool_approval": {
            "tool_calls": [
                {"id": "a", "type": "mcp", "arguments": "{}", "name": "n", "server_label": "s"},
                {"id": "b", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                {"id": "c", "type": "computer_use_preview", "computer_use_preview": {}},
            ]
        },
    }
    run = structure({"id": "run_1", "required_action": raw}, Run)
    action = run.required_action
    assert action is not None and action.submit_tool_approval is not None
    mcp, function, future = action.submit_tool_approval.tool_calls
    assert isinstance(mcp, deltasnap.RequiredMCPToolCall)
    assert mcp.server_label == "s"
    assert isinstance(function, deltasnap.RequiredActionFunctionToolCall)
    assert isinstance(future, deltasnap.UnknownRequiredToolCall)
    assert unstructure(run) == {"id": "run_1", "object": "thread.run", "required_action": raw}


def test_future_tool_call_types_still_pass_through() -> None:
    """A tool-call type nobody documents yet stays an Unknown model holding everything."""
    raw = {"id": "c", "type": "browser_automation", "browser_automation": {"steps": [1, 2]}}
    call = structure(raw, ToolCall)
    assert isinstance(call, UnknownToolCall)
    assert unstructure(call) == raw
    piece = {"index": 1, **raw}
    assert isinstance(structure(piece, ToolCallDelta), UnknownToolCallDelta)
    assert unstructure(structure(piece, ToolCallDelta)) == piece


def test_step_expires_at_is_typed_and_expired_at_not_invented() -> None:
    """Real servers send ``expires_at`` on steps (never the documented ``expired_at``): it is
    typed, and ``expired_at`` is written only when it was sent."""
    raw = {"id": "step_1", "object": "thread.run.step", "expires_at": 5}
    step = structure(raw, RunStep)
    assert step.expires_at == 5
    assert "expired_at" not in unstructure(step)
    sent = {"id": "step_1", "object": "thread.run.step", "expired_at": None}
    keys = list(unstructure(structure(sent, RunStep)))
    assert keys.index("completed_at") < keys.index("expired_at") < keys.index("failed_at")
