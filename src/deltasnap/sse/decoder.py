"""Incremental, sans-I/O decoder for server-sent events, following the WHATWG HTML parsing rules.

Bytes go in with any chunking (``receive``), complete events come out (``next_event``).  The
decoder works on bytes, one complete line at a time, and decodes UTF-8 only once a line is
complete, so multi-byte characters split across chunks are fine.  Lines end in CRLF, LF or CR (a
CR at the end of one chunk and an LF at the start of the next are one line end: a CR that ends a
chunk and a non-blank line is held until the next byte, so that event sizes and the order of errors
do not depend on the chunking; a blank line still dispatches at once).  A UTF-8 BOM at
the very start of the stream is skipped.

Here an *event* is every line from just after one blank line up to the next blank line (comments
and ``id:``/``retry:`` lines included); its ``offset`` is where its first line starts, and its size
for ``max_event_bytes`` is the bytes of those non-blank lines including their line ends (the
dispatching blank line is not counted).  Errors (``DecodeError`` for invalid UTF-8 in strict mode,
``EventTooLarge``) drop the rest of the offending event, up to and including its blank line, and
are resumable: calling ``next_event()`` again continues with the following events.

``ServerSentEvent.number`` counts dispatched events only: an error's ``event_number`` is the
number the dropped event would have had, so the next event that is dispatched gets that number.

Performance: input is split into lines per received chunk (all chunks received since the last
read, joined), by one C-level ``split`` on the chunk's line end (LF, CRLF or CR); a chunk mixing
line-end styles is split into runs of one style with a few C-level searches per run.  Bytes are
never rescanned across chunks: an incomplete last line waits in a ``bytearray`` that only grows,
and is joined with the rest of its line once.  Lines are parsed by bytes prefix (``data: ``,
``event:``) before any decoding, and ``event:`` lines are cached by their raw bytes.  Decoded
events wait as plain tuples; ``next_event()`` builds the ``ServerSentEvent``, while the package's
own Accumulator takes the tuples in bulk (``_take()``) and never builds one. When it is not asked
for updates, it also sets ``_hold``: splitting then stops in front of each event that starts with
those bytes (see ``_stopped()``), so that it can take a whole run of text deltas straight from the
undecoded buffer (``_consumed()``; see ``payload/runs.py``) or let the decoder go on.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Literal

import attrs

from .events import EventBuilder, RawEvent
from .lines import NO_LINES
from .long import join_data

__all__ = ["RawEvent", "SSEDecoder", "ServerSentEvent"]


@attrs.frozen
class ServerSentEvent:
    """One dispatched server-sent event."""

    #: The event type: the last ``event:`` field's value, or "message".
    event: str = "message"
    #: The ``data:`` lines joined by LF.
    data: str = ""
    #: The last-event-ID buffer when the event was dispatched (None if no ``id:`` came yet).
    id: str | None = None
    #: The value of a ``retry:`` field within this event, else None.
    retry: int | None = None
    #: 1-based count of dispatched events in the stream.
    number: int = 0
    #: Byte offset in the whole stream (BOM included) where the event's first line starts.
    offset: int = 0


# Building events without the generated frozen ``__init__`` (one ``object.__setattr__`` per field)
# saves about a third of the cost of each event; the fields, their order and the absence of
# converters / validators are checked here, so a change to the class cannot go unnoticed.
_EVENT_FIELDS = ("event", "data", "id", "retry", "number", "offset")
if tuple(f.name for f in attrs.fields(ServerSentEvent)) != _EVENT_FIELDS or any(
    f.converter or f.validator for f in attrs.fields(ServerSentEvent)
):  # pragma: no cover
    raise RuntimeError("update _new_event() to match ServerSentEvent")
_new_object = object.__new__
_set_event, _set_data, _set_id, _set_retry, _set_number, _set_offset = (
    ServerSentEvent.__dict__[name].__set__ for name in _EVENT_FIELDS
)


def _new_event(
    event: str, data: str, id: str | None, retry: int | None, number: int, offset: int
) -> ServerSentEvent:
    """``ServerSentEvent(event, data, id, retry, number, offset)``, faster."""
    new = _new_object(ServerSentEvent)
    _set_event(new, event)
    _set_data(new, data)
    _set_id(new, id)
    _set_retry(new, retry)
    _set_number(new, number)
    _set_offset(new, offset)
    return new


class SSEDecoder(EventBuilder):
    """Incremental, sans-I/O SSE decoder: bytes in any chunking in, events out.

    ``last_event_id``: the Last-Event-ID to start from (a reconnecting client's saved one), which
    events before any ``id:`` field carry. ``dispatch_unterminated``: at ``close()``, an unfinished
    last event whose data is complete (``[DONE]``, or JSON that parses) is dispatched rather than
    discarded (``unterminated`` then says so); off by default, the strict WHATWG reading.
    """

    __slots__ = ("_dispatch_unterminated", "unterminated")

    def __init__(
        self,
        *,
        max_event_bytes: int | None = 16 * 1024 * 1024,
        errors: Literal["strict", "replace"] = "strict",
        last_event_id: str | None = None,
        dispatch_unterminated: bool = False,
    ) -> None:
        if max_event_bytes is not None and max_event_bytes < 0:
            raise ValueError(f"max_event_bytes must be None or >= 0, not {max_event_bytes!r}")
        if errors not in ("strict", "replace"):
            raise ValueError(f"errors must be 'strict' or 'replace', not {errors!r}")
        super().__init__(
            max_event_bytes=max_event_bytes, errors=errors, last_event_id=last_event_id
        )
        self._dispatch_unterminated = dispatch_unterminated
        #: After close(): True if an unterminated last event was dispatched.
        self.unterminated = False

    def feed(self, data: bytes | str) -> list[ServerSentEvent]:
        """Receive ``data``, then return every event that is complete.

        An error is raised at the first bad event; the events decoded before it in this call are
        not lost: the next ``next_event()`` / ``feed()`` call returns them first.  For precise
        resumption (events and errors one at a time, in stream order) use ``receive()`` and
        ``next_event()``.
        """
        self.receive(data)
        return self._drain()

    def close(self) -> list[ServerSentEvent]:
        """End of input: return the events still complete; an unfinished event is discarded
        (unless ``dispatch_unterminated`` and its data is complete: then it is the last one)."""
        self._final = True
        if self._held:
            self._inbox.append(b"")  # a held CR ends its line now
        events = self._drain()
        if not self._closed:
            self._closed = True
            # Everything complete has been processed: what is left from the start of the current
            # event on (its non-blank lines, a partial line, an undecided BOM prefix) is dropped.
            self.discarded_bytes = self.bytes_received - self._event_start
            # Truncated means an event was lost: data was pending, or a field line was cut.
            # Trailing comments (keep-alives) and data-less fields could never dispatch.
            tail = bytes(self._tail)
            partial = bool(tail) and not tail.startswith(b":")
            dropping = (self._skipping or self._skip_partial) and self.discarded_bytes > 0
            self.truncated = bool(self._data) or partial or bool(dropping)
            if self.truncated and not dropping and self._dispatch_unterminated:
                self._unterminated(tail if partial else b"")
                if self.unterminated:
                    events += self._drain()
            self._tail = bytearray()
            self._data.clear()
        return events

    def _unterminated(self, tail: bytes) -> None:
        """Dispatch the unfinished last event (its last line ``tail`` unended) if its data is
        complete; leave everything as it was otherwise."""
        data = list(self._data)
        etype = self._etype
        event_id = self._id_buffer
        if tail:
            name, _, value = tail.partition(b":")
            if value[:1] == b" ":
                value = value[1:]
            try:
                text = value.decode("utf-8", self._errors)
            except UnicodeDecodeError:
                return
            if name == b"data":
                data.append(text)
            elif name == b"event":
                etype = text
            elif name == b"id" and "\0" not in text:
                event_id = text
        if not data:
            return
        joined = join_data(data)
        if joined.strip() != "[DONE]":
            try:
                json.loads(joined)
            except (ValueError, RecursionError):
                return
        self._number += 1
        raw = (etype or "message", joined, event_id, self._event_retry, self._number)
        self._ready.append((*raw, self._event_start))
        self.last_event_id = event_id
        self.unterminated = True
        self.truncated = False
        self.discarded_bytes = 0

    # -- output ------------------------------------------------------------------------------

    def next_event(self) -> ServerSentEvent | None:
        """Return the next complete event, or None if more data is needed.

        Raises ``DecodeError`` (invalid UTF-8, strict mode) or ``EventTooLarge`` in stream order,
        after the events before the offending one; that event is dropped, and calling again
        continues with the events after it.
        """
        ready = self._take()
        return _new_event(*ready.popleft()) if ready else None

    def _take(self) -> deque[RawEvent]:
        """The events that are ready, as ``(event, data, id, retry, number, offset)`` tuples.

        For a consumer in this package that handles events in bulk (the Accumulator): it pops
        them from the returned queue itself, so events it has not taken stay queued if it stops
        with an exception.  Empty when more input is needed; raises a pending error when no
        event comes before it, exactly like ``next_event()``.
        """
        ready = self._ready
        if not ready:
            self._pump()
            if not ready:
                error = self._error
                if error is not None:
                    self._error = None
                    raise error
        return ready

    def _stopped(self) -> tuple[bytes, int, bool] | None:
        """(buffer, position, whether it is an event boundary with nothing pending) when decoding
        stopped in front of an event that starts with the ``_hold`` bytes, else None. At a
        boundary the caller may take whole events from there (``_consumed``); either way it
        may let the decoder go on (``_release = True``)."""
        raw, pos = self._raw, self._raw_pos
        if pos >= len(raw) or not self._hold or self._inbox:
            return None
        boundary = not (
            self._off != self._event_start
            or self._tail
            or self._groups
            or self._it is not NO_LINES
            or self._skipping
            or self._held
            or self._bom is not None
            or self._skip_lf
            or self._error is not None
            or self._ready
            or self._data
        )
        return raw, pos, boundary

    def _consumed(self, end: int, count: int) -> None:
        """The caller took ``count`` whole events, the held buffer up to ``end``."""
        size = end - self._raw_pos
        self._raw_pos = end
        self._off += size
        self._event_start = self._off
        self._limit_end = self._off + self._limit
        self._number += count

    def _drain(self) -> list[ServerSentEvent]:
        """Every event that is complete (feed() and close())."""
        ready = self._ready
        raws: list[RawEvent] = []
        while True:
            self._pump()
            if ready:
                raws.extend(ready)
                ready.clear()
                continue
            error = self._error
            if error is None:
                return [_new_event(*raw) for raw in raws]
            self._error = None
            ready.extend(raws)  # decoded already: handed out first by the next call
            raise error

    def _pump(self) -> None:
        """Decode until some event is ready, an error is pending, or more input is needed."""
        ready = self._ready
        while self._error is None:
            if self._it is not NO_LINES and (not self._skipping or self._skip()):
                self._scan()
                if ready or self._error is not None:
                    return
            if not self._refill():
                return
