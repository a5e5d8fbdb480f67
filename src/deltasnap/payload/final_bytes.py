"""A large final copy parsed from its bytes without a second copy of its long texts.

The server's ``completed`` copy of a message or step repeats everything that was streamed. When
a long string in it is, byte for byte, the JSON encoding of a text accumulated already, the
string is cut out of the bytes (a number marker takes its place), the small rest is parsed, and
the accumulated str itself stands where the string was: nothing is decoded twice, and comparing
the copy with the accumulated state finds the very same object. Anything unexpected (a text
encoded another way, a marker-like number in the data, JSON that does not parse) gives None:
the caller then takes its general path, which decides (and words every error) as before.

Why it is exact: the marker replaces a quote-delimited region whose inside is a valid JSON
string body (the encoding of a str); the marker is parsed as a number, and so seen by
``parse_float``, only if the quote before it opened a string, in which case the region was that
whole string and the rest of the text tokenizes as before. So when every marker is seen, the
result equals ``json.loads`` of the original bytes.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple, Protocol

from .._errors import JSONTooDeep
from .._exact import decode
from ..sse.long import LongData
from .json import _finite, _no_constant, check_depth

__all__ = ["LongText", "object_id", "parse"]

_PREFIX = len(b"data: ")
_MARKER = b"-0.0E-0000000000"
_ID = re.compile(rb'[ \t\r\n]*\{[ \t\r\n]*"id"[ \t\r\n]*:[ \t\r\n]*"([^"\\]{1,256})"')
_PROBE = 32  # characters of a text searched for
_SLICE = 1 << 14  # characters of a text encoded at a time
_TRIES = 4  # places a text is tried at before it is given up
_CONTINUATION = bytes(range(0x80, 0xC0))  # the bytes of UTF-8 that do not start a character
_BYTES = 1 << 16  # bytes of a UTF-8 text escaped at a time
# what json.dumps escapes: the two with a backslash first (escapes add backslashes), the control
# characters with a short escape, then the others as \u00XX
_SHORT = tuple(
    (bytes([c]), e)
    for c, e in zip(
        b'\\"\n\r\t\b\f', (rb"\\", rb"\"", rb"\n", rb"\r", rb"\t", rb"\b", rb"\f"), strict=True
    )
)
_LONG = bytes(c for c in range(0x20) if c not in b"\n\r\t\b\f")
_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")  # a surrogate, as "surrogatepass" encodes it
_dumps = json.JSONEncoder(ensure_ascii=False).encode
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class LongText(Protocol):
    """An accumulated text, as kept (``segments``) and as one str (``text``)."""

    def segments(self) -> list[str | bytearray]: ...

    def text(self) -> str: ...


def object_id(line: bytes | bytearray, start: int) -> str | None:
    """The ``id`` of the JSON object at ``line[start:]`` when it is its first key, else None."""
    found = _ID.match(line, start)
    return found.group(1).decode("utf-8") if found else None


def _encoded(text: str) -> bytes | None:
    """``text`` as the body of a JSON string, encoded as ``json.dumps(ensure_ascii=False)``
    does (None if it holds a lone surrogate, which only an escape can carry)."""
    try:
        return _dumps(text)[1:-1].encode("utf-8")
    except UnicodeEncodeError:
        return None


def _pieces(segments: list[str | bytearray]) -> Any:
    """The text of ``segments`` in slices of at most ``_SLICE`` characters (UTF-8 decoded a
    slice at a time: a long text is never a second str here)."""
    for segment in segments:
        if isinstance(segment, str):
            for i in range(0, len(segment), _SLICE):
                yield segment[i : i + _SLICE]
            continue
        decode = codecs.getincrementaldecoder("utf-8")("surrogatepass").decode
        end = len(segment)
        for i in range(0, end, _SLICE):
            piece = decode(segment[i : i + _SLICE], i + _SLICE >= end)
            if piece:
                yield piece


def _escaped(utf8: bytes | bytearray) -> bytes | bytearray:
    """UTF-8 text as the body of a JSON string, escaped byte by byte as ``_encoded`` escapes its
    characters (every escaped character is one ASCII byte, never part of a longer one)."""
    for char, escape in _SHORT:
        if char in utf8:
            utf8 = utf8.replace(char, escape)
    if len(utf8.translate(None, _LONG)) != len(utf8):
        for code in _LONG:
            if code in utf8:
                utf8 = utf8.replace(bytes([code]), b"\\u%04x" % code)
    return utf8


def _bodies(segments: list[str | bytearray]) -> Any:
    """The JSON string body of the text of ``segments``, a slice at a time; None for a slice
    that has none (a lone surrogate, which only an escape can carry). A text kept as UTF-8 is
    escaped as bytes, never decoded."""
    for segment in segments:
        if isinstance(segment, str):
            for i in range(0, len(segment), _SLICE):
                yield _encoded(segment[i : i + _SLICE])
        elif b"\xed" in segment and _SURROGATE.search(segment):
            yield None
        else:
            for i in range(0, len(segment), _BYTES):
                yield _escaped(segment[i : i + _BYTES])


def _match(line: bytes | bytearray, at: int, segments: list[str | bytearray]) -> int:
    """Where the JSON string at ``line[at]`` (a quote) ends, just past its closing quote, if its
    body is exactly the encoding of ``segments``; else -1."""
    pos = at + 1
    for body in _bodies(segments):
        if body is None or not line.startswith(body, pos):
            return -1
        pos += len(body)
    return pos + 1 if line[pos : pos + 1] == b'"' else -1


def _opens(line: bytes | bytearray, at: int, start: int) -> bool:
    """Whether the quote at ``at`` is not escaped (an even number of backslashes before it)."""
    back = at
    while back > start and line[back - 1] == 0x5C:  # backslash
        back -= 1
    return (at - back) % 2 == 0


def _find(line: bytes | bytearray, texts: Sequence[LongText], start: int) -> list[Any]:
    """(start, end, text) of each text found encoded, in order, from ``start``."""
    cuts: list[Any] = []
    pos = start
    for text in texts:
        segments = text.segments()
        head = "".join(_first(segments))
        probe = _encoded(head)
        if probe is None or not head:
            continue
        needle = b'"' + probe
        at = line.find(needle, pos)
        for _ in range(_TRIES):
            if at < 0:
                break
            if _opens(line, at, start):
                end = _match(line, at, segments)
                if end > 0:
                    cuts.append((at, end, text))
                    pos = end
                    break
            at = line.find(needle, at + 1)
    return cuts


def _first(segments: list[str | bytearray]) -> Any:
    """The first ``_PROBE`` characters of ``segments``, as strs."""
    need = _PROBE
    for piece in _pieces(segments):
        yield piece[:need]
        need -= min(need, len(piece))
        if not need:
            return


def _find_arrays(
    line: bytes | bytearray, arrays: Sequence[list[Any]], start: int, taken: list[Any]
) -> tuple[list[Any], list[list[Any]]]:
    """(start, end, array) of each of ``arrays`` found written in ``line`` after the key
    ``"annotations"`` exactly as json.dumps writes it (the line's own separators), in order, and
    not overlapping ``taken`` (the texts' cuts); and the arrays not found."""
    compact = line.find(b'"annotations":[', start) >= 0
    key, dumps = (b'"annotations":', _compact) if compact else (b'"annotations": ', _dumps)
    cuts: list[Any] = []
    missed: list[list[Any]] = []
    spans = [(at, end) for at, end, _ in taken]
    pos = start
    for array in arrays:
        written = dumps(array)
        needle = key + written.encode()
        at = line.find(needle, pos)
        end = at + len(needle)
        at += len(key)
        if at < len(key) or any(a < end and at < b for a, b in spans):
            missed.append(array)
            continue
        cuts.append((at, end, _Written(array, written)))
        pos = end
    return cuts, missed


def parse(
    data: LongData,
    texts: Sequence[LongText],
    max_depth: int | None,
    arrays: Sequence[list[Any]] = (),
    share: Callable[[Iterable[Any]], Callable[[dict[str, Any]], Any]] | None = None,
) -> tuple[Any, str | None]:
    """``(value, None)``: the JSON value of ``data`` with each of ``texts`` found in it standing
    there as the accumulated str itself, and each of ``arrays`` (annotations) found written as
    json.dumps writes it as a new list of the very same items. ``(None, text)`` when that cannot
    be done exactly: ``text`` is the data as a str, for the general path. ``data`` gives up its
    line as soon as the rest is cut out of it. ``share`` makes the ``object_hook`` for the items
    of the arrays not found."""
    line = data.line
    start = _PREFIX
    cuts = [] if line.find(_MARKER, start) >= 0 else _find(line, texts, start)
    if not cuts:
        return None, data.text()
    found, missed = _find_arrays(line, arrays, start, cuts)
    cuts = sorted(cuts + found, key=itemgetter(0))
    pieces: list[bytes | bytearray] = []
    table: dict[str, Any] = {}
    pos = start
    for n, (at, end, _) in enumerate(cuts):
        marker = _marker(n)
        pieces += (line[pos:at], marker)
        pos = end
    pieces.append(line[pos:])
    del line
    data.take()  # the line goes: only the rest is kept from here on
    utf8 = b"".join(pieces)
    del pieces
    chars = len(utf8.translate(None, _CONTINUATION))  # counted before the texts are made
    originals: dict[str, str] = {}  # the arrays as written, should the data go as it came
    # The arrays stand there empty while the depth is checked, and get their items after: an
    # accumulated annotation nests no deeper in its message's copy than in the event it came in.
    fills: list[tuple[list[Any], list[Any]]] = []
    for n, (_, _, cut) in enumerate(cuts):
        name = _marker(n).decode()
        if isinstance(cut, _Written):
            table[name], originals[name] = [], cut.written
            fills.append((table[name], cut.array))
        else:
            table[name] = cut.text()
    rest = decode(utf8, chars)  # made at its size: decoding at once takes several times that
    del utf8
    hook = None if share is None else share(chain.from_iterable(missed))
    value = _loads(rest, table, max_depth, hook)
    if value is _FAILED:
        return None, _original(rest, table, originals)
    for array, items in fills:
        array += items
    return value, None


class _Written(NamedTuple):
    """An accumulated array found in a final copy, and how it is written there."""

    array: list[Any]
    written: str


_FAILED: Any = object()


def _marker(n: int) -> bytes:
    """The number standing for the ``n``-th cut string (fixed width: no marker is a prefix of
    another)."""
    return _MARKER + b"%06d" % n


def _loads(
    rest: str,
    table: dict[str, Any],
    max_depth: int | None,
    object_hook: Callable[[dict[str, Any]], Any] | None,
) -> Any:
    """``rest`` parsed with each marker as its text or array; ``_FAILED`` unless every marker
    was seen once as a number and the text is JSON within the depth (checked on the value: the
    text's check copies the text, and deeper than the parser goes is a RecursionError)."""
    seen: list[str] = []

    def number(literal: str) -> Any:
        text = table.get(literal)
        if text is None:
            return _finite(literal)
        seen.append(literal)
        return text

    decoder = json.JSONDecoder(
        parse_constant=_no_constant, parse_float=number, object_hook=object_hook
    )
    try:
        value = decoder.decode(rest)
        if max_depth is not None:
            check_depth(value, max_depth)
    except (ValueError, RecursionError, JSONTooDeep):
        return _FAILED
    if sorted(seen) != sorted(table):
        return _FAILED
    return value


def _original(rest: str, table: dict[str, Any], originals: dict[str, str]) -> str:
    """The data as it arrived: each marker in ``rest`` back as the string or array it replaced
    (found written exactly so)."""
    for marker, value in table.items():
        written = originals.get(marker)
        rest = rest.replace(marker, _dumps(value) if written is None else written, 1)
    return rest
