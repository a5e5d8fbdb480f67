"""ReplayServer: the asyncio loopback server that replays recorded Assistants streams."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import itertools
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Final, Self, TypeAlias

from ._replay import Framing, ReplayOptions, Reply, pieces, with_keepalives
from ._wire import BadRequest, RecordedRequest, error_body, read_request, response_head

__all__ = ["ReplayServer", "Source", "is_loopback"]

_IDLE_TIMEOUT: Final = 60.0
_THREAD_TIMEOUT: Final = 10.0
_KEEP_ERRORS: Final = 1000

Source: TypeAlias = bytes | str | os.PathLike[str] | Callable[[RecordedRequest], bytes | Reply]
"""Bytes to serve, a path to a ``.sse`` file (a ``str`` is a path), or a per-request callable."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _WriteTimeout(Exception):
    """A client read nothing for ``write_timeout`` seconds; its connection is dropped."""


class ReplayServer:
    """Serve recorded Assistants streams over HTTP/1.1 on loopback, from a thread or a loop.

    Records the last ``keep_requests`` requests, and of those only as many as fit in
    ``keep_request_bytes`` body bytes (``requests_dropped`` counts the ones let go). A request
    body must arrive within ``read_timeout`` seconds; a client that reads nothing for
    ``write_timeout`` seconds while a reply is written is disconnected.
    """

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
        keep_requests: int = 1000,
        keep_request_bytes: int = 64 * 1024 * 1024,
        read_timeout: float = 30.0,
        write_timeout: float = 30.0,
    ) -> None:
        """Read ``source`` (bytes, a ``.sse`` path, or ``callable(request) -> bytes | Reply``)."""
        if not allow_remote and not is_loopback(host):
            raise ValueError(
                f"refusing to serve on non-loopback host {host!r} (allow_remote=False)"
            )
        if framing not in ("chunked", "close"):
            raise ValueError(f"framing must be 'chunked' or 'close', not {framing!r}")
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be in 0..65535, not {port}")
        if keep_requests < 0 or keep_request_bytes < 0:
            raise ValueError("keep_requests and keep_request_bytes must be >= 0")
        if read_timeout <= 0 or write_timeout <= 0:
            raise ValueError("read_timeout and write_timeout must be > 0")
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
        self._keep_requests = keep_requests
        self._keep_request_bytes = keep_request_bytes
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._server: asyncio.Server | None = None
        self._port: int | None = None
        self._lock = threading.Lock()
        self._requests: collections.deque[RecordedRequest] = collections.deque()
        self._request_bytes = 0
        self._requests_dropped = 0
        self._errors: collections.deque[BaseException] = collections.deque(maxlen=_KEEP_ERRORS)
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
        """A copy of the requests kept so far (the most recent ones), in order."""
        with self._lock:
            return list(self._requests)

    @property
    def requests_dropped(self) -> int:
        """Requests received but no longer kept (past either ``keep_requests`` bound)."""
        with self._lock:
            return self._requests_dropped

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised while serving (by a callable source, or unexpected ones)."""
        with self._lock:
            return list(self._errors)

    def _record(self, request: RecordedRequest) -> None:
        """Keep ``request``, letting the oldest records go to stay within both bounds."""
        with self._lock:
            self._requests.append(request)
            self._request_bytes += len(request.body)
            while self._requests and (
                len(self._requests) > self._keep_requests
                or self._request_bytes > self._keep_request_bytes
            ):
                self._request_bytes -= len(self._requests.popleft().body)
                self._requests_dropped += 1

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
        except _WriteTimeout as exc:
            writer.transport.abort()
            if self._log is not None:
                self._log(str(exc))
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
                request, keep_alive = await read_request(
                    reader,
                    writer,
                    counter=self._counter,
                    connection=connection,
                    idle_timeout=_IDLE_TIMEOUT,
                    body_timeout=self._read_timeout,
                )
            except BadRequest as bad:
                if self._log is not None:
                    self._log(f"bad request -> {bad.status}: {bad.message}")
                await self._send_whole(writer, None, bad.status, error_body(bad.message), {})
                return
            if request is None:
                return
            self._record(request)
            keep_alive = await self._respond(request, writer, keep_alive)
            if not keep_alive:
                return

    async def _drain(self, writer: asyncio.StreamWriter) -> None:
        """Wait until the client takes what was written, at most ``write_timeout`` seconds."""
        try:
            async with asyncio.timeout(self._write_timeout):
                await writer.drain()
        except TimeoutError:
            limit = self._write_timeout
            raise _WriteTimeout(f"client read nothing for {limit:g} s; dropped") from None

    # -- responses -----------------------------------------------------------------------------

    async def _respond(
        self, request: RecordedRequest, writer: asyncio.StreamWriter, keep_alive: bool
    ) -> bool:
        """Answer one request; returns whether the connection stays open."""
        parsed = request.json
        message = ""
        if request.endpoint is None:
            status, message = 404, f"Invalid URL ({request.method} {request.path})"
        elif request.body and parsed is None:
            status, message = 400, "We could not parse the JSON body of your request."
        elif not isinstance(parsed, dict) or parsed.get("stream") is not True:
            status = 400
            message = 'deltasnap replay server: only streamed runs are served; send "stream": true'
        if message:
            self._note(request, status, 0)
            return await self._send_whole(
                writer, request, status, error_body(message), {}, keep_alive
            )
        try:
            reply = self._source(request)
            if not isinstance(reply, Reply):
                if not isinstance(reply, bytes | bytearray):
                    raise TypeError(f"a source must return bytes or Reply, not {type(reply)!r}")
                reply = Reply(bytes(reply))
        except Exception as exc:
            self._record_error(exc)
            body = error_body(f"replay source failed: {exc!r}", type_="server_error")
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
            body = with_keepalives(body, options.keepalive_every)
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
        writer.write(response_head(200, request.index, head, keep_alive))
        await self._drain(writer)
        sent = 0
        for number, piece in enumerate(pieces(body, options)):
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
            await self._drain(writer)
            if truncated:
                break
        if chunked and cut is None:
            writer.write(b"0\r\n\r\n")
            await self._drain(writer)
        self._note(request, 200, sent, cut=cut is not None)
        return keep_alive

    async def _send_whole(
        self,
        writer: asyncio.StreamWriter,
        request: RecordedRequest | None,
        status: int,
        body: bytes,
        headers: Mapping[str, str],
        keep_alive: bool = False,
    ) -> bool:
        head = {"content-type": "application/json"}
        head |= {name.lower(): value for name, value in headers.items()}
        head.pop("transfer-encoding", None)
        head["content-length"] = str(len(body))
        head_only = request is not None and request.method == "HEAD"
        index = None if request is None else request.index
        writer.write(response_head(status, index, head, keep_alive) + (b"" if head_only else body))
        await self._drain(writer)
        return keep_alive

    def _record_error(self, exc: BaseException) -> None:
        with self._lock:
            self._errors.append(exc)
        if self._log is not None:
            self._log(f"error: {exc!r}")

    def _note(self, request: RecordedRequest, status: int, size: int, *, cut: bool = False) -> None:
        if self._log is not None:
            suffix = " (cut)" if cut else ""
            self._log(f"{request.method} {request.path} -> {status}, {size} body bytes{suffix}")
