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

from ._models import IncompleteDetails, _extra, _kind, _optional, _read_streamed, _streamed

__all__ = [
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
    "MessageCreation",
    "MessageCreationDelta",
    "MessageCreationStepDetails",
    "MessageCreationStepDetailsDelta",
    "RequiredAction",
    "RequiredActionFunction",
    "RequiredActionFunctionToolCall",
    "Run",
    "RunStep",
    "RunStepDelta",
    "RunStepDeltaEvent",
    "StepDetails",
    "StepDetailsDelta",
    "SubmitToolOutputs",
    "ToolCall",
    "ToolCallDelta",
    "ToolCallsStepDetails",
    "ToolCallsStepDetailsDelta",
    "UnknownCodeInterpreterOutput",
    "UnknownCodeInterpreterOutputDelta",
    "UnknownStepDetails",
    "UnknownStepDetailsDelta",
    "UnknownToolCall",
    "UnknownToolCallDelta",
    "Usage",
]

# ------------------------------------------------------------------------- shared pieces


@attrs.frozen(kw_only=True)
class LastError:
    """The last error of a run or run step."""

    code: str | None = None
    message: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Usage:
    """Token counts of a run or run step."""

    completion_tokens: int | None = None
    prompt_tokens: int | None = None
    total_tokens: int | None = None
    extra: dict[str, Any] = _extra()


# ------------------------------------------------------------------------ tool calls


@attrs.frozen(kw_only=True)
class Function:
    """The function a function tool call invokes: its name, streamed arguments and output."""

    name: str | None = None
    _arguments: str = _streamed()
    output: str | None = None
    extra: dict[str, Any] = _extra()

    @property
    def arguments(self) -> str:
        """The arguments, as the JSON text the model wrote."""
        return _read_streamed(self, "_arguments")


@attrs.frozen(kw_only=True)
class FunctionToolCall:
    """A call of a function tool."""

    id: str | None = None
    type: Literal["function"] = _kind("function")
    function: Function
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class CodeInterpreterLogs:
    """Text output (logs) of a code_interpreter call."""

    type: Literal["logs"] = _kind("logs")
    _logs: str = _streamed()
    extra: dict[str, Any] = _extra()

    @property
    def logs(self) -> str:
        """The log text."""
        return _read_streamed(self, "_logs")


@attrs.frozen(kw_only=True)
class CodeInterpreterImage:
    """The file of an image a code_interpreter call produced."""

    file_id: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class CodeInterpreterImageOutput:
    """An image output of a code_interpreter call."""

    type: Literal["image"] = _kind("image")
    image: CodeInterpreterImage
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class UnknownCodeInterpreterOutput:
    """A code_interpreter output of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


CodeInterpreterOutput: TypeAlias = (
    CodeInterpreterLogs | CodeInterpreterImageOutput | UnknownCodeInterpreterOutput
)


@attrs.frozen(kw_only=True)
class CodeInterpreter:
    """The code a code_interpreter call ran (streamed) and its outputs."""

    _input: str = _streamed()
    outputs: tuple[CodeInterpreterOutput, ...] = ()
    extra: dict[str, Any] = _extra()

    @property
    def input(self) -> str:
        """The code."""
        return _read_streamed(self, "_input")


@attrs.frozen(kw_only=True)
class CodeInterpreterToolCall:
    """A call of the code_interpreter tool."""

    id: str | None = None
    type: Literal["code_interpreter"] = _kind("code_interpreter")
    code_interpreter: CodeInterpreter
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class FileSearchRankingOptions:
    """How file_search ranked its results."""

    ranker: str | None = None
    score_threshold: float | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class FileSearchResultContent:
    """A piece of the content of a file_search result."""

    type: str | None = _optional()
    text: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class FileSearchResult:
    """One file found by file_search."""

    file_id: str | None = None
    file_name: str | None = None
    score: float | None = None
    content: tuple[FileSearchResultContent, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class FileSearch:
    """What a file_search call used and found (often empty while streaming)."""

    ranking_options: FileSearchRankingOptions | None = _optional()
    results: tuple[FileSearchResult, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class FileSearchToolCall:
    """A call of the file_search tool."""

    id: str | None = None
    type: Literal["file_search"] = _kind("file_search")
    file_search: FileSearch = attrs.field(factory=FileSearch)
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class UnknownToolCall:
    """A tool call of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


ToolCall: TypeAlias = (
    FunctionToolCall | CodeInterpreterToolCall | FileSearchToolCall | UnknownToolCall
)


# ---------------------------------------------------------------------- step details


@attrs.frozen(kw_only=True)
class MessageCreation:
    """The message a message_creation step created."""

    message_id: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class MessageCreationStepDetails:
    """Details of a step that created a message."""

    type: Literal["message_creation"] = _kind("message_creation")
    message_creation: MessageCreation = attrs.field(factory=MessageCreation)
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ToolCallsStepDetails:
    """Details of a step that called tools."""

    type: Literal["tool_calls"] = _kind("tool_calls")
    tool_calls: tuple[ToolCall, ...] = ()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class UnknownStepDetails:
    """Step details of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


StepDetails: TypeAlias = MessageCreationStepDetails | ToolCallsStepDetails | UnknownStepDetails


@attrs.frozen(kw_only=True)
class RunStep:
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
    expired_at: int | None = None
    failed_at: int | None = None
    last_error: LastError | None = None
    step_details: StepDetails | None = None
    usage: Usage | None = None
    metadata: dict[str, Any] | None = _optional()
    extra: dict[str, Any] = _extra()


# ------------------------------------------------------------------------------- runs


@attrs.frozen(kw_only=True)
class RequiredActionFunction:
    """The function a run wants called: its name and arguments."""

    name: str | None = None
    arguments: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class RequiredActionFunctionToolCall:
    """A tool call whose output the run waits for."""

    id: str | None = None
    type: str | None = None
    function: RequiredActionFunction | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class SubmitToolOutputs:
    """The tool calls whose outputs must be submitted to continue the run."""

    tool_calls: tuple[RequiredActionFunctionToolCall, ...] = ()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class RequiredAction:
    """What a run in ``requires_action`` waits for."""

    type: str | None = None
    submit_tool_outputs: SubmitToolOutputs | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class Run:
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


@attrs.frozen(kw_only=True)
class FunctionDelta:
    """The changed fields of a function call: a piece of arguments, name, output."""

    name: str | None = _optional()
    arguments: str | None = _optional()
    output: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class FunctionToolCallDelta:
    """A function tool-call delta, keyed by its index in the step."""

    index: int
    id: str | None = _optional()
    type: Literal["function"] = _kind("function")
    function: FunctionDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class CodeInterpreterLogsDelta:
    """A logs output delta, keyed by its index in the call's outputs."""

    index: int
    type: Literal["logs"] = _kind("logs")
    logs: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class CodeInterpreterImageDelta:
    """The changed fields of an image output."""

    file_id: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class CodeInterpreterImageOutputDelta:
    """An image output delta, keyed by its index in the call's outputs."""

    index: int
    type: Literal["image"] = _kind("image")
    image: CodeInterpreterImageDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class UnknownCodeInterpreterOutputDelta:
    """An output delta of a type deltasnap does not know, kept whole."""

    index: int
    type: str
    data: dict[str, Any]


CodeInterpreterOutputDelta: TypeAlias = (
    CodeInterpreterLogsDelta | CodeInterpreterImageOutputDelta | UnknownCodeInterpreterOutputDelta
)


@attrs.frozen(kw_only=True)
class CodeInterpreterDelta:
    """The changed fields of a code_interpreter call: a piece of input, output deltas."""

    input: str | None = _optional()
    outputs: tuple[CodeInterpreterOutputDelta, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class CodeInterpreterToolCallDelta:
    """A code_interpreter tool-call delta, keyed by its index in the step."""

    index: int
    id: str | None = _optional()
    type: Literal["code_interpreter"] = _kind("code_interpreter")
    code_interpreter: CodeInterpreterDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class FileSearchToolCallDelta:
    """A file_search tool-call delta, keyed by its index in the step."""

    index: int
    id: str | None = _optional()
    type: Literal["file_search"] = _kind("file_search")
    file_search: FileSearch | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class UnknownToolCallDelta:
    """A tool-call delta of a type deltasnap does not know, kept whole."""

    index: int
    type: str
    data: dict[str, Any]


ToolCallDelta: TypeAlias = (
    FunctionToolCallDelta
    | CodeInterpreterToolCallDelta
    | FileSearchToolCallDelta
    | UnknownToolCallDelta
)


@attrs.frozen(kw_only=True)
class MessageCreationDelta:
    """The changed fields of a message creation."""

    message_id: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class MessageCreationStepDetailsDelta:
    """A message_creation step-details delta."""

    type: Literal["message_creation"] = _kind("message_creation")
    message_creation: MessageCreationDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class ToolCallsStepDetailsDelta:
    """A tool_calls step-details delta: tool-call deltas keyed by their index."""

    type: Literal["tool_calls"] = _kind("tool_calls")
    tool_calls: tuple[ToolCallDelta, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class UnknownStepDetailsDelta:
    """A step-details delta of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


StepDetailsDelta: TypeAlias = (
    MessageCreationStepDetailsDelta | ToolCallsStepDetailsDelta | UnknownStepDetailsDelta
)


@attrs.frozen(kw_only=True)
class RunStepDelta:
    """The fields of a run step that changed: its step details."""

    step_details: StepDetailsDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True)
class RunStepDeltaEvent:
    """A ``thread.run.step.delta`` payload."""

    id: str
    object: str = "thread.run.step.delta"
    delta: RunStepDelta = attrs.field(factory=RunStepDelta)
    extra: dict[str, Any] = _extra()
