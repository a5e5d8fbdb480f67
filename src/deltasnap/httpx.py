"""httpx helpers (the ``httpx`` extra): open an event stream, or reduce an httpx response.

with deltasnap.httpx.connect_sse(client, "POST", url, json=body) as stream:
    for update in stream:  # Updates; the snapshots are in stream.accumulator
        ...

with client.stream("POST", url, json=body) as response:
    acc = deltasnap.httpx.accumulate_response(response)

An error status raises ``ServerError`` after reading at most ``ERROR_BODY_LIMIT`` bytes of the
body. A body that stops early (connection dropped, read timeout, broken Content-Encoding) keeps
what arrived and records a ``transport_error`` report; with ``strict=True`` the accumulator is
closed and ``StreamInterrupted`` is raised.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, Final

from ._accumulator import Accumulator
from ._errors import DeltasnapError, ServerError
from ._limits import Limits
from ._sources import aaccumulate, accumulate
from ._version import DISTRIBUTION
from .merge.reports import Report, Update

INSTALL_HINT: Final = f"pip install '{DISTRIBUTION}[httpx]'"
"""The command that installs what this module needs (named in its ImportError)."""

try:
    import httpx
except ImportError as _missing:
    raise ImportError(
        f"deltasnap.httpx needs the httpx package; install it with: {INSTALL_HINT}",
        name=_missing.name,
    ) from _missing

__all__ = [
    "ERROR_BODY_LIMIT",
    "EXCERPT_CHARS",
    "INSTALL_HINT",
    "AsyncEventStream",
    "EventStream",
    "NotAnEventStream",
    "StreamInterrupted",
    "aaccumulate_response",
    "accumulate_response",
    "aconnect_sse",
    "aiter_updates",
    "connect_sse",
    "iter_updates",
]

ERROR_BODY_LIMIT: Final = 64 * 1024
"""At most this many bytes of an error (or not-an-event-stream) body are read."""
EXCERPT_CHARS: Final = 500
"""At most this many characters of such a body (or of its error message) go into the exception."""

_SSE: Final = "text/event-stream"
_BODY_ERRORS: Final = (httpx.TransportError, httpx.DecodingError)


class NotAnEventStream(DeltasnapError):
    """The response is not ``text/event-stream`` (e.g. a JSON run: ``"stream": true`` not sent)."""

    def __init__(
        self, reason: str, *, content_type: str = "", excerpt: str = "", **where: Any
    ) -> None:
        """Keep the response's content type and an excerpt of its body."""
        super().__init__(reason, **where)
        self.content_type = content_type
        self.excerpt = excerpt

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle with every attribute."""
        return (type(self), (self.reason,), self.__dict__)


class StreamInterrupted(DeltasnapError):
    """Strict mode: the body ended early (connection lost, read timeout, undecodable bytes);
    everything that arrived before is applied and the accumulator is closed."""


# -- bounded reading of bodies that are not streams ---------------------------------------------


def _excerpt(text: str) -> str:
    """``text`` cut to ``EXCERPT_CHARS`` characters, saying how long it was."""
    if len(text) <= EXCERPT_CHARS:
        return text
    return f"{text[:EXCERPT_CHARS]}… ({len(text)} characters in all)"


def _read_prefix(response: httpx.Response) -> tuple[bytes, bool]:
    """At most ``ERROR_BODY_LIMIT`` bytes of the body, whether there was more; then close."""
    buffer = bytearray()
    with contextlib.suppress(httpx.HTTPError, httpx.StreamError):
        for chunk in response.iter_bytes():
            buffer += chunk
            if len(buffer) > ERROR_BODY_LIMIT:
                break
    response.close()
    return bytes(buffer[:ERROR_BODY_LIMIT]), len(buffer) > ERROR_BODY_LIMIT


async def _aread_prefix(response: httpx.Response) -> tuple[bytes, bool]:
    buffer = bytearray()
    with contextlib.suppress(httpx.HTTPError, httpx.StreamError):
        async for chunk in response.aiter_bytes():
            buffer += chunk
            if len(buffer) > ERROR_BODY_LIMIT:
                break
    await response.aclose()
    return bytes(buffer[:ERROR_BODY_LIMIT]), len(buffer) > ERROR_BODY_LIMIT


def _described(prefix: bytes, cut: bool) -> tuple[Any, str]:
    """(the body as JSON, or as text if it is not whole JSON; a bounded description of it)."""
    text = prefix.decode("utf-8", "replace")
    more = f" (only the first {ERROR_BODY_LIMIT} bytes read)" if cut else ""
    data: Any = text
    if not cut:
        with contextlib.suppress(ValueError, RecursionError):
            data = json.loads(prefix)
    body = data.get("error", data) if isinstance(data, dict) else None
    if isinstance(body, dict) and body.get("message"):
        code = f" [{_excerpt(str(body['code']))}]" if body.get("code") else ""
        return data, f"server error{code}: {_excerpt(str(body['message']))}{more}"
    return data, f"server error: {_excerpt(text)!r}{more}"


def _server_error(response: httpx.Response, prefix: bytes, cut: bool) -> ServerError:
    data, description = _described(prefix, cut)
    where = f"HTTP {response.status_code} from {response.request.url}"
    return ServerError(f"{where}: {description}", data=data)


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("content-type", "")
    return content_type.partition(";")[0].strip().lower()


def _not_sse(response: httpx.Response, prefix: bytes, cut: bool) -> NotAnEventStream:
    content_type = _media_type(response)
    hint = ' (was "stream": true sent?)' if content_type.endswith("json") else ""
    excerpt = _excerpt(prefix.decode("utf-8", "replace"))
    more = f", first {ERROR_BODY_LIMIT} bytes" if cut else ""
    reason = (
        f"expected {_SSE} from {response.request.method} {response.request.url}, got "
        f"{content_type or 'no content type'}{hint}; body{more}: {excerpt!r}"
    )
    return NotAnEventStream(reason, content_type=content_type, excerpt=excerpt)


def _refused(response: httpx.Response, *, require_sse: bool) -> bool:
    """Whether the response is no stream: an error status, or not ``text/event-stream`` (with
    ``require_sse``; else only a JSON body counts as surely not a stream)."""
    if response.status_code >= 400:
        return True
    media = _media_type(response)
    return media != _SSE if require_sse else media == "application/json" or media.endswith("+json")


def _check(response: httpx.Response, *, require_sse: bool = False) -> None:
    if _refused(response, require_sse=require_sse):
        prefix, cut = _read_prefix(response)
        error = _server_error if response.status_code >= 400 else _not_sse
        raise error(response, prefix, cut)


async def _acheck(response: httpx.Response, *, require_sse: bool = False) -> None:
    if _refused(response, require_sse=require_sse):
        prefix, cut = await _aread_prefix(response)
        error = _server_error if response.status_code >= 400 else _not_sse
        raise error(response, prefix, cut)


# -- stream bodies -----------------------------------------------------------------------------


def _interrupted(accumulator: Accumulator, err: httpx.HTTPError) -> None:
    """Record why the body ended early; in strict mode close and raise ``StreamInterrupted``."""
    what = "undecodable body" if isinstance(err, httpx.DecodingError) else "connection lost"
    reason = f"{what}: {type(err).__name__}: {_excerpt(str(err))}"
    accumulator.reports.append(Report("transport_error", reason))
    if accumulator.strict:
        accumulator.close()
        raise StreamInterrupted(reason, byte_offset=accumulator.bytes_received) from err


def _bytes(response: httpx.Response, accumulator: Accumulator) -> Iterator[bytes]:
    """The body's bytes; a body that ends early ends them (the stream is then truncated)."""
    try:
        yield from response.iter_bytes()
    except _BODY_ERRORS as err:
        _interrupted(accumulator, err)


async def _abytes(response: httpx.Response, accumulator: Accumulator) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_bytes():
            yield chunk
    except _BODY_ERRORS as err:
        _interrupted(accumulator, err)


def accumulate_response(
    response: httpx.Response, *, accumulator: Accumulator | None = None, **options: Any
) -> Accumulator:
    """Reduce a streaming httpx response; an HTTP error status raises ServerError."""
    _check(response)
    acc = accumulator if accumulator is not None else Accumulator(**options)
    return accumulate(_bytes(response, acc), accumulator=acc)


async def aaccumulate_response(
    response: httpx.Response, *, accumulator: Accumulator | None = None, **options: Any
) -> Accumulator:
    """Reduce a streaming httpx response from an AsyncClient."""
    await _acheck(response)
    acc = accumulator if accumulator is not None else Accumulator(**options)
    return await aaccumulate(_abytes(response, acc), accumulator=acc)


def iter_updates(response: httpx.Response, accumulator: Accumulator) -> Iterator[Update]:
    """Yield updates while the response streams (read snapshots from ``accumulator``)."""
    _check(response)
    return accumulator.updates(_bytes(response, accumulator))


async def aiter_updates(
    response: httpx.Response, accumulator: Accumulator
) -> AsyncIterator[Update]:
    """Async form of ``iter_updates`` for AsyncClient responses."""
    await _acheck(response)
    async for update in accumulator.aupdates(_abytes(response, accumulator)):
        yield update


# -- connect_sse -------------------------------------------------------------------------------


class EventStream:
    """What ``connect_sse`` gives: iterate it for ``Update``s; ``accumulator`` has the snapshots."""

    def __init__(self, response: httpx.Response, accumulator: Accumulator) -> None:
        """Wrap an open ``text/event-stream`` response."""
        self.response = response
        self.accumulator = accumulator

    def __iter__(self) -> Iterator[Update]:
        """Feed the body to the accumulator, yielding each update as it happens; then close."""
        return self.accumulator.updates(_bytes(self.response, self.accumulator))

    def accumulate(self) -> Accumulator:
        """Reduce the rest of the body without building updates; return the accumulator."""
        return accumulate(_bytes(self.response, self.accumulator), accumulator=self.accumulator)


class AsyncEventStream:
    """What ``aconnect_sse`` gives: ``async for`` it for ``Update``s; see ``EventStream``."""

    def __init__(self, response: httpx.Response, accumulator: Accumulator) -> None:
        """Wrap an open ``text/event-stream`` response from an AsyncClient."""
        self.response = response
        self.accumulator = accumulator

    def __aiter__(self) -> AsyncIterator[Update]:
        """Feed the body to the accumulator, yielding each update as it happens; then close."""
        return self.accumulator.aupdates(_abytes(self.response, self.accumulator))

    async def accumulate(self) -> Accumulator:
        """Reduce the rest of the body without building updates; return the accumulator."""
        source = _abytes(self.response, self.accumulator)
        return await aaccumulate(source, accumulator=self.accumulator)


def _sse_headers(kwargs: dict[str, Any]) -> httpx.Headers:
    headers = httpx.Headers(kwargs.pop("headers", None))
    headers.setdefault("Accept", _SSE)
    headers.setdefault("Cache-Control", "no-store")
    return headers


def _accumulator(
    accumulator: Accumulator | None,
    use_completed: bool,
    strict: bool,
    keep_deltas: bool,
    limits: Limits | None,
) -> Accumulator:
    if accumulator is not None:
        return accumulator
    return Accumulator(
        use_completed=use_completed, strict=strict, keep_deltas=keep_deltas, limits=limits
    )


@contextlib.contextmanager
def connect_sse(
    client: httpx.Client,
    method: str,
    url: httpx.URL | str,
    *,
    accumulator: Accumulator | None = None,
    use_completed: bool = True,
    strict: bool = False,
    keep_deltas: bool = False,
    limits: Limits | None = None,
    **kwargs: Any,
) -> Iterator[EventStream]:
    """Open an event stream: ``with connect_sse(client, "POST", url, json=body) as stream:``.

    Sends ``Accept: text/event-stream`` and ``Cache-Control: no-store`` (unless ``headers`` set
    them); ``kwargs`` go to ``client.stream``, the other options to ``Accumulator``. On entering,
    an error status raises ``ServerError`` and any other non-``text/event-stream`` response
    raises ``NotAnEventStream``, each with a bounded excerpt of the body.
    """
    acc = _accumulator(accumulator, use_completed, strict, keep_deltas, limits)
    headers = _sse_headers(kwargs)
    with client.stream(method, url, headers=headers, **kwargs) as response:
        _check(response, require_sse=True)
        yield EventStream(response, acc)


@contextlib.asynccontextmanager
async def aconnect_sse(
    client: httpx.AsyncClient,
    method: str,
    url: httpx.URL | str,
    *,
    accumulator: Accumulator | None = None,
    use_completed: bool = True,
    strict: bool = False,
    keep_deltas: bool = False,
    limits: Limits | None = None,
    **kwargs: Any,
) -> AsyncIterator[AsyncEventStream]:
    """Async form of ``connect_sse``: ``async with aconnect_sse(client, ...) as stream:``."""
    acc = _accumulator(accumulator, use_completed, strict, keep_deltas, limits)
    headers = _sse_headers(kwargs)
    async with client.stream(method, url, headers=headers, **kwargs) as response:
        await _acheck(response, require_sse=True)
        yield AsyncEventStream(response, acc)
