"""A one-line progress indicator on standard error for long replays: bytes read of the total."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO

__all__ = ["Progress"]


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    value = n / 1000
    for unit in ("KB", "MB", "GB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


class Progress:
    """Redraws ``deltasnap: 12.3 MB / 200.0 MB (6%)`` with ``\\r``, once the replay has taken
    ``delay`` seconds, at most once per ``interval``; ``finish()`` erases it."""

    def __init__(
        self,
        stream: IO[str],
        total: int | None,
        *,
        delay: float = 1.0,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.total = total
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.next = self.start + delay
        self.width = 0  # length of the line shown, 0 when none is

    def update(self, done: int) -> None:
        """Note that ``done`` bytes have been read; redraw if it is time to."""
        now = self.clock()
        if now < self.next:
            return
        self.next = now + self.interval
        line = f"deltasnap: {_size(done)}"
        if self.total:
            line += f" / {_size(self.total)} ({100 * done // self.total}%)"
        self._show(line.ljust(self.width))
        self.width = len(line)

    def finish(self) -> None:
        """Erase the indicator, if one is shown."""
        if self.width:
            self._show(" " * self.width)
            self._show("")
            self.width = 0

    def _show(self, line: str) -> None:
        try:
            self.stream.write("\r" + line)
            self.stream.flush()
        except OSError:  # standard error gone: progress is not worth failing for
            self.width = 0
