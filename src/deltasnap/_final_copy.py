"""The server's large final copies, taken from the bytes the decoder kept (see sse/long.py and
payload/final_bytes.py): the accumulated texts they repeat are found in them, not decoded again."""

from __future__ import annotations

from typing import Any

from ._reducer import Reducer
from .payload.final_bytes import LongText, object_id, parse
from .sse.long import LongData

__all__ = ["FINAL_EVENTS", "LONG_LINE", "final_copy"]

#: The events whose long data lines the decoder hands over as bytes.
FINAL_EVENTS = frozenset(
    {
        "thread.message.completed",
        "thread.message.incomplete",
        "thread.run.step.completed",
        "thread.run.step.failed",
        "thread.run.step.cancelled",
        "thread.run.step.expired",
    }
)
#: How long such a line must be (shorter ones are decoded as usual).
LONG_LINE = 1 << 16
# Accumulated texts shorter than this are not looked for.
_MIN_CHARS = 1 << 10


def final_copy(reducer: Reducer, event: str, data: LongData, max_depth: int) -> tuple[Any, str | None]:
    """``(value, None)``: the event's parsed data, sharing the accumulated texts it repeats;
    ``(None, text)``: its data as a str, for the general path."""
    oid = object_id(data.line, len(b"data: "))
    texts: list[LongText] = []
    if oid is not None:
        store = reducer._messages if event.startswith("thread.message.") else reducer._steps
        texts += store.long_texts(oid, _MIN_CHARS)
    if not texts:
        return None, data.text()
    return parse(data, texts, max_depth)
