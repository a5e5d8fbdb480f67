"""A readable account of what a stream produced: runs, their statuses, messages and tool calls."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from . import _models as m
from . import _run_models as rm
from ._converter import unstructure
from .merge.views import RunView

__all__ = ["summarize"]

_INDENT = "  "
_ARROW = " → "


class Snapshots(Protocol):
    """What summarize() reads: an Accumulator or a Reducer."""

    @property
    def messages(self) -> Mapping[str, m.Message]: ...

    @property
    def run_steps(self) -> Mapping[str, rm.RunStep]: ...

    @property
    def runs(self) -> Mapping[str, RunView]: ...


def summarize(reducer: Snapshots) -> str:
    """Render runs (status sequence, required action, error, usage), messages and tool calls.

    Each run lists the messages no step points at, then its steps in order: a tool-call step
    shows each call, a message-creation step shows its message. Messages and steps that name no
    run are shown once, under the first run; with no run at all they are listed alone. The text
    ends with a newline. Takes an Accumulator or a Reducer.
    """
    lines: list[str] = []
    shown: set[str] = set()  # message and step ids already rendered (shared ones show once)
    runs = reducer.runs
    for run_id in runs:  # every step and message belongs to some run once one is known
        view = runs[run_id]
        if lines:
            lines.append("")
        lines.extend(_run_header(view))
        body = _timeline(view.messages, view.steps, shown)
        lines.extend(_INDENT + line for line in body)
    if not runs:
        lines = _timeline(reducer.messages.values(), reducer.run_steps.values(), shown)
    if not lines:
        lines.append("(nothing: no runs, steps or messages)")
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------- runs


def _run_header(view: RunView) -> list[str]:
    run = view.run
    statuses = _ARROW.join(view.statuses) or run.status or "(no run events)"
    lines = [f"run {view.id}: {statuses}"]
    action = run.required_action
    if action is not None:
        calls = action.submit_tool_outputs.tool_calls if action.submit_tool_outputs else ()
        names = ", ".join(f"{c.function.name if c.function else '?'} ({c.id})" for c in calls)
        lines.append(
            f"{_INDENT}requires action: {action.type or '?'}" + (f": {names}" if names else "")
        )
    if run.last_error is not None:
        lines.append(f"{_INDENT}error: {_error(run.last_error)}")
    if run.incomplete_details is not None and run.incomplete_details.reason:
        lines.append(f"{_INDENT}incomplete: {run.incomplete_details.reason}")
    if run.usage is not None:
        lines.append(f"{_INDENT}usage: {_usage(run.usage)}")
    return lines


def _error(error: rm.LastError) -> str:
    return f"{error.code or 'error'}: {error.message or ''}".rstrip(": ")


def _usage(usage: rm.Usage) -> str:
    return (
        f"{_num(usage.prompt_tokens)} prompt + {_num(usage.completion_tokens)} completion"
        f" = {_num(usage.total_tokens)} tokens"
    )


def _num(value: int | None) -> str:
    return "?" if value is None else str(value)


def _timeline(
    messages: Iterable[m.Message], steps: Iterable[rm.RunStep], shown: set[str]
) -> list[str]:
    messages = [msg for msg in messages if msg.id not in shown]
    steps = [step for step in steps if step.id not in shown]
    by_id = {msg.id: msg for msg in messages}
    created = {
        step.step_details.message_creation.message_id
        for step in steps
        if isinstance(step.step_details, rm.MessageCreationStepDetails)
    }
    lines: list[str] = []
    for msg in messages:
        if msg.id not in created:
            lines.extend(_message(msg))
            shown.add(msg.id)
    for step in steps:
        lines.extend(_step(step, by_id, shown))
        shown.add(step.id)
    return lines


# ------------------------------------------------------------------------------- steps


def _step(step: rm.RunStep, messages: dict[str, m.Message], shown: set[str]) -> list[str]:
    details = step.step_details
    status = step.status or "status unknown"
    problem = f" ({_error(step.last_error)})" if step.last_error is not None else ""
    if isinstance(details, rm.MessageCreationStepDetails):
        mid = details.message_creation.message_id
        msg = messages.get(mid) if mid is not None else None
        if msg is not None and msg.id not in shown:
            shown.add(msg.id)
            lines = _message(msg)
            if status != "completed" or problem:
                lines.append(f"{_INDENT}(step {step.id} {status}{problem})")
            return lines
        return [f"step {step.id}: message {mid or '?'} not in the stream [{status}]{problem}"]
    kind = details.type if details is not None else (step.type or "unknown")
    lines = [f"step {step.id} ({kind}) [{status}]{problem}"]
    if isinstance(details, rm.ToolCallsStepDetails):
        for call in details.tool_calls:
            lines.extend(_INDENT + line for line in _tool_call(call))
    elif details is not None:  # activities and types deltasnap does not know
        lines.append(_INDENT + _compact(unstructure(details)))
    return lines


def _tool_call(call: rm.ToolCall) -> list[str]:
    if isinstance(call, rm.FunctionToolCall):
        fn = call.function
        head = f"{fn.name or '?'}({fn.arguments})"
        if fn.output is None:
            return [head]
        output = fn.output.splitlines() or [""]
        lines = [f"{head}{_ARROW}{output[0]}"]
        lines.extend(_INDENT + line for line in output[1:])
        return lines
    if isinstance(call, rm.CodeInterpreterToolCall):
        code = call.code_interpreter
        lines = ["code_interpreter:"]
        lines.extend(f"{_INDENT}| {line}" for line in code.input.splitlines())
        for out in code.outputs:
            if isinstance(out, rm.CodeInterpreterLogs):
                lines.append(f"{_INDENT}logs:")
                lines.extend(f"{_INDENT}| {line}" for line in out.logs.splitlines())
            elif isinstance(out, rm.CodeInterpreterImageOutput):
                lines.append(f"{_INDENT}[image {out.image.file_id or '?'}]")
            else:
                lines.append(f"{_INDENT}[{out.type} output] {_compact(out.data)}")
        return lines
    if isinstance(call, rm.FileSearchToolCall):
        results = call.file_search.results
        if results is None:
            return ["file_search"]
        lines = [f"file_search: {len(results)} result{'' if len(results) == 1 else 's'}"]
        for res in results:
            score = f" score {res.score:g}" if res.score is not None else ""
            lines.append(f"{_INDENT}- {res.file_name or '?'} ({res.file_id or '?'}){score}")
        return lines
    return [f"{call.type} tool call: {_compact(unstructure(call))}"]


# ---------------------------------------------------------------------------- messages


def _message(msg: m.Message) -> list[str]:
    body: list[str] = []
    for block in msg.content:
        if isinstance(block, m.TextContentBlock):
            body.extend(block.text.value.splitlines() or [""])
        elif isinstance(block, m.ImageFileContentBlock):
            body.append(f"[image {block.image_file.file_id or '?'}]")
        elif isinstance(block, m.ImageURLContentBlock):
            body.append(f"[image {block.image_url.url or '?'}]")
        elif isinstance(block, m.RefusalContentBlock):
            refusal = block.refusal.splitlines() or [""]
            body.append(f"[refusal] {refusal[0]}")
            body.extend(refusal[1:])
        else:
            body.append(f"[{block.type}]")
    head = msg.role or "message"
    if msg.status == "incomplete":
        reason = msg.incomplete_details.reason if msg.incomplete_details else None
        head += f" (incomplete: {reason or 'no reason given'})"
    elif msg.status == "in_progress":
        head += " (in progress)"
    if not body:
        return [f"{head}: (no content)"]
    lines = [f"{head}: {body[0]}"]
    lines.extend(_INDENT + line for line in body[1:])
    return lines


def _compact(data: Any, width: int = 120) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= width else text[: width - 1] + "…"
