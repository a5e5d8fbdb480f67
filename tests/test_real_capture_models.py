"""The models over every real server capture: typed where the type is known, exact round trip.

The captures live beside the checkout in ``../shared/real-captures/`` (see its README for where
each one came from); they are read from there, never copied into the repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

import deltasnap
from deltasnap import _models as m
from deltasnap import _run_models as rm
from deltasnap import structure, unstructure

CAPTURES = Path(__file__).resolve().parents[2] / "shared" / "real-captures"
CAPTURE_NAMES = sorted(p.name for p in CAPTURES.glob("*.sse"))
AZURE_AGENTS = "azure-sdk-assets__py-ai-agents__test_"

# the model of each payload, by its ``object``
MODELS: dict[str, type] = {
    "thread.run": deltasnap.Run,
    "thread.run.step": deltasnap.RunStep,
    "thread.run.step.delta": deltasnap.RunStepDeltaEvent,
    "thread.message": deltasnap.Message,
    "thread.message.delta": deltasnap.MessageDeltaEvent,
}
UNKNOWN = tuple(
    cls
    for module in (m, rm)
    for name, cls in vars(module).items()
    if name.startswith("Unknown") and isinstance(cls, type)
)


def payloads(name: str) -> list[tuple[str, dict[str, Any]]]:
    """(event, data) of every event of a capture whose data is a JSON object."""
    text = (CAPTURES / name).read_text(encoding="utf-8").replace("\r\n", "\n")
    out: list[tuple[str, dict[str, Any]]] = []
    for block in text.split("\n\n"):
        event, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data and data != ["[DONE]"]:
            value = json.loads("\n".join(data))
            if type(value) is dict:
                out.append((event, value))
    return out


def unknowns(obj: Any) -> list[tuple[str, str]]:
    """(class name, type) of every Unknown* model inside a model."""
    found: list[tuple[str, str]] = []
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, UNKNOWN):
            found.append((type(item).__name__, item.type))
        if attrs.has(type(item)):
            stack.extend(getattr(item, f.name) for f in attrs.fields(type(item)))
        elif type(item) is tuple:
            stack.extend(item)
    return found


def test_the_captures_are_there() -> None:
    """The real-capture folder is beside the checkout and holds the 31 bodies, Azure ones too."""
    assert len(CAPTURE_NAMES) >= 31
    assert sum(name.startswith(AZURE_AGENTS) for name in CAPTURE_NAMES) >= 4


@pytest.mark.parametrize("name", CAPTURE_NAMES)
def test_every_payload_is_typed_and_round_trips(name: str) -> None:
    """Every object payload structures with no Unknown* model (every type in the captures is
    known now) and unstructures to exactly the input JSON, unknown fields kept."""
    checked = 0
    for event, data in payloads(name):
        cls = MODELS.get(data.get("object", ""))
        if cls is None:
            assert event in {"thread.created", "error"}, (event, data.get("object"))
            continue
        obj = structure(data, cls)
        assert unknowns(obj) == [], (event, data.get("id"))
        assert unstructure(obj) == data, (event, data.get("id"))
        checked += 1
    assert checked


def _calls(name: str) -> list[Any]:
    calls = []
    for _, data in payloads(AZURE_AGENTS + name):
        if data["object"] == "thread.run.step.delta":
            details = structure(data, deltasnap.RunStepDeltaEvent).delta.step_details
            calls.extend(getattr(details, "tool_calls", None) or ())
        elif data["object"] == "thread.run.step":
            details = structure(data, deltasnap.RunStep).step_details
            calls.extend(getattr(details, "tool_calls", None) or ())
    return calls


def test_bing_grounding_calls_are_typed() -> None:
    """bing_grounding calls and deltas carry their request URL and response metadata."""
    calls = _calls("bing_grounding_tool_streaming.sse")
    deltas = [c for c in calls if isinstance(c, deltasnap.BingGroundingToolCallDelta)]
    [final] = [c for c in calls if isinstance(c, deltasnap.BingGroundingToolCall)]
    assert [d.index for d in deltas] == [0, 0, 0]
    assert deltas[0].id == final.id == "call_VnTnijP43J54nM8qj8s63Mjd"
    assert deltas[0].bing_grounding == {"requesturl": "", "response_metadata": None}
    assert final.bing_grounding is not None
    assert final.bing_grounding["requesturl"].startswith("https://api.bing.microsoft.com/")


def test_azure_ai_search_calls_are_typed() -> None:
    """azure_ai_search calls and deltas carry their input and output."""
    calls = _calls("azure_ai_search_tool_streaming.sse")
    assert all(
        isinstance(c, deltasnap.AzureAISearchToolCallDelta | deltasnap.AzureAISearchToolCall)
        for c in calls
    )
    final = calls[-1]
    assert isinstance(final, deltasnap.AzureAISearchToolCall)
    assert final.azure_ai_search is not None
    assert final.azure_ai_search["input"] == "temperature rating cozynights sleeping bag"


def test_mcp_call_fields_sit_on_the_call() -> None:
    """An mcp call delta has its arguments, name, server label and output at top level."""
    [call] = _calls("mcp_tool_streaming__create.sse")
    assert isinstance(call, deltasnap.MCPToolCallDelta)
    assert (call.arguments, call.name, call.server_label) == (
        "{}",
        "fetch_azure_rest_api_docs",
        "github",
    )
    assert call.output is None
    assert call.extra == {"output": None}  # sent as an explicit null, kept


def test_activities_step_and_tool_approval() -> None:
    """The MCP capture's activities step lists the server's tools; its run waits for approval."""
    steps = [
        structure(data, deltasnap.RunStep)
        for _, data in payloads(AZURE_AGENTS + "mcp_tool_streaming__create.sse")
        if data["object"] == "thread.run.step"
    ]
    details = steps[2].step_details
    assert isinstance(details, deltasnap.ActivitiesStepDetails)
    [activity] = details.activities
    assert isinstance(activity, deltasnap.MCPListToolsActivity)
    assert activity.server_label == "github"
    assert activity.tools is not None and "fetch_azure_rest_api_docs" in activity.tools
    runs = [
        structure(data, deltasnap.Run)
        for event, data in payloads(AZURE_AGENTS + "mcp_tool_streaming__create.sse")
        if event == "thread.run.requires_action"
    ]
    action = runs[0].required_action
    assert action is not None and action.type == "submit_tool_approval"
    assert action.submit_tool_approval is not None
    [call] = action.submit_tool_approval.tool_calls
    assert isinstance(call, deltasnap.RequiredMCPToolCall)
    assert call.name == "fetch_azure_rest_api_docs"


def test_url_citations_are_typed_in_the_accumulated_messages() -> None:
    """Accumulated from the stream, the grounding captures' messages hold URLCitationAnnotations
    equal to the server's final copy."""
    for name in ("bing_grounding_tool_streaming.sse", "azure_ai_search_tool_streaming.sse"):
        acc = deltasnap.accumulate(CAPTURES / (AZURE_AGENTS + name), use_completed=False)
        [message] = acc.messages.values()
        block = message.content[0]
        assert isinstance(block, deltasnap.TextContentBlock)
        [annotation] = block.text.annotations
        assert isinstance(annotation, deltasnap.URLCitationAnnotation)
        assert annotation.url_citation is not None and annotation.url_citation.title
        [final] = [
            data
            for event, data in payloads(AZURE_AGENTS + name)
            if event == "thread.message.completed"
        ]
        assert unstructure(message) == final


def test_accumulated_azure_tool_calls_are_typed() -> None:
    """Streamed whole-field tool calls accumulate into typed calls equal to the final copy."""
    name = AZURE_AGENTS + "bing_grounding_tool_streaming.sse"
    acc = deltasnap.accumulate(CAPTURES / name, use_completed=False)
    step = next(iter(acc.reducer.run_steps.values()))
    details = step.step_details
    assert isinstance(details, deltasnap.ToolCallsStepDetails)
    [call] = details.tool_calls
    assert isinstance(call, deltasnap.BingGroundingToolCall)
    [final] = [d for e, d in payloads(name) if e == "thread.run.step.completed"][:1]
    assert unstructure(call) == final["step_details"]["tool_calls"][0]
