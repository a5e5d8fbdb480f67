"""Accumulator: the SSE decoder and the reducer joined; bytes in, updates and snapshots out."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from ._errors import DeltasnapError, ServerError, StrictModeError, error_reason
from ._feeding import aiter_updates, iter_updates
from ._final_copy import final_copy, new_decoder
from ._lifecycle import Lifecycle
from ._limits import KEPT_EVENT_BYTES, KEPT_EVENTS, UNLIMITED, Limits
from ._pieces import Pieces
from ._reducer import Reducer
from ._scanned import take_run
from .merge.reports import Report, Reports, Update
from .merge.views import MessagesView, RunStepsView, RunsView, RunView
from .payload import runs, shortcut
from .payload.decoded import json_size, plain_data
from .payload.json import loads
from .sse.decoder import SSEDecoder

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

__all__ = ["Accumulator", "ServerError", "StreamEvent"]

MESSAGE_DELTA = "thread.message.delta"
_DELTA_EVENTS = frozenset({MESSAGE_DELTA, "thread.run.step.delta"})


# Building the commonest Update without NamedTuple.__new__'s argument handling (hot path).
_new_update = tuple.__new__
_NO_MORE = (None,) * (len(Update._fields) - 6)
# After this many message deltas in a row that start no run of text deltas (say, refusal pieces),
# the rest of the input is decoded event by event, not stopped in front of each.
_MISSES = 8


DONE = "done"
ERROR = "error"


@attrs.frozen
class StreamEvent:
    """One event of the stream as received: its number, name, parsed data and where it was."""

    number: int
    event: str
    data: Any
    offset: int | None = None
    id: str | None = None


# Old private name, still imported by front-ends.
_error_reason = error_reason


class Accumulator:
    """Feed it stream bytes in any chunking; read ``messages`` at any moment.

    Lenient by default: a bad event is skipped and recorded in ``reports`` (with its event number
    and reason) and everything accumulated so far stays; ``strict=True`` raises at the first one.
    Either way a bad event changes no snapshot. ``limits`` bounds what a stream may make it hold
    (see ``Limits``). Every event the reducer accepted except the (many) deltas is kept in
    ``events`` (up to ``Limits.max_kept_events`` events and ``Limits.max_kept_event_bytes`` of
    their data); ``keep_deltas=True`` keeps those too.
    ``event_counts`` counts every event by name. ``dispatch_unterminated`` (on by default): at
    the end of input, an unterminated last event whose data is complete (``[DONE]``, or JSON that
    parses) is applied, with an informational ``unterminated_event`` report; off, it is dropped
    as WHATWG says (``truncated_event``).
    """

    def __init__(
        self,
        *,
        use_completed: bool = True,
        strict: bool = False,
        keep_deltas: bool = False,
        limits: Limits | None = None,
        dispatch_unterminated: bool = True,
    ) -> None:
        self.limits = limits = Limits() if limits is None else limits
        self.dispatch_unterminated = dispatch_unterminated
        self.reducer = Reducer(use_completed=use_completed, strict=strict, limits=limits)
        self.strict = strict
        self.keep_deltas = keep_deltas
        self.events: list[StreamEvent] = []
        #: Applied events not kept in ``events`` (past ``Limits.max_kept_events``).
        self.events_not_kept = 0
        self._max_kept = UNLIMITED if limits.max_kept_events is None else limits.max_kept_events
        #: Size of the events kept in ``events`` (their data's JSON text, in characters).
        self.kept_event_bytes = 0
        self._max_kept_bytes = (
            UNLIMITED if limits.max_kept_event_bytes is None else limits.max_kept_event_bytes
        )
        self.event_counts: Counter[str] = Counter()
        self.server_errors: list[ServerError] = []
        self.done = False
        self.closed = False
        self.truncated = False
        self._decoder = self._new_decoder()
        self._number = 0
        self._offset_base = 0
        self._lifecycle = Lifecycle(self.reducer)
        self._pieces = Pieces(self.reducer, self._lifecycle, self.event_counts, limits)

    # -- state -----------------------------------------------------------------------------

    @property
    def messages(self) -> MessagesView:
        """Message id → current snapshot (a live, read-only mapping in order of creation)."""
        return self.reducer.messages

    @property
    def run(self) -> RunView | None:
        """The run most recently named by a run or step event, or None if there is none."""
        return self.reducer.run

    @property
    def runs(self) -> RunsView:
        """Run id → RunView (run object, statuses seen, steps, messages), in first appearance."""
        return self.reducer.runs

    @property
    def run_steps(self) -> RunStepsView:
        """Step id → run-step snapshot, in order of creation (a live view, like ``messages``)."""
        return self.reducer.run_steps

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
            # what close() completes (an unterminated last event, a line ended by a held CR)
            # goes back in the queue, to be applied like every other event
            last = decoder.close()
            decoder._ready.extend(
                (e.event, e.data, e.id, e.retry, e.number, e.offset) for e in last
            )
        except DeltasnapError as err:  # pragma: no cover - close() only discards
            self._fault(err)
        updates = self._drain()
        if decoder.unterminated:
            self._report(
                "unterminated_event",
                "the stream ended inside its last event, whose data was complete: it was applied",
            )
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
        self._decoder = self._new_decoder()
        self.done = False
        self.closed = False
        self.truncated = False

    def _new_decoder(self) -> SSEDecoder:
        return new_decoder(self)

    def feed_event(self, event: str, data: Any, *, offset: int | None = None) -> list[Update]:
        """Feed one already-decoded event (data: a dict, a JSON string, or a pydantic model).

        Decoded data is held to the same limits as bytes, nesting depth included.
        """
        self._number += 1
        try:
            plain = plain_data(data, self.limits.max_json_depth)
            size = len(data) if isinstance(data, str | bytes) else None
            return self._apply(self._number, event, plain, offset, None, size)
        except DeltasnapError as err:
            self._fault(err)
            return []

    def updates(self, source: Any) -> Iterator[Update]:
        """Feed a whole source (see ``accumulate``), yielding updates as they happen; then close.
        After a body ended (closed, or done), the source is the run's next body."""
        self._continue()
        return iter_updates(self, source)

    def aupdates(self, source: AsyncIterable[Any] | Iterable[Any]) -> AsyncIterator[Update]:
        """Async form of ``updates`` for async iterables of chunks or events."""
        self._continue()
        return aiter_updates(self, source)

    def _continue(self) -> None:
        """Before feeding a whole source: a new segment if the last body ended."""
        if self.closed or self.done:
            self.new_segment()

    def raise_for_error(self) -> None:
        """Raise the first ``error`` event the server sent, if any."""
        if self.server_errors:
            raise self.server_errors[0]

    # -- internals -------------------------------------------------------------------------

    #: Private switch: False turns the shortcuts off (text deltas, and the pieces of _pieces:
    #: every event takes the general path, json.loads and the full merge). Tests run both.
    _use_shortcut = True

    def _shortcut_on(self) -> bool:
        """Whether the next event may take a shortcut: not when deltas are kept, the stream is
        done (the general path reports late events), or the depth limit is below the text
        shortcut's own nesting (each piece shortcut checks its own)."""
        return (
            self._use_shortcut
            and not (self.keep_deltas or self.done)
            and self.limits.max_json_depth >= shortcut.DEPTH
        )

    def _drain(self, quiet: bool = False) -> list[Update]:
        """Apply every event the decoder has ready; return their updates (none if ``quiet``)."""
        updates: list[Update] = []
        decoder = self._decoder
        base = self._offset_base
        text_delta = self.reducer._messages.text_delta
        recognise = shortcut.recognise
        fast_deltas = 0
        lifecycle = self._lifecycle
        announced = lifecycle.announced
        lifecycle.quiet = quiet
        listening = lifecycle.listener is not None and not quiet
        misses = 0  # scans in a row that took nothing
        # Quiet (nobody reads the updates): the decoder stops in front of each run of text
        # deltas, which is scanned in the raw bytes and applied part by part (``_scan_run``).
        if quiet and self._use_shortcut:
            decoder._hold = runs.CANDIDATE
        try:
            while True:
                try:
                    ready = decoder._take()
                except DeltasnapError as err:
                    # the decoder numbers dispatched events only; here every event counts,
                    # the dropped ones included
                    self._number += 1
                    err.event_number = self._number
                    self._fault(err)
                    continue
                if not ready:
                    stopped = decoder._stopped() if decoder._hold else None
                    if stopped is None:
                        return updates
                    buf, pos, boundary = stopped
                    if boundary and self._shortcut_on() and self._scan_run(buf, pos):
                        misses = 0
                        continue
                    decoder._release = True
                    misses += 1
                    if misses >= _MISSES:  # deltas that are no text runs: decode this input
                        decoder._hold = b""
                    continue
                # Events are popped one at a time: if one raises (strict mode), the rest stay
                # queued in the decoder for the next call.
                popleft = ready.popleft
                fast = self._shortcut_on()
                while ready:
                    event, raw, sse_id, _, _, offset = popleft()
                    number = self._number = self._number + 1
                    if fast and event == MESSAGE_DELTA:
                        # Fast path: a plain text delta, recognised by shape, skips json.loads
                        # and the general merge; the reducer declines (False) whenever
                        # the general path must decide.
                        # (not for a part the lifecycle has not announced: its delta does)
                        found = recognise(raw)
                        if found is not None and (quiet or announced(found[0], found[1])):
                            message_id, index, piece, notes = found
                            if notes:  # annotated: not while a handler listens (it gets data)
                                done = None if listening else self._pieces.annotated(number, found)
                                if done is not None:
                                    fast_deltas += 1
                                    if not quiet:
                                        updates += lifecycle.after(number, event, None, done)
                                    continue
                            # while a handler listens, an empty piece takes the general path,
                            # so its event keeps its data
                            elif (piece or not listening) and text_delta(message_id, index, piece):
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
                    if fast and self._pieces.take(number, event, raw, updates):
                        continue  # a refusal or tool-call piece (see _pieces)
                    try:
                        applied = self._decode(number, event, raw, sse_id, base + offset)
                        if not quiet:
                            updates += applied
                    except DeltasnapError as err:
                        self._fault(err)
                    fast = self._shortcut_on()
        finally:
            decoder._hold = b""
            lifecycle.quiet = False
            if fast_deltas:
                self.event_counts[MESSAGE_DELTA] += fast_deltas

    def _scan_run(self, buf: bytes, pos: int) -> bool:
        """Apply the run of text deltas the decoder stopped at, as far as the text-delta
        shortcut would take each of its events; False if it takes none of them."""
        taken = take_run(self.reducer._messages, buf, pos, self.limits)
        if taken is None:
            return False
        end, count = taken
        self._decoder._consumed(end, count)
        self._number += count
        self.event_counts[MESSAGE_DELTA] += count
        return True

    def _decode(
        self, number: int, event: str, raw: str, sse_id: str | None, offset: int
    ) -> list[Update]:
        """The general path: parse the event's data and apply it."""
        if type(raw) is not str:  # a long final copy, kept as bytes (see _final_copy)
            raw, light = final_copy(self.reducer, event, raw, self.limits.max_json_depth)
            if light is not None:
                return self._apply(number, event, light[0], offset, sse_id, light[1])
        if event == DONE and raw.strip() == "[DONE]":
            data: Any = raw
        else:
            try:
                data = loads(raw, self.limits.max_json_depth)
            except DeltasnapError as err:
                raise err.located(event_number=number, byte_offset=offset, event=event) from None
        return self._apply(number, event, data, offset, sse_id, len(raw))

    def _count(self, event: str, number: int, offset: int | None) -> None:
        self.event_counts[event] += 1
        if self.done and event != DONE:
            reason = f"{event} arrived after done"
            if self.strict:
                raise StrictModeError(reason, event_number=number, byte_offset=offset, event=event)
            self._report("event_after_done", reason, number)

    def _apply(
        self,
        number: int,
        event: str,
        data: Any,
        offset: int | None,
        sse_id: str | None,
        size: int | None = None,
    ) -> list[Update]:
        """Apply one event whose data is parsed and depth-checked already; ``size``: its data's
        JSON text, in characters (None: decoded data, measured only if it is kept)."""
        self._count(event, number, offset)
        updates = self.reducer._apply(event, data, number, offset, depth_checked=True)
        if self.keep_deltas or event not in _DELTA_EVENTS:
            self._keep(StreamEvent(number, event, data, offset, sse_id), size)
        if updates:
            return self._lifecycle.after(number, event, data, updates)
        if event == DONE:
            self.done = True
            updates = [Update("done", number)]
        elif event == ERROR:
            err = ServerError(
                error_reason(data), data=data, event_number=number, byte_offset=offset
            )
            self.server_errors.append(err)
            self._report("server_error", str(err), number)
            updates = [Update("error", number, text=err.reason)]
        else:
            updates = [Update("event", number, text=event)]
        return self._lifecycle.after(number, event, data, updates)

    def _keep(self, event: StreamEvent, size: int | None) -> None:
        """Keep an applied event in ``events``, up to ``Limits.max_kept_events`` events and
        ``Limits.max_kept_event_bytes`` of their data; once one is not kept, none after it is."""
        if not self.events_not_kept and len(self.events) < self._max_kept:
            if self._max_kept_bytes == UNLIMITED:
                self.events.append(event)
                return
            if size is None:
                size = json_size(event.data)
            if self.kept_event_bytes + size <= self._max_kept_bytes:
                self.kept_event_bytes += size
                self.events.append(event)
                return
        if not self.events_not_kept:
            row = KEPT_EVENT_BYTES if len(self.events) < self._max_kept else KEPT_EVENTS
            reason = f"events from this one on are applied but not kept ({row.of(self.limits)})"
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
