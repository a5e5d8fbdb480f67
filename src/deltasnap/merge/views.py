"""Read-only live views of the merge's state: snapshots by id, and runs with what they hold."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, Protocol, TypeVar

import attrs

from .. import _models as m
from .. import _run_models as rm

__all__ = ["MessagesView", "RunIndex", "RunStepsView", "RunView", "RunsView", "SnapshotView"]

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


class MessagesView(SnapshotView[m.Message]):
    """A live, read-only mapping of message id to its current snapshot, in order of creation."""

    __slots__ = ()


class RunStepsView(SnapshotView[rm.RunStep]):
    """A live, read-only mapping of step id to its current snapshot, in order of creation."""

    __slots__ = ()


@attrs.frozen(kw_only=True)
class RunView:
    """One run as the stream told it: latest run object, statuses seen, steps and messages."""

    id: str
    run: rm.Run
    """The latest copy of the run object (a bare one if only steps or messages named the run)."""
    statuses: tuple[str, ...] = ()
    """Every status the run went through, in order, repeats in a row collapsed."""
    steps: tuple[rm.RunStep, ...] = ()
    """Its steps in order of creation (steps that name no run are in every run)."""
    messages: tuple[m.Message, ...] = ()
    """Its messages in order of creation (messages that name no run are in every run)."""

    @property
    def status(self) -> str | None:
        """The latest status."""
        return self.statuses[-1] if self.statuses else self.run.status

    @property
    def required_action(self) -> rm.RequiredAction | None:
        """What the run waits for, while it does (from the latest run object)."""
        return self.run.required_action

    @property
    def last_error(self) -> rm.LastError | None:
        """The run's last error, if the latest run object has one."""
        return self.run.last_error

    @property
    def usage(self) -> rm.Usage | None:
        """Token usage, once the server reports it."""
        return self.run.usage


class RunIndex(Protocol):
    """What a RunsView reads: the run ids known and one run's view."""

    def run_ids(self) -> Mapping[str, None]: ...

    def view(self, run_id: str) -> RunView: ...


class RunsView(Mapping[str, RunView]):
    """A live, read-only mapping of run id to its RunView, in order of first appearance.

    A view is built when asked for and cached until the next event.
    """

    __slots__ = ("_tracker",)

    def __init__(self, tracker: RunIndex) -> None:
        self._tracker = tracker

    def __getitem__(self, run_id: str) -> RunView:
        return self._tracker.view(run_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tracker.run_ids())

    def __len__(self) -> int:
        return len(self._tracker.run_ids())

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._tracker.run_ids()

    def __repr__(self) -> str:
        return f"RunsView({list(self._tracker.run_ids())!r})"
