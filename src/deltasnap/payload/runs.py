"""Chunk-level scanning: a run of consecutive text-delta events in raw SSE bytes.

A stream is mostly ``thread.message.delta`` events that each carry one text piece for one
content part (now and then with annotations), written the same way every time. ``scan`` reads a
whole run of such events in the undecoded buffer with one regex call (no per-event Python code),
then collects the pieces per message and content part, so the caller can apply each part's
pieces at once (and its annotations' arrays, in order: they merge by annotation index, apart
from the text). The events must be written exactly as ``event: thread.message.delta`` then
``data: `` and the JSON of ``shortcut``'s shape, compact or Python-spaced, each ending in LF LF;
anything else ends the run and is left to the decoder and the general path.

Equal to decoding each event: pieces and ids must be valid UTF-8 (checked on the joined bytes
with an ASCII separator, so each piece is checked on its own), escapes are whole (no lone
backslash ends a piece) and never surrogates (which could pair across pieces), so the joined
text is exactly the concatenation of the pieces; an annotations' array holds no control
character or line break (no event ends inside it) and is left as bytes for the caller to parse
and check. Linear: every repetition is possessive, so no input makes a pattern backtrack.
"""

from __future__ import annotations

import re
from itertools import compress
from json.decoder import scanstring as _scanstring  # type: ignore[attr-defined]
from operator import itemgetter

__all__ = ["CANDIDATE", "Group", "first_event", "scan"]

#: How every event this module reads starts (the decoder stops in front of these).
CANDIDATE = b"event: thread.message.delta\ndata: {"

_ID = rb'[^"\\\x00-\x1f]*+'
_INDEX = rb"(?:0|[1-9][0-9]{0,8})"
# a JSON string body: no control characters, whole escapes, no surrogate \u escapes
_VALUE = (
    rb'(?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]'
    rb"|\\u(?:[0-9a-cA-Ce-fE-F][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))*+"
)
# an annotations' array: brackets around strings and anything but brackets, quotes or control
# characters but tab (objects nest inside it, arrays do not); json.loads (the caller's) says
# whether it is JSON
_ARRAY = rb'\[(?:[^"\[\]\x00-\x08\x0a-\x1f]++|"(?:[^"\\\x00-\x1f]++|\\[^\x00-\x1f])*+")*+\]'
_EMPTY = b"[]"

#: One part's pieces in a run: (message id, content index, joined text, number of events, its
#: events' non-empty annotations' arrays in order, as JSON bytes).
Group = tuple[str, int, str, int, list[bytes]]


class _Style:
    """The patterns for one way of writing the JSON (compact or Python's spaced default)."""

    def __init__(self, comma: bytes, colon: bytes) -> None:
        self.head = CANDIDATE + b'"id"' + colon + b'"'
        self.middle = (
            b'","object"'.replace(b",", comma)
            + colon
            + b'"thread.message.delta"'
            + comma
            + b'"delta"'
            + colon
            + b"{"
            + b'"content"'
            + colon
            + b"[{"
            + b'"index"'
            + colon
        )
        self.before_value = (
            comma + b'"type"' + colon + b'"text"' + comma + b'"text"' + colon + b"{"
        ) + (b'"value"' + colon + b'"')
        self.notes = b'"' + comma + b'"annotations"' + colon
        self.end = b"}}]}}\n\n"
        head, mid, before, notes, end = map(
            re.escape, (self.head, self.middle, self.before_value, self.notes, self.end)
        )
        # each event's (key, piece, annotations' array or b""); then, if the run ends before
        # ``endpos``, one (b"", b"", b"") for all that follows it (a key is never empty)
        event = (
            head
            + b"("
            + _ID
            + mid
            + _INDEX
            + b")"
            + before
            + b"("
            + _VALUE
            + b')(?:"|'
            + notes
            + b"("
            + _ARRAY
            + b"))"
            + end
        )
        self.events = re.compile(event + b"|(?s:.+)").findall
        #: The bytes of an event besides its key, piece and annotations.
        self.fixed = len(self.head) + len(self.before_value) + len(self.end) + 1
        #: What an annotations' array adds to an event besides the array.
        self.with_notes = len(self.notes) - 1


_STYLES = (_Style(b",", b":"), _Style(b", ", b": "))
_first = itemgetter(0)
_second = itemgetter(1)
_third = itemgetter(2)
_Event = tuple[bytes, bytes, bytes]
_Column = tuple[bytes, ...]  # one field of each of a run's events
_Parts = dict[bytes, list[bytes]]


def scan(buf: bytes, pos: int, endpos: int, max_event: int) -> tuple[int, list[Group]] | None:
    """The run of plain text deltas at ``buf[pos:]`` (not past ``endpos``; none of its events
    more than ``max_event`` bytes without its blank line): where it ends and its pieces per part
    in order of first appearance; None if no such event starts at ``pos`` or a piece is not what
    the general path would accept as is (bad UTF-8)."""
    style = _STYLES[0] if buf.startswith(_STYLES[0].head, pos) else _STYLES[1]
    events: list[_Event] = style.events(buf, pos, endpos)
    if events and not events[-1][0]:
        events.pop()  # what follows the run
    if not events:
        return None
    if endpos - pos - 1 > max_event and _size(style, events) - 1 > max_event:
        del events[_within(style, events, max_event) :]  # the run ends before a too large one
        if not events:
            return None
    keys = tuple(map(_first, events))
    values = tuple(map(_second, events))
    arrays = tuple(map(_third, events))
    pieces, notes, size = _by_part(keys, values, arrays)
    size += style.fixed * len(events) + style.with_notes * (len(arrays) - arrays.count(b""))
    groups: list[Group] = []
    for key, part in pieces.items():
        joined = b"\n".join(part)
        size += len(key) * len(part) + len(joined) - len(part) + 1  # the pieces, no separators
        try:
            message_id = key[: key.index(b'"')].decode()
            text = joined.decode()
        except UnicodeDecodeError:
            return None  # the general path reports it
        if len(part) > 1:
            text = text.replace("\n", "")
        if "\\" in text:
            text = _scanstring(f'"{text}"', 1)[0]
        index = int(key[key.rindex(b":") + 1 :])
        groups.append((message_id, index, text, len(part), notes.get(key, [])))
    return pos + size, groups


def _size(style: _Style, events: list[_Event]) -> int:
    """The bytes of the events read as these keys, pieces and arrays."""
    arrays = list(filter(None, map(_third, events)))
    return (
        style.fixed * len(events)
        + sum(map(len, map(_first, events)))
        + sum(map(len, map(_second, events)))
        + style.with_notes * len(arrays)
        + sum(map(len, arrays))
    )


def _within(style: _Style, events: list[_Event], max_event: int) -> int:
    """How many of the events come before the first one over ``max_event`` bytes."""
    for taken, (key, value, array) in enumerate(events):
        size = style.fixed + len(key) + len(value) + (style.with_notes + len(array) if array else 0)
        if size - 1 > max_event:
            return taken
    return len(events)


def _by_part(keys: _Column, values: _Column, arrays: _Column) -> tuple[_Parts, _Parts, int]:
    """A run's pieces and non-empty annotations' arrays per part (key), in order of first
    appearance; and the bytes of all its arrays."""
    notes: _Parts = {}
    size = 0
    for at in compress(range(len(arrays)), arrays):  # the few events with annotations
        array = arrays[at]
        size += len(array)
        if array != _EMPTY:
            notes.setdefault(keys[at], []).append(array)
    first = keys[0]
    if keys.count(first) == len(keys):
        return {first: list(values)}, notes, size
    pieces: _Parts = {key: [] for key in dict.fromkeys(keys)}
    for key, value in zip(keys, values, strict=True):
        pieces[key].append(value)
    return pieces, notes, size


def first_event(buf: bytes, pos: int, endpos: int, message_id: str, index: int) -> int:
    """Where the first event of part (``message_id``, ``index``) starts in a scanned run."""
    for style in _STYLES:
        if buf.startswith(style.head, pos):
            key = message_id.encode() + style.middle + str(index).encode()
            found = buf.find(style.head + key + style.before_value, pos, endpos)
            if found >= 0:
                return found
    return pos  # pragma: no cover - the group came from this run
