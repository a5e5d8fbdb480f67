"""Parsing event data: JSON text to plain values, with a nesting bound checked first."""

from __future__ import annotations

import json
import re
from typing import Any

from ._errors import InvalidJSON, JSONTooDeep

__all__ = ["loads"]

# A JSON string (skipped whole, so brackets inside strings do not count) or one bracket.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _too_deep(text: str, limit: int) -> bool:
    """True when ``text`` nests arrays/objects deeper than ``limit`` (linear, no recursion)."""
    if text.count("{") + text.count("[") <= limit:
        return False  # cannot be deeper than the number of openers
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token == "{" or token == "[":
            depth += 1
            if depth > limit:
                return True
        elif token == "}" or token == "]":
            depth -= 1
    return False


def loads(text: str, max_depth: int | None) -> Any:
    """Parse JSON text; raise InvalidJSON (or JSONTooDeep) instead of anything else."""
    if max_depth is not None and _too_deep(text, max_depth):
        raise JSONTooDeep(f"event data nests deeper than max_json_depth={max_depth}")
    try:
        return json.loads(text)
    except RecursionError:
        raise JSONTooDeep("event data nests too deeply to parse") from None
    except ValueError as err:
        raise InvalidJSON(f"event data is not valid JSON: {err}") from None
