"""Old home of the run and run-step views (now in ``merge/``); kept for imports."""

from __future__ import annotations

from .merge.runs import RUN_EVENTS
from .merge.steps import STEP_EVENTS
from .merge.views import RunStepsView, RunsView, RunView

__all__ = ["RUN_EVENTS", "STEP_EVENTS", "RunStepsView", "RunView", "RunsView"]
