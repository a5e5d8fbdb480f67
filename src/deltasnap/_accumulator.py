"""Accumulator: the SSE decoder and the reducer joined; bytes in, updates and snapshots out."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterable, Iterable, Iterator
from json.decoder import scanstring as _scanstring  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any

import attrs

from ._errors import DeltasnapError, InvalidJSON, StrictModeError
from ._json import check_depth, loads
from ._lifecycle import Lifecycle
from ._limits import UNLIMITED, Limits
from ._merge import Reports
from ._reducer import MessagesView, Reducer, Report, Update
from ._sse import SSEDecoder

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["Accumulator", "ServerError", "StreamEvent"]

MESSAGE_DELTA = "thread.message.delta"
_DELTA_EVENTS = frozenset({MESSAGE_DELTA, "thread.run.step.delta"})


def _json_shape(template: str, groups: dict[str, str], style: str) -> re.Pattern[str]:
    """A regex for JSON of exactly one shape, written compactly in ``template`` with ``<name>``
    placeholders for ``groups``. ``style``: "spaced" (``", "`` and ``": "``, Python's default),
    "compact" (no whitespace), or "loose" (any JSON whitespace between tokens)."""
    ws = "[ \t\n\r]*"
    out: list[str] = []
    in_string = False
    for piece in re.split(r"(<\w+>)", template):
        if piece.startswith("<"):
            out.append(groups[piece[1:-1]])
            continue
        for char in piece:
            if char == '"':
                in_string = not in_string
            structural = not in_string and char in "{}[],:"
            if structural and style == "loose":
                out.append(ws + re.escape(char) + ws)
            elif structural and style == "spaced" and char in ",:":
                out.append(re.escape(char) + " ")
            else:
                out.append(re.escape(char))
    return re.compile("".join(out))


# The overwhelmingly common delta: one text piece for one content part. Matching its exact
# shape (strings without control characters, a canonical integer index) gives the same values
# json.loads would, so the hot path can skip parsing and the general merge; anything else,
# or any doubt, takes the general path. The spaced and compact spellings are tried first
# (they match fastest); the loose one accepts any other whitespace.
_TEXT_DELTA_TEMPLATE = (
    '{"id":"<id>","object":"thread.message.delta","delta":{"content":[{"index":<index>,'
    '"type":"text","text":{"value":<value>}}]}}'
)
_TEXT_DELTA_GROUPS = {
    "id": r'([^"\\\x00-\x1f]*)',
    "index": r"(0|[1-9][0-9]{0,8})",
    "value": r'("[^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*")',
}
_TEXT_DELTA_SHAPES = tuple(
    _json_shape(_TEXT_DELTA_TEMPLATE, _TEXT_DELTA_GROUPS, style).fullmatch
    for style in ("spaced", "compact", "loose")
)


_SPACED, _COMPACT, _LOOSE = _TEXT_DELTA_SHAPES

# Building the commonest Update without NamedTuple.__new__'s argument handling (hot path).
_new_update = tuple.__new__
_NO_MORE = (None,) * (len(Update._fields) - 6)


DONE = "done"
ERROR = "error"


def _unquote(literal: str) -> str | None:
    """The value of a JSON string literal with escapes (None if they are bad)."""
    try:
        value, end = _scanstring(literal, 1)
    except ValueError:
        return None  # the general path reports it
    return value if end == len(literal) else None


@attrs.frozen
class StreamEvent:
    """One event of the stream as received: its number, name, parsed data and where it was."""

    number: int
    event: str
    data: Any
    offset: int | None = None
    id: str | None = None


class ServerError(DeltasnapError):
    """The server sent an ``error`` event (code, message, param, type as the API gives them)."""

    def __init__(self, reason: str, *, data: Any = None, **where: Any) -> None:
        super().__init__(reason, **where)
        self.data = data
        body = data.get("error", data) if isinstance(data, dict) else {}
        body = body if isinstance(body, dict) else {}
        self.code: Any = body.get("code")
        self.param: Any = body.get("param")
        self.type: Any = body.get("type")


def _error_reason(data: Any) -> str:
    body = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(body, dict) and body.get("message"):
        code = f" [{body['code']}]" if body.get("code") else ""
        return f"server error{code}: {body['message']}"
    return f"server error: {data!r}"


class Accumulator:
    """Feed it stream bytes in any chunking; read ``messages`` at any moment.

    Lenient by default: a bad event is skipped and recorded in ``reports`` (with its event number
    and reason) and everything accumulated so far stays; ``strict=True`` raises at the first one.
    Either way a bad event changes no snapshot. ``limits`` bounds what a stream may make it hold
    (see ``Limits``). Every event the reducer accepted except the (many) deltas is kept in
    ``events`` (up to ``Limits.max_kept_events``); ``keep_deltas=True`` keeps those too.
    ``event_counts`` counts every event by name.
    """

    def __init__(
        self,
        *,
        use_completed: bool = True,
        strict: bool = False,
        keep_deltas: bool = False,
        limits: Limits | None = None,
    ) -> None:
        self.limits = limits = Limits() if limits is None else limits
        self.reducer = Reducer(use_completed=use_completed, strict=strict, limits=limits)
        self.strict = strict
        self.keep_deltas = keep_deltas
        self.events: list[StreamEvent] = []
        #: Applied events not kept in ``events`` (past ``Limits.max_kept_events``).
        self.events_not_kept = 0
        self._max_kept = UNLIMITED if limits.max_kept_events is None else limits.max_kept_events
        self.event_counts: Counter[str] = Counter()
        self.server_errors: list[ServerError] = []
        self.done = False
        self.closed = False
        self.truncated = False
        self._decoder = SSEDecoder(max_event_bytes=limits.max_event_bytes)
        self._number = 0
        self._lifecycle = Lifecycle(self.reducer)
        self._offset_base = 0

    # -- state -----------------------------------------------------------------------------

    @property
    def messages(self) -> MessagesView:
        """Message id → current snapshot (a live, read-only mapping in order of creation)."""
        return self.reducer.messages

    @property
    def reports(self) -> Reports:
        """Everything noticed and not raised: skipped events, repairs, differences, truncation
        (the first ``Limits.max_reports``; ``reports.dropped`` counts the ones after them)."""
        return self.reducer.reports

    @property
    def bytes_received(self) -> int:
        """Bytes fed so far, over all stream segments."""
        return self._offset_base + self._decoder.bytes_received

    # -- input -----------------------------------------------------------------------------

    def feed(self, chunk: bytes | str) -> list[Update]:
        """Feed the next chunk of the stream; return what changed."""
        self._decoder.receive(chunk)
        return self._drain()

    def _feed_quietly(self, chunk: bytes | str) -> None:
        """``feed`` without building the updates (for callers that do not read them)."""
        self._decoder.receive(chunk)
        self._drain(quiet=True)

    def close(self) -> list[Update]:
        """End of input: flush, and report a truncated stream (snapshots are kept)."""
        if self.closed:
            return []
        self.closed = True
        decoder = self._decoder
        try:
            decoder.close()
        except DeltasnapError as err:  # pragma: no cover - close() only discards
            self._fault(err)
        updates = self._drain()
        if decoder.truncated:
            self.truncated = True
            self._report(
                "truncated_event",
                f"the stream ended inside an event; {decoder.discarded_bytes} bytes discarded",
            )
        if not self.done:
            self.truncated = True
            self._report("truncated", "the stream ended without a done event")
            updates.append(Update("truncated", self._number))
        updates.append(Update("end", self._number))
        self.reports.note_dropped(self._number)
        return updates

    def new_segment(self) -> None:
        """Start a new HTTP body on the same run (e.g. after submitting tool outputs)."""
        self._offset_base += self._decoder.bytes_received
        self._decoder = SSEDecoder(max_event_bytes=self.limits.max_event_bytes)
        self.done = False
        self.closed = False
        self.truncated = False

    def feed_event(self, event: str, data: Any, *, offset: int | None = None) -> list[Update]:
        """Feed one already-decoded event (data: a dict, a JSON string, or a pydantic model).

        Decoded data is held to the same limits as bytes, nesting depth included.
        """
        self._number += 1
        try:
            plain = _plain(data, self.limits.max_json_depth)
            return self._apply(self._number, event, plain, offset, None)
        except DeltasnapError as err:
            self._fault(err)
            return []

    def updates(self, source: Any) -> Iterator[Update]:
        """Feed a whole source (see ``accumulate``), yielding updates as they happen; then close."""
        from ._sources import iter_updates

        return iter_updates(self, source)

    def aupdates(self, source: AsyncIterable[Any] | Iterable[Any]) -> AsyncIterator[Update]:
        """Async form of ``updates`` for async iterables of chunks or events."""
        from ._sources import aiter_updates

        return aiter_updates(self, source)

    def raise_for_error(self) -> None:
        """Raise the first ``error`` event the server sent, if any."""
        if self.server_errors:
            raise self.server_errors[0]

    # -- internals -------------------------------------------------------------------------

    def _drain(self, quiet: bool = False) -> list[Update]:
        """Apply every event the decoder has ready; return their updates (none if ``quiet``)."""
        updates: list[Update] = []
        decoder = self._decoder
        base = self._offset_base
        text_delta = self.reducer.text_delta
        fast_deltas = 0
        lifecycle = self._lifecycle
        lifecycle.quiet = quiet
        listening = lifecycle.listener is not None and not quiet
        try:
            while True:
                try:
                    ready = decoder._take()
                except DeltasnapError as err:
                    self._number += 1
                    self._fault(err.located(event_number=self._number))
                    continue
                if not ready:
                    return updates
                # Events are popped one at a time: if one raises (strict mode), the rest stay
                # queued in the decoder for the next call.
                popleft = ready.popleft
                fast = not (self.keep_deltas or self.done)
                while ready:
                    event, raw, sse_id, _, _, offset = popleft()
                    number = self._number = self._number + 1
                    if fast and event == MESSAGE_DELTA:
                        # Fast path: a plain text delta, recognised by shape, skips json.loads
                        # and the general merge; the reducer declines (False) whenever
                        # the general path must decide.
                        match = _SPACED(raw) or _COMPACT(raw) or _LOOSE(raw)
                        if match is not None:
                            message_id, digits, literal = match.groups()
                            piece = literal[1:-1] if "\\" not in literal else _unquote(literal)
                            index = int(digits)
                            if (
                                piece is not None
                                and (piece or not listening)
                                and text_delta(message_id, index, piece)
                            ):
                                fast_deltas += 1
                                if quiet:
                                    continue
                                if piece:
                                    fields = ("text", number, message_id, index, None, piece)
                                    update = _new_update(Update, fields + _NO_MORE)
                                else:
                                    update = Update("event", number, text=event)
                                if listening:
                                    updates += lifecycle.after(number, event, None, [update])
                                else:
                                    updates.append(update)
                                continue
                    try:
                        applied = self._decode(number, event, raw, sse_id, base + offset)
                        if not quiet:
                            updates += applied
                    except DeltasnapError as err:
                        self._fault(err)
                    fast = not (self.keep_deltas or self.done)
        finally:
            lifecycle.quiet = False
            if fast_deltas:
                self.event_counts[MESSAGE_DELTA] += fast_deltas

    def _decode(
        self, number: int, event: str, raw: str, sse_id: str | None, offset: int
    ) -> list[Update]:
        """The general path: parse the event's data and apply it."""
        if event == DONE and raw.strip() == "[DONE]":
            data: Any = raw
        else:
            try:
                data = loads(raw, self.limits.max_json_depth)
            except DeltasnapError as err:
                raise err.located(event_number=number, byte_offset=offset, event=event) from None
        return self._apply(number, event, data, offset, sse_id)

    def _count(self, event: str, number: int, offset: int | None) -> None:
        self.event_counts[event] += 1
        if self.done and event != DONE:
            reason = f"{event} arrived after done"
            if self.strict:
                raise StrictModeError(reason, event_number=number, byte_offset=offset, event=event)
            self._report("event_after_done", reason, number)

    def _apply(
        self, number: int, event: str, data: Any, offset: int | None, sse_id: str | None
    ) -> list[Update]:
        """Apply one event whose data is parsed and depth-checked already."""
        self._count(event, number, offset)
        updates = self.reducer._apply(event, data, number, offset, depth_checked=True)
        if self.keep_deltas or event not in _DELTA_EVENTS:
            self._keep(StreamEvent(number, event, data, offset, sse_id))
        if updates:
            return self._lifecycle.after(number, event, data, updates)
        if event == DONE:
            self.done = True
            updates = [Update("done", number)]
        elif event == ERROR:
            err = ServerError(
                _error_reason(data), data=data, event_number=number, byte_offset=offset
            )
            self.server_errors.append(err)
            self._report("server_error", str(err), number)
            updates = [Update("error", number, text=err.reason)]
        else:
            updates = [Update("event", number, text=event)]
        return self._lifecycle.after(number, event, data, updates)

    def _keep(self, event: StreamEvent) -> None:
        """Keep an applied event in ``events``, up to ``Limits.max_kept_events``."""
        if len(self.events) < self._max_kept:
            self.events.append(event)
            return
        if not self.events_not_kept:
            limit = self.limits.max_kept_events
            reason = f"events from this one on are applied but not kept (max_kept_events={limit})"
            self._report("events_not_kept", reason, event.number)
        self.events_not_kept += 1

    def _report(self, kind: str, reason: str, number: int | None = None) -> None:
        self.reducer.reports.append(
            Report(kind, reason, self._number if number is None else number)
        )

    def _fault(self, err: DeltasnapError) -> None:
        """A bad event: raise in strict mode, else record it and go on."""
        if self.strict:
            raise err
        reports = self.reducer.reports
        if reports.full:  # a flood of bad events: count them without formatting each one
            reports.dropped += 1
            return
        reports.append(
            Report("skipped_event", str(err), err.event_number, err.message_id, step_id=err.step_id)
        )


def _plain(data: Any, max_depth: int) -> Any:
    """Event data as plain JSON values: dicts pass, JSON text is parsed, models are dumped; the
    nesting depth is checked either way."""
    if isinstance(data, dict):
        check_depth(data, max_depth)
        return data
    if isinstance(data, str | bytes):
        try:
            text = data.decode() if isinstance(data, bytes) else data
        except UnicodeDecodeError as err:
            raise InvalidJSON(f"event data is not UTF-8: {err}") from None
        if text.strip() == "[DONE]":
            return text
        return loads(text, max_depth)
    dump = getattr(data, "model_dump", None)
    to_dict = getattr(data, "to_dict", None)
    if callable(dump):
        try:
            plain = dump(exclude_unset=True)
        except TypeError:
            plain = dump()
    elif callable(to_dict):
        plain = to_dict()
    else:
        plain = data
    check_depth(plain, max_depth)
    return plain
