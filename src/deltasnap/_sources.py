"""accumulate()/aaccumulate(): any byte source, chunk iterable or event-object iterable in."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

from ._accumulator import Accumulator
from ._feeding import afeed_all, aiter_updates, feed_all, iter_updates

__all__ = ["aaccumulate", "accumulate", "aiter_updates", "iter_updates"]


def accumulate(
    *sources: Any, accumulator: Accumulator | None = None, **options: Any
) -> Accumulator:
    """Reduce a whole stream (or several bodies of one run, in order) and return the Accumulator.

    Each source may be bytes; a path (a ``pathlib.Path`` or other ``os.PathLike``, or a str that
    names an existing file); any other str is SSE text itself; a binary or text file object; an
    iterable of bytes/str chunks (httpx ``iter_bytes()``, requests ``iter_content()``); one
    decoded event or an iterable of them: objects with ``.event`` and ``.data`` or dicts
    ``{"event": ..., "data": ...}`` (data a dict, JSON text, or a model with ``model_dump()``, e.g.
    openai SDK events).
    ``options`` go to ``Accumulator`` (use_completed, strict, keep_deltas, limits); pass
    ``accumulator`` to continue an existing one (e.g. a second stream segment of the same run).
    Several sources are the HTTP bodies of one run (e.g. before and after
    ``submit_tool_outputs``): each is one stream segment, closed before the next begins.
    """
    if not sources:
        raise TypeError("accumulate() needs at least one source")
    acc = accumulator if accumulator is not None else Accumulator(**options)
    for source in sources:
        if acc.closed or acc.done:
            acc.new_segment()
        feed_all(acc, source)
    return acc


async def aaccumulate(
    *sources: Any, accumulator: Accumulator | None = None, **options: Any
) -> Accumulator:
    """Async form of ``accumulate``: also takes async iterables of chunks or event objects."""
    if not sources:
        raise TypeError("aaccumulate() needs at least one source")
    acc = accumulator if accumulator is not None else Accumulator(**options)
    for source in sources:
        if not isinstance(source, AsyncIterable):
            accumulate(source, accumulator=acc)
            continue
        if acc.closed or acc.done:
            acc.new_segment()
        await afeed_all(acc, source)
    return acc
