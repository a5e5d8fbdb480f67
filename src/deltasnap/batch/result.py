"""One result per capture (or joined run): what the batch writes, in the API's JSON shape."""

from __future__ import annotations

import json
from typing import Any

import attrs

from .._accumulator import Accumulator
from .._converter import unstructure

__all__ = ["PROBLEMS", "CaptureResult", "encode_json", "encode_line", "run_state"]

#: Report kinds that mean a result may be missing something the server sent.
PROBLEMS = frozenset(
    {"skipped_event", "truncated", "truncated_event", "server_error", "reports_dropped"}
)


def run_state(acc: Accumulator) -> tuple[Any, dict[str, Any]]:
    """The latest run object (or None) and the run steps by id."""
    view = acc.run
    return (None if view is None else view.run), dict(acc.run_steps.items())


@attrs.frozen(kw_only=True)
class CaptureResult:
    """The outcome of one capture (or of one run joined from several captures)."""

    source: tuple[str, ...]
    status: str
    """``ok``, ``problems`` (reports that something is missing) or ``failed`` (see ``error``)."""
    run_id: str | None = None
    messages: tuple[Any, ...] = ()
    run_steps: tuple[Any, ...] = ()
    run: Any = None
    reports: tuple[Any, ...] = ()
    error: str | None = None

    @classmethod
    def from_accumulator(cls, source: tuple[str, ...], acc: Accumulator) -> CaptureResult:
        """The result of a finished (closed) accumulator."""
        run, steps = run_state(acc)
        reports = tuple(unstructure_report(r) for r in acc.reports)
        problems = any(r["kind"] in PROBLEMS for r in reports)
        return cls(
            source=source,
            status="problems" if problems else "ok",
            run_id=None if run is None else run.id,
            messages=tuple(unstructure(m) for m in acc.messages.values()),
            run_steps=tuple(unstructure(s) for s in steps.values()),
            run=None if run is None else unstructure(run),
            reports=reports,
        )

    @classmethod
    def failed(cls, source: tuple[str, ...], error: BaseException) -> CaptureResult:
        """The result of a capture that could not be reduced."""
        return cls(source=source, status="failed", error=f"{type(error).__name__}: {error}")

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CaptureResult:
        """Back from ``to_json()`` (results cross process boundaries as plain dicts)."""
        return cls(
            source=tuple(obj["source"]),
            status=obj["status"],
            run_id=obj["run_id"],
            messages=tuple(obj["messages"]),
            run_steps=tuple(obj["run_steps"]),
            run=obj["run"],
            reports=tuple(obj["reports"]),
            error=obj["error"],
        )

    def to_json(self) -> dict[str, Any]:
        """The JSONL line's object: every field, lists for tuples, objects in the API's shape."""
        return {
            "source": list(self.source),
            "run_id": self.run_id,
            "status": self.status,
            "messages": list(self.messages),
            "run_steps": list(self.run_steps),
            "run": self.run,
            "reports": list(self.reports),
            "error": self.error,
        }


def unstructure_report(report: Any) -> dict[str, Any]:
    """A report as JSON: kind, reason, event number, ids, details."""
    return {
        "kind": report.kind,
        "reason": report.reason,
        "event_number": report.event_number,
        "message_id": report.message_id,
        "step_id": report.step_id,
        "details": list(report.details),
    }


def encode_json(obj: Any) -> str:
    """A result's JSON as one compact line (non-ASCII kept as is)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def encode_line(result: Any) -> bytes:
    """A result (its JSON object or text) as a JSON Lines line in UTF-8; a lone surrogate (from
    a ``\\ud800`` escape), which UTF-8 cannot carry, is written escaped."""
    line = result if isinstance(result, str) else encode_json(result)
    try:
        return (line + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(json.loads(line), separators=(",", ":")) + "\n").encode("ascii")
