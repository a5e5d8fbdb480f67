"""``--join-runs``: find each capture's run, and group the bodies of one run in the order the
run's events happened (a run continued after ``submit_tool_outputs`` is a second HTTP body)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from .._errors import DeltasnapError
from ..sse.decoder import SSEDecoder
from .inputs import Capture, DecodedEvent, Opener, open_local, read_items

__all__ = ["RunScan", "group_runs", "scan_capture"]

_TIMES = ("created_at", "started_at", "completed_at", "failed_at", "cancelled_at", "expired_at")


@attrs.frozen
class RunScan:
    """What a capture says about its run: the run id and the span of its events' timestamps."""

    capture: Capture
    run_id: str | None = None
    first: int | None = None
    last: int | None = None


def _run_id(event: str, data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if event.startswith("thread.run.step.") or event.startswith("thread.message."):
        found = data.get("run_id")
    elif event.startswith("thread.run."):
        found = data.get("id")
    else:
        return None
    return found if isinstance(found, str) else None


def _events(capture: Capture, opener: Opener) -> Iterator[tuple[str, Any]]:
    """(event, data) of every event but the deltas (which name no run and carry no time)."""
    decoder = SSEDecoder()
    for item in read_items(capture, opener):
        if isinstance(item, DecodedEvent):
            if not item.event.endswith(".delta"):
                yield item.event, json.loads(item.data) if isinstance(item.data, str) else item.data
            continue
        for sse in decoder.feed(item):
            if not sse.event.endswith(".delta") and sse.data.startswith("{"):
                yield sse.event, json.loads(sse.data)


def scan_capture(capture: Capture, opener: Opener = open_local) -> RunScan:
    """The capture's run id (the first ``thread.run.*`` id or step/message ``run_id``) and the
    earliest and latest timestamps its run, step and message objects carry."""
    run_id: str | None = None
    stamps: list[int] = []
    try:
        for event, data in _events(capture, opener):
            run_id = run_id or _run_id(event, data)
            if isinstance(data, dict):
                stamps.extend(v for k in _TIMES if isinstance(v := data.get(k), int))
    except (DeltasnapError, ValueError, OSError, EOFError):
        pass  # an unreadable capture is reduced (and fails) on its own
    if not stamps:
        return RunScan(capture, run_id)
    return RunScan(capture, run_id, min(stamps), max(stamps))


def _order(scan: RunScan) -> tuple[int, int, str]:
    big = 2**63
    first = big if scan.first is None else scan.first
    last = big if scan.last is None else scan.last
    return first, last, scan.capture.name


def group_runs(scans: Iterable[RunScan]) -> list[tuple[Capture, ...]]:
    """Captures of one run id together, ordered by their events' timestamps (then by name);
    captures that name no run stay alone. Groups come in order of their first capture."""
    groups: dict[str | int, list[RunScan]] = {}
    for number, scan in enumerate(scans):
        groups.setdefault(scan.run_id if scan.run_id is not None else number, []).append(scan)
    return [tuple(s.capture for s in sorted(group, key=_order)) for group in groups.values()]
