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
own Accumulator takes the tuples in bulk (``_take()``) and never builds one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Literal

import attrs

from ._errors import DecodeError, EventTooLarge

__all__ = ["SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"
# Stand-in for "no limit": larger than any offset a stream can reach.
_UNLIMITED = 1 << 62
# ``event:`` lines decoded so far, by their raw bytes (event names repeat a lot): bounded.
_TYPE_CACHE_ENTRIES = 512
_TYPE_CACHE_LINE_BYTES = 256


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


# The current group of lines when there is none left to read.
_NO_LINES: Iterator[bytes] = iter(())

#: An event not built yet: ``ServerSentEvent``'s fields in order.
RawEvent = tuple[str, str, str | None, int | None, int, int]


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


class SSEDecoder:
    """Incremental, sans-I/O SSE decoder: bytes in any chunking in, events out."""

    __slots__ = (
        "_bom",
        "_closed",
        "_data",
        "_error",
        "_errors",
        "_etype",
        "_event_retry",
        "_event_start",
        "_final",
        "_groups",
        "_held",
        "_id_buffer",
        "_inbox",
        "_it",
        "_limit",
        "_limit_end",
        "_max_event_bytes",
        "_number",
        "_off",
        "_ready",
        "_sep",
        "_skip_lf",
        "_skip_partial",
        "_skipping",
        "_strict",
        "_tail",
        "_types",
        "bytes_received",
        "discarded_bytes",
        "last_event_id",
        "retry",
        "truncated",
    )

    def __init__(
        self,
        *,
        max_event_bytes: int | None = 16 * 1024 * 1024,
        errors: Literal["strict", "replace"] = "strict",
    ) -> None:
        if max_event_bytes is not None and max_event_bytes < 0:
            raise ValueError(f"max_event_bytes must be None or >= 0, not {max_event_bytes!r}")
        if errors not in ("strict", "replace"):
            raise ValueError(f"errors must be 'strict' or 'replace', not {errors!r}")
        #: Total bytes received so far.
        self.bytes_received = 0
        #: After close(): True if an unfinished event (non-blank or partial lines) was dropped.
        self.truncated = False
        #: After close(): how many bytes that unfinished event had.
        self.discarded_bytes = 0
        #: The last-event-ID string: the ``id:`` in effect at the most recent blank line.
        self.last_event_id: str | None = None
        #: The reconnection time (ms) most recently set by a ``retry:`` field.
        self.retry: int | None = None

        self._max_event_bytes = max_event_bytes
        self._limit = _UNLIMITED if max_event_bytes is None else max_event_bytes
        self._errors: str = errors
        self._strict = errors == "strict"
        self._closed = False
        # Input not split into lines yet.
        self._inbox: list[bytes] = []
        # The first bytes of the stream until we know whether they start with a BOM (None: done).
        self._bom: bytes | None = b""
        # Complete lines not processed yet: the group being read (with its line-end length) ...
        self._it: Iterator[bytes] = _NO_LINES
        self._sep = 1
        # ... and the groups after it (a chunk mixing line-end styles makes several).
        self._groups: deque[tuple[list[bytes], int]] = deque()
        # The incomplete last line (a bytearray: appending to it is amortised O(1), and pieces
        # arriving a byte at a time cost no per-piece object overhead).
        self._tail = bytearray()
        # The last chunk ended in CR: an LF starting the next chunk belongs to that line end.
        self._skip_lf = False
        # A CR held back from the end of the last chunk (see _split), and whether close() has
        # begun (nothing more is held then).
        self._held = b""
        self._final = False
        # Stream offset where the next unprocessed line (or the incomplete tail) starts.
        self._off = 0
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
        self._id_buffer: str | None = None
        # The retry value set inside the current event, and the number of dispatched events.
        self._event_retry: int | None = None
        self._number = 0
        # Events decoded but not handed out yet (as _new_event() arguments), and the error found
        # after them.
        self._ready: deque[RawEvent] = deque()
        self._error: DecodeError | None = None
        self._types: dict[bytes, str] = {}

    # -- input -------------------------------------------------------------------------------

    def receive(self, data: bytes | str) -> None:
        """Buffer more input (a str is encoded as UTF-8); parsing waits for next_event()."""
        if self._closed:
            raise ValueError("receive() after close()")
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif type(data) is not bytes:
            data = bytes(data)
        if data:
            self._inbox.append(data)
            self.bytes_received += len(data)

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
        """End of input: return the events still complete; an unfinished event is discarded."""
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
            self._tail = bytearray()
            self._data.clear()
        return events

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
            if self._it is not _NO_LINES and (not self._skipping or self._skip()):
                self._scan()
                if ready or self._error is not None:
                    return
            if not self._refill():
                return

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
                        data.append(line[6:].decode("utf-8", errors))
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
                    joined = data[0] if len(data) == 1 else "\n".join(data)
                    append((etype or "message", joined, id_buffer, event_retry, number, start))
                    data.clear()
                start = off
                limit_end = off + limit
                etype = ""
                event_retry = None
            else:
                self._it = _NO_LINES  # the group is done: not scanned again
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
            try:
                retry = int(value)
            except ValueError:  # more digits than int() accepts: ignored
                return
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
        self._it = _NO_LINES
        return False

    def _too_large(self, start: int, number: int) -> EventTooLarge:
        """The error for event ``number``, starting at ``start``, going past the limit."""
        return EventTooLarge(
            f"event larger than max_event_bytes={self._max_event_bytes}",
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

    # -- splitting input into lines ----------------------------------------------------------

    def _refill(self) -> bool:
        """Make the next group of complete lines current; False if more input is needed (or an
        unfinished line grew too large: the error is then pending)."""
        while True:
            if self._groups:
                lines, self._sep = self._groups.popleft()
                self._it = iter(lines)
                return True
            if self._tail:
                if self._skipping:
                    self._discard_tail()
                elif self._off + len(self._tail) > self._limit_end:
                    # A line that never ends must not grow the buffer past the limit.
                    self._drop(self._too_large(self._event_start, self._number + 1))
                    self._discard_tail()
                    return False
            inbox = self._inbox
            if not inbox:
                return False
            chunk = inbox[0] if len(inbox) == 1 else b"".join(inbox)
            inbox.clear()
            self._split(chunk)

    def _discard_tail(self) -> None:
        """Drop the unfinished line of an event being dropped; its rest is not blank either."""
        self._off += len(self._tail)
        self._tail = bytearray()
        self._skip_partial = True

    def _advance(self, n: int) -> None:
        """Consume ``n`` bytes that belong to no line (a BOM, the LF of a split CRLF)."""
        if self._event_start == self._off:
            self._event_start += n
            self._limit_end += n
        self._off += n

    def _split(self, chunk: bytes) -> None:
        """Split a chunk into complete lines (queued in groups) and a new incomplete tail."""
        if self._bom is not None:
            chunk = self._bom + chunk
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._bom = chunk
                return
            self._bom = None
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
                self._advance(3)
                if not chunk:
                    return
        if self._held:
            chunk = self._held + chunk
            self._held = b""
        if self._skip_lf:  # (never while a CR is held)
            self._skip_lf = False
            if chunk[0] == 10:  # b"\n"
                chunk = chunk[1:]
                self._advance(1)
                if not chunk:
                    return
        if chunk[-1] == 13 and not self._final:  # b"\r"
            # A CR ending a non-blank line may be the first half of a CRLF: the line waits for
            # the next byte, so that its size (for max_event_bytes) and the order of its errors
            # do not depend on where the chunks were cut. A blank line dispatches at once.
            ends_field_line = chunk[-2] not in b"\r\n" if len(chunk) > 1 else bool(self._tail)
            if ends_field_line:
                self._held = b"\r"
                chunk = chunk[:-1]
                if not chunk:
                    return
        groups: list[tuple[list[bytes], int]]
        if b"\r" not in chunk:
            lines = chunk.split(b"\n")
            tail = lines.pop()
            groups = [(lines, 1)] if lines else []
        else:
            self._skip_lf = chunk[-1] == 13  # b"\r"
            if b"\n" not in chunk:  # CR only
                lines = chunk.split(b"\r")
                tail = lines.pop()
                groups = [(lines, 1)] if lines else []
            else:
                lines = chunk.split(b"\r\n")
                # The chunk with every CRLF blanked out: its CRs and LFs are the bare ones.
                # (Splitting and joining is much faster than counting or replacing.)
                bare_only = b"\0\0".join(lines)
                if b"\r" not in bare_only and b"\n" not in bare_only:  # CRLF only
                    tail = lines.pop()
                    groups = [(lines, 2)] if lines else []
                else:
                    groups, tail = _split_mixed(chunk, bare_only)
        if not groups:
            if self._skipping:  # more of a line being dropped: not even copied
                self._off += len(tail)
                self._skip_partial = True
            else:
                self._tail += tail
            return
        if self._tail:
            first = groups[0][0]
            first[0] = b"".join((self._tail, first[0]))
        self._tail = bytearray(tail)
        self._groups.extend(groups)


def _split_mixed(chunk: bytes, bare_only: bytes) -> tuple[list[tuple[list[bytes], int]], bytes]:
    """Split a chunk mixing CRLF with bare CR or LF into runs of lines with equal line-end lengths.

    ``bare_only`` is ``chunk`` with each CRLF replaced by two other bytes (so its CRs and LFs are
    exactly the bare ones).

    Each run costs a few C-level searches however long it is, and every search resumes where the
    last one of its kind stopped, so a chunk made of a few uniform regions (concatenated captures,
    say) is split nearly as fast as a uniform one, and a pathological one still in linear time.
    """
    size = len(chunk)
    groups: list[tuple[list[bytes], int]] = []
    pos = 0
    next_lf = next_cr = next_crlf = -1
    while True:
        if next_lf < pos:
            next_lf = bare_only.find(b"\n", pos) % (size + 1)  # -1 (none) becomes ``size``
        if next_cr < pos:
            next_cr = bare_only.find(b"\r", pos) % (size + 1)
        if next_crlf < pos:
            # The first CR from ``pos`` starts a CRLF unless it is the next bare CR (the one-byte
            # search is much faster than searching for the pair).
            next_crlf = chunk.find(b"\r", pos) % (size + 1)
            if next_crlf == next_cr < size:
                next_crlf = chunk.find(b"\r\n", pos) % (size + 1)
        bare = min(next_lf, next_cr)
        if next_crlf < bare:
            # CRLF lines, up to the line that ends in the next bare CR or LF.
            end = chunk.rfind(b"\r\n", pos, bare) + 2
            groups.append((chunk[pos : end - 2].split(b"\r\n"), 2))
        elif bare < size:
            # Bare CR / LF lines, up to the line that ends in the next CRLF.
            stop = next_crlf
            end = max(bare_only.rfind(b"\n", pos, stop), bare_only.rfind(b"\r", pos, stop))
            region = chunk[pos:end]  # the lines, less the last line end
            if next_cr >= end:  # no CR inside
                lines = region.split(b"\n")
            elif next_lf >= end:  # no LF inside
                lines = region.split(b"\r")
            else:
                lines = region.replace(b"\r", b"\n").split(b"\n")
            groups.append((lines, 1))
            end += 1
        else:
            return groups, chunk[pos:]
        pos = end
