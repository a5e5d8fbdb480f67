"""SSE stage, part one: bytes in any chunking → groups of complete lines (no field rules here).

Handles the UTF-8 BOM at the very start, CRLF / LF / CR line ends (a CRLF split across chunks is
one line end; a CR ending a chunk and a non-blank line is held until the next byte), and keeps an
incomplete last line in a bytearray that only grows. Lines come out in groups that share one
line-end length, with ``_off`` tracking the stream offset of the next line. What to do with a
line that grows too long, or with lines being dropped, is the event builder's call (the
``_tail_allowed`` and ``_partial_line`` hooks).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

__all__ = ["NO_LINES", "LineSplitter"]

_BOM = b"\xef\xbb\xbf"
#: The current group of lines when there is none left to read.
NO_LINES: Iterator[bytes] = iter(())


class LineSplitter:
    """Bytes in, groups of complete lines out (``_refill`` makes the next group current)."""

    __slots__ = (
        "_bom",
        "_closed",
        "_final",
        "_groups",
        "_held",
        "_hold",
        "_inbox",
        "_it",
        "_long_line",
        "_off",
        "_raw",
        "_raw_pos",
        "_release",
        "_sep",
        "_skip_lf",
        "_tail",
        "bytes_received",
    )

    def __init__(self) -> None:
        #: Total bytes received so far.
        self.bytes_received = 0
        self._closed = False
        # Input not split into lines yet.
        self._inbox: list[bytes] = []
        # The first bytes of the stream until we know whether they start with a BOM (None: done).
        self._bom: bytes | None = b""
        # Complete lines not processed yet: the group being read (with its line-end length) ...
        self._it: Iterator[bytes] = NO_LINES
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
        # The inbox joined, of which ``_raw[_raw_pos:]`` is not split yet. While ``_hold`` is
        # not empty, splitting stops in front of each event after a blank line that starts
        # with those bytes (for a caller that scans runs of such events itself: see the
        # decoder's ``_stopped``), until ``_release`` is set.
        self._raw = b""
        self._raw_pos = 0
        self._hold = b""
        self._release = False
        # An incomplete ``data: `` line at least this long is completed in its bytearray (a
        # consumer of long lines takes it from there: see long.py), not copied into bytes.
        self._long_line = 1 << 62

    # -- hooks for the event builder ---------------------------------------------------------

    def _tail_allowed(self) -> bool:
        """Before more input is split: False stops (the incomplete line may not grow)."""
        return True

    def _partial_line(self, tail: bytes) -> None:
        """A chunk with no line end: more of the incomplete line."""
        self._tail += tail

    def _advance(self, n: int) -> None:
        """Consume ``n`` bytes that belong to no line (a BOM, the LF of a split CRLF)."""
        self._off += n

    # -- input -------------------------------------------------------------------------------

    def receive(self, data: bytes | str) -> None:
        """Buffer more input (a str is encoded as UTF-8: lone surrogates as bytes that are not
        UTF-8, so their event is a bad one); parsing waits for next_event()."""
        if self._closed:
            raise ValueError("receive() after close()")
        if isinstance(data, str):
            # lone surrogates (a text source decoded with errors="surrogateescape", or "\udcff"
            # in a str) become bytes that are not UTF-8: their event is one bad event, skipped
            # and located like any invalid UTF-8, never an UnicodeEncodeError losing the run
            data = data.encode("utf-8", "surrogatepass")
        elif type(data) is not bytes:
            data = bytes(data)
        if data:
            self._inbox.append(data)
            self.bytes_received += len(data)

    # -- splitting --------------------------------------------------------------------------

    def _refill(self) -> bool:
        """Make the next group of complete lines current; False if more input is needed (or an
        unfinished line grew too large: the error is then pending)."""
        while True:
            if self._groups:
                lines, self._sep = self._groups.popleft()
                self._it = iter(lines)
                return True
            if self._tail and not self._tail_allowed():
                return False
            chunk = self._next_chunk()
            if chunk is None:
                return False
            self._split(chunk)

    def _next_chunk(self) -> bytes | None:
        """The next input to split: all of it, or (holding) up to the next held event."""
        inbox = self._inbox
        raw, pos = self._raw, self._raw_pos
        if inbox:
            if pos < len(raw):
                inbox.insert(0, raw[pos:])
            raw = inbox[0] if len(inbox) == 1 else b"".join(inbox)
            inbox.clear()
            pos = 0
        elif pos >= len(raw):
            return None
        if not self._hold:
            self._raw = b""
            self._raw_pos = 0
            return raw[pos:] if pos else raw
        hold = self._hold
        if not self._release and raw.startswith(hold, pos):
            self._raw, self._raw_pos = raw, pos
            return None
        self._release = False
        found = raw.find(b"\n\n" + hold, pos)
        end = len(raw) if found < 0 else found + 2
        self._raw, self._raw_pos = raw, end
        return raw[pos:end]

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
            self._partial_line(tail)
            return
        if self._tail:
            first = groups[0][0]
            held = self._tail
            if len(held) >= self._long_line and held.startswith(b"data: "):
                held += first[0]
                first[0] = held  # type: ignore[call-overload]
            else:
                first[0] = b"".join((held, first[0]))
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
