"""Old home of the run and run-step views (now in ``merge/``); kept for imports."""

from __future__ import annotations

from .merge.runs import RUN_EVENTS
from .merge.views import RunStepsView, RunsView, RunView

STEP_EVENTS = tuple(
    f"thread.run.step.{s}"
    for s in ("created", "in_progress", "delta", "completed", "failed", "cancelled", "expired")
)

__all__ = ["RUN_EVENTS", "STEP_EVENTS", "RunStepsView", "RunView", "RunsView"]
