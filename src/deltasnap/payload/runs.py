"""Chunk-level scanning: a run of consecutive text-delta events in raw SSE bytes.

A stream is mostly ``thread.message.delta`` events that each carry one text piece for one
content part (now and then with annotations), written the same way every time. ``scan`` matches
a whole run of such events in the undecoded buffer with one regex call (no per-event Python
object), then collects the pieces per message and content part, so the caller can apply each
part's pieces at once (and its annotations' arrays, in order: they merge by annotation index,
apart from the text). The events must be written exactly as ``event: thread.message.delta`` then
``data: `` and the JSON of ``shortcut``'s shape, compact or Python-spaced, each ending in LF LF;
anything else ends the run and is left to the decoder and the general path.

Equal to decoding each event: pieces and ids must be valid UTF-8 (checked on the joined bytes
with an ASCII separator, so each piece is checked on its own), escapes are whole (no lone
backslash ends a piece) and never surrogates (which could pair across pieces), so the joined
text is exactly the concatenation of the pieces; an annotations' array is left as bytes for the
caller to parse and check. Linear: every repetition is possessive or atomic, so no input makes a
pattern backtrack.
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
# an annotations' array: brackets around strings and anything but brackets or quotes (objects nest
# inside it, arrays do not); json.loads (the caller's) says whether it is JSON
_ARRAY = rb'\[(?:[^"\[\]]++|"(?:[^"\\]++|\\.)*+")*+\]'
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
        key = _ID + mid + _INDEX
        # the value's closing quote, or its annotations after it (captured only in ``pairs``:
        # a group inside the repeated run would cost a save per event)
        run_tail = b'(?:"|' + notes + _ARRAY + b")" + end
        tail = b'(?:"|' + notes + b"(" + _ARRAY + b"))" + end
        self.run = re.compile(b"(?>" + head + key + before + _VALUE + run_tail + b")+").match
        self.pairs = re.compile(head + b"(" + key + b")" + before + b"(" + _VALUE + b")" + tail)
        # the pieces alone, for a run of one part's events (no pattern per part to compile)
        self.values = re.compile(head + key + before + b"(" + _VALUE + b")" + run_tail).findall
        #: The bytes of an event besides its key, piece and annotations.
        self.fixed = len(self.head) + len(self.before_value) + len(self.notes) + len(self.end)

    def parts(self, buf: bytes, pos: int, end: int) -> tuple[_Parts, _Parts]:
        """A matched run's pieces and non-empty annotations' arrays per part (key), in order of
        first appearance."""
        key = self.pairs.match(buf, pos).group(1)  # type: ignore[union-attr]
        notes: _Parts = {}
        # one part only (a message's head and key cannot occur inside a string: they hold a
        # line break): one findall of its pieces alone, none of the keys
        if buf.count(self.head + key + self.before_value, pos, end) == buf.count(
            self.head, pos, end
        ):
            arrays = self._arrays(buf, pos, end)
            if arrays:
                notes[key] = arrays
            return {key: self.values(buf, pos, end)}, notes
        pairs = self.pairs.findall(buf, pos, end)
        pieces: _Parts = {key: [] for key in dict.fromkeys(map(_first, pairs))}
        for key, value, _ in pairs:
            pieces[key].append(value)
        for key, _, array in compress(pairs, map(_third, pairs)):
            if array != _EMPTY:
                notes.setdefault(key, []).append(array)
        return pieces, notes

    def _arrays(self, buf: bytes, pos: int, end: int) -> list[bytes]:
        """The non-empty annotations' arrays of a matched run's events, in order, found by their
        literal (a few events in a run carry annotations, most none). The literal starts with a
        string's closing quote and a comma, which no string holds unescaped, so its first place
        in an event is where the event's array starts; any later one is inside the array."""
        arrays = []
        at = buf.find(self.notes, pos, end)
        while at >= 0:
            # the run matched this event: its array ends where the event does (a line break
            # is never inside one)
            stop = buf.find(b"\n\n", at, end) + 2
            array = buf[at + len(self.notes) : stop - len(self.end)]
            if array != _EMPTY:
                arrays.append(array)
            at = buf.find(self.notes, stop, end)
        return arrays

    def longest(self, pieces: _Parts, notes: _Parts) -> int:
        """An upper bound of the size of a run's largest event."""
        values = max(max(map(len, v)) for v in pieces.values())
        arrays = max((max(map(len, a)) for a in notes.values()), default=0)
        return self.fixed + max(map(len, pieces)) + values + arrays


_Parts = dict[bytes, list[bytes]]


_STYLES = (_Style(b",", b":"), _Style(b", ", b": "))
_first = itemgetter(0)
_second = itemgetter(1)
_third = itemgetter(2)


def scan(buf: bytes, pos: int, endpos: int, max_event: int) -> tuple[int, list[Group]] | None:
    """The run of plain text deltas at ``buf[pos:]`` (not past ``endpos``; none of its events
    more than ``max_event`` bytes without its blank line): where it ends and its pieces per part
    in order of first appearance; None if no such event starts at ``pos`` or a piece is not what
    the general path would accept as is (bad UTF-8)."""
    style = _STYLES[0] if buf.startswith(_STYLES[0].head, pos) else _STYLES[1]
    match = style.run(buf, pos, endpos)
    if match is None:
        return None
    end = match.end()
    pieces, notes = style.parts(buf, pos, end)
    if end - pos - 1 > max_event and style.longest(pieces, notes) > max_event:
        # some event may be too large: the run ends before the first one
        for found in style.pairs.finditer(buf, pos, end):
            if found.end() - found.start() - 1 > max_event:
                return scan(buf, pos, found.start(), max_event) if found.start() > pos else None
    groups: list[Group] = []
    for key, values in pieces.items():
        try:
            message_id = key[: key.index(b'"')].decode()
            text = b"\n".join(values).decode()
        except UnicodeDecodeError:
            return None  # the general path reports it
        if len(values) > 1:
            text = text.replace("\n", "")
        if "\\" in text:
            text = _scanstring(f'"{text}"', 1)[0]
        index = int(key[key.rindex(b":") + 1 :])
        groups.append((message_id, index, text, len(values), notes.get(key, [])))
    return end, groups


def first_event(buf: bytes, pos: int, endpos: int, message_id: str, index: int) -> int:
    """Where the first event of part (``message_id``, ``index``) starts in a scanned run."""
    for style in _STYLES:
        if buf.startswith(style.head, pos):
            key = message_id.encode() + style.middle + str(index).encode()
            found = buf.find(style.head + key + style.before_value, pos, endpos)
            if found >= 0:
                return found
    return pos  # pragma: no cover - the group came from this run
