"""Thin helpers for httpx responses (the ``deltasnap[httpx]`` extra).

with client.stream("POST", url, json=body) as response:
    acc = deltasnap.httpx.accumulate_response(response)

async with client.stream("POST", url, json=body) as response:
    async for update in deltasnap.httpx.aiter_updates(response, acc):
        ...
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx

from ._accumulator import Accumulator, ServerError, _error_reason
from ._reducer import Report, Update
from ._sources import aaccumulate, accumulate
from ._sources import aiter_updates as _aiter_updates
from ._sources import iter_updates as _iter_updates

__all__ = ["aaccumulate_response", "accumulate_response", "aiter_updates", "iter_updates"]


def _http_error(response: httpx.Response, body: bytes) -> ServerError:
    try:
        data: Any = json.loads(body)
    except ValueError:
        data = body.decode("utf-8", "replace")
    reason = _error_reason(data) if isinstance(data, dict) else f"server error: {data!r}"
    return ServerError(
        f"HTTP {response.status_code} from {response.request.url}: {reason}", data=data
    )


def _lost(accumulator: Accumulator, err: httpx.TransportError) -> None:
    accumulator.reports.append(
        Report("transport_error", f"connection lost: {type(err).__name__}: {err}")
    )


def _bytes(response: httpx.Response, accumulator: Accumulator) -> Iterator[bytes]:
    """The body's bytes; a dropped connection ends them (the stream is then reported truncated)."""
    try:
        yield from response.iter_bytes()
    except httpx.TransportError as err:
        _lost(accumulator, err)


async def _abytes(response: httpx.Response, accumulator: Accumulator) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_bytes():
            yield chunk
    except httpx.TransportError as err:
        _lost(accumulator, err)


def _check(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise _http_error(response, response.read())


async def _acheck(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise _http_error(response, await response.aread())


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
    return _iter_updates(accumulator, _bytes(response, accumulator))


async def aiter_updates(
    response: httpx.Response, accumulator: Accumulator
) -> AsyncIterator[Update]:
    """Async form of ``iter_updates`` for AsyncClient responses."""
    await _acheck(response)
    async for update in _aiter_updates(accumulator, _abytes(response, accumulator)):
        yield update
