"""Finding captures in an archive and reading each one, whatever form the archive holds it in.

Forms (detected by content; ``input_format`` forces one): raw SSE (``curl -i`` output with HTTP
headers in front included), gzip-compressed files of any form, JSON Lines of decoded events (one
``{"event": ..., "data": ...}`` object per line, data an object or JSON text) and HAR files (every
entry whose response is ``text/event-stream`` is one capture, named ``PATH#N``, N its entry index).
"""

from __future__ import annotations

import base64
import contextlib
import glob
import gzip
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, NamedTuple

import attrs

from .._errors import DecodeError, InvalidJSON

__all__ = [
    "FORMATS",
    "WALKED_SUFFIXES",
    "Capture",
    "DecodedEvent",
    "Opener",
    "detect_format",
    "expand_inputs",
    "list_captures",
    "open_local",
    "read_items",
]

#: How a path is opened for reading bytes (``open``, or an fsspec filesystem's ``open``).
Opener = Callable[[str], IO[bytes]]
FORMATS = ("sse", "jsonl", "har")
#: File name endings a directory walk picks up (explicit files and globs take any name).
WALKED_SUFFIXES = (
    ".sse",
    ".txt",
    ".http",
    ".jsonl",
    ".ndjson",
    ".json",
    ".har",
    ".gz",
)
_GZIP_MAGIC = b"\x1f\x8b"
_HEAD = 64 * 1024
_CHUNK = 64 * 1024
_MAX_HEADER = 1024 * 1024


def open_local(path: str) -> IO[bytes]:
    """Open a local file for reading bytes."""
    return open(path, "rb")


@attrs.frozen
class Capture:
    """One capture to reduce: a file, or entry ``entry`` of a HAR file (named ``PATH#N``)."""

    path: str
    format: str
    entry: int | None = None
    size: int = 0

    @property
    def name(self) -> str:
        """The capture's name in results: its path, with ``#N`` for a HAR entry."""
        return self.path if self.entry is None else f"{self.path}#{self.entry}"


class DecodedEvent(NamedTuple):
    """One event of a JSON Lines capture (``.event`` and ``.data``, as ``accumulate`` takes)."""

    event: str
    data: Any


# ------------------------------------------------------------------------------- finding


def _walk(root: str) -> Iterator[str]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(WALKED_SUFFIXES):
                yield os.path.join(folder, name)


def expand_inputs(inputs: Iterable[str], stdin: IO[str] | None = None) -> Iterator[str]:
    """Files as given, directories walked (sorted, recursively), globs expanded, ``-`` read as a
    list of paths (one a line) from ``stdin``; each path once."""
    seen: set[str] = set()
    for item in inputs:
        if item == "-":
            lines = (line.strip() for line in (stdin if stdin is not None else sys.stdin))
            paths: Iterable[str] = expand_inputs([line for line in lines if line and line != "-"])
        elif os.path.isdir(item):
            paths = _walk(item)
        elif any(c in item for c in "*?[") and not os.path.exists(item):
            matches = sorted(glob.glob(item, recursive=True))
            paths = (p for m in matches for p in (_walk(m) if os.path.isdir(m) else [m]))
        else:
            paths = [item]
        for path in paths:
            if path not in seen:
                seen.add(path)
                yield path


# ------------------------------------------------------------------------------- detecting


@contextlib.contextmanager
def _open(path: str, opener: Opener) -> Iterator[IO[bytes]]:
    """The file's bytes, decompressed if it is gzip (detected by its magic number)."""
    with opener(path) as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == _GZIP_MAGIC:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield unzipped  # type: ignore[misc]
        else:
            yield raw


def detect_format(head: bytes) -> str:
    """``sse``, ``jsonl`` or ``har`` from the first bytes of a (decompressed) file."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith((b"{", b"[")):
        return "sse"  # raw SSE, or curl -i output (HTTP headers, then the body)
    first = text.split(b"\n", 1)[0]
    try:
        obj = json.loads(first)
    except ValueError:
        obj = None
    if isinstance(obj, dict) and "event" in obj:
        return "jsonl"
    if b'"log"' in text[:4096] or (isinstance(obj, dict) and "log" in obj):
        return "har"
    return "jsonl" if obj is not None else "har"


def _is_event_stream(entry: Any) -> bool:
    content = entry.get("response", {}).get("content", {}) if isinstance(entry, dict) else {}
    mime = content.get("mimeType") or ""
    return isinstance(mime, str) and mime.split(";")[0].strip() == "text/event-stream"


def _har_entries(path: str, opener: Opener) -> list[Any]:
    """A HAR file's entries; the last file read is kept, so reading its entries one after the
    other (a worker's task holds a file's entries together) parses it once, not once each."""
    stamp = _stamp(path) if opener is open_local else None
    if stamp is None or _LAST_HAR[0] != (path, stamp):
        _LAST_HAR[:] = [(path, stamp), _load_har(path, opener)]
    entries: list[Any] = _LAST_HAR[1]
    return entries


def _stamp(path: str) -> tuple[int, int, int] | None:
    """What tells a local file's versions apart (None when it cannot be read)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


# (path, stamp) and the entries of the HAR file read last
_LAST_HAR: list[Any] = [None, None]


def _load_har(path: str, opener: Opener) -> list[Any]:
    with _open(path, opener) as handle:
        try:
            har = json.load(handle)
        except ValueError as err:
            raise InvalidJSON(f"{path}: not a HAR file (invalid JSON: {err})") from err
    entries = har.get("log", {}).get("entries") if isinstance(har, dict) else None
    if not isinstance(entries, list):
        raise InvalidJSON(f"{path}: not a HAR file (no log.entries list)")
    return entries


def list_captures(
    paths: Iterable[str], *, input_format: str | None = None, opener: Opener = open_local
) -> Iterator[Capture | tuple[str, Exception]]:
    """Each path's captures (a HAR file gives one per event-stream entry); a path that cannot be
    read or listed gives ``(path, error)`` instead, so the caller can report it as failed."""
    if input_format is not None and input_format not in FORMATS:
        raise ValueError(f"input_format must be one of {FORMATS}, got {input_format!r}")
    for path in paths:
        try:
            with _open(path, opener) as handle:
                fmt = input_format or detect_format(handle.read(_HEAD))
            if fmt != "har":
                yield Capture(path, fmt, size=_size(path, opener))
                continue
            for index, entry in enumerate(_har_entries(path, opener)):
                if _is_event_stream(entry):
                    text = entry["response"]["content"].get("text") or ""
                    yield Capture(path, "har", entry=index, size=len(text))
        except (OSError, EOFError, gzip.BadGzipFile, InvalidJSON) as err:
            yield path, err


def _size(path: str, opener: Opener) -> int:
    if opener is open_local:
        return os.path.getsize(path)
    with opener(path) as handle:
        return int(handle.seek(0, os.SEEK_END))


# ------------------------------------------------------------------------------- reading


def _skip_http_headers(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Drop ``curl -i`` header blocks (``HTTP/1.1 100 Continue`` ones too) before the body."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while buffer.lstrip(b"\r\n").startswith(b"HTTP/"):
            buffer = buffer.lstrip(b"\r\n")
            ends = [(i, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (i := buffer.find(sep)) >= 0]
            if not ends:
                break
            at, width = min(ends)
            buffer = buffer[at + width :]
        else:
            if buffer:
                yield buffer
            yield from chunks
            return
        if len(buffer) > _MAX_HEADER:
            raise DecodeError(f"HTTP headers longer than {_MAX_HEADER} bytes", byte_offset=0)
    if buffer and not buffer.lstrip(b"\r\n").startswith(b"HTTP/"):
        yield buffer


def _read_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(_CHUNK):
        yield chunk


def _jsonl_events(handle: IO[bytes], name: str) -> Iterator[DecodedEvent]:
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as err:
            raise InvalidJSON(f"{name}: line {number} is not JSON: {err}") from err
        if not isinstance(obj, dict) or not isinstance(obj.get("event"), str) or "data" not in obj:
            raise InvalidJSON(f"{name}: line {number} is not an object with event and data")
        yield DecodedEvent(obj["event"], obj["data"])


def read_items(capture: Capture, opener: Opener = open_local) -> Iterator[bytes | DecodedEvent]:
    """The capture's content as ``accumulate`` takes it: byte chunks, or decoded events."""
    if capture.format == "har":
        entry = _har_entries(capture.path, opener)[capture.entry or 0]
        content = entry["response"]["content"]
        text = content.get("text") or ""
        if content.get("encoding") == "base64":
            yield base64.b64decode(text)
        else:
            yield text.encode("utf-8", "surrogatepass")
        return
    with _open(capture.path, opener) as handle:
        if capture.format == "jsonl":
            yield from _jsonl_events(handle, capture.name)
        else:
            yield from _skip_http_headers(_read_chunks(handle))
