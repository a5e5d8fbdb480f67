"""Merge rules and what the reducers say: shared by the message and the run-step reducers."""

from __future__ import annotations

import reprlib
from collections.abc import Iterator, Mapping
from typing import Any, Generic, Literal, NamedTuple, Protocol, TypeVar

import attrs

from ._errors import IndexTooLarge, InvalidIndex, LimitExceeded
from ._limits import UNLIMITED

__all__ = ["Report", "Reports", "SnapshotView", "Update", "UpdateKind"]


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
            reason = f"{self.dropped} more reports were not kept (max_reports={self.limit})"
            super().append(Report("reports_dropped", reason, event_number))
            self._noted = self.dropped


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


def _check_whole_list(
    size: int,
    holder: str,
    too_many: tuple[type[LimitExceeded], str, int, str],
    index: tuple[str, int, str, str],
    **where: Any,
) -> None:
    """Check that a whole list of ``size`` items (say, a message's content) fits both the count
    limit ``too_many`` = (error, items' name, bound, limit's name) and the index limit ``index`` =
    (items' index name, bound, limit's name, error field for the index), as its deltas would have
    to; ``where`` locates the list."""
    error, items, count_bound, count_limit = too_many
    what, index_bound, index_limit, field = index
    if size > count_bound:
        raise error(f"{holder} with {size} {items}, above {count_limit}={count_bound}", **where)
    if size - 1 > index_bound:
        where[field] = size - 1
        raise IndexTooLarge(
            f"{what} index {size - 1} is above {index_limit}={index_bound}", **where
        )


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
    """``repr(value)`` cut to ``width`` characters, in time bounded by ``width`` (not by the size
    of ``value``, which may be a whole message's text)."""
    text = _REPR.repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 80
_REPR.maxlevel = 3


T_co = TypeVar("T_co", covariant=True)


class _Builds(Protocol[T_co]):
    def build(self) -> T_co: ...


class SnapshotView(Mapping[str, T_co], Generic[T_co]):
    """A live, read-only mapping of id to current snapshot, in order of creation."""

    __slots__ = ("_states",)

    def __init__(self, states: Mapping[str, _Builds[T_co]]) -> None:
        self._states = states

    def __getitem__(self, key: str) -> T_co:
        return self._states[key].build()

    def __iter__(self) -> Iterator[str]:
        return iter(self._states)

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, key: object) -> bool:
        return key in self._states

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._states)!r})"
