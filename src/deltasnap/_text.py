"""Append-only text buffers and the lazy references snapshots hold into them."""

from __future__ import annotations

from ._exact import decode

__all__ = ["TextBuffer", "TextRef", "resolve"]

# Unread pieces are flushed, joined, into one UTF-8 bytearray every this many pieces or
# characters, so a long stream nobody reads keeps one growing buffer instead of millions of tiny
# strings (less memory, and less for the GC to walk). UTF-8 (lone surrogates, which JSON escapes
# can make, pass through): a str holding one emoji takes 4 bytes a character, so unread text
# costs about a third as much; it is decoded once, when read, into a str made at its size.
_RUN = 256
_CHARS = 1 << 12
_UTF8 = "utf-8"
_PASS = "surrogatepass"


class TextBuffer:
    """Streamed text kept as pieces; joined lazily, at most once per new piece that is read."""

    __slots__ = ("_held", "_joined", "_length", "_tail", "_utf8")

    def __init__(self, initial: str = "") -> None:
        self._joined = initial
        self._utf8: bytearray | None = None
        self._tail: list[str] = []
        self._held = 0  # characters in the tail
        self._length = len(initial)

    def append(self, piece: str) -> None:
        """Add one piece at the end."""
        tail = self._tail
        tail.append(piece)
        size = len(piece)
        self._length += size
        held = self._held + size
        if held >= _CHARS or len(tail) >= _RUN:
            self._flush()
        else:
            self._held = held

    def _flush(self) -> None:
        """Move the tail's pieces to the end of the UTF-8 buffer."""
        data = "".join(self._tail).encode(_UTF8, _PASS)
        self._tail.clear()
        self._held = 0
        if self._utf8 is None:
            self._utf8 = bytearray(data)
        else:
            self._utf8 += data

    def __len__(self) -> int:
        return self._length

    def text(self, length: int | None = None) -> str:
        """The text so far (or its first ``length`` characters, for an older snapshot)."""
        if self._tail or self._utf8 is not None:
            self._join()
        joined = self._joined
        if length is None or length == len(joined):
            return joined
        return joined[:length]

    def _join(self) -> None:
        """Make ``_joined`` the whole text: the UTF-8 decoded once, its bytes let go at once."""
        joined = self._joined
        if not joined and self._utf8 is not None:
            if self._tail:
                self._flush()
            whole, self._utf8 = self._utf8, None
            self._joined = decode(whole, self._length)
            return
        parts = [joined] if joined else []
        utf8, self._utf8 = self._utf8, None
        if utf8 is not None:
            parts.append(decode(utf8, self._length - len(joined) - self._held))
            del utf8
        parts += self._tail
        self._tail.clear()
        self._held = 0
        self._joined = parts[0] if len(parts) == 1 else "".join(parts)

    def segments(self) -> list[str | bytearray]:
        """The text as it is kept, without joining it: strs, and UTF-8 (for comparing a long
        text piece by piece)."""
        head: list[str | bytearray] = [self._joined] if self._joined else []
        if self._utf8 is not None:
            head.append(self._utf8)
        return [*head, *self._tail]

    def ref(self) -> TextRef:
        """A reference to the text as it is now; later appends do not change what it reads."""
        return TextRef(self, self._length)


class TextRef:
    """A frozen view of a TextBuffer's first ``length`` characters, resolved on first read."""

    __slots__ = ("_buffer", "_length")

    def __init__(self, buffer: TextBuffer, length: int) -> None:
        self._buffer = buffer
        self._length = length

    def __len__(self) -> int:
        return self._length

    def resolve(self) -> str:
        """The referenced text as a str."""
        return self._buffer.text(self._length)


def resolve(value: str | TextRef) -> str:
    """A str from either a str or a lazy TextRef."""
    return value if type(value) is str else value.resolve()  # type: ignore[union-attr]
