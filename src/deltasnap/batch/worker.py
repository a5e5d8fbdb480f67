"""What one worker process does: reduce a capture (or the bodies of one run) into a result."""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from typing import Any, NamedTuple

import attrs

from .._accumulator import Accumulator
from .._sources import accumulate
from .inputs import Capture, Opener, open_local, read_items
from .result import CaptureResult, encode_line

__all__ = ["CRASH_ENV", "Options", "Outcome", "init_worker", "reduce_chunk", "reduce_group"]

#: Test hook: a capture whose name contains this variable's value makes its worker die
#: (``os._exit``), as a worker killed by the OOM killer would.
CRASH_ENV = "DELTASNAP_BATCH_TEST_CRASH"


@attrs.frozen
class Options:
    """How captures are reduced (the ``Accumulator`` options the batch passes on)."""

    ignore_completed: bool = False
    strict: bool = False


def init_worker() -> None:
    """Worker start-up: Ctrl-C is the parent's to handle (it stops the pool cleanly)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _crash_hook(group: Sequence[Capture]) -> None:
    marker = os.environ.get(CRASH_ENV)
    if marker and any(marker in c.name for c in group):
        os._exit(70)


def reduce_group(
    group: Sequence[Capture], options: Options, opener: Opener = open_local
) -> dict[str, Any]:
    """Reduce the captures of ``group`` in order, as bodies of one stream; the result's JSON.

    Never raises for a bad capture: an unreadable or (with ``strict``) bad one is ``failed``.
    """
    _crash_hook(group)
    source = tuple(c.name for c in group)
    try:
        acc = Accumulator(use_completed=not options.ignore_completed, strict=options.strict)
        for capture in group:
            accumulate(read_items(capture, opener), accumulator=acc)
        return CaptureResult.from_accumulator(source, acc).to_json()
    except (Exception, MemoryError, RecursionError) as err:
        return CaptureResult.failed(source, err).to_json()


class Outcome(NamedTuple):
    """A finished group as it leaves a worker: its source, status, and its result's JSON
    (the object, or already encoded as the JSONL line, UTF-8 bytes)."""

    source: tuple[str, ...]
    status: str
    payload: Any


def reduce_chunk(
    chunk: Sequence[Sequence[Capture]], options: Options, opener: Opener, encode: bool
) -> list[Outcome]:
    """Reduce several groups in one task (fewer round trips for small captures); with
    ``encode`` the JSON Lines line is made here, on the worker, not in the parent."""
    outcomes = []
    for group in chunk:
        obj = reduce_group(group, options, opener)
        payload = encode_line(obj) if encode else obj
        outcomes.append(Outcome(tuple(obj["source"]), obj["status"], payload))
    return outcomes
