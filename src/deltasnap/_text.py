"""Append-only text buffers and the lazy references snapshots hold into them."""

from __future__ import annotations

__all__ = ["TextBuffer", "TextRef", "resolve"]

# Unread pieces are joined into runs of this many, so a long stream nobody reads keeps a few
# thousand strings instead of millions of tiny ones (less memory, and less for the GC to walk).
_RUN = 256
# Runs are kept as UTF-8 (lone surrogates, which JSON escapes can make, pass through): a str
# holding one emoji takes 4 bytes a character, so unread text costs about a third as much, and
# joining it at last needs the UTF-8 and the str, not the str twice.
_UTF8 = "utf-8"
_PASS = "surrogatepass"


class TextBuffer:
    """Streamed text kept as pieces; joined lazily, at most once per new piece that is read."""

    __slots__ = ("_joined", "_length", "_runs", "_tail")

    def __init__(self, initial: str = "") -> None:
        self._joined = initial
        self._runs: list[bytes] = []
        self._tail: list[str] = []
        self._length = len(initial)

    def append(self, piece: str) -> None:
        """Add one piece at the end."""
        tail = self._tail
        tail.append(piece)
        self._length += len(piece)
        if len(tail) >= _RUN:
            self._runs.append("".join(tail).encode(_UTF8, _PASS))
            tail.clear()

    def __len__(self) -> int:
        return self._length

    def text(self, length: int | None = None) -> str:
        """The text so far (or its first ``length`` characters, for an older snapshot)."""
        if self._tail or self._runs:
            self._join()
        joined = self._joined
        if length is None or length == len(joined):
            return joined
        return joined[:length]

    def _join(self) -> None:
        """Make ``_joined`` the whole text (the runs' UTF-8 joined first, then decoded once)."""
        parts = [self._joined] if self._joined else []
        runs = self._runs
        if runs:
            data = runs[0] if len(runs) == 1 else b"".join(runs)
            runs.clear()
            parts.append(data.decode(_UTF8, _PASS))
            del data
        parts += self._tail
        self._tail.clear()
        self._joined = parts[0] if len(parts) == 1 else "".join(parts)

    def segments(self) -> list[str | bytes]:
        """The text as it is kept, without joining it: strs, and runs of UTF-8 (for comparing
        a long text piece by piece)."""
        head: list[str | bytes] = [self._joined] if self._joined else []
        return [*head, *self._runs, *self._tail]

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
