"""Old home of the bounded JSON parser (now ``payload/json.py``); kept for imports."""

from __future__ import annotations

from .payload.json import check_depth, loads

__all__ = ["check_depth", "loads"]
