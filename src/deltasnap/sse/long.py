"""Long ``data:`` lines kept as bytes: for a consumer that parses them itself (the Accumulator,
for the server's large final copies), the line is checked to be UTF-8 slice by slice and handed
over undecoded, instead of as a str that can take four bytes a character."""

from __future__ import annotations

import codecs
from typing import cast

__all__ = ["LongData", "checked", "join_data"]

_PREFIX = len(b"data: ")
_SLICE = 1 << 16


class LongData:
    """The data of one long ``data: ...`` line: the whole line (bytes or bytearray), and how many
    characters its data decodes to."""

    __slots__ = ("chars", "line")

    def __init__(self, line: bytes | bytearray, chars: int) -> None:
        self.line = line
        self.chars = chars

    def text(self) -> str:
        """The data as a str (what the decoder would have made of it)."""
        return self.line[_PREFIX:].decode("utf-8")

    def take(self) -> bytes | bytearray:
        """The line, given up: this object no longer holds it."""
        line, self.line = self.line, b""
        return line


def checked(line: bytes | bytearray) -> str:
    """``line``'s data as a ``LongData`` when it is UTF-8 (typed as the str it stands for: only a
    consumer that asked for it gets one); otherwise the UnicodeDecodeError that decoding the data
    at once raises."""
    decode = codecs.getincrementaldecoder("utf-8")().decode
    view = memoryview(line)
    end = len(line)
    chars = 0
    try:
        for start in range(_PREFIX, end, _SLICE):
            chars += len(decode(view[start : start + _SLICE], start + _SLICE >= end))
    except UnicodeDecodeError:
        line[_PREFIX:].decode("utf-8")  # the error, exactly as decoding at once words it
        raise
    finally:
        view.release()
    return cast(str, LongData(line, chars))


def join_data(data: list[str]) -> str:
    """The data lines of one event joined by LF (a ``LongData`` among them decoded)."""
    return "\n".join([d if type(d) is str else cast(LongData, d).text() for d in data])
