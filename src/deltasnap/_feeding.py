"""Feeding a source into an accumulator: bytes, str, paths, file objects, chunk iterables and
decoded-event iterables, sync and async. Typed against ``Feedable``, so the accumulator can use
it without this module knowing the accumulator."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from .merge.reports import Update

__all__ = ["Feedable", "afeed_all", "aiter_updates", "feed_all", "iter_updates"]


class Feedable(Protocol):
    """What feeding needs of an accumulator."""

    done: bool

    def feed(self, chunk: bytes | str) -> list[Update]: ...

    def _feed_quietly(self, chunk: bytes | str) -> None: ...

    def feed_event(self, event: str, data: Any, *, offset: int | None = None) -> list[Update]: ...

    def close(self) -> list[Update]: ...


_CHUNK = 64 * 1024
_TEXT_TYPES = (bytes, bytearray, memoryview, str)


def _is_event_dict(item: Any) -> bool:
    """A decoded event given as a plain mapping: ``{"event": name, "data": ...}``."""
    return isinstance(item, Mapping) and "event" in item and "data" in item


def _is_event(item: Any) -> bool:
    """A decoded event given as an object with ``.event`` and ``.data`` (e.g. an SDK event)."""
    return hasattr(item, "event") and hasattr(item, "data") and not isinstance(item, _TEXT_TYPES)


def _as_path(source: Any) -> Path | None:
    """A path from a PathLike, or from a str that names an existing file (and cannot be SSE text:
    it has no line break); any other str is the stream's text itself."""
    if isinstance(source, os.PathLike):
        return Path(source)
    if isinstance(source, str) and source and "\n" not in source and "\r" not in source:
        path = Path(source)
        return path if path.is_file() else None
    return None


def _read_file(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _read_stream(stream: Any) -> Iterator[bytes | str]:
    while chunk := stream.read(_CHUNK):
        yield chunk


def _items(source: Any) -> Iterable[Any]:
    """The source as an iterable of chunks (bytes/str) or event objects."""
    if isinstance(source, bytes | bytearray | memoryview):
        return (bytes(source),)
    if _is_event_dict(source):  # one decoded event
        return (source,)
    path = _as_path(source)
    if path is not None:
        return _read_file(path)
    if isinstance(source, str):
        return (source,)
    if hasattr(source, "read"):
        return _read_stream(source)
    if isinstance(source, Iterable):
        return source
    raise TypeError(f"cannot accumulate from {type(source).__name__}")


def _feed_item(acc: Feedable, item: Any, *, quiet: bool = False) -> list[Update]:
    """Feed one chunk or event object; ``quiet``: chunks build no updates (none returned)."""
    if isinstance(item, _TEXT_TYPES):
        chunk = bytes(item) if isinstance(item, bytearray | memoryview) else item
        if quiet:
            acc._feed_quietly(chunk)
            return []
        return acc.feed(chunk)
    if _is_event_dict(item):
        return acc.feed_event(str(item["event"]), item["data"])
    if _is_event(item):
        return acc.feed_event(str(item.event), item.data)
    raise TypeError(f"expected bytes, str or an event object, got {type(item).__name__}")


def _finish(acc: Feedable, saw_events: bool) -> list[Update]:
    if saw_events and not acc.done:
        # decoded-event sources (SDK objects) usually drop the final ``done``; that is not a cut
        acc.done = True
    return acc.close()


def iter_updates(acc: Feedable, source: Any) -> Iterator[Update]:
    """Feed ``source`` into ``acc``, yielding each update as it happens, then close."""
    saw_events = False
    for item in _items(source):
        saw_events = saw_events or not isinstance(item, _TEXT_TYPES)
        yield from _feed_item(acc, item)
    yield from _finish(acc, saw_events)


async def aiter_updates(acc: Feedable, source: Any) -> AsyncIterator[Update]:
    """Async form of iter_updates: also takes async iterables (e.g. httpx ``aiter_bytes()``)."""
    if not isinstance(source, AsyncIterable):
        for update in iter_updates(acc, source):
            yield update
        return
    saw_events = False
    async for item in source:
        saw_events = saw_events or not isinstance(item, _TEXT_TYPES)
        for update in _feed_item(acc, item):
            yield update
    for update in _finish(acc, saw_events):
        yield update


def feed_all(acc: Feedable, source: Any) -> None:
    """Feed a whole (sync) source without building updates, then close."""
    saw_events = False
    for item in _items(source):
        saw_events = saw_events or not isinstance(item, _TEXT_TYPES)
        _feed_item(acc, item, quiet=True)
    _finish(acc, saw_events)


async def afeed_all(acc: Feedable, source: AsyncIterable[Any]) -> None:
    """Feed a whole async source without building updates, then close."""
    saw_events = False
    async for item in source:
        saw_events = saw_events or not isinstance(item, _TEXT_TYPES)
        _feed_item(acc, item, quiet=True)
    _finish(acc, saw_events)
