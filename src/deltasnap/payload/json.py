"""Parsing event data: JSON text to plain values, with a nesting bound checked first.

Only JSON: ``NaN``, ``Infinity``, ``-Infinity`` and numbers too large for a float (``1e400``)
are not JSON numbers, so they are InvalidJSON here.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from .._errors import InvalidJSON, JSONTooDeep
from .._limits import JSON_DEPTH

__all__ = ["check_depth", "loads"]

_CONTAINERS = (dict, list, tuple)
# After escapes are removed: a whole string, or a run of characters that are neither brackets nor
# quotes. Deleting both leaves only the brackets outside strings (and the quote of a string that
# never ends, which invalid JSON may have).
_NOT_BRACKETS = re.compile(r'"[^"]*"|[^\[\]{}"]+')
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1, '"': 0}


def _too_deep(text: str, limit: int) -> bool:
    """True when ``text`` nests arrays/objects deeper than ``limit``.

    Linear, without recursion, and at C speed: escaped backslashes and escaped quotes are removed
    (left to right, as JSON pairs them), so every quote left opens or closes a string; strings and
    everything but brackets are deleted, and the running sum of the brackets left is the depth.
    Text that is not valid JSON may get either answer: json.loads then says what is wrong with it.
    """
    if text.count("{") + text.count("[") <= limit:
        return False  # cannot be deeper than the number of openers
    if "\\" in text:
        text = text.replace("\\\\", "").replace('\\"', "")
    brackets = _NOT_BRACKETS.sub("", text)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit


def check_depth(value: Any, limit: int) -> None:
    """Raise JSONTooDeep when already-decoded data nests dicts/lists deeper than ``limit``.

    Iterative, one level at a time, so no depth (not even a cycle) can exhaust the stack; the
    top-level value is depth 1, as in the text check above.
    """
    level = [value] if isinstance(value, _CONTAINERS) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            raise JSONTooDeep(f"event data nests deeper than {JSON_DEPTH.named(limit)}")
        inner: list[Any] = []
        for item in level:
            for child in item.values() if isinstance(item, dict) else item:
                if isinstance(child, _CONTAINERS):
                    inner.append(child)
        level = inner


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(literal: str) -> float:
    value = float(literal)
    if value in _INFINITIES:
        raise ValueError(f"{literal} is too large for a number")
    return value


_INFINITIES = (float("inf"), float("-inf"))
_decode = json.JSONDecoder(parse_constant=_no_constant, parse_float=_finite).decode


def loads(text: str, max_depth: int | None) -> Any:
    """Parse JSON text; raise InvalidJSON (or JSONTooDeep) instead of anything else."""
    if max_depth is not None and _too_deep(text, max_depth):
        raise JSONTooDeep(f"event data nests deeper than {JSON_DEPTH.named(max_depth)}")
    try:
        return _decode(text)
    except RecursionError:
        raise JSONTooDeep("event data nests too deeply to parse") from None
    except ValueError as err:
        raise InvalidJSON(f"event data is not valid JSON: {err}") from None
