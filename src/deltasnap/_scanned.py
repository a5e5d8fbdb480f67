"""Applying a run of text deltas scanned in the raw bytes (``payload.runs``) to the messages,
exactly as far as the text-delta shortcut would take each of its events one by one."""

from __future__ import annotations

from typing import Any

from ._errors import DeltasnapError
from ._limits import UNLIMITED, Limits
from .merge.messages import MessageStore, ScannedPart
from .payload import runs, shortcut
from .payload.json import loads

__all__ = ["take_run"]


def _parts(groups: list[runs.Group], limits: Limits) -> tuple[list[ScannedPart], int | None]:
    """The groups with their annotations' arrays parsed (bounded like the events' data), up to
    the first whose arrays the general path must parse (its position, else None)."""
    depth = limits.max_json_depth
    below = None if depth is None else depth - shortcut.DEPTH
    parts: list[ScannedPart] = []
    for at, (message_id, index, text, count, arrays) in enumerate(groups):
        notes: list[Any] = []
        if arrays:
            notes = _parsed(arrays, below)
            if not notes:
                return parts, at
        parts.append((message_id, index, text, count, notes))
    return parts, None


def _parsed(arrays: list[bytes], depth: int | None) -> list[Any]:
    """A part's annotations' arrays parsed, each nesting at most ``depth``: in one call, as
    the items of one array a level deeper (each alone only to tell which fails); [] if any
    is not what the general path would take."""
    # no array nests an array, so one with fewer braces than ``depth`` nests less deep: when
    # all do, the joined text needs no check of its own (which would cost more than its parse)
    if depth is None or all(array.count(b"{") < depth for array in arrays):
        try:
            return list(loads(b",".join(arrays).join(_BRACKETS).decode(), None))
        except (DeltasnapError, UnicodeDecodeError):
            pass
    try:
        return [loads(array.decode(), depth) for array in arrays]
    except (DeltasnapError, UnicodeDecodeError):
        return []


_BRACKETS = (b"[", b"]")


def take_run(store: MessageStore, buf: bytes, pos: int, limits: Limits) -> tuple[int, int] | None:
    """Apply the run of text deltas at ``buf[pos:]`` as far as the shortcut takes its events:
    (where the taken events end, how many), or None if it takes none of them."""
    limit = UNLIMITED if limits.max_event_bytes is None else limits.max_event_bytes
    endpos = len(buf)
    while True:
        run = runs.scan(buf, pos, endpos, limit)
        if run is None:
            return None
        end, groups = run
        parts, refused = _parts(groups, limits)
        adds: list[int] = []
        if refused is None:
            refused, adds = store.check_run(parts)
        if refused is None:
            break
        # the run ends before that part's first event: the general path decides it
        message_id, index = groups[refused][:2]
        endpos = runs.first_event(buf, pos, end, message_id, index)
        if endpos == pos:
            return None
    count = 0
    for part, added in zip(parts, adds, strict=True):
        store.text_run(*part, added)
        count += part[3]
    return end, count
