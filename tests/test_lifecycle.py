"""Lifecycle updates: created / done exactly once per part, tool call, message, step and run."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deltasnap
from deltasnap import Update, samples

from strategies import chunked, lifecycle_runs, sse_bytes

CAPTURES = sorted((Path(__file__).resolve().parents[2] / "shared" / "real-captures").glob("*.sse"))
LIFECYCLE = {
    "text.created",
    "text.done",
    "refusal.done",
    "image_file.done",
    "image_url.done",
    "message.done",
    "tool_call.created",
    "tool_call.done",
    "step.done",
    "run.done",
    "end",
}
PART_DONE = {"text.done", "refusal.done", "image_file.done", "image_url.done"}


def updates_of(source: Any, **options: Any) -> tuple[deltasnap.Accumulator, list[Update]]:
    """Every update of a whole source, and the accumulator that made them."""
    acc = deltasnap.Accumulator(**options)
    return acc, list(acc.updates(source))


def lifecycle(updates: list[Update]) -> list[tuple[Any, ...]]:
    """The lifecycle updates as (kind, message or step or run id, index) tuples."""
    out = []
    for u in updates:
        if u.kind in LIFECYCLE:
            owner = u.message_id or u.step_id or u.run_id
            index = u.content_index if u.content_index is not None else u.tool_call_index
            out.append((u.kind, owner, index))
    return out


def part_value(block: Any) -> Any:
    """What a part's done update carries in ``value``."""
    if block.type == "text":
        return block.text
    if block.type == "refusal":
        return block
    return getattr(block, block.type)


def check_contract(acc: deltasnap.Accumulator, updates: list[Update]) -> None:
    """Each created/done once per object, created before done, dones carrying final values."""
    seen = Counter(lifecycle(updates))
    assert all(n == 1 for key, n in seen.items()), seen
    assert updates[-1].kind == "end" and seen[("end", None, None)] == 1
    position = {key: i for i, key in enumerate(lifecycle(updates))}
    for (kind, owner, index), at in position.items():
        if kind == "text.done":
            assert position[("text.created", owner, index)] < at
        if kind == "tool_call.done":
            assert position[("tool_call.created", owner, index)] < at
    finished_messages = {u.message_id for u in updates if u.kind == "message.done"}
    for u in updates:
        if u.kind == "message.done":
            assert u.value == acc.messages[u.message_id]
            parts = [x for x in updates if x.kind in PART_DONE and x.message_id == u.message_id]
            content = acc.messages[u.message_id].content
            done_types = {"text", "refusal", "image_file", "image_url"}
            assert [p.value for p in parts] == [
                part_value(b) for b in content if b.type in done_types
            ]
            assert [p.content_index for p in parts] == sorted(p.content_index for p in parts)
        elif u.kind == "text.done":
            assert u.message_id in finished_messages and u.text == u.value.value
        elif u.kind == "step.done":
            step = acc.reducer.run_steps[u.step_id]
            assert u.value == step
            calls = [
                x.value for x in updates if x.kind == "tool_call.done" and x.step_id == u.step_id
            ]
            created = [
                x for x in updates if x.kind == "tool_call.created" and x.step_id == u.step_id
            ]
            final_calls = list(getattr(step.step_details, "tool_calls", ()))
            assert calls == final_calls[: len(created)]
        elif u.kind == "run.done":
            assert u.value == acc.reducer.runs[u.run_id].run


def test_sample_lifecycle_in_order() -> None:
    """The sample: parts created at their first event, done in index order when their message
    finishes (interleaved messages each closed on their own), then run.done, done and end."""
    acc, updates = updates_of(samples.path())
    assert lifecycle(updates) == [
        ("text.created", "msg_r", 0),
        ("text.created", "msg_r", 3),
        ("text.done", "msg_r", 0),
        ("image_file.done", "msg_r", 1),
        ("image_url.done", "msg_r", 2),
        ("text.done", "msg_r", 3),
        ("message.done", "msg_r", None),
        ("text.created", "msg_a", 0),
        ("text.created", "msg_b", 0),
        ("text.done", "msg_b", 0),
        ("message.done", "msg_b", None),
        ("text.done", "msg_a", 0),
        ("message.done", "msg_a", None),
        ("run.done", acc.reducer.run.id if acc.reducer.run else None, None),
        ("end", None, None),
    ]
    done = {u.message_id: u.text for u in updates if u.kind == "text.done"}
    assert done["msg_a"] == "alpha beta gamma" and done["msg_b"] == "one two three"
    assert [u.kind for u in updates][-2:] == ["done", "end"]
    check_contract(acc, updates)


def test_text_created_comes_before_its_first_piece() -> None:
    """text.created precedes the first text update of its part, carrying the Text then."""
    _, updates = updates_of(samples.path())
    first = next(i for i, u in enumerate(updates) if u.kind == "text" and u.message_id == "msg_a")
    created = next(
        i for i, u in enumerate(updates) if u.kind == "text.created" and u.message_id == "msg_a"
    )
    assert created == first - 1
    assert updates[created].value.value == "alpha "


def message_events(mid: str, deltas: list[tuple[int, str]], final: list[str]) -> list[Any]:
    """created, one text delta per (index, piece), completed with ``final`` texts."""
    base = {"id": mid, "object": "thread.message", "role": "assistant", "content": []}
    events: list[Any] = [("thread.message.created", {**base, "status": "in_progress"})]
    for index, piece in deltas:
        item = {"index": index, "type": "text", "text": {"value": piece}}
        events.append(("thread.message.delta", {"id": mid, "delta": {"content": [item]}}))
    blocks = [{"type": "text", "text": {"value": t, "annotations": []}} for t in final]
    events.append(("thread.message.completed", {**base, "status": "completed", "content": blocks}))
    return events


def test_sparse_indices_keep_their_keys() -> None:
    """Parts at indices 2 and 7 are created and done under those indices with their values."""
    events = message_events("m", [(7, "b"), (2, "a"), (7, "B"), (2, "A")], ["aA", "bB"])
    acc, updates = updates_of(sse_bytes(events))
    assert lifecycle(updates)[:4] == [
        ("text.created", "m", 7),
        ("text.created", "m", 2),
        ("text.done", "m", 2),
        ("text.done", "m", 7),
    ]
    assert [u.text for u in updates if u.kind == "text.done"] == ["aA", "bB"]
    check_contract(acc, updates)


def test_interleaved_parts_are_done_with_their_final_value() -> None:
    """A part revisited after a higher index began is not done early (the SDK's rule would be):
    its done carries everything."""
    events = message_events("m", [(0, "x"), (1, "y"), (0, "z")], ["xz", "y"])
    acc, updates = updates_of(sse_bytes(events))
    assert [u.text for u in updates if u.kind == "text.done"] == ["xz", "y"]
    check_contract(acc, updates)


def test_done_uses_the_servers_final_copy() -> None:
    """The completed copy is the final value (also where it differs from the deltas)."""
    events = message_events("m", [(0, "draft")], ["final"])
    _, updates = updates_of(sse_bytes(events))
    assert [u.text for u in updates if u.kind == "text.done"] == ["final"]


def test_message_created_with_content_announces_its_parts() -> None:
    """Parts in a created copy are created at once (index = position) and done at the end."""
    block = {"type": "text", "text": {"value": "hi", "annotations": []}}
    msg = {"id": "u", "object": "thread.message", "role": "user", "content": [block]}
    events = [("thread.message.created", msg), ("thread.message.completed", msg)]
    acc, updates = updates_of(sse_bytes(events))
    assert lifecycle(updates)[:3] == [
        ("text.created", "u", 0),
        ("text.done", "u", 0),
        ("message.done", "u", None),
    ]
    check_contract(acc, updates)


def test_duplicate_completed_is_done_once() -> None:
    """A second completed event for a finished message makes no second done."""
    events = message_events("m", [(0, "a")], ["a"])
    events.append(events[-1])
    _, updates = updates_of(sse_bytes(events))
    assert Counter(u.kind for u in updates)["message.done"] == 1


def step_events(sid: str, calls: list[tuple[int, dict[str, Any]]], status: str) -> list[Any]:
    """A tool_calls step: created, one delta per (index, delta), final with the calls."""
    base = {"id": sid, "object": "thread.run.step", "run_id": "run_1", "type": "tool_calls"}
    created = {**base, "status": "in_progress", "step_details": {"type": "tool_calls"}}
    created["step_details"]["tool_calls"] = []
    events: list[Any] = [("thread.run.step.created", created)]
    finished: dict[int, dict[str, Any]] = {}
    for index, delta in calls:
        item = {"index": index, "type": "function", **delta}
        details = {"type": "tool_calls", "tool_calls": [item]}
        events.append(("thread.run.step.delta", {"id": sid, "delta": {"step_details": details}}))
        call = finished.setdefault(index, {"type": "function", "function": {"arguments": ""}})
        if "id" in delta:
            call["id"] = delta["id"]
            call["function"]["name"] = delta["function"]["name"]
        call["function"]["arguments"] += delta["function"].get("arguments", "")
    final_calls = [finished[i] for i in sorted(finished)]
    final = {**base, "status": status, "step_details": {"type": "tool_calls"}}
    final["step_details"]["tool_calls"] = final_calls
    events.append((f"thread.run.step.{status}", final))
    return events


def run_event(status: str) -> tuple[str, dict[str, Any]]:
    """A thread.run.<status> event for run_1."""
    return (f"thread.run.{status}", {"id": "run_1", "object": "thread.run", "status": status})


def test_tool_calls_created_and_done_once_with_the_finished_call() -> None:
    """Tool calls at sparse indices: created at their first delta, done (with the finished
    arguments) when the step completes, then step.done and run.done."""
    calls = [
        (0, {"id": "c0", "function": {"name": "f", "arguments": ""}}),
        (4, {"id": "c4", "function": {"name": "g", "arguments": "{"}}),
        (0, {"function": {"arguments": '{"a":1}'}}),
        (4, {"function": {"arguments": "}"}}),
    ]
    events = [run_event("in_progress"), *step_events("s", calls, "completed")]
    events.append(run_event("completed"))
    acc, updates = updates_of(sse_bytes(events))
    assert lifecycle(updates) == [
        ("tool_call.created", "s", 0),
        ("tool_call.created", "s", 4),
        ("tool_call.done", "s", 0),
        ("tool_call.done", "s", 4),
        ("step.done", "s", None),
        ("run.done", "run_1", None),
        ("end", None, None),
    ]
    done = [u.value for u in updates if u.kind == "tool_call.done"]
    assert [(c.id, c.function.arguments) for c in done] == [("c0", '{"a":1}'), ("c4", "{}")]
    check_contract(acc, updates)


def test_requires_action_closes_the_calls_not_the_run() -> None:
    """requires_action: the open step's calls are done (arguments complete, as the SDK says),
    but neither the step nor the run is; the stream's end is still announced."""
    calls = [(0, {"id": "c0", "function": {"name": "f", "arguments": "{}"}})]
    events = [*step_events("s", calls, "completed")[:-1], run_event("requires_action")]
    _, updates = updates_of(sse_bytes(events))
    kinds = [u.kind for u in updates]
    assert "run.done" not in kinds and "step.done" not in kinds
    assert kinds.count("tool_call.created") == kinds.count("tool_call.done") == 1
    done = next(u for u in updates if u.kind == "tool_call.done")
    assert done.value.function.arguments == "{}" and kinds[-1] == "end"


def test_a_step_first_seen_finished_announces_no_calls() -> None:
    """A step whose created and deltas were in an earlier segment (another accumulator): its
    completed copy gives step.done only, no tool call created/done to handle twice."""
    calls = [(0, {"id": "c0", "function": {"name": "f", "arguments": "{}"}})]
    final = step_events("s", calls, "completed")[-1]
    _, updates = updates_of(sse_bytes([final, run_event("completed")]))
    assert [k for k, _, _ in lifecycle(updates)] == ["step.done", "run.done", "end"]


def test_second_segment_finishes_the_step_and_run() -> None:
    """After submit_tool_outputs the next segment closes the same step and run, once."""
    calls = [(0, {"id": "c0", "function": {"name": "f", "arguments": "{}"}})]
    whole = step_events("s", calls, "completed")
    first = sse_bytes([*whole[:-1], run_event("requires_action")])
    second = sse_bytes([run_event("queued"), whole[-1], run_event("completed")])
    acc = deltasnap.Accumulator()
    updates = list(acc.updates(first))
    acc.new_segment()
    updates += list(acc.updates(second))
    seen = Counter(lifecycle(updates))
    assert seen[("tool_call.created", "s", 0)] == 1 and seen[("tool_call.done", "s", 0)] == 1
    assert seen[("step.done", "s", None)] == seen[("run.done", "run_1", None)] == 1
    assert seen[("end", None, None)] == 2


def test_truncated_stream_ends_without_dones() -> None:
    """A stream cut before its message completes: text.created but no done, then end."""
    events = message_events("m", [(0, "a")], ["a"])[:-1]
    data = sse_bytes(events).rsplit(b"event: done", 1)[0]
    _, updates = updates_of(data)
    kinds = [u.kind for u in updates]
    assert "text.created" in kinds and "text.done" not in kinds and "message.done" not in kinds
    assert kinds[-2:] == ["truncated", "end"]


def test_async_updates_carry_the_same_lifecycle() -> None:
    """aupdates over async chunks gives the same lifecycle updates as updates."""
    data = samples.path().read_bytes()

    async def chunks() -> Any:
        for i in range(0, len(data), 13):
            yield data[i : i + 13]

    async def collect() -> list[Update]:
        return [u async for u in deltasnap.Accumulator().aupdates(chunks())]

    _, sync = updates_of(samples.path())
    assert lifecycle(asyncio.run(collect())) == lifecycle(sync)


def test_decoded_events_get_lifecycle_updates() -> None:
    """Event objects (feed_event) go through the same tracker as bytes."""

    class Event:
        def __init__(self, event: str, data: Any) -> None:
            self.event, self.data = event, data

    events = message_events("m", [(0, "a"), (0, "b")], ["ab"])
    acc, updates = updates_of([Event(e, d) for e, d in events])
    assert [u.text for u in updates if u.kind == "text.done"] == ["ab"]
    check_contract(acc, updates)


def test_accumulate_builds_no_lifecycle_but_the_same_snapshots() -> None:
    """accumulate() (no updates read) reaches the snapshots updates() reaches."""
    acc, _ = updates_of(samples.path())
    quiet = deltasnap.accumulate(samples.path())
    assert dict(quiet.messages) == dict(acc.messages)


@pytest.mark.parametrize("path", CAPTURES, ids=[p.stem[:60] for p in CAPTURES])
def test_real_captures_keep_the_contract(path: Path) -> None:
    """Every real server capture: each lifecycle update once, dones with final values."""
    acc, updates = updates_of(path)
    check_contract(acc, updates)
    assert Counter(u.kind for u in updates)["message.done"] == sum(
        1 for m in acc.messages.values() if m.status in ("completed", "incomplete")
    )


def test_there_are_real_captures() -> None:
    """The real captures are where the tests look for them."""
    assert len(CAPTURES) >= 20


@settings(max_examples=60, deadline=None)
@given(run=lifecycle_runs(), sizes=st.lists(st.integers(1, 200), max_size=30))
def test_generated_runs_keep_the_contract(
    run: tuple[list[tuple[str, Any]], dict[str, Any]], sizes: list[int]
) -> None:
    """Any generated run (interleaved messages and steps, sparse indices), in any chunking:
    each created/done fires once per object and a done carries the final value."""
    events, _ = run
    acc, updates = updates_of(chunked(sse_bytes(events), sizes))
    check_contract(acc, updates)
    ids = {d["id"] for e, d in events if e == "thread.message.created"}
    assert {u.message_id for u in updates if u.kind == "message.done"} == ids
    sparse = {
        (d["id"], item["index"])
        for e, d in events
        if e == "thread.message.delta"
        for item in d["delta"].get("content") or ()
        if item["type"] == "text"
    }
    created = {(u.message_id, u.content_index) for u in updates if u.kind == "text.created"}
    assert sparse <= created
    assert Counter(u.kind for u in updates)["run.done"] == 1
