"""Typed models of runs, run steps, tool calls and their stream deltas (attrs classes).

The conventions are those of ``_models``: unknown keys are kept in ``extra``, unknown step-details,
tool-call and output types are kept whole in ``Unknown*`` models, optional fields are left out of
the JSON when ``None``, and streamed text (``arguments``, ``input``, ``logs``) may be a lazy
reference, resolved on first read.
"""

# ruff: noqa: RUF009  (attrs field helpers build field definitions, not shared defaults)

from __future__ import annotations

from typing import Any, Literal, TypeAlias

import attrs

from ._models import (
    IncompleteDetails,
    _extra,
    _kind,
    _Model,
    _optional,
    _read_streamed,
    _streamed,
)

__all__ = [
    "ActivitiesStepDetails",
    "ActivitiesStepDetailsDelta",
    "Activity",
    "AzureAISearchToolCall",
    "AzureAISearchToolCallDelta",
    "AzureFunction",
    "AzureFunctionToolCall",
    "AzureFunctionToolCallDelta",
    "BingCustomSearchToolCall",
    "BingCustomSearchToolCallDelta",
    "BingGroundingToolCall",
    "BingGroundingToolCallDelta",
    "CodeInterpreter",
    "CodeInterpreterDelta",
    "CodeInterpreterImage",
    "CodeInterpreterImageDelta",
    "CodeInterpreterImageOutput",
    "CodeInterpreterImageOutputDelta",
    "CodeInterpreterLogs",
    "CodeInterpreterLogsDelta",
    "CodeInterpreterOutput",
    "CodeInterpreterOutputDelta",
    "CodeInterpreterToolCall",
    "CodeInterpreterToolCallDelta",
    "ConnectedAgent",
    "ConnectedAgentToolCall",
    "ConnectedAgentToolCallDelta",
    "DeepResearch",
    "DeepResearchToolCall",
    "DeepResearchToolCallDelta",
    "FabricDataAgentToolCall",
    "FabricDataAgentToolCallDelta",
    "FileSearch",
    "FileSearchRankingOptions",
    "FileSearchResult",
    "FileSearchResultContent",
    "FileSearchToolCall",
    "FileSearchToolCallDelta",
    "Function",
    "FunctionDelta",
    "FunctionToolCall",
    "FunctionToolCallDelta",
    "LastError",
    "MCPListToolsActivity",
    "MCPToolCall",
    "MCPToolCallDelta",
    "MessageCreation",
    "MessageCreationDelta",
    "MessageCreationStepDetails",
    "MessageCreationStepDetailsDelta",
    "OpenAPIToolCall",
    "OpenAPIToolCallDelta",
    "RequiredAction",
    "RequiredActionFunction",
    "RequiredActionFunctionToolCall",
    "RequiredMCPToolCall",
    "RequiredToolCall",
    "Run",
    "RunStep",
    "RunStepDelta",
    "RunStepDeltaEvent",
    "SharepointGroundingToolCall",
    "SharepointGroundingToolCallDelta",
    "StepDetails",
    "StepDetailsDelta",
    "SubmitToolApproval",
    "SubmitToolOutputs",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallsStepDetails",
    "ToolCallsStepDetailsDelta",
    "UnknownActivity",
    "UnknownCodeInterpreterOutput",
    "UnknownCodeInterpreterOutputDelta",
    "UnknownRequiredToolCall",
    "UnknownStepDetails",
    "UnknownStepDetailsDelta",
    "UnknownToolCall",
    "UnknownToolCallDelta",
    "Usage",
]

# ------------------------------------------------------------------------- shared pieces


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class LastError(_Model):
    """The last error of a run or run step."""

    code: str | None = None
    message: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class Usage(_Model):
    """Token counts of a run or run step."""

    completion_tokens: int | None = None
    prompt_tokens: int | None = None
    total_tokens: int | None = None
    extra: dict[str, Any] = _extra()


# ------------------------------------------------------------------------ tool calls


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class Function(_Model):
    """The function a function tool call invokes: its name, streamed arguments and output."""

    name: str | None = None
    _arguments: str = _streamed()
    output: str | None = None
    extra: dict[str, Any] = _extra()

    @property
    def arguments(self) -> str:
        """The arguments, as the JSON text the model wrote."""
        return _read_streamed(self, "_arguments")


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FunctionToolCall(_Model):
    """A call of a function tool."""

    id: str | None = None
    type: Literal["function"] = _kind("function")
    function: Function
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreterLogs(_Model):
    """Text output (logs) of a code_interpreter call."""

    type: Literal["logs"] = _kind("logs")
    _logs: str = _streamed()
    extra: dict[str, Any] = _extra()

    @property
    def logs(self) -> str:
        """The log text."""
        return _read_streamed(self, "_logs")


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreterImage(_Model):
    """The file of an image a code_interpreter call produced."""

    file_id: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreterImageOutput(_Model):
    """An image output of a code_interpreter call."""

    type: Literal["image"] = _kind("image")
    image: CodeInterpreterImage
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownCodeInterpreterOutput(_Model):
    """A code_interpreter output of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


CodeInterpreterOutput: TypeAlias = (
    CodeInterpreterLogs | CodeInterpreterImageOutput | UnknownCodeInterpreterOutput
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreter(_Model):
    """The code a code_interpreter call ran (streamed) and its outputs."""

    _input: str = _streamed()
    outputs: tuple[CodeInterpreterOutput, ...] = ()
    extra: dict[str, Any] = _extra()

    @property
    def input(self) -> str:
        """The code."""
        return _read_streamed(self, "_input")


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreterToolCall(_Model):
    """A call of the code_interpreter tool."""

    id: str | None = None
    type: Literal["code_interpreter"] = _kind("code_interpreter")
    code_interpreter: CodeInterpreter
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileSearchRankingOptions(_Model):
    """How file_search ranked its results."""

    ranker: str | None = None
    score_threshold: float | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileSearchResultContent(_Model):
    """A piece of the content of a file_search result."""

    type: str | None = _optional()
    text: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileSearchResult(_Model):
    """One file found by file_search."""

    file_id: str | None = None
    file_name: str | None = None
    score: float | None = None
    content: tuple[FileSearchResultContent, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileSearch(_Model):
    """What a file_search call used and found (often empty while streaming)."""

    ranking_options: FileSearchRankingOptions | None = _optional()
    results: tuple[FileSearchResult, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileSearchToolCall(_Model):
    """A call of the file_search tool."""

    id: str | None = None
    type: Literal["file_search"] = _kind("file_search")
    file_search: FileSearch = attrs.field(factory=FileSearch)
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class BingGroundingToolCall(_Model):
    """A Bing grounding call (Azure AI Agents): request and response, as sent."""

    id: str | None = None
    type: Literal["bing_grounding"] = _kind("bing_grounding")
    bing_grounding: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class BingCustomSearchToolCall(_Model):
    """A Bing custom search call (Azure AI Agents): request and response, as sent."""

    id: str | None = None
    type: Literal["bing_custom_search"] = _kind("bing_custom_search")
    bing_custom_search: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class AzureAISearchToolCall(_Model):
    """A Azure AI Search call (Azure AI Agents): request and response, as sent."""

    id: str | None = None
    type: Literal["azure_ai_search"] = _kind("azure_ai_search")
    azure_ai_search: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class SharepointGroundingToolCall(_Model):
    """A SharePoint grounding call (Azure AI Agents): request and response, as sent."""

    id: str | None = None
    type: Literal["sharepoint_grounding"] = _kind("sharepoint_grounding")
    sharepoint_grounding: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FabricDataAgentToolCall(_Model):
    """A Microsoft Fabric data agent call (Azure AI Agents): request and response, as sent."""

    id: str | None = None
    type: Literal["fabric_dataagent"] = _kind("fabric_dataagent")
    fabric_dataagent: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class OpenAPIToolCall(_Model):
    """A OpenAPI call (Azure AI Agents): request and response, as sent."""

    id: str | None = None
    type: Literal["openapi"] = _kind("openapi")
    openapi: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class AzureFunction(_Model):
    """An Azure Function call: its name, arguments and output (in a call and in its deltas)."""

    name: str | None = _optional()
    arguments: str | None = _optional()
    output: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class AzureFunctionToolCall(_Model):
    """A call of an Azure Function tool (Azure AI Agents)."""

    id: str | None = None
    type: Literal["azure_function"] = _kind("azure_function")
    azure_function: AzureFunction | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ConnectedAgent(_Model):
    """A call of a connected agent: its name, arguments, output and the run it made."""

    name: str | None = _optional()
    arguments: str | None = _optional()
    output: str | None = _optional()
    run_id: str | None = _optional()
    thread_id: str | None = _optional()
    assistant_id: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ConnectedAgentToolCall(_Model):
    """A call of a connected agent (Azure AI Agents)."""

    id: str | None = None
    type: Literal["connected_agent"] = _kind("connected_agent")
    connected_agent: ConnectedAgent | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class DeepResearch(_Model):
    """The input and final output of a deep_research call."""

    input: str | None = _optional()
    output: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class DeepResearchToolCall(_Model):
    """A call of the deep_research tool (Azure AI Agents)."""

    id: str | None = None
    type: Literal["deep_research"] = _kind("deep_research")
    deep_research: DeepResearch | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class MCPToolCall(_Model):
    """A call of a tool on an MCP server (Azure AI Agents); its fields sit on the call itself."""

    id: str | None = None
    type: Literal["mcp"] = _kind("mcp")
    arguments: str | None = None
    name: str | None = None
    server_label: str | None = _optional()
    output: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownToolCall(_Model):
    """A tool call of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


ToolCall: TypeAlias = (
    FunctionToolCall
    | CodeInterpreterToolCall
    | FileSearchToolCall
    | BingGroundingToolCall
    | BingCustomSearchToolCall
    | AzureAISearchToolCall
    | SharepointGroundingToolCall
    | FabricDataAgentToolCall
    | OpenAPIToolCall
    | AzureFunctionToolCall
    | ConnectedAgentToolCall
    | DeepResearchToolCall
    | MCPToolCall
    | UnknownToolCall
)


# ---------------------------------------------------------------------- step details


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class MessageCreation(_Model):
    """The message a message_creation step created."""

    message_id: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class MessageCreationStepDetails(_Model):
    """Details of a step that created a message."""

    type: Literal["message_creation"] = _kind("message_creation")
    message_creation: MessageCreation = attrs.field(factory=MessageCreation)
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ToolCallsStepDetails(_Model):
    """Details of a step that called tools."""

    type: Literal["tool_calls"] = _kind("tool_calls")
    tool_calls: tuple[ToolCall, ...] = ()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class MCPListToolsActivity(_Model):
    """An activity of listing the tools of an MCP server, with their definitions."""

    id: str | None = None
    type: Literal["mcp_list_tools"] = _kind("mcp_list_tools")
    server_label: str | None = None
    tools: dict[str, Any] | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownActivity(_Model):
    """An activity of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


Activity: TypeAlias = MCPListToolsActivity | UnknownActivity


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ActivitiesStepDetails(_Model):
    """Details of a step of activities (Azure AI Agents), such as listing an MCP server's tools."""

    type: Literal["activities"] = _kind("activities")
    activities: tuple[Activity, ...] = ()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownStepDetails(_Model):
    """Step details of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


StepDetails: TypeAlias = (
    MessageCreationStepDetails | ToolCallsStepDetails | ActivitiesStepDetails | UnknownStepDetails
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class RunStep(_Model):
    """A run step (``object: "thread.run.step"``) as the API returns it."""

    id: str
    object: str = "thread.run.step"
    created_at: int | None = None
    run_id: str | None = None
    assistant_id: str | None = None
    thread_id: str | None = None
    type: str | None = None
    status: str | None = None
    cancelled_at: int | None = None
    completed_at: int | None = None
    expired_at: int | None = _optional()  # as documented; real servers send expires_at
    expires_at: int | None = _optional()
    failed_at: int | None = None
    last_error: LastError | None = None
    step_details: StepDetails | None = None
    usage: Usage | None = None
    metadata: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


# ------------------------------------------------------------------------------- runs


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class RequiredActionFunction(_Model):
    """The function a run wants called: its name and arguments."""

    name: str | None = None
    arguments: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class RequiredActionFunctionToolCall(_Model):
    """A tool call whose output the run waits for."""

    id: str | None = None
    type: str | None = None
    function: RequiredActionFunction | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class SubmitToolOutputs(_Model):
    """The tool calls whose outputs must be submitted to continue the run."""

    tool_calls: tuple[RequiredActionFunctionToolCall, ...] = ()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class RequiredMCPToolCall(_Model):
    """An MCP tool call that waits for the client's approval."""

    id: str | None = None
    type: Literal["mcp"] = _kind("mcp")
    arguments: str | None = None
    name: str | None = None
    server_label: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownRequiredToolCall(_Model):
    """A required tool call of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


RequiredToolCall: TypeAlias = (
    RequiredActionFunctionToolCall | RequiredMCPToolCall | UnknownRequiredToolCall
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class SubmitToolApproval(_Model):
    """The tool calls the client must approve (or not) to continue the run (Azure AI Agents)."""

    tool_calls: tuple[RequiredToolCall, ...] = ()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class RequiredAction(_Model):
    """What a run in ``requires_action`` waits for."""

    type: str | None = None
    submit_tool_outputs: SubmitToolOutputs | None = _optional()
    submit_tool_approval: SubmitToolApproval | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class Run(_Model):
    """A run (``object: "thread.run"``): the well-known fields typed, everything else in extra.

    Every field but ``id`` and ``object`` is optional, so a trimmed run object round-trips as
    exactly as a full one (as JSON values; key order follows the API's full object).
    """

    id: str
    object: str = "thread.run"
    created_at: int | None = _optional()
    assistant_id: str | None = _optional()
    thread_id: str | None = _optional()
    status: str | None = _optional()
    started_at: int | None = _optional()
    expires_at: int | None = _optional()
    cancelled_at: int | None = _optional()
    failed_at: int | None = _optional()
    completed_at: int | None = _optional()
    required_action: RequiredAction | None = _optional()
    last_error: LastError | None = _optional()
    model: str | None = _optional()
    instructions: str | None = _optional()
    metadata: dict[str, Any] | None = _optional()
    incomplete_details: IncompleteDetails | None = _optional()
    usage: Usage | None = _optional()
    extra: dict[str, Any] = _extra()


# ---------------------------------------------------------------------------- deltas


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FunctionDelta(_Model):
    """The changed fields of a function call: a piece of arguments, name, output."""

    name: str | None = _optional()
    arguments: str | None = _optional()
    output: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FunctionToolCallDelta(_Model):
    """A function tool-call delta, keyed by its index in the step."""

    index: int
    id: str | None = _optional()
    type: Literal["function"] = _kind("function")
    function: FunctionDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreterLogsDelta(_Model):
    """A logs output delta, keyed by its index in the call's outputs."""

    index: int
    type: Literal["logs"] = _kind("logs")
    logs: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreterImageDelta(_Model):
    """The changed fields of an image output."""

    file_id: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreterImageOutputDelta(_Model):
    """An image output delta, keyed by its index in the call's outputs."""

    index: int
    type: Literal["image"] = _kind("image")
    image: CodeInterpreterImageDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownCodeInterpreterOutputDelta(_Model):
    """An output delta of a type deltasnap does not know, kept whole."""

    index: int
    type: str
    data: dict[str, Any]


CodeInterpreterOutputDelta: TypeAlias = (
    CodeInterpreterLogsDelta | CodeInterpreterImageOutputDelta | UnknownCodeInterpreterOutputDelta
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreterDelta(_Model):
    """The changed fields of a code_interpreter call: a piece of input, output deltas."""

    input: str | None = _optional()
    outputs: tuple[CodeInterpreterOutputDelta, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class CodeInterpreterToolCallDelta(_Model):
    """A code_interpreter tool-call delta, keyed by its index in the step."""

    index: int
    id: str | None = _optional()
    type: Literal["code_interpreter"] = _kind("code_interpreter")
    code_interpreter: CodeInterpreterDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileSearchToolCallDelta(_Model):
    """A file_search tool-call delta, keyed by its index in the step."""

    index: int
    id: str | None = _optional()
    type: Literal["file_search"] = _kind("file_search")
    file_search: FileSearch | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class BingGroundingToolCallDelta(_Model):
    """A bing_grounding call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["bing_grounding"] = _kind("bing_grounding")
    bing_grounding: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class BingCustomSearchToolCallDelta(_Model):
    """A bing_custom_search call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["bing_custom_search"] = _kind("bing_custom_search")
    bing_custom_search: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class AzureAISearchToolCallDelta(_Model):
    """A azure_ai_search call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["azure_ai_search"] = _kind("azure_ai_search")
    azure_ai_search: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class SharepointGroundingToolCallDelta(_Model):
    """A sharepoint_grounding call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["sharepoint_grounding"] = _kind("sharepoint_grounding")
    sharepoint_grounding: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FabricDataAgentToolCallDelta(_Model):
    """A fabric_dataagent call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["fabric_dataagent"] = _kind("fabric_dataagent")
    fabric_dataagent: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class OpenAPIToolCallDelta(_Model):
    """A openapi call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["openapi"] = _kind("openapi")
    openapi: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class AzureFunctionToolCallDelta(_Model):
    """A azure_function call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["azure_function"] = _kind("azure_function")
    azure_function: AzureFunction | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ConnectedAgentToolCallDelta(_Model):
    """A connected_agent call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["connected_agent"] = _kind("connected_agent")
    connected_agent: ConnectedAgent | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class DeepResearchToolCallDelta(_Model):
    """A deep_research call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["deep_research"] = _kind("deep_research")
    deep_research: DeepResearch | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class MCPToolCallDelta(_Model):
    """An mcp tool-call delta, keyed by its index in the step (fields arrive whole)."""

    index: int
    id: str | None = _optional()
    type: Literal["mcp"] = _kind("mcp")
    arguments: str | None = _optional()
    name: str | None = _optional()
    server_label: str | None = _optional()
    output: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownToolCallDelta(_Model):
    """A tool-call delta of a type deltasnap does not know, kept whole."""

    index: int
    type: str
    data: dict[str, Any]


ToolCallDelta: TypeAlias = (
    FunctionToolCallDelta
    | CodeInterpreterToolCallDelta
    | FileSearchToolCallDelta
    | BingGroundingToolCallDelta
    | BingCustomSearchToolCallDelta
    | AzureAISearchToolCallDelta
    | SharepointGroundingToolCallDelta
    | FabricDataAgentToolCallDelta
    | OpenAPIToolCallDelta
    | AzureFunctionToolCallDelta
    | ConnectedAgentToolCallDelta
    | DeepResearchToolCallDelta
    | MCPToolCallDelta
    | UnknownToolCallDelta
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class MessageCreationDelta(_Model):
    """The changed fields of a message creation."""

    message_id: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class MessageCreationStepDetailsDelta(_Model):
    """A message_creation step-details delta."""

    type: Literal["message_creation"] = _kind("message_creation")
    message_creation: MessageCreationDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ToolCallsStepDetailsDelta(_Model):
    """A tool_calls step-details delta: tool-call deltas keyed by their index."""

    type: Literal["tool_calls"] = _kind("tool_calls")
    tool_calls: tuple[ToolCallDelta, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ActivitiesStepDetailsDelta(_Model):
    """An activities step-details delta (activities are sent whole)."""

    type: Literal["activities"] = _kind("activities")
    activities: tuple[Activity, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownStepDetailsDelta(_Model):
    """A step-details delta of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


StepDetailsDelta: TypeAlias = (
    MessageCreationStepDetailsDelta
    | ToolCallsStepDetailsDelta
    | ActivitiesStepDetailsDelta
    | UnknownStepDetailsDelta
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class RunStepDelta(_Model):
    """The fields of a run step that changed: its step details."""

    step_details: StepDetailsDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class RunStepDeltaEvent(_Model):
    """A ``thread.run.step.delta`` payload."""

    id: str
    object: str = "thread.run.step.delta"
    delta: RunStepDelta = attrs.field(factory=RunStepDelta)
    extra: dict[str, Any] = _extra()
