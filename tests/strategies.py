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


# ------------------------------------------------------------------ run steps and runs

STEP_FINAL_EVENTS = {
    "completed": "thread.run.step.completed",
    "failed": "thread.run.step.failed",
    "cancelled": "thread.run.step.cancelled",
    "expired": "thread.run.step.expired",
    "in_progress": "thread.run.step.in_progress",
}


@st.composite
def code_outputs(draw: st.DrawFn) -> dict[str, Any]:
    """A complete code_interpreter output: logs, image, or an unknown type."""
    kind = draw(st.sampled_from(["logs", "logs", "image", "new_output"]))
    if kind == "new_output":
        return {"type": kind, "payload": draw(JSON_VALUES)}
    out: dict[str, Any] = (
        {"type": "logs", "logs": draw(TEXT)}
        if kind == "logs"
        else {"type": "image", "image": {"file_id": draw(IDS)}}
    )
    out.update(draw(unknown_fields()))
    return out


@st.composite
def tool_calls(draw: st.DrawFn) -> dict[str, Any]:
    """A complete tool call of any type (function, code_interpreter, file_search, unknown)."""
    kind = draw(st.sampled_from(["function", "function", "code_interpreter", "file_search", "x"]))
    call_id = draw(IDS)
    if kind == "function":
        inner: dict[str, Any] = {
            "name": draw(IDS),
            "arguments": draw(TEXT),
            "output": draw(st.none() | TEXT),
        }
        inner.update(draw(unknown_fields()))
        call: dict[str, Any] = {"id": call_id, "type": kind, "function": inner}
    elif kind == "code_interpreter":
        code = {"input": draw(TEXT), "outputs": draw(st.lists(code_outputs(), max_size=3))}
        call = {"id": call_id, "type": kind, "code_interpreter": code}
    elif kind == "file_search":
        search: dict[str, Any] = {}
        if draw(st.booleans()):
            search["ranking_options"] = {
                "ranker": "auto",
                "score_threshold": draw(st.floats(0, 1)),
            }
            results = []
            for _ in range(draw(st.integers(0, 2))):
                result: dict[str, Any] = {
                    "file_id": draw(IDS),
                    "file_name": draw(TEXT),
                    "score": draw(st.floats(0, 1)),
                }
                if draw(st.booleans()):
                    result["content"] = [{"type": "text", "text": draw(TEXT)}]
                results.append(result)
            search["results"] = results
        call = {"id": call_id, "type": kind, "file_search": search}
    else:
        return {"id": call_id, "type": "new_tool", "new_tool": draw(JSON_VALUES)}
    call.update(draw(unknown_fields()))
    return call


@st.composite
def run_steps(
    draw: st.DrawFn, step_id: str | None = None, run_id: str | None = None
) -> dict[str, Any]:
    """A complete ``thread.run.step`` object as the API returns it (unknown keys included)."""
    kind = draw(st.sampled_from(["tool_calls", "tool_calls", "message_creation", "new_details"]))
    if kind == "tool_calls":
        details: dict[str, Any] = {
            "type": kind,
            "tool_calls": draw(st.lists(tool_calls(), max_size=4)),
        }
        details.update(draw(unknown_fields()))
    elif kind == "message_creation":
        details = {"type": kind, "message_creation": {"message_id": draw(IDS)}}
    else:
        details = {"type": kind, "payload": draw(JSON_VALUES)}
    status = draw(st.sampled_from(list(STEP_FINAL_EVENTS)))
    step: dict[str, Any] = {
        "id": step_id or draw(IDS),
        "object": "thread.run.step",
        "created_at": draw(st.integers(0, 2**33)),
        "run_id": run_id or draw(IDS),
        "assistant_id": draw(IDS),
        "thread_id": draw(IDS),
        "type": kind,
        "status": status,
        "cancelled_at": None,
        "completed_at": draw(st.integers(0, 2**33)) if status == "completed" else None,
        "expired_at": None,
        "failed_at": None,
        "last_error": (
            {"code": "server_error", "message": draw(TEXT)} if status == "failed" else None
        ),
        "step_details": details,
        "usage": draw(
            st.none()
            | st.fixed_dictionaries(
                {
                    "completion_tokens": st.integers(0, 9999),
                    "prompt_tokens": st.integers(0, 9999),
                    "total_tokens": st.integers(0, 9999),
                }
            )
        ),
    }
    if draw(st.booleans()):
        step["metadata"] = draw(st.dictionaries(st.text(max_size=6), st.text(max_size=6)))
    step.update(draw(unknown_fields()))
    return step


@st.composite
def tool_call_deltas(draw: st.DrawFn, index: int, call: dict[str, Any]) -> list[dict[str, Any]]:
    """Tool-call deltas (in order) that rebuild one tool call at ``index``."""
    kind = call["type"]
    extra = {k: v for k, v in call.items() if k not in ("id", "type", kind)}
    if kind == "function":
        fn = call["function"]
        first: dict[str, Any] = {"index": index, "id": call["id"], "type": kind}
        first["function"] = {"name": fn["name"], "arguments": "", "output": None}
        deltas = [first]
        deltas += [
            {"index": index, "type": kind, "function": {"arguments": p}}
            for p in _split(draw, fn["arguments"])
        ]
        rest = {k: v for k, v in fn.items() if k not in ("name", "arguments")}
        deltas[-1]["function"].update(rest)  # the output (and unknown keys) at the end
    elif kind == "code_interpreter":
        code = call["code_interpreter"]
        first = {"index": index, "id": call["id"], "type": kind}
        first["code_interpreter"] = {"input": "", "outputs": []}
        queues: list[list[dict[str, Any]]] = [[{"input": p} for p in _split(draw, code["input"])]]
        for oi, out in enumerate(code["outputs"]):
            if out["type"] == "logs":
                pieces = [
                    {"index": oi, "type": "logs", "logs": p} for p in _split(draw, out["logs"])
                ]
                pieces[-1].update({k: v for k, v in out.items() if k not in ("type", "logs")})
            else:
                pieces = [{"index": oi, **out}]
            queues.append([{"outputs": [p]} for p in pieces])
        deltas = [first]
        deltas += [
            {"index": index, "type": kind, "code_interpreter": c}
            for c in draw(interleavings(queues))
        ]
    elif kind == "file_search":
        deltas = [{"index": index, "id": call["id"], "type": kind, "file_search": {}}]
        if call["file_search"]:
            deltas.append({"index": index, "type": kind, "file_search": call["file_search"]})
    else:
        return [{"index": index, **call}]
    if extra:
        deltas[draw(st.integers(0, len(deltas) - 1))].update(extra)
    return deltas


@st.composite
def step_events(draw: st.DrawFn, step: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) sequence a server streams for one run step: created, deltas, final."""
    details = step["step_details"]
    kind = details["type"]
    start: dict[str, Any] = {"type": kind}
    if kind == "tool_calls":
        start["tool_calls"] = []
    elif kind == "message_creation":
        start = details
    created = {**step, "status": "in_progress", "completed_at": None, "step_details": start}
    created["last_error"] = None
    events: list[tuple[str, dict[str, Any]]] = [("thread.run.step.created", created)]

    def delta(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        payload = {"id": step["id"], "object": "thread.run.step.delta", "delta": body}
        return ("thread.run.step.delta", payload)

    if kind == "tool_calls":
        per_call = [draw(tool_call_deltas(i, c)) for i, c in enumerate(details["tool_calls"])]
        flat = draw(interleavings(per_call))
        i = 0
        while i < len(flat):
            n = draw(st.integers(1, 2))
            batch = flat[i : i + n]
            if len({d["index"] for d in batch}) != len(batch):
                batch = batch[:1]
            i += len(batch)
            events.append(delta({"step_details": {"type": kind, "tool_calls": batch}}))
        extra = {k: v for k, v in details.items() if k not in ("type", "tool_calls")}
        if extra:
            events.insert(
                draw(st.integers(1, len(events))),
                delta({"step_details": {"type": kind, **extra}}),
            )
    elif kind != "message_creation":
        events.append(delta({"step_details": details}))
    events.append((STEP_FINAL_EVENTS[step["status"]], step))
    return events


@st.composite
def multi_step_streams(
    draw: st.DrawFn, max_steps: int = 3
) -> tuple[dict[str, dict[str, Any]], list[list[tuple[str, dict[str, Any]]]]]:
    """Several distinct run steps and, for each, its own event list."""
    ids = draw(st.lists(IDS, min_size=1, max_size=max_steps, unique=True))
    steps = {sid: draw(run_steps(sid)) for sid in ids}
    return steps, [draw(step_events(step)) for step in steps.values()]


@st.composite
def runs(draw: st.DrawFn, run_id: str | None = None) -> dict[str, Any]:
    """A ``thread.run`` object, full or trimmed (any field but id may be left out)."""
    status = draw(st.sampled_from(["queued", "in_progress", "requires_action", "completed"]))
    action = None
    if status == "requires_action":
        calls = [
            {
                "id": draw(IDS),
                "type": "function",
                "function": {"name": draw(IDS), "arguments": draw(TEXT)},
            }
            for _ in range(draw(st.integers(1, 2)))
        ]
        action = {"type": "submit_tool_outputs", "submit_tool_outputs": {"tool_calls": calls}}
    usage = None
    if status == "completed":
        usage = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    run: dict[str, Any] = {
        "id": run_id or draw(IDS),
        "object": "thread.run",
        "created_at": draw(st.integers(0, 2**33)),
        "assistant_id": draw(IDS),
        "thread_id": draw(IDS),
        "status": status,
        "started_at": draw(st.none() | st.integers(0, 2**33)),
        "expires_at": None,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "required_action": action,
        "last_error": None,
        "model": "gpt-4o",
        "instructions": draw(TEXT),
        "tools": [{"type": "code_interpreter"}, {"type": "function", "function": {"name": "f"}}],
        "tool_resources": {},
        "metadata": {},
        "temperature": 1.0,
        "top_p": 1.0,
        "max_completion_tokens": None,
        "max_prompt_tokens": None,
        "truncation_strategy": {"type": "auto", "last_messages": None},
        "incomplete_details": None,
        "usage": usage,
        "response_format": "auto",
        "tool_choice": "auto",
        "parallel_tool_calls": True,
    }
    keep = draw(st.lists(st.sampled_from(sorted(run)), unique=True))
    run = {k: v for k, v in run.items() if k in ("id", "object") or k in keep or not keep}
    run.update(draw(unknown_fields()))
    return run


# ------------------------------------------------- plain builders of run-step events


def step_created(sid: str = "step_1", run_id: str = "run_1", **details: Any) -> dict[str, Any]:
    """A thread.run.step.created payload (tool_calls with no calls, unless told otherwise)."""
    return {
        "id": sid,
        "object": "thread.run.step",
        "created_at": 1,
        "run_id": run_id,
        "assistant_id": "asst_1",
        "thread_id": "thread_1",
        "type": details.get("type", "tool_calls"),
        "status": "in_progress",
        "cancelled_at": None,
        "completed_at": None,
        "expired_at": None,
        "failed_at": None,
        "last_error": None,
        "step_details": details or {"type": "tool_calls", "tool_calls": []},
        "usage": None,
    }


def step_delta(*calls: dict[str, Any], sid: str = "step_1", **top: Any) -> dict[str, Any]:
    """A thread.run.step.delta payload carrying tool-call deltas."""
    body: dict[str, Any] = dict(top)
    if calls:
        body["step_details"] = {"type": "tool_calls", "tool_calls": list(calls)}
    return {"id": sid, "object": "thread.run.step.delta", "delta": body}


def function_delta(index: int, arguments: str | None = None, **fields: Any) -> dict[str, Any]:
    """A function tool-call delta."""
    inner = dict(fields)
    if arguments is not None:
        inner["arguments"] = arguments
    return {"index": index, "type": "function", "function": inner}


def code_delta(
    index: int, code_input: str | None = None, *outputs: dict[str, Any]
) -> dict[str, Any]:
    """A code_interpreter tool-call delta with an input piece and output deltas."""
    inner: dict[str, Any] = {}
    if code_input is not None:
        inner["input"] = code_input
    if outputs:
        inner["outputs"] = list(outputs)
    return {"index": index, "type": "code_interpreter", "code_interpreter": inner}


def run_event(status: str, run_id: str = "run_1", **fields: Any) -> dict[str, Any]:
    """A thread.run object with a status."""
    return {"id": run_id, "object": "thread.run", "status": status, "thread_id": "t", **fields}


def two_segment_run() -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """One run in two stream segments: to requires_action, then on after submit_tool_outputs."""
    action = {
        "type": "submit_tool_outputs",
        "submit_tool_outputs": {
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ]
        },
    }
    first = [
        ("thread.run.created", run_event("queued")),
        ("thread.run.queued", run_event("queued")),
        ("thread.run.in_progress", run_event("in_progress")),
        ("thread.run.step.created", step_created()),
        (
            "thread.run.step.delta",
            step_delta({**function_delta(0, "", name="get_weather", output=None), "id": "call_1"}),
        ),
        ("thread.run.step.delta", step_delta(function_delta(0, '{"city": "Paris"}'))),
        ("thread.run.requires_action", run_event("requires_action", required_action=action)),
    ]
    done_step = step_created()
    done_step.update(status="completed", completed_at=5)
    done_step["step_details"]["tool_calls"] = [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}', "output": "21C"},
        }
    ]
    message = {
        "id": "msg_1",
        "object": "thread.message",
        "created_at": 6,
        "assistant_id": "asst_1",
        "thread_id": "thread_1",
        "run_id": "run_1",
        "status": "in_progress",
        "incomplete_details": None,
        "completed_at": None,
        "incomplete_at": None,
        "role": "assistant",
        "content": [],
        "attachments": [],
        "metadata": {},
    }
    text = {"index": 0, "type": "text", "text": {"value": "It is 21C.", "annotations": []}}
    final_text = {"type": "text", "text": {"value": "It is 21C.", "annotations": []}}
    step_2 = step_created(
        "step_2", type="message_creation", message_creation={"message_id": "msg_1"}
    )
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    second = [
        ("thread.run.queued", run_event("queued", required_action=None)),
        ("thread.run.in_progress", run_event("in_progress")),
        ("thread.run.step.completed", done_step),
        ("thread.run.step.created", step_2),
        ("thread.message.created", message),
        ("thread.message.delta", {"id": "msg_1", "delta": {"content": [text]}}),
        (
            "thread.message.completed",
            {**message, "status": "completed", "completed_at": 7, "content": [final_text]},
        ),
        ("thread.run.step.completed", {**step_2, "status": "completed", "completed_at": 7}),
        ("thread.run.completed", run_event("completed", usage=usage)),
    ]
    return first, second


# --------------------------------------------------------------------- hostile streams

# Values a mutation puts in place of a field: any JSON, and the ones that hit every check (index
# edge cases, huge numbers, wrong types, the stream's own type names).
_TYPE_NAMES = (
    "text refusal image_file image_url file_path file_citation function code_interpreter "
    "file_search logs image tool_calls message_creation"
).split()
HOSTILE_VALUES = JSON_VALUES | st.sampled_from(
    [
        *(None, True, 0, -1, 1, 1.5, 2**31, 4294967294, 2**63, "", "0", "\ud800", [], {}),
        *_TYPE_NAMES,
        {"index": 0, "type": "text", "text": {"value": "v"}},
        {"index": 1, "type": "image_url"},
        {"index": 0, "type": "logs", "logs": "l"},
        {"index": 0, "type": "file_path", "text": "t"},
    ]
)


def sse_bytes(events: list[tuple[str, Any]]) -> bytes:
    """The SSE bytes of (event, data) pairs (data as JSON), ending with ``done``."""
    body = "".join(f"event: {event}\ndata: {json.dumps(data)}\n\n" for event, data in events)
    return (body + "event: done\ndata: [DONE]\n\n").encode()


@st.composite
def valid_streams(draw: st.DrawFn, captures: list[bytes]) -> bytes:
    """A well-formed stream: a reference capture, or generated messages and steps interleaved."""
    if draw(st.booleans()):
        return draw(st.sampled_from(captures))
    _, message_lists = draw(multi_message_streams(max_messages=2))
    _, step_lists = draw(multi_step_streams(max_steps=2))
    return sse_bytes(draw(interleavings([*message_lists, *step_lists])))


def event_blocks(stream: bytes) -> list[bytes]:
    """A stream's events (LF line ends), each without its dispatching blank line."""
    return [b for b in stream.replace(b"\r\n", b"\n").split(b"\n\n") if b]


@st.composite
def json_substitutions(draw: st.DrawFn, block: bytes) -> bytes:
    """One event with one value inside its JSON data replaced by a hostile value (or removed)."""
    head, sep, body = block.partition(b"data: ")
    try:
        data = json.loads(body)
    except ValueError:
        return block
    holders: list[Any] = []
    stack = [data]
    while stack:  # every dict and list in the data, found without recursion
        item = stack.pop()
        if isinstance(item, dict | list) and item:
            holders.append(item)
            stack.extend(item.values() if isinstance(item, dict) else item)
    if not holders:
        return head + sep + json.dumps(draw(HOSTILE_VALUES)).encode()
    holder = draw(st.sampled_from(holders))
    key = draw(st.sampled_from(list(holder) if isinstance(holder, dict) else range(len(holder))))
    if isinstance(holder, dict) and draw(st.integers(0, 4)) == 0:
        del holder[key]
    else:
        holder[key] = draw(HOSTILE_VALUES)
    return head + sep + json.dumps(data).encode()


@st.composite
def mutated_streams(draw: st.DrawFn, captures: list[bytes]) -> bytes:
    """A valid stream after a few mutations: JSON values substituted, events duplicated, dropped,
    moved or spliced in from another capture, bytes flipped, the end cut off."""
    blocks = event_blocks(draw(valid_streams(captures)))
    donors = [b for capture in captures for b in event_blocks(capture)]
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["json", "json", "duplicate", "drop", "move", "splice"]))
        i = draw(st.integers(0, len(blocks) - 1)) if blocks else 0
        if op == "json" and blocks:
            blocks[i] = draw(json_substitutions(blocks[i]))
        elif op == "duplicate" and blocks:
            blocks.insert(draw(st.integers(0, len(blocks))), blocks[i])
        elif op == "drop" and blocks:
            del blocks[i]
        elif op == "move" and blocks:
            blocks.insert(draw(st.integers(0, len(blocks) - 1)), blocks.pop(i))
        else:
            blocks.insert(i, draw(st.sampled_from(donors)))
    stream = bytearray(b"".join(block + b"\n\n" for block in blocks))
    for _ in range(draw(st.integers(1, 3))):
        if stream:
            at = draw(st.integers(0, len(stream) - 1))
            stream[at] ^= draw(st.integers(1, 255))
    if stream and draw(st.booleans()):
        del stream[draw(st.integers(0, len(stream) - 1)) :]
    return bytes(stream)


def chunked(data: bytes, sizes: list[int]) -> list[bytes]:
    """``data`` cut at the given sizes (the rest in one last piece)."""
    pieces = []
    pos = 0
    for size in sizes:
        pieces.append(data[pos : pos + size])
        pos += size
    pieces.append(data[pos:])
    return pieces


# ------------------------------------------------- lifecycle: whole runs, sparse indices


def _respread(events: list[tuple[str, Any]], key: str, mapping: dict[int, int]) -> None:
    """Move every delta item of ``key`` (content / tool_calls) from index i to mapping[i]."""
    for _, data in events:
        delta = data.get("delta") if isinstance(data, dict) else None
        if not isinstance(delta, dict):
            continue
        holder = delta.get("step_details", delta) if key == "tool_calls" else delta
        for item in (holder or {}).get(key) or ():
            item["index"] = mapping[item["index"]]


@st.composite
def sparse_indices(draw: st.DrawFn, count: int) -> dict[int, int]:
    """Dense indices 0..count-1 mapped to sparse, increasing ones (order kept)."""
    gaps = draw(st.lists(st.integers(0, 5), min_size=count, max_size=count))
    return {i: sum(gaps[: i + 1]) + i for i in range(count)}


@st.composite
def lifecycle_runs(draw: st.DrawFn) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """One run's (event, data) list: its messages and steps interleaved with one another, their
    content and tool-call indices made sparse, between thread.run.created and a final run
    event; and the run's final object."""
    msgs, message_lists = draw(multi_message_streams(max_messages=3))
    steps, step_lists = draw(multi_step_streams(max_steps=2))
    for events, message in zip(message_lists, msgs.values(), strict=True):
        _respread(events, "content", draw(sparse_indices(len(message["content"]))))
    for events, step in zip(step_lists, steps.values(), strict=True):
        calls = step["step_details"].get("tool_calls") or []
        _respread(events, "tool_calls", draw(sparse_indices(len(calls))))
    run = draw(runs("run_lc"))
    status = draw(st.sampled_from(["completed", "failed", "cancelled", "expired", "incomplete"]))
    final = {**run, "status": status}
    events = [("thread.run.created", {**run, "status": "queued"})]
    events += draw(interleavings([*message_lists, *step_lists]))
    events.append((f"thread.run.{status}", final))
    return events, final


# ------------------------------------------------- differential streams (test_differential.py)

# Pieces of streamed text: multi-byte UTF-8 everywhere, so random chunking splits characters.
PIECES = st.text(alphabet=st.sampled_from(list('aé漢🚀"\\\n —')), max_size=6)
# Sparse, out-of-order logical keys.
SPARSE_INDEX = st.sampled_from([0, 1, 2, 5, 9, 40])


@st.composite
def annotation_item_deltas(draw: st.DrawFn) -> dict[str, Any]:
    """One annotation delta: a sparse index, a file_citation (even index) or file_path (odd),
    any subset of its fields (its text streams in pieces; the indices and ids are replaced)."""
    index = draw(SPARSE_INDEX)
    kind = "file_citation" if index % 2 == 0 else "file_path"  # one type per index, always
    item: dict[str, Any] = {"index": index, "type": kind}
    if draw(st.booleans()):
        item["text"] = draw(PIECES)
    if draw(st.booleans()):
        item["start_index"] = draw(st.integers(0, 50))
    if draw(st.booleans()):
        item["end_index"] = draw(st.integers(0, 50))
    if draw(st.booleans()):
        item[kind] = {"file_id": draw(st.sampled_from(["file_a", "file_b", None]))}
    return item


@st.composite
def content_item_deltas(draw: st.DrawFn, kinds: dict[int, str]) -> dict[str, Any]:
    """One content delta at a sparse index whose type stays the one first drawn there
    (``kinds`` holds the types so far, shared across a message's deltas)."""
    index = draw(SPARSE_INDEX)
    kind = kinds.setdefault(index, draw(st.sampled_from(["text", "text", "refusal", "image_file"])))
    if kind == "text":
        text: dict[str, Any] = {}
        if draw(st.booleans()):
            text["value"] = draw(PIECES)
        if draw(st.integers(0, 3)) == 0:
            text["annotations"] = draw(st.lists(annotation_item_deltas(), max_size=2))
        return {"index": index, "type": "text", "text": text}
    if kind == "refusal":
        return {"index": index, "type": "refusal", "refusal": draw(PIECES)}
    file_id = draw(st.sampled_from(["file_x", "file_y"]))
    return {"index": index, "type": "image_file", "image_file": {"file_id": file_id}}


@st.composite
def differential_message(draw: st.DrawFn, mid: str) -> list[tuple[str, dict[str, Any]]]:
    """A message's created event and its deltas (none completed: what the deltas build is
    compared)."""
    created = {
        "id": mid,
        "object": "thread.message",
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    kinds: dict[int, str] = {}
    events: list[tuple[str, dict[str, Any]]] = [("thread.message.created", created)]
    for _ in range(draw(st.integers(0, 6))):
        items = draw(st.lists(content_item_deltas(kinds), min_size=1, max_size=2))
        delta = {"content": items}
        events.append(
            ("thread.message.delta", {"id": mid, "object": "thread.message.delta", "delta": delta})
        )
    return events


@st.composite
def differential_step(draw: st.DrawFn, sid: str) -> list[tuple[str, dict[str, Any]]]:
    """A run step's created event and its function-call deltas at sparse indices."""
    created = step_created(sid)
    events: list[tuple[str, dict[str, Any]]] = [("thread.run.step.created", created)]
    for _ in range(draw(st.integers(0, 5))):
        index = draw(SPARSE_INDEX)
        fields: dict[str, Any] = {}
        if draw(st.booleans()):
            fields["name"] = draw(st.sampled_from(["lookup", "search"]))
        call = function_delta(index, draw(PIECES), **fields)
        if draw(st.booleans()):
            call["id"] = f"call_{index}"
        events.append(("thread.run.step.delta", step_delta(call, sid=sid)))
    return events


@st.composite
def differential_streams(draw: st.DrawFn) -> list[tuple[str, dict[str, Any]]]:
    """Interleaved messages and run steps (each one's events in order), ending with done."""
    n_messages = draw(st.integers(1, 3))
    n_steps = draw(st.integers(0, 2))
    parts = [draw(differential_message(f"msg_{i}")) for i in range(n_messages)]
    parts += [draw(differential_step(f"step_{i}")) for i in range(n_steps)]
    events: list[tuple[str, dict[str, Any]]] = draw(interleavings(parts))
    return events


@st.composite
def chunkings(draw: st.DrawFn, data: bytes) -> list[bytes]:
    """``data`` cut at random byte positions (inside multi-byte characters too)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=12)))
    return [data[a:b] for a, b in itertools.pairwise([0, *cuts, len(data)])]


# ------------------------------------------- fast paths: raw streams rich in text-delta runs

# Raw JSON string bodies for text pieces: escapes, surrogate halves that pair only across
# events, non-ASCII, and UTF-8 cut in two (invalid in each event alone).
_RAW = [b"w", b"", b"a b", b"\\n", b'\\"', b"\\u00e9", b"\\ud83d", b"\\ude00", b"\xc3", b"\xa9"]
RAW_PIECES = st.sampled_from(
    [*_RAW, b"\xc3\xa9", "漢🚀".encode(), b"\\\\", b"\\/", b"\\x", b"\x01"]
)


# Raw JSON for a text delta's annotations: good ones (file citations and paths, the text they
# add), ones the general path refuses (a type change, a bad field, a bad index, not JSON, NaN,
# too deep, bad UTF-8, not a list of objects), and brackets or quotes inside strings.
RAW_ANNOTATIONS = st.sampled_from(
    [
        b"[]",
        b'[{"index":0,"type":"file_citation","text":"[1]","start_index":0,"end_index":3,'
        b'"file_citation":{"file_id":"f-1"}}]',
        b'[{"index":0,"type":"file_citation","end_index":4}]',
        b'[{"index":1,"type":"file_path","text":"sandbox:/a\\"]b","file_path":{"file_id":"x"}}]',
        b'[{"index":1,"type":"file_path"},{"index":2,"type":"file_path","text":"'
        + b"t" * 30
        + b'"}]',
        b'[{"index":0,"type":"file_path"}]',
        b'[{"index":0,"type":"file_citation","start_index":"3"}]',
        b'[{"index":-1,"type":"file_path"}]',
        b'[{"index":0}]',
        b"[1]",
        b'[{"index":0,"type":"file_path",}]',
        b'[{"index":0,"type":"file_path","x":NaN}]',
        b'[{"index":0,"type":"file_path","x":{"y":{"z":{"w":{}}}}}]',
        b'[{"index":0,"type":"file_path","text":"\xc3"}]',
        b'[{"index":3,"type":"url_citation","url_citation":{"url":"https://e/[x]"}}]',
        b'[{"index":0,"type":"file_citation","x":[1]}]',
        b'[ {"index": 0, "type": "file_citation"} ]',
        b'[{"index":0,"type":"file_path","text":"a","annotations":1}]',
    ]
)


def raw_text_delta(
    message_id: str,
    index: int,
    piece: bytes,
    spaced: bool = False,
    annotations: bytes | None = None,
) -> bytes:
    """One ``thread.message.delta`` event carrying ``piece`` (raw JSON string body) as is, and
    ``annotations`` (raw JSON) after it when given."""
    data = (
        f'{{"id":"{message_id}","object":"thread.message.delta","delta":{{"content":'
        f'[{{"index":{index},"type":"text","text":{{"value":"'
    ).encode()
    notes = b"" if annotations is None else b',"annotations":' + annotations
    if spaced:
        data = data.replace(b'","', b'", "').replace(b'":', b'": ').replace(b",", b", ")
        data = data.replace(b",  ", b", ")
        notes = notes.replace(b',"annotations":', b', "annotations": ')
    return b"event: thread.message.delta\ndata: " + data + piece + b'"' + notes + b"}}]}}\n\n"


@st.composite
def text_run_streams(draw: st.DrawFn) -> bytes:
    """Interleaved messages rendered compact or spaced (long runs of plain text deltas, some
    messages unknown, some parts not text), with raw text deltas of awkward pieces spliced in."""
    _, lists = draw(multi_message_streams(max_messages=4))
    events = draw(interleavings(lists))
    spaced = draw(st.booleans())
    ids = [data["id"] for _, data in events] + ["msg_unknown"]
    blocks: list[bytes] = []
    for event, data in events:
        each = spaced if draw(st.integers(0, 9)) else not spaced
        separators = (", ", ": ") if each else (",", ":")
        text = json.dumps(data, separators=separators, ensure_ascii=draw(st.booleans()))
        blocks.append(f"event: {event}\ndata: {text}\n\n".encode())
    if draw(st.booleans()):  # the general path reports what comes after done
        blocks.append(b"event: done\ndata: [DONE]\n\n")
    for _ in range(draw(st.integers(0, 12))):
        at = draw(st.integers(0, len(blocks)))
        mid = draw(st.sampled_from(ids))
        piece = draw(RAW_PIECES)
        index = draw(st.integers(0, 2))
        for _ in range(draw(st.integers(1, 4))):
            notes = draw(st.none() | RAW_ANNOTATIONS)
            blocks.insert(at, raw_text_delta(mid, index, piece, draw(st.booleans()), notes))
    return b"".join(blocks)


# --------------------------- piece shortcuts: refusal and tool-call pieces (test_pieces.py)

PIECE_MESSAGES = ["msg_1", "msg_2", "msg_unknown", 'm"q']
PIECE_STEPS = ["step_1", "step_2", "step_m", "step_unknown", "s\\x"]
# Mostly the objects and indices that exist (so that the shortcuts take many events).
_PIECE_MESSAGE_IDS = st.sampled_from(["msg_1"] * 4 + PIECE_MESSAGES)
_PIECE_STEP_IDS = st.sampled_from(["step_1"] * 5 + PIECE_STEPS)
_PIECE_INDICES = st.sampled_from([0, 0, 0, 1, 1, 2, 3])
# The streamed field of a tool-call piece → the call type its delta names.
PIECE_CALL_TYPES = {
    "arguments": "function",
    "input": "code_interpreter",
    "logs": "code_interpreter",
}


def refusal_delta(mid: str, index: int, piece: str) -> dict[str, Any]:
    """A thread.message.delta payload carrying one refusal piece."""
    item = {"index": index, "type": "refusal", "refusal": piece}
    return {"id": mid, "object": "thread.message.delta", "delta": {"content": [item]}}


def call_piece_delta(sid: str, index: int, field: str, output: int, piece: str) -> dict[str, Any]:
    """A thread.run.step.delta payload carrying one tool-call piece, keys in the servers' order
    (``output``: the logs output's index, for ``field`` "logs")."""
    if field == "arguments":
        return step_delta(function_delta(index, piece), sid=sid)
    if field == "input":
        return step_delta(code_delta(index, piece), sid=sid)
    return step_delta(
        code_delta(index, None, {"index": output, "type": "logs", "logs": piece}), sid=sid
    )


def render(data: Any, style: int, ascii_only: bool = False) -> str:
    """JSON text in one of three styles: 0 Python's (``", "``, ``": "``), 1 compact (servers'),
    2 loose (indented, tabs and newlines between tokens)."""
    if style == 0:
        return json.dumps(data, ensure_ascii=ascii_only)
    if style == 1:
        return json.dumps(data, ensure_ascii=ascii_only, separators=(",", ":"))
    return json.dumps(data, ensure_ascii=ascii_only, indent=1).replace("\n", " \t\n ")


def sse_event(name: str, data: str) -> str:
    """One SSE event; data with line breaks (the loose style's) as several ``data:`` lines."""
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {name}\n{lines}\n"


def _damaged(text: str, piece_key: str, damage: str) -> str:
    """``text`` with one kind of damage: a bad escape in its piece, trailing junk, or cut."""
    if damage == "bad-escape":
        for sep in (": ", ":", ":  "):
            head = f'"{piece_key}"{sep}"'
            if head in text:
                return text.replace(head, head + "\\q", 1)
        return text
    if damage == "trailing":
        return text + " x"
    if damage == "cut":
        return text[:-1]
    return text


def _piece_message(mid: str, kinds: list[str], pieces: list[str]) -> dict[str, Any]:
    """A whole message (created or final copy) with content parts of the given kinds."""
    content: list[dict[str, Any]] = []
    for kind, piece in zip(kinds, itertools.cycle(pieces or [""]), strict=False):
        if kind == "refusal":
            content.append({"type": "refusal", "refusal": piece})
        elif kind == "text":
            content.append({"type": "text", "text": {"value": piece, "annotations": []}})
        else:
            content.append({"type": "image_file", "image_file": {"file_id": "file_1"}})
    return {"id": mid, "object": "thread.message", "role": "assistant", "content": content}


def _piece_call(kind: str, outputs: list[str]) -> dict[str, Any]:
    """A whole tool call of ``kind`` (code_interpreter with outputs of the given kinds)."""
    if kind == "function":
        inner: dict[str, Any] = {"name": "f", "arguments": "", "output": None}
        return {"id": "call_f", "type": "function", "function": inner}
    if kind == "code_interpreter":
        outs = [
            {"type": "logs", "logs": ""}
            if o == "logs"
            else {"type": "image", "image": {"file_id": "f"}}
            for o in outputs
        ]
        code = {"input": "", "outputs": outs}
        return {"id": "call_c", "type": "code_interpreter", "code_interpreter": code}
    return {"id": "call_s", "type": "file_search", "file_search": {}}


# A place a piece can land: (field, message or step id, part or call index, output index or -1).
Target = tuple[str, str, int, int]


def _targets(kind: str, oid: str, payload: dict[str, Any]) -> list[Target]:
    """Where pieces land in a created message or step (and logs for its image outputs)."""
    found: list[Target] = []
    if kind == "thread.message.created":
        for index, part in enumerate(payload["content"]):
            if part["type"] == "refusal":
                found.append(("refusal", oid, index, -1))
        return found
    for index, call in enumerate(payload["step_details"].get("tool_calls", [])):
        if call["type"] == "function":
            found.append(("arguments", oid, index, -1))
        elif call["type"] == "code_interpreter":
            found.append(("input", oid, index, -1))
            for at, _ in enumerate(call["code_interpreter"]["outputs"]):
                found.append(("logs", oid, index, at))  # image outputs too: the wrong type
    return found


@st.composite
def piece_objects(draw: st.DrawFn) -> tuple[list[tuple[str, Any]], list[Target]]:
    """Created messages (refusal, text and image parts) and steps (function, code_interpreter
    with logs and image outputs, file_search; or message_creation details), for piece deltas
    to land on, miss, or hit with the wrong type; and the places where pieces land."""
    events: list[tuple[str, Any]] = []
    part_kinds = st.lists(
        st.sampled_from(["refusal", "refusal", "text", "image"]), min_size=1, max_size=3
    )
    for mid in draw(st.lists(st.sampled_from([*PIECE_MESSAGES[:2], 'm"q']), unique=True)):
        message = _piece_message(mid, draw(part_kinds), draw(st.lists(PIECES, max_size=2)))
        events.append(("thread.message.created", message))
    call_kinds = st.sampled_from(
        ["function", "code_interpreter", "code_interpreter", "file_search"]
    )
    output_kinds = st.lists(st.sampled_from(["logs", "logs", "image"]), min_size=1, max_size=3)
    for sid in draw(st.lists(st.sampled_from(PIECE_STEPS[:3]), unique=True)):
        run_id = draw(st.sampled_from(["run_1", "run_2"]))
        if sid == "step_m":
            details = {"type": "message_creation", "message_creation": {"message_id": "msg_1"}}
            events.append(("thread.run.step.created", step_created(sid, run_id, **details)))
            continue
        calls = [
            _piece_call(draw(call_kinds), draw(output_kinds))
            for _ in range(draw(st.integers(1, 3)))
        ]
        step = step_created(sid, run_id, type="tool_calls", tool_calls=calls)
        events.append(("thread.run.step.created", step))
    events = draw(st.permutations(events))
    targets = [t for name, data in events for t in _targets(name, data["id"], data)]
    return events, targets


@st.composite
def piece_events(draw: st.DrawFn, targets: list[Target]) -> tuple[str, str]:
    """One event of a piece stream, as (name, data text): mostly refusal and tool-call pieces
    (half of them aimed at ``targets``, the others at random ids, indices and fields; any JSON
    style; some damaged), sometimes an event the general path must take (a call's first
    delta, a text delta, a final copy, a run status, an error, done)."""
    damaged = st.booleans().flatmap(lambda b: st.booleans().map(lambda c: b and c))  # 1 in 4
    # (hypothesis favours the first and last choices: the commonest kinds go there)
    rare = ["first", "text", "final", "run", "other"]
    kind = draw(st.sampled_from(["refusal"] * 4 + rare + ["call"] * 9))
    style = draw(st.integers(0, 2))
    ascii_only = draw(st.booleans())
    if kind in ("refusal", "call") and targets and draw(st.booleans()):
        field, oid, index, output = draw(st.sampled_from(targets))
        if field == "refusal":
            data = refusal_delta(oid, index, draw(PIECES))
            name, key = "thread.message.delta", "refusal"
        else:
            data = call_piece_delta(oid, index, field, output, draw(PIECES))
            name, key = "thread.run.step.delta", field
    elif kind == "refusal":
        data = refusal_delta(draw(_PIECE_MESSAGE_IDS), draw(_PIECE_INDICES), draw(PIECES))
        name, key = "thread.message.delta", "refusal"
    elif kind == "call":
        field = draw(st.sampled_from(sorted(PIECE_CALL_TYPES)))
        sid, index, output = draw(_PIECE_STEP_IDS), draw(_PIECE_INDICES), draw(_PIECE_INDICES)
        data = call_piece_delta(sid, index, field, output, draw(PIECES))
        name, key = "thread.run.step.delta", field
    elif kind == "first":  # a call's first delta (id, name) or a new output: the general path
        sid = draw(st.sampled_from(PIECE_STEPS[:3]))
        index = draw(st.integers(0, 3))
        call = draw(
            st.sampled_from(
                [
                    function_delta(index, "", name="f", output=None) | {"id": "call_n"},
                    code_delta(index, "", {"index": draw(st.integers(0, 3)), "type": "logs"}),
                    code_delta(
                        index, None, {"index": 1, "type": "image", "image": {"file_id": "i"}}
                    ),
                ]
            )
        )
        data, name, key = step_delta(call, sid=sid), "thread.run.step.delta", "arguments"
    elif kind == "text":
        mid = draw(st.sampled_from(PIECE_MESSAGES))
        item = {"index": draw(st.integers(0, 3)), "type": "text", "text": {"value": draw(PIECES)}}
        data = {"id": mid, "object": "thread.message.delta", "delta": {"content": [item]}}
        name, key = "thread.message.delta", "value"
    elif kind == "final":
        if draw(st.booleans()):
            mid = draw(st.sampled_from(PIECE_MESSAGES[:2]))
            kinds = draw(st.lists(st.sampled_from(["refusal", "text"]), max_size=3))
            data = _piece_message(mid, kinds, draw(st.lists(PIECES, max_size=2)))
            name = "thread.message.completed"
        else:
            sid = draw(st.sampled_from(PIECE_STEPS[:2]))
            calls = [_piece_call("function", []), _piece_call("code_interpreter", ["logs"])]
            data = step_created(sid, "run_1", type="tool_calls", tool_calls=calls)
            data["status"] = "completed"
            name = "thread.run.step.completed"
        key = "-"
    elif kind == "run":
        status = draw(st.sampled_from(["in_progress", "requires_action", "completed"]))
        data = run_event(status, draw(st.sampled_from(["run_1", "run_2"])))
        name, key = f"thread.run.{status}", "-"
    else:
        name = draw(st.sampled_from(["done", "error", "thread.message.in_progress"]))
        if name == "done":
            return name, "[DONE]"
        data = (
            {"error": {"message": "boom"}} if name == "error" else _piece_message("msg_2", [], [])
        )
        key = "-"
    text = render(data, style, ascii_only)
    return name, _damaged(
        text,
        key,
        draw(st.sampled_from(["bad-escape", "trailing", "cut"])) if draw(damaged) else "",
    )


@st.composite
def piece_streams(draw: st.DrawFn) -> bytes:
    """Created messages and steps, then a random sequence of piece deltas and other events, as
    SSE bytes (without a final done: ``close`` reports the truncation)."""
    objects, targets = draw(piece_objects())
    events = [(name, render(data, draw(st.integers(0, 2)))) for name, data in objects]
    events += draw(st.lists(piece_events(targets), min_size=4, max_size=40))
    return "".join(sse_event(name, data) for name, data in events).encode()
