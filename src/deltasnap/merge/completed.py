"""The server's final copy against what was accumulated: which differences are real.

A difference in a field the server never streams (``rules.NEVER_STREAMED``, tool-call types whose
fields arrive whole, an empty value the final copy leaves out) only adds to what was streamed:
``completed_adds``. Any other difference is divergence in streamed data: ``completed_differs``.
"""

from __future__ import annotations

from typing import Any

import attrs

from .rules import WHOLE, never_streamed
from .values import short

__all__ = ["Differences", "split_differences"]

_EMPTY: tuple[Any, ...] = (None, "", [], {})
_ITEM_KEYS = frozenset({"id", "type", "index"})
# An anchor: the never-streamed fields of a typed item above, and the keys from it down to here.
_Anchor = tuple[frozenset[str], tuple[str, ...]]


@attrs.frozen
class Differences:
    """Where a final copy differs: in streamed data (``real``), or only by adding (``adds``)."""

    real: tuple[str, ...] = ()
    adds: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.real or self.adds)


def _adds(anchors: tuple[_Anchor, ...], ours: Any, theirs: Any) -> bool:
    """Whether a difference under ``anchors`` is one the server never streamed."""
    if theirs is None and any(ours == empty and type(ours) is type(empty) for empty in _EMPTY):
        return True  # an empty streamed value the final copy leaves out
    for fields, keys in anchors:
        if not keys:
            continue
        if WHOLE in fields and keys[0] not in _ITEM_KEYS:
            return True
        if any(".".join(keys[:n]) in fields for n in range(1, len(keys) + 1)):
            return True
    return False


def split_differences(ours: Any, theirs: Any, path: str, limit: int = 10) -> Differences:
    """Up to ``limit`` JSON paths of each sort where two values differ, with both values short."""
    real: list[str] = []
    adds: list[str] = []
    stack: list[tuple[str, str, Any, Any, tuple[_Anchor, ...]]] = [(path, path, ours, theirs, ())]
    while stack and (len(real) < limit or len(adds) < limit):
        where, level, a, b, anchors = stack.pop()
        if a == b:
            continue
        if type(a) is dict and type(b) is dict:
            kind = b.get("type", a.get("type"))
            if type(kind) is str:
                fields = never_streamed(level, kind)
                if fields:
                    anchors = (*anchors, (fields, ()))
            for key in reversed(list(dict.fromkeys([*a, *b]))):
                below = tuple((f, (*keys, key)) for f, keys in anchors)
                stack.append((f"{where}.{key}", key, a.get(key), b.get(key), below))
        elif type(a) is list and type(b) is list and len(a) == len(b):
            for i in reversed(range(len(a))):
                stack.append((f"{where}[{i}]", level, a[i], b[i], anchors))
        else:
            found = adds if _adds(anchors, a, b) else real
            if len(found) < limit:
                found.append(f"{where}: accumulated {short(a)}, server {short(b)}")
    return Differences(tuple(real), tuple(adds))
