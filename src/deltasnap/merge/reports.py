"""What the merge says: an Update per change, a Report per thing noticed and not raised."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import attrs

from .._limits import REPORTS, UNLIMITED

__all__ = ["INFORMATIONAL_REPORTS", "Report", "Reports", "Update", "UpdateKind"]


UpdateKind = Literal[
    "message.created",
    "message.in_progress",
    "message.delta",
    "text",
    "refusal",
    "annotation",
    "content",
    "message.completed",
    "message.incomplete",
    "step.created",
    "step.in_progress",
    "step.delta",
    "arguments",
    "input",
    "logs",
    "tool_call",
    "step.completed",
    "step.failed",
    "step.cancelled",
    "step.expired",
    "run",
    "event",
    "done",
    "error",
    "truncated",
    "text.created",
    "text.done",
    "image_file.done",
    "image_url.done",
    "refusal.done",
    "message.done",
    "tool_call.created",
    "tool_call.done",
    "step.done",
    "run.done",
    "end",
]
"""Every ``Update.kind``; each one's fields are in the README's "Updates" table."""


class Update(NamedTuple):
    """What one event changed: its kind, where, and for streamed text the new piece (lifecycle
    kinds carry the object they announce in ``value``; every kind: the README's table)."""

    kind: UpdateKind
    event_number: int
    message_id: str | None = None
    content_index: int | None = None
    annotation_index: int | None = None
    text: str | None = None
    step_id: str | None = None
    tool_call_index: int | None = None
    output_index: int | None = None
    run_id: str | None = None
    value: Any = None


#: Report kinds that tell of a genuine stream's normal ways, not of damage or loss: data the server
#: never streams (``completed_adds``), a final copy of an object not seen in this body
#: (``completed_unknown``), a repeated ``created`` that agrees with what is known
#: (``created_again``), a last event complete but unterminated (``unterminated_event``).
#: Every other kind is a warning.
INFORMATIONAL_REPORTS = frozenset(
    {"completed_adds", "completed_unknown", "created_again", "unterminated_event"}
)


@attrs.frozen
class Report:
    """Something the reducer noticed and did not raise for (a difference, a repair, a skip)."""

    kind: str
    reason: str
    event_number: int | None = None
    message_id: str | None = None
    details: tuple[str, ...] = ()
    step_id: str | None = None

    @property
    def severity(self) -> str:
        """``"info"`` for the kinds in ``INFORMATIONAL_REPORTS``, else ``"warning"``."""
        return "info" if self.kind in INFORMATIONAL_REPORTS else "warning"


class Reports(list[Report]):
    """The reports list: keeps the first ``limit`` reports (``Limits.max_reports``), and only counts
    the ones after them, in ``dropped``, so a flood of bad events cannot exhaust memory."""

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = UNLIMITED if limit is None else limit
        #: How many reports were not kept because ``limit`` reports were kept already.
        self.dropped = 0
        self._noted = 0  # how many of those a ``reports_dropped`` report has told of

    @property
    def full(self) -> bool:
        """True once ``limit`` reports are kept: the next ones will only be counted."""
        return len(self) >= self.limit

    def append(self, report: Report, /) -> None:
        """Keep ``report`` if there is room, else count it."""
        if len(self) < self.limit:
            super().append(report)
        else:
            self.dropped += 1

    def note_dropped(self, event_number: int | None) -> None:
        """If reports were dropped since the last call, add one ``reports_dropped`` report (past
        the limit) saying how many in all."""
        if self.dropped > self._noted:
            reason = f"{self.dropped} more reports were not kept ({REPORTS.named(self.limit)})"
            super().append(Report("reports_dropped", reason, event_number))
            self._noted = self.dropped
