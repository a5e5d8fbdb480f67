"""Shared hypothesis strategies: API message JSON, and delta streams that rebuild it."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import strategies as st

# Keys no model knows: they must survive a round trip in ``extra``.
_UNKNOWN_KEYS = st.sampled_from(["x_custom", "future_field", "zz", "vendor_meta"])
_SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
# Text that exercises UTF-8 and JSON escaping: accents, CJK, emoji, quotes, backslashes, newlines.
TEXT = st.text(
    alphabet=st.sampled_from([*list('ab cdé漢字🚀"\\\n\t—【】†'), "\u2028"]), max_size=40
)
IDS = st.from_regex(r"[a-z]{1,3}_[A-Za-z0-9]{1,6}", fullmatch=True)


def unknown_fields() -> st.SearchStrategy[dict[str, Any]]:
    """Zero or more keys deltasnap does not know, with arbitrary JSON values."""
    return st.dictionaries(_UNKNOWN_KEYS, JSON_VALUES, max_size=2)


@st.composite
def annotations(draw: st.DrawFn, text: str = "") -> dict[str, Any]:
    """A complete annotation object (file_citation, file_path or an unknown type)."""
    kind = draw(st.sampled_from(["file_citation", "file_path", "file_citation", "other_kind"]))
    start = draw(st.integers(0, max(len(text), 0)))
    end = draw(st.integers(start, max(len(text), start)))
    if kind == "other_kind":
        return {"type": kind, "text": text[start:end], "anything": draw(JSON_VALUES)}
    ref: dict[str, Any] = {"file_id": draw(IDS)}
    if kind == "file_citation" and draw(st.booleans()):
        ref["quote"] = draw(TEXT)
    ann = {
        "type": kind,
        "text": text[start:end],
        "start_index": start,
        "end_index": end,
        kind: ref,
    }
    ann.update(draw(unknown_fields()))
    return ann


@st.composite
def content_blocks(draw: st.DrawFn) -> dict[str, Any]:
    """A complete content block of any kind, unknown kinds included."""
    kind = draw(st.sampled_from(["text", "text", "image_file", "image_url", "refusal", "new_kind"]))
    if kind == "text":
        value = draw(TEXT)
        anns = draw(st.lists(annotations(value), max_size=4))
        block: dict[str, Any] = {"type": "text", "text": {"value": value, "annotations": anns}}
    elif kind == "refusal":
        block = {"type": "refusal", "refusal": draw(TEXT)}
    elif kind in ("image_file", "image_url"):
        key = "file_id" if kind == "image_file" else "url"
        inner: dict[str, Any] = {key: draw(IDS)}
        detail = draw(st.sampled_from(["auto", "low", "high", None, "absent"]))
        if detail != "absent":
            inner["detail"] = detail
        block = {"type": kind, kind: inner}
    else:
        block = {"type": kind, "payload": draw(JSON_VALUES)}
    if kind != "new_kind":
        block.update(draw(unknown_fields()))
    return block


@st.composite
def messages(draw: st.DrawFn, message_id: str | None = None) -> dict[str, Any]:
    """A complete ``thread.message`` object as the API returns it (unknown keys included)."""
    status = draw(st.sampled_from(["completed", "incomplete", "in_progress"]))
    message: dict[str, Any] = {
        "id": message_id or draw(IDS),
        "object": "thread.message",
        "created_at": draw(st.integers(0, 2**33)),
        "assistant_id": draw(st.none() | IDS),
        "thread_id": draw(IDS),
        "run_id": draw(st.none() | IDS),
        "status": status,
        "incomplete_details": (
            {"reason": draw(st.sampled_from(["content_filter", "max_tokens"]))}
            if status == "incomplete"
            else None
        ),
        "completed_at": draw(st.none() | st.integers(0, 2**33)),
        "incomplete_at": None,
        "role": draw(st.sampled_from(["assistant", "user"])),
        "content": draw(st.lists(content_blocks(), max_size=5)),
        "attachments": draw(
            st.lists(
                st.fixed_dictionaries(
                    {"file_id": IDS},
                    optional={
                        "tools": st.lists(
                            st.fixed_dictionaries(
                                {"type": st.sampled_from(["code_interpreter", "file_search"])}
                            ),
                            max_size=2,
                        )
                    },
                ),
                max_size=2,
            )
        ),
        "metadata": draw(st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=3)),
    }
    message.update(draw(unknown_fields()))
    return message


def _split(draw: st.DrawFn, text: str, max_pieces: int = 6) -> list[str]:
    """Cut a string into 1..max_pieces pieces at random places (pieces may be empty)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=max_pieces - 1)))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@st.composite
def part_deltas(draw: st.DrawFn, index: int, block: dict[str, Any]) -> list[dict[str, Any]]:
    """Content deltas (in order) that rebuild one content block at ``index``."""
    kind = block["type"]
    extra = {k: v for k, v in block.items() if k not in ("type", kind, "text")}
    if kind == "text":
        text = block["text"]
        queues: list[list[dict[str, Any]]] = [[{"value": p} for p in _split(draw, text["value"])]]
        for ai, ann in enumerate(text["annotations"]):
            pieces = _split(draw, ann.get("text", ""), 3)
            fields = {k: v for k, v in ann.items() if k not in ("type", "text")}
            chunks = [{"index": ai, "type": ann["type"], "text": p} for p in pieces]
            chunks[draw(st.integers(0, len(chunks) - 1))].update(fields)
            queues.append([{"annotations": [c]} for c in chunks])
        deltas = [{"index": index, "type": "text", "text": t} for t in draw(interleavings(queues))]
        if not text["annotations"]:
            deltas[0]["text"]["annotations"] = []
        if extra:
            deltas[-1].update(extra)
        return deltas
    if kind == "refusal":
        deltas = [
            {"index": index, "type": "refusal", "refusal": p}
            for p in _split(draw, block["refusal"])
        ]
        if extra:
            deltas[-1].update(extra)
        return deltas
    if kind in ("image_file", "image_url"):
        inner = block[kind]
        keys = list(inner)
        cut = draw(st.integers(0, len(keys)))
        first = {"index": index, "type": kind, kind: {k: inner[k] for k in keys[:cut]}}
        second = {"index": index, "type": kind, kind: {k: inner[k] for k in keys[cut:]}}
        second.update(extra)
        return [first, second]
    return [{"index": index, **block}]


@st.composite
def message_events(draw: st.DrawFn, message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) sequence a server streams for one message: created, deltas, final."""
    created = {**message, "status": "in_progress", "content": [], "completed_at": None}
    per_part = [draw(part_deltas(i, block)) for i, block in enumerate(message["content"])]
    # any interleaving of the parts' deltas that keeps each part's own order
    queues = [list(p) for p in per_part if p]
    flat: list[dict[str, Any]] = []
    while queues:
        q = draw(st.integers(0, len(queues) - 1))
        flat.append(queues[q].pop(0))
        if not queues[q]:
            queues.pop(q)
    # sometimes several content deltas travel in one event
    events: list[tuple[str, dict[str, Any]]] = [("thread.message.created", created)]
    i = 0
    while i < len(flat):
        n = draw(st.integers(1, 2))
        batch = flat[i : i + n]
        if len({(d["index"]) for d in batch}) != len(batch):
            batch = batch[:1]
        i += len(batch)
        events.append(
            (
                "thread.message.delta",
                {
                    "id": message["id"],
                    "object": "thread.message.delta",
                    "delta": {"content": batch},
                },
            )
        )
    final = (
        "thread.message.incomplete"
        if message["status"] == "incomplete"
        else "thread.message.completed"
    )
    events.append((final, message))
    return events


@st.composite
def interleavings(draw: st.DrawFn, streams: list[list[Any]]) -> list[Any]:
    """Any merge of several event lists that keeps each list's own order."""
    queues = [list(s) for s in streams if s]
    out: list[Any] = []
    while queues:
        q = draw(st.integers(0, len(queues) - 1))
        out.append(queues[q].pop(0))
        if not queues[q]:
            queues.pop(q)
    return out


@st.composite
def multi_message_streams(
    draw: st.DrawFn, max_messages: int = 4
) -> tuple[dict[str, dict[str, Any]], list[list[tuple[str, dict[str, Any]]]]]:
    """Several distinct messages and, for each, its own event list."""
    ids = draw(st.lists(IDS, min_size=1, max_size=max_messages, unique=True))
    msgs = {mid: draw(messages(mid)) for mid in ids}
    return msgs, [draw(message_events(msg)) for msg in msgs.values()]


def roundtrip_json(value: Any) -> Any:
    """The value after a trip through JSON text (what a stream really carries)."""
    return json.loads(json.dumps(value))
