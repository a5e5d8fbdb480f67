"""What the replay server writes: reply options, keep-alive comments and the pieces of a body."""

from __future__ import annotations

import dataclasses
import itertools
import math
import random
import re
from collections.abc import Iterator, Mapping
from typing import Final, Literal, TypeAlias

__all__ = ["Framing", "ReplayOptions", "Reply", "pieces", "with_keepalives"]

Framing: TypeAlias = Literal["chunked", "close"]

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
        if not 0 <= self.delay < math.inf:
            raise ValueError(f"delay must be a finite number >= 0, not {self.delay}")
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


def with_keepalives(body: bytes, every: int) -> bytes:
    """``body`` with a keep-alive comment after every ``every``-th event that has a successor."""
    parts: list[bytes] = []
    last = 0
    for count, (end, newline) in enumerate(_event_ends(body), start=1):
        if count % every == 0 and end < len(body):
            parts += (body[last:end], _KEEPALIVE, newline, newline)
            last = end
    parts.append(body[last:])
    return b"".join(parts)


def pieces(body: bytes, options: ReplayOptions) -> Iterator[bytes]:
    """``body`` cut into the pieces ``options`` asks for (one write, one HTTP chunk each)."""
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
