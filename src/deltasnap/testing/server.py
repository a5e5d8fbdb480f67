"""A local, Assistants-compatible streaming replay server (stdlib asyncio) for tests and demos.

It answers the three streaming endpoints of the Assistants API with recorded ``.sse`` bytes::

    POST /v1/threads/{thread_id}/runs                               runs.create, runs.stream
    POST /v1/threads/runs                                           threads.create_and_run(_stream)
    POST /v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs  submit_tool_outputs(_stream)

Anything else gets the API's 404 JSON error. Every request is recorded (``server.requests``).
A callable source is called with that record, on the server's event loop: keep it quick.
The body is replayed byte-exact, in ``chunk_size`` pieces, each one an HTTP/1.1 chunk; the options
can add delays, ``: keep-alive`` comments between events, or cut the connection mid-stream.

From sync tests (the server runs in a background thread)::

    with ReplayServer(Path("basic.sse")) as srv:
        client = openai.OpenAI(api_key="test", base_url=srv.base_url)

From async code (the server runs in the current event loop)::

    async with ReplayServer(lambda request: streams[request.thread_id]) as srv:
        ...

From a shell: ``python -m deltasnap.testing.server FILE [--port 8000]`` (loopback only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import ipaddress
import itertools
import json
import os
import random
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from http import HTTPStatus
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Final, Literal, Self, TypeAlias
from urllib.parse import unquote

__all__ = ["RecordedRequest", "ReplayOptions", "ReplayServer", "Reply", "main"]

Framing: TypeAlias = Literal["chunked", "close"]
Endpoint: TypeAlias = Literal["runs.create", "runs.submit_tool_outputs", "threads.create_and_run"]

_MAX_HEAD: Final = 64 * 1024
_MAX_BODY: Final = 16 * 1024 * 1024
_IDLE_TIMEOUT: Final = 60.0
_THREAD_TIMEOUT: Final = 10.0
_ROUTES: Final[tuple[tuple[Endpoint, re.Pattern[str]], ...]] = (
    ("threads.create_and_run", re.compile(r"/v1/threads/runs")),
    ("runs.create", re.compile(r"/v1/threads/(?P<thread_id>[^/]+)/runs")),
    (
        "runs.submit_tool_outputs",
        re.compile(r"/v1/threads/(?P<thread_id>[^/]+)/runs/(?P<run_id>[^/]+)/submit_tool_outputs"),
    ),
)
_LINE_END: Final = re.compile(rb"\r\n|\r|\n")
_KEEPALIVE: Final = b": keep-alive"


@dataclasses.dataclass(frozen=True, slots=True)
class ReplayOptions:
    """How a stream is written: piece sizes, pacing, keep-alive comments and truncation."""

    chunk_size: int = 64
    """Bytes per write (each write is one HTTP chunk); with ``seed``, the largest piece."""
    seed: int | None = None
    """If set, piece sizes come from ``random.Random(seed)``, in ``1..chunk_size``, per reply."""
    delay: float = 0.0
    """Seconds to sleep between two writes."""
    cut_after: int | None = None
    """Close the connection after this many body bytes, without finishing the chunked body."""
    keepalive_every: int | None = None
    """Insert a ``: keep-alive`` comment after every N-th event (only between events)."""

    def __post_init__(self) -> None:
        """Reject values that cannot describe a replay."""
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, not {self.chunk_size}")
        if self.delay < 0:
            raise ValueError(f"delay must be >= 0, not {self.delay}")
        if self.cut_after is not None and self.cut_after < 0:
            raise ValueError(f"cut_after must be >= 0, not {self.cut_after}")
        if self.keepalive_every is not None and self.keepalive_every < 1:
            raise ValueError(f"keepalive_every must be >= 1, not {self.keepalive_every}")


@dataclasses.dataclass(frozen=True, slots=True)
class Reply:
    """What a callable source may return instead of bytes: per-request status or options."""

    body: bytes
    """The stream (status 200) or the complete error body (any other status)."""
    status: int = 200
    """200 streams ``body`` as ``text/event-stream``; other statuses send it whole, as JSON."""
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Extra response headers (e.g. ``{"x-should-retry": "false"}``)."""
    options: ReplayOptions | None = None
    """Replay options for this reply only; ``None`` means the server's options."""


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
    json: Any
    """The parsed JSON body, or ``None`` if there was no body or it was not JSON."""
    endpoint: Endpoint | None
    """Which Assistants endpoint the path names; ``None`` for anything else (answered 404)."""
    thread_id: str | None = None
    run_id: str | None = None


Source: TypeAlias = bytes | str | os.PathLike[str] | Callable[[RecordedRequest], bytes | Reply]
"""Bytes to serve, a path to a ``.sse`` file (a ``str`` is a path), or a per-request callable."""


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error_body(message: str, *, type_: str = "invalid_request_error") -> bytes:
    error = {"message": message, "type": type_, "param": None, "code": None}
    return json.dumps({"error": error}).encode()


def _event_ends(body: bytes) -> Iterator[tuple[int, bytes]]:
    """(offset just after the blank line, that line's terminator) for each event in ``body``."""
    start = 0
    has_field = False
    for match in _LINE_END.finditer(body):
        line = body[start : match.start()]
        start = match.end()
        if line:
            has_field = has_field or not line.startswith(b":")
        elif has_field:
            has_field = False
            yield start, match.group()


def _with_keepalives(body: bytes, every: int) -> bytes:
    """``body`` with a keep-alive comment after every ``every``-th event that has a successor."""
    parts: list[bytes] = []
    last = 0
    for count, (end, newline) in enumerate(_event_ends(body), start=1):
        if count % every == 0 and end < len(body):
            parts += (body[last:end], _KEEPALIVE, newline, newline)
            last = end
    parts.append(body[last:])
    return b"".join(parts)


def _pieces(body: bytes, options: ReplayOptions) -> Iterator[bytes]:
    if options.seed is None:
        sizes: Iterator[int] = itertools.repeat(options.chunk_size)
    else:
        rng = random.Random(options.seed)
        sizes = (rng.randint(1, options.chunk_size) for _ in itertools.count())
    view = memoryview(body)
    offset = 0
    for size in sizes:
        if offset >= len(body):
            return
        yield bytes(view[offset : offset + size])
        offset += size


class ReplayServer:
    """Serve recorded Assistants streams over HTTP/1.1 on loopback, from a thread or a loop."""

    def __init__(
        self,
        source: Source,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        chunk_size: int = 64,
        seed: int | None = None,
        delay: float = 0.0,
        cut_after: int | None = None,
        keepalive_every: int | None = None,
        framing: Framing = "chunked",
        allow_remote: bool = False,
        backlog: int = 1024,
        log: Callable[[str], None] | None = None,
    ) -> None:
        """Read ``source`` (bytes, a ``.sse`` path, or ``callable(request) -> bytes | Reply``)."""
        if not allow_remote and not _is_loopback(host):
            raise ValueError(
                f"refusing to serve on non-loopback host {host!r} (allow_remote=False)"
            )
        if framing not in ("chunked", "close"):
            raise ValueError(f"framing must be 'chunked' or 'close', not {framing!r}")
        self.options = ReplayOptions(
            chunk_size=chunk_size,
            seed=seed,
            delay=delay,
            cut_after=cut_after,
            keepalive_every=keepalive_every,
        )
        self.framing: Framing = framing
        self._source: Callable[[RecordedRequest], bytes | Reply]
        if callable(source):
            self._source = source
        else:
            data = bytes(source) if isinstance(source, bytes) else Path(source).read_bytes()
            self._source = lambda _request: data
        self._host = "127.0.0.1" if host == "localhost" else host
        self._requested_port = port
        self._backlog = backlog
        self._log = log
        self._server: asyncio.Server | None = None
        self._port: int | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException] = []
        self._counter = itertools.count()
        self._connections = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # -- addresses and records ---------------------------------------------------------------

    @property
    def host(self) -> str:
        """The address the server binds."""
        return self._host

    @property
    def port(self) -> int:
        """The bound port (known once started)."""
        if self._port is None:
            raise RuntimeError("the server is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """The API base URL to give a client, e.g. ``http://127.0.0.1:PORT/v1``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the requests received so far, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised while serving (by a callable source, or unexpected ones)."""
        with self._lock:
            return list(self._errors)

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening in the running event loop."""
        if self._server is not None:
            raise RuntimeError("the server is already running")
        server = await asyncio.start_server(
            self._on_connection,
            host=self._host,
            port=self._requested_port,
            backlog=self._backlog,
            reuse_address=True,
        )
        self._server = server
        self._port = int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening, drop open connections and wait for their handlers to end."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()

    async def __aenter__(self) -> Self:
        """Start in the current event loop."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()

    def __enter__(self) -> Self:
        """Start in a background thread with its own event loop."""
        if self._thread is not None or self._server is not None:
            raise RuntimeError("the server is already running")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="deltasnap-replay", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(_THREAD_TIMEOUT)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(_THREAD_TIMEOUT)
            loop.close()
            raise
        self._loop, self._thread = loop, thread
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server and its thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(_THREAD_TIMEOUT)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(_THREAD_TIMEOUT)
            if not thread.is_alive():
                loop.close()
            self._loop = self._thread = None

    # -- connections ---------------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._serve_connection(next(self._connections), reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except asyncio.CancelledError:
            # stop() cancels handlers; ending normally keeps asyncio from logging the cancelled
            # task as "Exception in callback" (Python 3.11 streams calls task.exception() on it)
            pass
        except Exception as exc:  # a bug here must not kill the server; keep it for assertions
            self._record_error(exc)
        finally:
            self._tasks.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve_connection(
        self, connection: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            try:
                request, keep_alive = await self._read_request(connection, reader, writer)
            except _BadRequest as bad:
                await self._send_whole(
                    writer, None, bad.status, _error_body(bad.message), {}, False
                )
                return
            if request is None:
                return
            keep_alive = await self._respond(request, writer, keep_alive)
            if not keep_alive:
                return

    async def _read_request(
        self, connection: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> tuple[RecordedRequest | None, bool]:
        try:
            async with asyncio.timeout(_IDLE_TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None, False  # the client closed the connection between requests
        except asyncio.LimitOverrunError as exc:
            raise _BadRequest(431, "request head too large") from exc
        if len(head) > _MAX_HEAD:
            raise _BadRequest(431, "request head too large")
        lines = head.decode("latin-1").split("\r\n")
        while lines and not lines[0]:
            lines.pop(0)  # tolerate empty lines before the request line
        parts = lines[0].split(" ") if lines else []
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadRequest(400, "malformed request line")
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise _BadRequest(400, f"malformed header line {line!r}")
            key, value = name.lower(), value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value

        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        keep_alive = "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens
        if "chunked" in headers.get("transfer-encoding", "").lower():
            await self._continue(headers, writer)
            body = await self._read_chunked(reader)
        elif "content-length" in headers:
            length_text = headers["content-length"]
            if not length_text.isdigit():
                raise _BadRequest(400, f"bad content-length {length_text!r}")
            length = int(length_text)
            if length > _MAX_BODY:
                raise _BadRequest(413, "request body too large")
            await self._continue(headers, writer)
            body = await reader.readexactly(length)
        else:
            body = b""

        path, _, query = target.partition("?")
        endpoint: Endpoint | None = None
        ids: dict[str, str] = {}
        if method == "POST":
            for name, pattern in _ROUTES:
                if match := pattern.fullmatch(path):
                    endpoint = name
                    ids = {k: unquote(v) for k, v in match.groupdict().items()}
                    break
        parsed: Any = None
        if body:
            with contextlib.suppress(ValueError):
                parsed = json.loads(body)
        request = RecordedRequest(
            index=next(self._counter),
            connection=connection,
            method=method,
            version=version,
            path=path,
            query=query,
            headers=MappingProxyType(headers),
            body=body,
            json=parsed,
            endpoint=endpoint,
            thread_id=ids.get("thread_id"),
            run_id=ids.get("run_id"),
        )
        with self._lock:
            self._requests.append(request)
        return request, keep_alive

    @staticmethod
    async def _continue(headers: Mapping[str, str], writer: asyncio.StreamWriter) -> None:
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError as exc:
                raise _BadRequest(400, "malformed chunk size") from exc
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass  # trailers
                return bytes(body)
            if len(body) + size > _MAX_BODY:
                raise _BadRequest(413, "request body too large")
            body += await reader.readexactly(size)
            if await reader.readexactly(2) != b"\r\n":
                raise _BadRequest(400, "malformed chunk")

    # -- responses -----------------------------------------------------------------------------

    async def _respond(
        self, request: RecordedRequest, writer: asyncio.StreamWriter, keep_alive: bool
    ) -> bool:
        """Answer one request; returns whether the connection stays open."""
        if request.endpoint is None:
            message = f"Invalid URL ({request.method} {request.path})"
            self._note(request, 404, 0)
            return await self._send_whole(
                writer, request, 404, _error_body(message), {}, keep_alive
            )
        if request.body and request.json is None:
            message = "We could not parse the JSON body of your request."
            self._note(request, 400, 0)
            return await self._send_whole(
                writer, request, 400, _error_body(message), {}, keep_alive
            )
        if not isinstance(request.json, dict) or request.json.get("stream") is not True:
            message = 'deltasnap replay server: only streamed runs are served; send "stream": true'
            self._note(request, 400, 0)
            return await self._send_whole(
                writer, request, 400, _error_body(message), {}, keep_alive
            )
        try:
            reply = self._source(request)
            if not isinstance(reply, Reply):
                if not isinstance(reply, bytes | bytearray):
                    raise TypeError(f"a source must return bytes or Reply, not {type(reply)!r}")
                reply = Reply(bytes(reply))
        except Exception as exc:
            self._record_error(exc)
            body = _error_body(f"replay source failed: {exc!r}", type_="server_error")
            self._note(request, 500, 0)
            headers = {"x-should-retry": "false"}
            return await self._send_whole(writer, request, 500, body, headers, keep_alive)
        if reply.status != 200:
            self._note(request, reply.status, len(reply.body))
            return await self._send_whole(
                writer, request, reply.status, reply.body, reply.headers, keep_alive
            )
        return await self._stream(request, reply, writer, keep_alive)

    async def _stream(
        self, request: RecordedRequest, reply: Reply, writer: asyncio.StreamWriter, keep_alive: bool
    ) -> bool:
        options = reply.options or self.options
        body = reply.body
        if options.keepalive_every is not None:
            body = _with_keepalives(body, options.keepalive_every)
        chunked = self.framing == "chunked" and request.version == "HTTP/1.1"
        cut = options.cut_after
        keep_alive = keep_alive and chunked and cut is None
        head = {"content-type": "text/event-stream", "cache-control": "no-cache"}
        head |= {name.lower(): value for name, value in reply.headers.items()}
        head.pop("content-length", None)
        if chunked:
            head["transfer-encoding"] = "chunked"
        else:
            head.pop("transfer-encoding", None)
        writer.write(self._head(200, request, head, keep_alive))
        await writer.drain()
        sent = 0
        for number, piece in enumerate(_pieces(body, options)):
            if number and options.delay:
                await asyncio.sleep(options.delay)
            truncated = cut is not None and sent + len(piece) > cut
            data = piece[: cut - sent] if truncated and cut is not None else piece
            sent += len(data)
            if chunked:
                # a cut piece keeps its full length in the chunk header: the cut is mid-chunk
                writer.write(b"%x\r\n%s%s" % (len(piece), data, b"" if truncated else b"\r\n"))
            else:
                writer.write(data)
            await writer.drain()
            if truncated:
                break
        if chunked and cut is None:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        self._note(request, 200, sent, cut=cut is not None)
        return keep_alive

    async def _send_whole(
        self,
        writer: asyncio.StreamWriter,
        request: RecordedRequest | None,
        status: int,
        body: bytes,
        headers: Mapping[str, str],
        keep_alive: bool,
    ) -> bool:
        head = {"content-type": "application/json"}
        head |= {name.lower(): value for name, value in headers.items()}
        head.pop("transfer-encoding", None)
        head["content-length"] = str(len(body))
        head_only = request is not None and request.method == "HEAD"
        writer.write(self._head(status, request, head, keep_alive) + (b"" if head_only else body))
        await writer.drain()
        return keep_alive

    @staticmethod
    def _head(
        status: int, request: RecordedRequest | None, headers: Mapping[str, str], keep_alive: bool
    ) -> bytes:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += (f"{name}: {value}" for name, value in headers.items())
        if request is not None:
            lines.append(f"x-request-id: req_replay_{request.index}")
        lines += (
            f"connection: {'keep-alive' if keep_alive else 'close'}",
            "server: deltasnap-replay",
            "",
            "",
        )
        return "\r\n".join(lines).encode("latin-1")

    def _record_error(self, exc: BaseException) -> None:
        with self._lock:
            self._errors.append(exc)
        if self._log is not None:
            self._log(f"error: {exc!r}")

    def _note(self, request: RecordedRequest, status: int, size: int, *, cut: bool = False) -> None:
        if self._log is not None:
            suffix = " (cut)" if cut else ""
            self._log(f"{request.method} {request.path} -> {status}, {size} body bytes{suffix}")


# -- command line ------------------------------------------------------------------------------


def _parser(prog: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or "python -m deltasnap.testing.server",
        description=(
            "Serve a recorded Assistants stream (.sse) as a local streaming API: POST "
            "/v1/threads/{id}/runs, /v1/threads/runs and .../submit_tool_outputs replay the file. "
            "Point a client at the printed base URL. Ctrl-C stops."
        ),
    )
    parser.add_argument("file", type=Path, help="the capture to serve")
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any)")
    parser.add_argument("--chunk-size", type=int, default=64, help="bytes per write (default 64)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between writes")
    parser.add_argument("--seed", type=int, help="random piece sizes (1..chunk-size), seeded")
    parser.add_argument("--cut-after", type=int, help="drop the connection after N body bytes")
    parser.add_argument(
        "--keepalive-every", type=int, help="insert ': keep-alive' after every N events"
    )
    parser.add_argument("--framing", choices=("chunked", "close"), default="chunked")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (exposes the file)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return parser


async def _serve(server: ReplayServer) -> None:
    async with server:
        print(server.base_url, flush=True)
        print(
            f"serving; try: curl -N {server.base_url}/threads/thread_1/runs "
            """-d '{"assistant_id": "asst_1", "stream": true}'  (Ctrl-C stops)""",
            file=sys.stderr,
            flush=True,
        )
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Run the replay server from the command line until Ctrl-C; returns the exit status."""
    parser = _parser(prog)
    try:
        args = parser.parse_args(argv)
        if not args.allow_remote and not _is_loopback(args.host):
            parser.error(f"--host {args.host} is not a loopback address; add --allow-remote")
    except SystemExit as exc:  # usage errors and --help
        return exc.code if isinstance(exc.code, int) else 2
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        server = ReplayServer(
            args.file,
            host=args.host,
            port=args.port,
            chunk_size=args.chunk_size,
            seed=args.seed,
            delay=args.delay,
            cut_after=args.cut_after,
            keepalive_every=args.keepalive_every,
            framing=args.framing,
            allow_remote=args.allow_remote,
            log=log,
        )
        asyncio.run(_serve(server))
    except KeyboardInterrupt:
        return 0
    except (OSError, ValueError) as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
