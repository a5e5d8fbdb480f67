"""The server's large final copies, taken from the bytes the decoder kept (see sse/long.py and
payload/final_bytes.py): the accumulated texts they repeat are found in them, not decoded again."""

from __future__ import annotations

from typing import Any, Protocol, cast

from ._limits import Limits
from ._reducer import Reducer
from .merge.message_final import sharing
from .payload.final_bytes import LongText, object_id, parse
from .sse.decoder import SSEDecoder
from .sse.long import LongData

__all__ = ["FINAL_EVENTS", "LONG_LINE", "final_copy", "new_decoder"]

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
#: How long such a line must be (shorter ones are decoded as usual; a private switch: the
#: tests set it past any line to take the general path alone).
LONG_LINE = 1 << 16
# Accumulated texts shorter than this are not looked for.
_MIN_CHARS = 1 << 10


class _Feeder(Protocol):
    limits: Limits
    dispatch_unterminated: bool


def new_decoder(acc: _Feeder) -> SSEDecoder:
    """The decoder of an accumulator: long final copies kept as bytes."""
    decoder = SSEDecoder(
        max_event_bytes=acc.limits.max_event_bytes,
        dispatch_unterminated=acc.dispatch_unterminated,
    )
    decoder._long_line, decoder._long_events = LONG_LINE, FINAL_EVENTS
    return decoder


def final_copy(
    reducer: Reducer, event: str, raw: str, max_depth: int
) -> tuple[str, tuple[Any, int] | None]:
    """``("", (value, size))``: the event's parsed data, sharing the accumulated texts it
    repeats, and its size in characters; ``(text, None)``: its data as a str, for the general
    path. ``raw`` is the ``LongData`` the decoder handed over in place of the str."""
    data = cast(LongData, raw)
    oid = object_id(data.line, len(b"data: "))
    texts: list[LongText] = []
    arrays: list[list[Any]] = []
    if oid is not None:
        message = event.startswith("thread.message.")
        store = reducer._messages if message else reducer._steps
        texts += store.long_texts(oid, _MIN_CHARS)
        if message:
            arrays = reducer._messages.annotation_lists(oid)
    if not texts:
        return data.text(), None
    value, text = parse(data, texts, max_depth, arrays, sharing if arrays else None)
    return ("", (value, data.chars)) if text is None else (text, None)
