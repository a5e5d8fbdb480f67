"""Plain-JSON helpers of the merge: key-by-key merging, index checks, differences, short reprs."""

from __future__ import annotations

import reprlib
from collections.abc import Iterator, Mapping
from sys import intern
from typing import Any

from .._errors import IndexTooLarge, InvalidIndex, int_text

__all__ = [
    "NOTHING",
    "check_index",
    "differences",
    "merge_into",
    "short",
    "type_name",
]


def merge_into(dst: dict[str, Any], src: Mapping[str, Any], skip: frozenset[str]) -> None:
    """Replace scalars, merge objects key by key; a null never erases a value already there.

    Nested dicts are copied, never changed in place, so snapshots that share them stay frozen.
    Keys are interned: each delta's parse makes its own key strs, and thousands of small
    objects merged from deltas (annotations) would each keep theirs.
    """
    for key, value in src.items():
        if key in skip:
            continue
        if value is None:
            if key not in dst:
                dst[intern(key) if type(key) is str else key] = None
        elif type(value) is dict:
            old = dst.get(key)
            new: dict[str, Any] = dict(old) if type(old) is dict else {}
            merge_into(new, value, NOTHING)
            dst[intern(key) if type(key) is str else key] = new
        else:
            dst[intern(key) if type(key) is str else key] = value


NOTHING: frozenset[str] = frozenset()


def type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def check_index(value: Any, what: str, bound: int, limit: str) -> int:
    """``value`` if it is a valid index: an int (not a bool), not negative, at most ``bound`` (the
    limit named ``limit``)."""
    if type(value) is not int:
        raise InvalidIndex(
            f"{what} index must be an integer, got {type_name(value)} {short(value)}"
        )
    if value < 0:
        raise InvalidIndex(f"{what} index must not be negative, got {int_text(value)}")
    if value > bound:
        raise IndexTooLarge(f"{what} index {int_text(value)} is above {limit}={bound}")
    return value


def differences(ours: Any, theirs: Any, path: str, limit: int = 10) -> Iterator[str]:
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
            yield f"{where}: accumulated {short(a)}, server {short(b)}"


def short(value: Any, width: int = 60) -> str:
    """``repr(value)`` cut to ``width`` characters, in time bounded by ``width`` (not by the size
    of ``value``, which may be a whole message's text)."""
    text = int_text(value) if type(value) is int else _REPR.repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 80
_REPR.maxlevel = 3
