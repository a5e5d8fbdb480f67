"""Old home of Update, Report, Reports and SnapshotView (now in ``merge/``); kept for imports."""

from __future__ import annotations

from .merge.reports import Report, Reports, Update, UpdateKind
from .merge.views import SnapshotView

__all__ = ["Report", "Reports", "SnapshotView", "Update", "UpdateKind"]
