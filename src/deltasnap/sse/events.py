"""SSE stage, part two: lines → events, by the WHATWG field rules.

``data:``, ``event:``, ``id:`` and ``retry:`` fields; a blank line dispatches an event that has
data; events are numbered as dispatched, offsets are where an event's first line starts; an event
over ``max_event_bytes`` or with invalid UTF-8 (strict) is dropped, up to and including its blank
line, with the error pending (see ``decoder.py`` for how errors are handed out).
"""

from __future__ import annotations

from collections import deque

from .._errors import DecodeError, EventTooLarge
from .._limits import EVENT_BYTES
from .lines import NO_LINES, LineSplitter
from .long import checked, join_data

__all__ = ["MAX_RETRY", "EventBuilder", "RawEvent"]

# Stand-in for "no limit": larger than any offset a stream can reach.
_UNLIMITED = 1 << 62
# ``event:`` lines decoded so far, by their raw bytes (event names repeat a lot): bounded.
_TYPE_CACHE_ENTRIES = 512
_TYPE_CACHE_LINE_BYTES = 256
#: The largest ``retry:`` value kept (ms); an all-digit value above it is clamped to it.
MAX_RETRY = (1 << 63) - 1
_MAX_RETRY_DIGITS = len(str(MAX_RETRY))

#: An event not built yet: ``ServerSentEvent``'s fields in order.
RawEvent = tuple[str, str, str | None, int | None, int, int]


class EventBuilder(LineSplitter):
    """Lines to events: the WHATWG buffers, numbering, offsets, limits and dropping."""

    __slots__ = (
        "_data",
        "_error",
        "_errors",
        "_etype",
        "_event_retry",
        "_event_start",
        "_id_buffer",
        "_limit",
        "_limit_end",
        "_long_events",
        "_max_event_bytes",
        "_number",
        "_ready",
        "_skip_partial",
        "_skipping",
        "_strict",
        "_types",
        "discarded_bytes",
        "last_event_id",
        "retry",
        "truncated",
    )

    def __init__(
        self, *, max_event_bytes: int | None, errors: str, last_event_id: str | None
    ) -> None:
        super().__init__()
        #: After close(): True if an unfinished event (non-blank or partial lines) was dropped.
        self.truncated = False
        #: After close(): how many bytes that unfinished event had.
        self.discarded_bytes = 0
        #: The last-event-ID string: the ``id:`` in effect at the most recent blank line.
        self.last_event_id: str | None = last_event_id
        #: The reconnection time (ms) most recently set by a ``retry:`` field.
        self.retry: int | None = None
        self._max_event_bytes = max_event_bytes
        self._limit = _UNLIMITED if max_event_bytes is None else max_event_bytes
        self._errors: str = errors
        self._strict = errors == "strict"
        # Where the current event started, and the offset its lines must not go past.
        self._event_start = 0
        self._limit_end = self._limit
        # Dropping the rest of an event after an error; ``_skip_partial``: the first line still
        # to come continues a partial line that was already dropped, so it is not blank.
        self._skipping = False
        self._skip_partial = False
        # The WHATWG buffers: data (decoded lines), event type ("" = "message"), last event ID.
        self._data: list[str] = []
        self._etype = ""
        self._id_buffer: str | None = last_event_id
        # The retry value set inside the current event, and the number of dispatched events.
        self._event_retry: int | None = None
        self._number = 0
        # Events decoded but not handed out yet (as _new_event() arguments), and the error found
        # after them.
        self._ready: deque[RawEvent] = deque()
        self._error: DecodeError | None = None
        self._types: dict[bytes, str] = {}
        # Event types whose long ``data: `` lines (``_long_line`` bytes or more) are handed over
        # as ``LongData`` (see long.py); none unless a consumer asks (strict UTF-8 only).
        self._long_events: frozenset[str] = frozenset()

    # -- the line splitter's hooks -----------------------------------------------------------

    def _tail_allowed(self) -> bool:
        if self._skipping:
            self._discard_tail()
        elif self._off + len(self._tail) > self._limit_end:
            # A line that never ends must not grow the buffer past the limit.
            self._drop(self._too_large(self._event_start, self._number + 1))
            self._discard_tail()
            return False
        return True

    def _partial_line(self, tail: bytes) -> None:
        if self._skipping:  # more of a line being dropped: not even copied
            self._off += len(tail)
            self._skip_partial = True
        else:
            self._tail += tail

    def _advance(self, n: int) -> None:
        if self._event_start == self._off:
            self._event_start += n
            self._limit_end += n
        self._off += n

    def _scan(self) -> None:
        """Process the rest of the current group of lines, queueing the events it completes."""
        off = self._off
        sep = self._sep
        limit = self._limit
        limit_end = self._limit_end
        start = self._event_start
        number = self._number
        etype = self._etype
        data = self._data
        errors = self._errors
        types = self._types
        # the id and retry buffers change only in _field(): reloaded after each call to it
        id_buffer = self._id_buffer
        event_retry = self._event_retry
        last_id = self.last_event_id
        append = self._ready.append
        long_line = self._long_line
        error: DecodeError | None = None
        line = b""
        try:
            for line in self._it:
                if line:
                    off += len(line) + sep
                    if off > limit_end:
                        error = self._too_large(start, number + 1)
                        break
                    head = line[:6]
                    if head == b"data: ":
                        if len(line) < long_line or etype not in self._long_events:
                            data.append(line[6:].decode("utf-8", errors))
                        else:
                            data.append(checked(line))
                    elif head == b"event:":
                        cached = types.get(line)
                        etype = self._event_type(line) if cached is None else cached
                    elif line == b"event":
                        etype = ""
                    else:
                        self._event_retry = event_retry
                        self._field(line)
                        id_buffer = self._id_buffer
                        event_retry = self._event_retry
                    continue
                # A blank line: dispatch the event if there is data, and reset the buffers.
                off += sep
                last_id = id_buffer
                if data:
                    number += 1
                    joined = data[0] if len(data) == 1 else join_data(data)
                    append((etype or "message", joined, id_buffer, event_retry, number, start))
                    data.clear()
                start = off
                limit_end = off + limit
                etype = ""
                event_retry = None
            else:
                self._it = NO_LINES  # the group is done: not scanned again
        except UnicodeDecodeError as exc:
            error = DecodeError(
                f"invalid UTF-8: {exc.reason}",
                byte_offset=off - len(line) - sep,
                event_number=number + 1,
            )
            error.__cause__ = exc
        self._off = off
        self._limit_end = limit_end
        self._event_start = start
        self._number = number
        self._etype = etype
        self._event_retry = event_retry
        self.last_event_id = last_id
        if error is not None:
            self._drop(error)

    def _field(self, line: bytes) -> None:
        """Process a non-blank line other than ``data: ...`` and ``event...``."""
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value.decode("utf-8", self._errors))
        elif name == b"id" and b"\0" not in value:
            self._id_buffer = value.decode("utf-8", self._errors)
        elif name == b"retry" and value.isdigit():
            # any all-digit value counts; one too large for int() or for MAX_RETRY is clamped
            too_long = len(value) > _MAX_RETRY_DIGITS
            retry = MAX_RETRY if too_long else min(int(value), MAX_RETRY)
            self.retry = self._event_retry = retry
        elif self._strict:
            # Comments, unknown fields and ignored values: only checked to be valid UTF-8.
            line.decode("utf-8")

    def _event_type(self, line: bytes) -> str:
        """Decode an ``event:`` line's value, remembering short ones."""
        value = line[6:]
        if value[:1] == b" ":
            value = value[1:]
        etype = value.decode("utf-8", self._errors)
        if len(line) <= _TYPE_CACHE_LINE_BYTES and len(self._types) < _TYPE_CACHE_ENTRIES:
            self._types[line] = etype
        return etype

    def _skip(self) -> bool:
        """Drop lines up to and including the blank line that ends the current event."""
        off = self._off
        sep = self._sep
        partial = self._skip_partial
        for line in self._it:
            off += len(line) + sep
            if partial:
                partial = False
            elif not line:
                self._off = off
                self._skipping = self._skip_partial = False
                self._event_start = off
                self._limit_end = off + self._limit
                self.last_event_id = self._id_buffer
                return True  # (the event type and retry were reset when dropping began)
        self._off = off
        self._skip_partial = partial
        self._it = NO_LINES
        return False

    def _too_large(self, start: int, number: int) -> EventTooLarge:
        """The error for event ``number``, starting at ``start``, going past the limit."""
        return EventTooLarge(
            f"event larger than {EVENT_BYTES.named(self._max_event_bytes)}",
            byte_offset=start,
            event_number=number,
        )

    def _drop(self, error: DecodeError) -> None:
        """Make ``error`` pending and start dropping the rest of the current event."""
        self._error = error
        self._skipping = True
        self._skip_partial = False
        self._data.clear()
        self._etype = ""
        self._event_retry = None

    def _discard_tail(self) -> None:
        """Drop the unfinished line of an event being dropped; its rest is not blank either."""
        self._off += len(self._tail)
        self._tail = bytearray()
        self._skip_partial = True
