"""The piece shortcuts: refusal pieces and tool-call pieces (function arguments, code input,
code logs) recognised by shape in raw event data and applied without json.loads or the general
merge, with the very updates, counts and state the general path gives.

Each declines (False: the general path decides) whenever anything is unusual: a shape not
recognised, an object, part, call or output not known with that type, a limit, a handler
listening (it is given each event's parsed data), a part or call the lifecycle has not
announced yet (its delta would announce it).
"""

from __future__ import annotations

from collections import Counter

from ._errors import DeltasnapError
from ._lifecycle import Lifecycle
from ._limits import Limits
from ._reducer import Reducer
from .merge.reports import Update
from .payload import shortcut
from .payload.json import loads

__all__ = ["PIECE_EVENTS", "Pieces"]

MESSAGE_DELTA = "thread.message.delta"
STEP_DELTA = "thread.run.step.delta"
#: The events a piece shortcut may take.
PIECE_EVENTS = frozenset({MESSAGE_DELTA, STEP_DELTA})


class Pieces:
    """The piece shortcuts of one accumulator."""

    __slots__ = (
        "call_depth",
        "counts",
        "lifecycle",
        "messages",
        "notes_depth",
        "refusals",
        "steps",
    )

    def __init__(
        self, reducer: Reducer, lifecycle: Lifecycle, counts: Counter[str], limits: Limits
    ) -> None:
        self.messages = reducer._messages
        self.steps = reducer._steps
        self.lifecycle = lifecycle
        self.counts = counts
        depth = limits.max_json_depth
        self.refusals = depth >= shortcut.REFUSAL_DEPTH
        #: The tool-call pieces whose shape nests no deeper than ``max_json_depth``.
        self.call_depth = {f for f, d in shortcut.CALL_DEPTH.items() if d <= depth}
        #: How deep a text delta's annotations' array may nest (below the text delta's shape).
        self.notes_depth = depth - shortcut.DEPTH

    def annotated(self, number: int, found: tuple[str, int, str, str]) -> list[Update] | None:
        """The text-delta shortcut with annotations: only their array is parsed (bounded like
        the whole event's data); the general path's updates, or None when it decides."""
        message_id, index, piece, notes = found
        try:
            annotations = loads(notes, self.notes_depth)
        except DeltasnapError:
            return None
        return self.messages.annotated_delta(message_id, index, piece, annotations, number)

    def take(self, number: int, event: str, raw: str, updates: list[Update]) -> bool:
        """Apply event ``number`` (named ``event``, data ``raw``) if a piece shortcut takes it,
        adding its updates to ``updates`` unless the lifecycle is quiet; True if taken."""
        if event not in PIECE_EVENTS:
            return False
        lifecycle = self.lifecycle
        quiet = lifecycle.quiet
        if not quiet and lifecycle.listener is not None:
            return False
        out = None if quiet else updates
        before = len(updates)
        if event == MESSAGE_DELTA:
            found = shortcut.recognise_refusal(raw) if self.refusals else None
            if found is None:
                return False
            mid, index, piece = found
            if not (quiet or lifecycle.announced(mid, index)):
                return False
            if not self.messages.refusal_delta(mid, index, piece, number, out):
                return False
        else:
            got = shortcut.recognise_call_piece(raw)
            if got is None:
                return False
            sid, index, field, output, piece = got
            if field not in self.call_depth or not (quiet or lifecycle.call_announced(sid, index)):
                return False
            if not self.steps.call_piece(sid, index, field, output, piece, number, out):
                return False
        self.counts[event] += 1
        if out is not None and len(out) == before:
            out.append(Update("event", number, text=event))  # the general path's, for no change
        return True
