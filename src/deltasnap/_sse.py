"""Incremental, sans-I/O decoder for server-sent events, following the WHATWG HTML parsing rules.

Bytes go in with any chunking (``receive``), complete events come out (``next_event``).  The
decoder works on bytes, one complete line at a time, and decodes UTF-8 only once a line is
complete, so multi-byte characters split across chunks are fine.  Lines end in CRLF, LF or CR (a
CR at the end of one chunk and an LF at the start of the next are one line end).  A UTF-8 BOM at
the very start of the stream is skipped.

Here an *event* is every line from just after one blank line up to the next blank line (comments
and ``id:``/``retry:`` lines included); its ``offset`` is where its first line starts, and its size
for ``max_event_bytes`` is the bytes of those non-blank lines including their line ends (the
dispatching blank line is not counted).  Errors (``DecodeError`` for invalid UTF-8 in strict mode,
``EventTooLarge``) drop the rest of the offending event, up to and including its blank line, and
are resumable: calling ``next_event()`` again continues with the following events.

Performance notes: each received chunk is split into lines by one C-level ``split`` (on ``b"\\n"``
when the chunk has no CR; CRLF-only and CR-only chunks take the same path with their separator);
only chunks that mix line-end styles are split line by line.  A line that is still incomplete is
kept as a list of pieces, so no byte is scanned or copied twice however the input is chunked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Literal

import attrs

from ._errors import DecodeError, DeltasnapError, EventTooLarge

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

    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None
    number: int = 0
    offset: int = 0


class SSEDecoder:
    """Incremental, sans-I/O SSE decoder: bytes in any chunking in, events out."""

    __slots__ = (
        "_bom",
        "_closed",
        "_data",
        "_errors",
        "_etype",
        "_event_retry",
        "_event_start",
        "_groups",
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
        "_tail_len",
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
        self._it: Iterator[bytes] = iter(())
        self._sep = 1
        # ... and the groups after it (a chunk mixing line-end styles makes several).
        self._groups: deque[tuple[list[bytes], int]] = deque()
        # The incomplete last line, as pieces, and its length.
        self._tail: list[bytes] = []
        self._tail_len = 0
        # The last chunk ended in CR: an LF starting the next chunk belongs to that line end.
        self._skip_lf = False
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
        # Events decoded by a feed() call that then raised; handed out first.
        self._ready: deque[ServerSentEvent] = deque()
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
        resumption (events and errors one at a time) use ``receive()`` and ``next_event()``.
        """
        self.receive(data)
        return self._drain()

    def close(self) -> list[ServerSentEvent]:
        """End of input: return the events still complete; an unfinished event is discarded."""
        events = self._drain()
        if not self._closed:
            self._closed = True
            # Everything complete has been processed: what is left from the start of the current
            # event on (its non-blank lines, a partial line, an undecided BOM prefix) is dropped.
            self.discarded_bytes = self.bytes_received - self._event_start
            self.truncated = self.discarded_bytes > 0
            self._tail = []
            self._tail_len = 0
            self._data.clear()
        return events

    def _drain(self) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        append = events.append
        try:
            while (event := self.next_event()) is not None:
                append(event)
        except DeltasnapError:
            self._ready.extendleft(reversed(events))
            raise
        return events

    # -- output ------------------------------------------------------------------------------

    def next_event(self) -> ServerSentEvent | None:
        """Return the next complete event, or None if more data is needed.

        Raises ``DecodeError`` (invalid UTF-8, strict mode) or ``EventTooLarge``; the offending
        event is dropped and calling again continues with the events after it.
        """
        if self._ready:
            return self._ready.popleft()
        while True:
            if not self._skipping or self._skip():
                event = self._scan()
                if event is not None:
                    return event
            if not self._refill():
                return None

    def _scan(self) -> ServerSentEvent | None:
        """Process lines of the current group up to the next dispatched event."""
        off = self._off
        sep = self._sep
        limit_end = self._limit_end
        data = self._data
        errors = self._errors
        line = b""
        try:
            for line in self._it:
                if line:
                    off += len(line) + sep
                    if off > limit_end:
                        self._off = off
                        raise self._too_large()
                    head = line[:6]
                    if head == b"data: ":
                        data.append(line[6:].decode("utf-8", errors))
                    elif head == b"event:":
                        etype = self._types.get(line)
                        self._etype = self._event_type(line) if etype is None else etype
                    else:
                        self._field(line)
                    continue
                # A blank line: dispatch.
                off += sep
                start = self._event_start
                self._event_start = off
                self._limit_end = limit_end = off + self._limit
                self.last_event_id = self._id_buffer
                if data:
                    self._number = number = self._number + 1
                    event = ServerSentEvent(
                        self._etype or "message",
                        "\n".join(data),
                        self._id_buffer,
                        self._event_retry,
                        number,
                        start,
                    )
                    data.clear()
                    self._etype = ""
                    self._event_retry = None
                    self._off = off
                    return event
                self._etype = ""
                self._event_retry = None
        except UnicodeDecodeError as exc:
            self._off = off
            raise self._drop(
                DecodeError(
                    f"invalid UTF-8: {exc.reason}",
                    byte_offset=off - len(line) - sep,
                    event_number=self._number + 1,
                )
            ) from exc
        self._off = off
        return None

    def _field(self, line: bytes) -> None:
        """Process a non-blank line other than the ``data: `` / ``event:`` fast paths."""
        name, _, value = line.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value.decode("utf-8", self._errors))
        elif name == b"event":
            self._etype = value.decode("utf-8", self._errors)
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
                self._etype = ""
                self._event_retry = None
                return True
        self._off = off
        self._skip_partial = partial
        return False

    def _drop(self, error: DecodeError) -> DecodeError:
        """Start dropping the rest of the current event, and return ``error``."""
        self._skipping = True
        self._skip_partial = False
        self._data.clear()
        self._etype = ""
        self._event_retry = None
        return error

    def _too_large(self) -> DecodeError:
        return self._drop(
            EventTooLarge(
                f"event larger than max_event_bytes={self._max_event_bytes}",
                byte_offset=self._event_start,
                event_number=self._number + 1,
            )
        )

    # -- splitting input into lines ----------------------------------------------------------

    def _refill(self) -> bool:
        """Make the next group of complete lines current; False if more input is needed."""
        while True:
            if self._groups:
                lines, self._sep = self._groups.popleft()
                self._it = iter(lines)
                return True
            if self._tail_len:
                if self._skipping:
                    self._discard_tail()
                elif self._off + self._tail_len > self._limit_end:
                    # A line that never ends must not grow the buffer past the limit.
                    error = self._too_large()
                    self._discard_tail()
                    raise error
            inbox = self._inbox
            if not inbox:
                return False
            chunk = inbox[0] if len(inbox) == 1 else b"".join(inbox)
            inbox.clear()
            self._split(chunk)

    def _discard_tail(self) -> None:
        self._off += self._tail_len
        self._tail = []
        self._tail_len = 0
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
        if self._skip_lf:
            self._skip_lf = False
            if chunk[0] == 10:  # b"\n"
                chunk = chunk[1:]
                self._advance(1)
                if not chunk:
                    return
        groups: list[tuple[list[bytes], int]]
        if b"\r" not in chunk:
            lines = chunk.split(b"\n")
            tail = lines.pop()
            groups = [(lines, 1)] if lines else []
        else:
            self._skip_lf = chunk[-1] == 13  # b"\r"
            n_lf = chunk.count(b"\n")
            if not n_lf:  # CR only
                lines = chunk.split(b"\r")
                tail = lines.pop()
                groups = [(lines, 1)] if lines else []
            elif n_lf == chunk.count(b"\r") == chunk.count(b"\r\n"):  # CRLF only
                lines = chunk.split(b"\r\n")
                tail = lines.pop()
                groups = [(lines, 2)] if lines else []
            else:
                groups, tail = _split_mixed(chunk)
        if not groups:
            self._tail.append(tail)
            self._tail_len += len(tail)
            return
        if self._tail:
            first = groups[0][0]
            self._tail.append(first[0])
            first[0] = b"".join(self._tail)
        self._tail = [tail] if tail else []
        self._tail_len = len(tail)
        self._groups.extend(groups)


def _split_mixed(chunk: bytes) -> tuple[list[tuple[list[bytes], int]], bytes]:
    """Split a chunk mixing CRLF with CR or LF: runs of lines with equally long line ends."""
    parts = chunk.splitlines(keepends=True)  # bytes split on exactly CRLF, CR and LF
    tail = b""
    if parts[-1][-1] not in (10, 13):
        tail = parts.pop()
    groups: list[tuple[list[bytes], int]] = []
    lines: list[bytes] = []
    current = 0
    for part in parts:
        sep = 2 if part.endswith(b"\r\n") else 1
        if sep != current:
            if lines:
                groups.append((lines, current))
            lines = []
            current = sep
        lines.append(part[:-sep])
    if lines:
        groups.append((lines, current))
    return groups, tail
