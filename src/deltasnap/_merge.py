"""Merge rules and what the reducers say: shared by the message and the run-step reducers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import attrs

from ._errors import IndexTooLarge, InvalidIndex
from ._limits import UNLIMITED

__all__ = ["Report", "Reports", "Update"]


class Update(NamedTuple):
    """What one event changed: its kind, where, and for streamed text the new piece."""

    kind: str
    """One of: message.created, message.in_progress, message.delta, text, refusal, annotation,
    content, message.completed, message.incomplete; for run steps step.created,
    step.in_progress, step.delta, arguments, input, logs, tool_call, step.completed, step.failed,
    step.cancelled, step.expired; run for a run status event (the front-end adds more)."""
    event_number: int
    message_id: str | None = None
    content_index: int | None = None
    annotation_index: int | None = None
    text: str | None = None
    step_id: str | None = None
    tool_call_index: int | None = None
    output_index: int | None = None
    run_id: str | None = None


@attrs.frozen
class Report:
    """Something the reducer noticed and did not raise for (a difference, a repair, a skip)."""

    kind: str
    reason: str
    event_number: int | None = None
    message_id: str | None = None
    details: tuple[str, ...] = ()
    step_id: str | None = None


class Reports(list[Report]):
    """The reports list: keeps the first ``limit`` reports (``Limits.max_reports``), and only counts
    the ones after them, in ``dropped``, so a flood of bad events cannot exhaust memory."""

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = UNLIMITED if limit is None else limit
        #: How many reports were not kept because ``limit`` reports were kept already.
        self.dropped = 0

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
        """Add one last ``reports_dropped`` report (past the limit) saying how many were dropped."""
        if self.dropped:
            reason = f"{self.dropped} more reports were not kept (max_reports={self.limit})"
            super().append(Report("reports_dropped", reason, event_number))
            self.dropped = 0


# ----------------------------------------------------------------------------- merge rules


def _merge_into(dst: dict[str, Any], src: Mapping[str, Any], skip: frozenset[str]) -> None:
    """Replace scalars, merge objects key by key; a null never erases a value already there.

    Nested dicts are copied, never changed in place, so snapshots that share them stay frozen.
    """
    for key, value in src.items():
        if key in skip:
            continue
        if value is None:
            if key not in dst:
                dst[key] = None
        elif type(value) is dict:
            old = dst.get(key)
            new: dict[str, Any] = dict(old) if type(old) is dict else {}
            _merge_into(new, value, _NOTHING)
            dst[key] = new
        else:
            dst[key] = value


_NOTHING: frozenset[str] = frozenset()


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _check_index(value: Any, what: str, bound: int, limit: str) -> int:
    """``value`` if it is a valid index: an int (not a bool), not negative, at most ``bound`` (the
    limit named ``limit``)."""
    if type(value) is not int:
        raise InvalidIndex(
            f"{what} index must be an integer, got {_type_name(value)} {_short(value)}"
        )
    if value < 0:
        raise InvalidIndex(f"{what} index must not be negative, got {value}")
    if value > bound:
        raise IndexTooLarge(f"{what} index {value} is above {limit}={bound}")
    return value


def _differences(ours: Any, theirs: Any, path: str, limit: int = 10) -> Iterator[str]:
    """Up to ``limit`` JSON paths where two values differ, each with both values shortened."""
    count = 0
    stack = [(path, ours, theirs)]
    while stack and count < limit:
        where, a, b = stack.pop()
        if a == b:
            continue
        if type(a) is dict and type(b) is dict:
            for key in reversed(list(dict.fromkeys([*a, *b]))):
                stack.append((f"{where}.{key}", a.get(key), b.get(key)))
        elif type(a) is list and type(b) is list and len(a) == len(b):
            for i in reversed(range(len(a))):
                stack.append((f"{where}[{i}]", a[i], b[i]))
        else:
            count += 1
            yield f"{where}: accumulated {_short(a)}, server {_short(b)}"


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
