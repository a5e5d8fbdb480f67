"""Reducing archives of captures: ``replay_many`` over every core, results as they finish."""

from .pool import Plan, plan, replay_many, run_plan
from .result import CaptureResult

__all__ = ["CaptureResult", "Plan", "plan", "replay_many", "run_plan"]
