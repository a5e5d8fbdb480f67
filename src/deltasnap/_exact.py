"""A long UTF-8 text decoded into a str allocated once at its exact size.

Decoding at once costs far more than the text: CPython's decoder reserves one character per byte
and widens that buffer kind by kind (1, then 2, then 4 bytes a character) as wider characters
appear, so a long text with one emoji passes through buffers of about six times its UTF-8 size.
Here the str is made at its final size and kind (known from the UTF-8 alone) and filled slice
by slice through the C API calls meant for exactly that (``PyUnicode_New``, then
``PyUnicode_CopyCharacters`` into the new, unshared object); where those are not at hand
(not CPython) the text is decoded at once, as before.
"""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Callable
from typing import Any, cast

__all__ = ["decode"]

_UTF8 = "utf-8"
_PASS = "surrogatepass"
_MIN = 1 << 15  # bytes below which decoding at once costs too little to matter
_SLICE = 1 << 14  # bytes decoded at a time
# Lead bytes of characters above U+FFFF, and of characters from U+0100 to U+FFFF (a lone
# surrogate, as surrogatepass writes it, among them): the str's kind, from its UTF-8.
_ASTRAL = re.compile(rb"[\xf0-\xf7]").search
_WIDE = re.compile(rb"[\xc4-\xef]").search


def _api() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """``PyUnicode_New`` and ``PyUnicode_CopyCharacters``, typed for ctypes (None if absent)."""
    if sys.implementation.name != "cpython":
        return None
    try:
        import ctypes

        api = ctypes.pythonapi
        new, copy = api.PyUnicode_New, api.PyUnicode_CopyCharacters
    except (ImportError, AttributeError):  # pragma: no cover - CPython always has them
        return None
    new.restype, new.argtypes = ctypes.py_object, [ctypes.c_ssize_t, ctypes.c_uint32]
    copy.restype = ctypes.c_ssize_t
    # the target by address: passed as an object, the call's own reference would make it
    # look shared, and CPython refuses to write into a shared str
    copy.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ssize_t,
        ctypes.py_object,
        ctypes.c_ssize_t,
        ctypes.c_ssize_t,
    ]
    return new, copy


_API: Any = None  # looked up on first use: (new, copy), or False when there is none


def decode(data: bytes | bytearray, chars: int) -> str:
    """``data.decode("utf-8", "surrogatepass")``, which is ``chars`` characters long, made at
    its exact size when it is long and not ASCII."""
    global _API
    if len(data) < _MIN or data.isascii():
        return data.decode(_UTF8, _PASS)
    if _API is None:
        _API = _api() or False
    if not _API:  # pragma: no cover - not CPython
        return data.decode(_UTF8, _PASS)
    text = _filled(data, chars, *_API)
    return data.decode(_UTF8, _PASS) if text is None else text


def _filled(
    data: bytes | bytearray, chars: int, new: Callable[..., Any], copy: Callable[..., Any]
) -> str | None:
    """The decoded text in a str made at its size, or None (nothing half-made escapes)."""
    widest = 0x10FFFF if _ASTRAL(data) else 0xFFFF if _WIDE(data) else 0xFF
    decoder = codecs.getincrementaldecoder(_UTF8)(_PASS).decode
    end = len(data)
    at = 0
    try:
        text = new(chars, widest)
        address = id(text)
        for start in range(0, end, _SLICE):
            piece = decoder(data[start : start + _SLICE], start + _SLICE >= end)
            if at + len(piece) > chars:
                return None
            copy(address, at, piece, 0, len(piece))
            at += len(piece)
    except (SystemError, ValueError, MemoryError):  # refused: decoded at once instead
        return None
    return cast(str, text) if at == chars else None
