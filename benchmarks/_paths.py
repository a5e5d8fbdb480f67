"""The paths the benchmark times on the same bytes: the json.loads floor, the SDK, deltasnap.

- floor: ``json.loads`` of every event payload (what any SSE consumer must at least do);
- sdk: the openai-python SDK's own streaming path — its ``SSEDecoder`` behind ``Stream``, typed
  ``AssistantStreamEvent`` models built by ``construct_type`` (as ``Stream`` does for a client
  without strict validation), and the ``AssistantEventHandler`` accumulation, driven exactly as
  ``client.beta.threads.runs.stream(...)`` drives it: ``AssistantStreamManager`` ->
  ``handler._init(stream)`` -> ``handler.until_done()`` (each event goes through
  ``handler._emit_sse_event``);
- deltasnap: ``deltasnap.accumulate(chunks)``, bytes to final snapshots;
- deltasnap live: a UI redrawing after every delta: the stream fed one event per chunk through
  ``Accumulator.updates``, taking the touched message's snapshot (``acc.messages[id]``) after each.

openai (and httpx2, which it brings) are benchmark-only dependencies; src/ never imports them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

import attrs
import httpx2
import openai
from openai._streaming import Stream
from openai.lib.streaming._assistants import AssistantEventHandler, AssistantStreamManager
from openai.types.beta import AssistantStreamEvent
from openai.types.beta.threads import Message, MessageDelta

import deltasnap

JSONObject = dict[str, Any]


def chunked(data: bytes, chunk_size: int) -> tuple[bytes, ...]:
    """``data`` cut into ``chunk_size`` pieces, as a socket would deliver them.

    Inputs are tuples: the garbage collector stops tracking a tuple of bytes, so a million chunks
    held by the harness do not slow down every full collection in the code being timed (a
    socket's chunks are never in memory all at once).
    """
    return tuple([data[i : i + chunk_size] for i in range(0, len(data), chunk_size)])


def split_events(data: bytes, n_events: int) -> tuple[bytes, ...]:
    """``data`` cut after every event (one chunk per event), as a slow live stream arrives.

    The generator ends every event with a blank line and escapes newlines inside JSON, so the
    ``\\n\\n`` separators are exactly the event ends; ``n_events`` confirms it. A tuple, like
    ``chunked``'s.
    """
    events = tuple([part + b"\n\n" for part in data.split(b"\n\n")[:-1]])
    if len(events) != n_events or not data.endswith(b"\n\n"):
        raise ValueError(f"expected {n_events} LF-separated events, found {len(events)}")
    return events


# -- floor ----------------------------------------------------------------------------------------


def floor(payloads: Sequence[str]) -> int:
    """json.loads every JSON payload (the ``[DONE]`` sentinel skipped); return how many."""
    loads = json.loads
    n = 0
    for payload in payloads:
        if payload != "[DONE]":
            loads(payload)
            n += 1
    return n


# -- the openai SDK -------------------------------------------------------------------------------

_CLIENT: openai.OpenAI | None = None
# A union alias, passed as Stream's cast_to just like the SDK's own runs.stream() does.
_EVENT_TYPE: Any = cast(Any, AssistantStreamEvent)


def _client() -> openai.OpenAI:
    """An offline client: only its SSE decoder factory and response processing are used."""
    global _CLIENT
    if _CLIENT is None:
        _CLIENT = openai.OpenAI(api_key="sk-benchmark", base_url="http://127.0.0.1:9/v1")
    return _CLIENT


class RecordingHandler(AssistantEventHandler):
    """An AssistantEventHandler that keeps, per delta's message id, the snapshot the SDK built."""

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[str, Message] = {}

    def on_message_delta(self, delta: MessageDelta, snapshot: Message) -> None:
        """Remember which snapshot the SDK merged this message's delta into."""
        event = self.current_event
        assert event is not None and event.event == "thread.message.delta"
        self.live[event.data.id] = snapshot


def sdk_run(
    chunks: Sequence[bytes], handler: AssistantEventHandler | None = None
) -> AssistantEventHandler:
    """Feed SSE byte chunks through the SDK's own stream machinery; return the finished handler."""
    response = httpx2.Response(
        200, content=iter(chunks), headers={"content-type": "text/event-stream"}
    )
    client = _client()

    def api_request() -> Stream[AssistantStreamEvent]:
        return Stream(cast_to=_EVENT_TYPE, response=response, client=client)

    manager = AssistantStreamManager(api_request, event_handler=handler or AssistantEventHandler())
    with manager as running:
        running.until_done()
    return running


def sdk_messages(handler: AssistantEventHandler) -> dict[str, JSONObject]:
    """The handler's final message snapshots as API JSON, by id."""
    return {m.id: m.model_dump(mode="json") for m in handler.get_final_messages()}


def sdk_steps(handler: AssistantEventHandler) -> dict[str, JSONObject]:
    """The handler's final run step snapshots as API JSON, by id."""
    return {s.id: s.model_dump(mode="json") for s in handler.get_final_run_steps()}


def sdk_live(handler: RecordingHandler) -> dict[str, JSONObject]:
    """The last delta-built snapshot of each message id (before the server's completed copy)."""
    return {mid: snap.model_dump(mode="json") for mid, snap in handler.live.items()}


def sdk_decode_only(chunks: Sequence[bytes]) -> int:
    """Only the SDK's SSE decoder + json + construct_type (no accumulation); return events."""
    response = httpx2.Response(
        200, content=iter(chunks), headers={"content-type": "text/event-stream"}
    )
    stream: Stream[AssistantStreamEvent] = Stream(
        cast_to=_EVENT_TYPE, response=response, client=_client()
    )
    return sum(1 for _ in stream)


# -- deltasnap ------------------------------------------------------------------------------------

# deltasnap's default limits (the 1M stream's one message carries 20,000 annotations, within the
# default 25,000); kept as a variable so a run can measure other limits and say so.
LIMITS = deltasnap.Limits()


def limits_note() -> str:
    """How LIMITS differ from deltasnap's defaults, for the report."""
    default = deltasnap.Limits()
    changed = [
        f"{f.name}={getattr(LIMITS, f.name)}"
        for f in attrs.fields(deltasnap.Limits)
        if getattr(LIMITS, f.name) != getattr(default, f.name)
    ]
    return "default limits" + (" except " + ", ".join(changed) if changed else "")


def deltasnap_run(chunks: Iterable[bytes]) -> deltasnap.Accumulator:
    """deltasnap end to end: every chunk in, final message snapshots out."""
    return deltasnap.accumulate(iter(chunks), limits=LIMITS)


def deltasnap_live(event_chunks: Iterable[bytes]) -> deltasnap.Accumulator:
    """deltasnap as a UI that redraws after every event: take the touched message's snapshot.

    Fed one event per chunk, so each snapshot taken is the state right after that event (the
    snapshot object only; its text is not read).
    """
    acc = deltasnap.Accumulator(limits=LIMITS)
    shown: dict[str, deltasnap.Message] = {}  # what the UI draws: the latest snapshot per message
    for update in acc.updates(event_chunks):
        if update.message_id is not None:
            shown[update.message_id] = acc.messages[update.message_id]
    return acc


def deltasnap_messages(acc: deltasnap.Accumulator) -> dict[str, JSONObject]:
    """The messages of an accumulator as API JSON, by id."""
    return {mid: deltasnap.unstructure(message) for mid, message in acc.messages.items()}


# -- comparing ------------------------------------------------------------------------------------


def strip_index(value: Any) -> Any:
    """``value`` without the ``index`` keys the SDK leaves in its delta-built snapshots."""
    if isinstance(value, dict):
        return {k: strip_index(v) for k, v in value.items() if k != "index"}
    if isinstance(value, list):
        return [strip_index(v) for v in value]
    return value


def first_difference(got: Any, want: Any, path: str = "$") -> str | None:
    """The JSON path of the first difference between two JSON values (None when equal)."""
    if isinstance(got, dict) and isinstance(want, dict):
        for key in sorted(set(got) | set(want)):
            if key not in got:
                return f"{path}.{key}: missing"
            if key not in want:
                return f"{path}.{key}: unexpected {_short(got[key])}"
            found = first_difference(got[key], want[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(got, list) and isinstance(want, list):
        for i, (g, w) in enumerate(zip(got, want, strict=False)):
            found = first_difference(g, w, f"{path}[{i}]")
            if found:
                return found
        if len(got) != len(want):
            return f"{path}: {len(got)} items, expected {len(want)}"
        return None
    if got != want:
        return f"{path}: {_short(got)} != expected {_short(want)}"
    return None


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def differences(got: Mapping[str, Any], want: Mapping[str, Any]) -> Iterator[str]:
    """One line per id whose JSON differs (or is missing / unexpected)."""
    for key in sorted(set(got) | set(want)):
        if key not in got:
            yield f"{key}: missing"
        elif key not in want:
            yield f"{key}: unexpected"
        else:
            found = first_difference(got[key], want[key])
            if found:
                yield f"{key}: {found}"
