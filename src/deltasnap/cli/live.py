"""``--live``: what streams, printed as it arrives (text, refusals, tool-call arguments, code
input, logs and run statuses), or every update as a line of JSON; then a closing summary."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import Any

from .. import _run_models as rm
from .._converter import unstructure
from ..merge.reports import Update
from .output import Output

__all__ = ["LiveText", "closing_summary", "update_json"]

# update kinds that carry a streamed piece in ``update.text``
STREAMED = frozenset({"text", "refusal", "arguments", "input", "logs"})

Steps = Callable[[], Mapping[str, rm.RunStep]]


def update_json(update: Update) -> dict[str, Any]:
    """An update as a JSON object: its kind, event number and the fields that are set (a
    lifecycle update's ``value``, a model, in the API's JSON shape)."""
    fields = update._asdict()
    if fields.get("value") is not None:
        fields["value"] = unstructure(fields["value"])
    return {name: value for name, value in fields.items() if value is not None}


class LiveText:
    """Prints each streamed piece after a ``[where what]`` label whenever the stream moves to
    another part, message, tool call or output; a run's status changes get a line each."""

    def __init__(self, out: Output, steps: Steps) -> None:
        self.out = out
        self.steps = steps  # the current run-step snapshots, read only to name a tool call
        self.last: tuple[Any, ...] | None = None  # where the piece printed last belongs
        self.midline = False  # the last line printed has no newline yet
        self.calls: dict[str, list[int]] = {}  # step id -> tool-call indices seen, sorted

    def show(self, update: Update) -> None:
        """Print what ``update`` brought, if it brought something to read."""
        if update.step_id is not None and update.tool_call_index is not None:
            self._seen(update.step_id, update.tool_call_index)
        if update.kind == "run":
            self._line(f"[run {update.run_id}: {update.text}]")
            return
        if update.kind not in STREAMED or not update.text:
            return
        if update.step_id is None:
            where: tuple[Any, ...] = (update.message_id, update.content_index, update.kind)
        else:
            where = (update.step_id, update.tool_call_index, update.output_index, update.kind)
        if where != self.last:
            self._end_line()
            self.out.write(f"[{self._label(update)}] ")
            self.last = where
        self.out.write(update.text)
        self.midline = not update.text.endswith("\n")
        self.out.flush()

    def finish(self) -> None:
        """End the last line of streamed text."""
        self._end_line()

    def _line(self, text: str) -> None:
        self._end_line()
        self.out.write(text + "\n")
        self.out.flush()
        self.last = None

    def _end_line(self) -> None:
        if self.midline:
            self.out.write("\n")
            self.midline = False

    def _seen(self, step_id: str, index: int) -> None:
        seen = self.calls.setdefault(step_id, [])
        at = bisect.bisect_left(seen, index)
        if at == len(seen) or seen[at] != index:
            seen.insert(at, index)

    def _label(self, update: Update) -> str:
        if update.step_id is None:
            return f"{update.message_id} #{update.content_index} {update.kind}"
        where = f"{update.step_id} #{update.tool_call_index}"
        if update.kind == "logs":
            return f"{where} logs"
        name = self._call_name(update.step_id, update.tool_call_index)
        return f"{where} {name} {update.kind}" if name else f"{where} {update.kind}"

    def _call_name(self, step_id: str, index: int | None) -> str | None:
        """The function's name (or the call's type), when the snapshot shows it for sure."""
        step = self.steps().get(step_id)
        details = step.step_details if step is not None else None
        seen = self.calls.get(step_id, [])
        if not isinstance(details, rm.ToolCallsStepDetails) or index not in seen:
            return None
        calls = details.tool_calls  # ordered by index: the n-th index seen is the n-th call
        if len(calls) != len(seen):  # a call not announced yet: positions are not sure
            return None
        call = calls[seen.index(index)]
        if isinstance(call, rm.FunctionToolCall):
            return call.function.name or "function"
        return str(call.type)


def closing_summary(
    messages: Mapping[str, Any], steps: Mapping[str, rm.RunStep], events: int, truncated: bool
) -> str:
    """``--- N message(s), N step(s), N events`` and one line per message and step."""
    lines = [f"--- {len(messages)} message(s), {len(steps)} step(s), {events} events"]
    for mid, msg in messages.items():
        kinds = ", ".join(block.type for block in msg.content) or "no content"
        lines.append(f"{mid}: {msg.status} ({kinds})")
    for sid, step in steps.items():
        details = step.step_details
        kind = details.type if details is not None else (step.type or "unknown")
        if isinstance(details, rm.ToolCallsStepDetails) and details.tool_calls:
            names = ", ".join(
                (call.function.name or "?") if isinstance(call, rm.FunctionToolCall) else call.type
                for call in details.tool_calls
            )
            kind += f": {names}"
        lines.append(f"{sid}: {step.status or 'status unknown'} ({kind})")
    if truncated:
        lines.append("stream truncated: the snapshots above are what arrived")
    return "\n".join(lines) + "\n"
