"""The replay server's HTTP/1.1 side: reading one request (bounded in size and time), response
heads and the API's JSON error bodies."""

from __future__ import annotations

import asyncio
import dataclasses
import json as jsonlib
import re
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias
from urllib.parse import unquote

__all__ = [
    "MAX_BODY",
    "MAX_HEAD",
    "BadRequest",
    "Endpoint",
    "RecordedRequest",
    "error_body",
    "read_request",
    "response_head",
]

Endpoint: TypeAlias = Literal["runs.create", "runs.submit_tool_outputs", "threads.create_and_run"]

MAX_HEAD: Final = 64 * 1024
"""Bytes allowed for a request head, for one chunk-size line, and for a chunked body's trailers."""
MAX_BODY: Final = 16 * 1024 * 1024
"""Bytes allowed for a request body (413 above)."""
_ROUTES: Final[tuple[tuple[Endpoint, re.Pattern[str]], ...]] = (
    ("threads.create_and_run", re.compile(r"/v1/threads/runs")),
    ("runs.create", re.compile(r"/v1/threads/(?P<thread_id>[^/]+)/runs")),
    (
        "runs.submit_tool_outputs",
        re.compile(r"/v1/threads/(?P<thread_id>[^/]+)/runs/(?P<run_id>[^/]+)/submit_tool_outputs"),
    ),
)
# ASCII digits only: str.isdigit() also takes "²", which int() refuses
_CONTENT_LENGTH: Final = re.compile(r"[0-9]+", re.ASCII)
_CHUNK_SIZE: Final = re.compile(rb"[0-9A-Fa-f]+")
_MAX_LENGTH_DIGITS: Final = 16  # a length of more digits is over MAX_BODY in any base used here


@dataclasses.dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server received, as passed to a callable source and kept for assertions."""

    index: int
    """0, 1, 2, ... in the order the requests were read."""
    connection: int
    """0, 1, 2, ... per TCP connection accepted: equal values mean a kept-alive connection."""
    method: str
    version: str
    """The request's HTTP version, e.g. ``HTTP/1.1``."""
    path: str
    """The path without the query string, e.g. ``/v1/threads/thread_1/runs``."""
    query: str
    """The raw query string (without ``?``), e.g. ``include[]=...``; ``""`` if none."""
    headers: Mapping[str, str]
    """Request headers by lower-cased name (repeated headers joined with ``", "``)."""
    body: bytes
    endpoint: Endpoint | None
    """Which Assistants endpoint the path names; ``None`` for anything else (answered 404)."""
    thread_id: str | None = None
    run_id: str | None = None

    @property
    def json(self) -> Any:
        """The body parsed as JSON (on each access: records keep only bytes), or ``None``."""
        if not self.body:
            return None
        try:
            return jsonlib.loads(self.body)
        except ValueError:
            return None


class BadRequest(Exception):
    """A request the server answers with ``status`` and closes the connection after."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the status and the message for the JSON error body."""
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(message: str, *, type_: str = "invalid_request_error") -> bytes:
    """The API's JSON error body."""
    error = {"message": message, "type": type_, "param": None, "code": None}
    return jsonlib.dumps({"error": error}).encode()


def response_head(
    status: int, request_index: int | None, headers: Mapping[str, str], keep_alive: bool
) -> bytes:
    """A response's status line and headers, ending with the blank line."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += (f"{name}: {value}" for name, value in headers.items())
    if request_index is not None:
        lines.append(f"x-request-id: req_replay_{request_index}")
    lines += (
        f"connection: {'keep-alive' if keep_alive else 'close'}",
        "server: deltasnap-replay",
        "",
        "",
    )
    return "\r\n".join(lines).encode("latin-1")


async def _line(reader: asyncio.StreamReader, what: str) -> bytes:
    """One CRLF-terminated line of at most ``MAX_HEAD`` bytes (the reader's limit)."""
    try:
        return await reader.readuntil(b"\r\n")
    except asyncio.LimitOverrunError as exc:
        raise BadRequest(400, f"{what} line too long") from exc


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_text = (await _line(reader, "chunk size")).split(b";", 1)[0].strip()
        if len(size_text) > _MAX_LENGTH_DIGITS or not _CHUNK_SIZE.fullmatch(size_text):
            raise BadRequest(400, "malformed chunk size")
        size = int(size_text, 16)
        if size == 0:
            trailers = 0
            while (line := await _line(reader, "trailer")) != b"\r\n":
                trailers += len(line)
                if trailers > MAX_HEAD:
                    raise BadRequest(431, "trailers too large")
            return bytes(body)
        if len(body) + size > MAX_BODY:
            raise BadRequest(413, "request body too large")
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise BadRequest(400, "malformed chunk")


async def _read_body(
    headers: Mapping[str, str], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        await _continue(headers, writer)
        return await _read_chunked(reader)
    if "content-length" not in headers:
        return b""
    length_text = headers["content-length"]
    if not _CONTENT_LENGTH.fullmatch(length_text):
        raise BadRequest(400, f"bad content-length {length_text[:40]!r}")
    if len(length_text) > _MAX_LENGTH_DIGITS or int(length_text) > MAX_BODY:
        raise BadRequest(413, "request body too large")
    await _continue(headers, writer)
    return await reader.readexactly(int(length_text))


async def _continue(headers: Mapping[str, str], writer: asyncio.StreamWriter) -> None:
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    while lines and not lines[0]:
        lines.pop(0)  # tolerate empty lines before the request line
    parts = lines[0].split(" ") if lines else []
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(400, "malformed request line")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(400, f"malformed header line {line[:200]!r}")
        key, value = name.lower(), value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return method, target, version, headers


async def read_request(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    counter: Iterator[int],
    connection: int,
    idle_timeout: float,
    body_timeout: float,
) -> tuple[RecordedRequest | None, bool]:
    """Read one request: (the request, keep-alive) or (None, False) if the client closed first.

    Waits up to ``idle_timeout`` for a whole head and then up to ``body_timeout`` for the body.
    """
    try:
        async with asyncio.timeout(idle_timeout):
            head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None, False  # the client closed the connection between requests
    except asyncio.LimitOverrunError as exc:
        raise BadRequest(431, "request head too large") from exc
    if len(head) > MAX_HEAD:
        raise BadRequest(431, "request head too large")
    method, target, version, headers = _parse_head(head)
    tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
    keep_alive = "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens
    try:
        async with asyncio.timeout(body_timeout):
            body = await _read_body(headers, reader, writer)
    except TimeoutError as exc:
        raise BadRequest(408, f"request body not received within {body_timeout:g} s") from exc

    path, _, query = target.partition("?")
    endpoint: Endpoint | None = None
    ids: dict[str, str] = {}
    if method == "POST":
        for name, pattern in _ROUTES:
            if match := pattern.fullmatch(path):
                endpoint = name
                ids = {k: unquote(v) for k, v in match.groupdict().items()}
                break
    request = RecordedRequest(
        index=next(counter),
        connection=connection,
        method=method,
        version=version,
        path=path,
        query=query,
        headers=MappingProxyType(headers),
        body=body,
        endpoint=endpoint,
        thread_id=ids.get("thread_id"),
        run_id=ids.get("run_id"),
    )
    return request, keep_alive
