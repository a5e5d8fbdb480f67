"""Run steps and runs: the reference capture, merge laws, runs across segments, errors, cost."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltasnap import (
    Accumulator,
    CodeInterpreterToolCall,
    ContentTypeMismatch,
    DeltaError,
    DeltasnapError,
    FunctionToolCall,
    InvalidIndex,
    InvalidJSON,
    Reducer,
    RunView,
    StrictModeError,
    ToolCallsStepDetails,
    ValidationError,
    unstructure,
)

from conftest import JoinCounter, expected, simple_events
from strategies import (
    code_delta,
    function_delta,
    interleavings,
    multi_message_streams,
    multi_step_streams,
    roundtrip_json,
    run_event,
    run_steps,
    step_created,
    step_delta,
    step_events,
    two_segment_run,
)

STEP = "step_1"


def reduce(events: list[tuple[str, Any]], **kwargs: Any) -> Reducer:
    """A reducer that has applied every event."""
    reducer = Reducer(**kwargs)
    for event, data in events:
        reducer.apply(event, data)
    return reducer


def steps(reducer: Reducer) -> dict[str, Any]:
    """Every run-step snapshot in the API's JSON shape."""
    return {sid: unstructure(step) for sid, step in reducer.run_steps.items()}


def calls_of(reducer: Reducer, sid: str = STEP) -> list[Any]:
    """The JSON of one step's tool calls."""
    return steps(reducer)[sid]["step_details"]["tool_calls"]  # type: ignore[no-any-return]


# ------------------------------------------------------------------- reference capture


@pytest.mark.parametrize("use_completed", [True, False])
def test_reference_run_steps_reduce_to_expected(use_completed: bool) -> None:
    """run-steps.sse reduces to its expected step, key order included, with or without completed."""
    reducer = reduce(simple_events("run-steps"), use_completed=use_completed)
    assert json.dumps(steps(reducer)) == json.dumps(expected("run-steps"))
    assert reducer.reports == []


def test_reference_snapshot_readable_after_every_event() -> None:
    """Reading every step snapshot after every event works and ends at the same result."""
    reducer = Reducer(use_completed=False)
    for event, data in simple_events("run-steps"):
        reducer.apply(event, data)
        for step in reducer.run_steps.values():
            unstructure(step)
    assert steps(reducer) == expected("run-steps")


def test_reference_updates() -> None:
    """apply() says what each step and run event changed, with the arguments pieces."""
    reducer = Reducer()
    updates = [u for e, d in simple_events("run-steps") for u in reducer.apply(e, d)]
    assert [(u.kind, u.step_id, u.tool_call_index, u.text) for u in updates] == [
        ("run", None, None, "created"),
        ("step.created", "step_1", None, None),
        ("tool_call", "step_1", 0, None),
        ("arguments", "step_1", 0, '{"loc'),
        ("arguments", "step_1", 0, 'ation": "Pa'),
        ("arguments", "step_1", 0, 'ris"}'),
        ("step.completed", "step_1", None, None),
        ("run", None, None, "requires_action"),
    ]
    assert {u.run_id for u in updates} == {"run_1"}


def test_reference_run_view() -> None:
    """The capture gives one run: its statuses, its latest object and its step."""
    reducer = reduce(simple_events("run-steps"))
    run = reducer.run
    assert isinstance(run, RunView)
    assert list(reducer.runs) == ["run_1"]
    assert run.statuses == ("created", "requires_action")
    assert run.status == "requires_action"
    assert run.run.status == "requires_action"
    assert [s.id for s in run.steps] == ["step_1"]
    assert run.messages == ()


# ------------------------------------------------------------------------ merge laws


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_split_of_deltas_rebuilds_the_step(data: st.DataObject) -> None:
    """However arguments, input and logs are split into deltas, the server's step comes out."""
    step = roundtrip_json(data.draw(run_steps()))
    events = roundtrip_json(data.draw(step_events(step)))
    reducer = reduce(events, use_completed=False)
    assert steps(reducer) == {step["id"]: step}
    assert reducer.reports == []


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_splitting_a_streamed_delta_changes_nothing(data: st.DataObject) -> None:
    """Splitting one arguments/input/logs piece in two gives the same step at the end."""
    step = data.draw(run_steps())
    events = data.draw(step_events(step))
    splittable = [
        i
        for i, (event, body) in enumerate(events)
        if event == "thread.run.step.delta"
        and len(body["delta"].get("step_details", {}).get("tool_calls", [])) == 1
        and len(_streamed(body["delta"]["step_details"]["tool_calls"][0])[2]) >= 2
    ]
    if not splittable:
        return
    i = data.draw(st.sampled_from(splittable))
    item = events[i][1]["delta"]["step_details"]["tool_calls"][0]
    piece = _streamed(item)[2]
    cut = data.draw(st.integers(1, len(piece) - 1))
    halves = []
    for part in (piece[:cut], piece[cut:]):
        half = copy.deepcopy(item)
        holder, key, _ = _streamed(half)
        holder[key] = part
        halves.append(("thread.run.step.delta", step_delta(half, sid=step["id"])))
    split = [*events[:i], *halves, *events[i + 1 :]]
    assert steps(reduce(split, use_completed=False)) == steps(reduce(events, use_completed=False))


def _streamed(item: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """Where a tool-call delta's one streamed piece sits (object, key) and the piece."""
    if item["type"] == "function":
        inner = item.get("function") or {}
        return inner, "arguments", inner.get("arguments") or ""
    if item["type"] == "code_interpreter":
        inner = item.get("code_interpreter") or {}
        outs = inner.get("outputs") or []
        if inner.get("input") and not outs:
            return inner, "input", inner["input"]
        if len(outs) == 1 and not inner.get("input") and outs[0]["type"] == "logs":
            return outs[0], "logs", outs[0].get("logs") or ""
    return item, "", ""


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_interleaving_steps_and_messages_in_any_order(data: st.DataObject) -> None:
    """Any interleaving of several steps' and messages' events gives each its own snapshot."""
    step_map, step_streams = data.draw(multi_step_streams())
    msgs, message_streams = data.draw(multi_message_streams(max_messages=2))
    merged = data.draw(interleavings([*step_streams, *message_streams]))
    reducer = reduce(roundtrip_json(merged), use_completed=False)
    assert steps(reducer) == roundtrip_json(step_map)
    assert {mid: unstructure(msg) for mid, msg in reducer.messages.items()} == msgs
    assert reducer.reports == []


def test_tool_calls_keyed_by_index_not_position() -> None:
    """Sparse and out-of-order indices land at their own key; calls are ordered by index."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply("thread.run.step.delta", step_delta(function_delta(4, '{"a"', name="late")))
    reducer.apply("thread.run.step.delta", step_delta(code_delta(1, "print(1)")))
    reducer.apply("thread.run.step.delta", step_delta(function_delta(4, ": 1}")))
    calls = calls_of(reducer)
    assert [c["type"] for c in calls] == ["code_interpreter", "function"]
    assert calls[1]["function"] == {"name": "late", "arguments": '{"a": 1}', "output": None}
    assert "index" not in calls[0]


def test_tool_call_index_is_per_step() -> None:
    """The same index in two steps is two different tool calls (no state leaks between steps)."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created("step_a"))
    reducer.apply("thread.run.step.created", step_created("step_b"))
    reducer.apply(
        "thread.run.step.delta", step_delta(function_delta(0, "{}", name="f"), sid="step_a")
    )
    reducer.apply("thread.run.step.delta", step_delta(code_delta(0, "x = 1"), sid="step_b"))
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, " "), sid="step_a"))
    assert calls_of(reducer, "step_a")[0]["function"]["arguments"] == "{} "
    assert calls_of(reducer, "step_b")[0]["code_interpreter"]["input"] == "x = 1"


def test_replace_fields_and_null_does_not_erase() -> None:
    """Ids, names and outputs take the latest value; a later null leaves a value in place."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply(
        "thread.run.step.delta", step_delta({**function_delta(0, "", name="a"), "id": "call_1"})
    )
    reducer.apply(
        "thread.run.step.delta", step_delta(function_delta(0, "{}", name="b", output="out"))
    )
    reducer.apply(
        "thread.run.step.delta", step_delta({**function_delta(0, None, name=None), "id": None})
    )
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, None, output=None)))
    assert calls_of(reducer) == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "b", "arguments": "{}", "output": "out"},
        }
    ]


def test_numbers_are_replaced_never_added() -> None:
    """Numbers in step and tool-call deltas take the latest value; nothing is summed."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
    for _ in range(2):
        reducer.apply(
            "thread.run.step.delta",
            step_delta({**function_delta(0, "x"), "tokens": 3}, usage=usage),
        )
    step = steps(reducer)[STEP]
    assert step["usage"] == usage
    assert step["step_details"]["tool_calls"][0]["tokens"] == 3


def test_code_interpreter_logs_split_and_image() -> None:
    """code_interpreter input and logs append across deltas; an image output is kept by index."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    first = {**code_delta(0, ""), "id": "ci_1"}
    updates = [
        *reducer.apply("thread.run.step.delta", step_delta(first)),
        *reducer.apply("thread.run.step.delta", step_delta(code_delta(0, "print('a')\n"))),
        *reducer.apply("thread.run.step.delta", step_delta(code_delta(0, "print('b')"))),
        *reducer.apply(
            "thread.run.step.delta",
            step_delta(code_delta(0, None, {"index": 0, "type": "logs", "logs": "a\n"})),
        ),
        *reducer.apply(
            "thread.run.step.delta",
            step_delta(
                code_delta(
                    0,
                    None,
                    {"index": 1, "type": "image", "image": {"file_id": "file-img"}},
                    {"index": 0, "type": "logs", "logs": "b\n"},
                )
            ),
        ),
    ]
    [call] = calls_of(reducer)
    assert call == {
        "id": "ci_1",
        "type": "code_interpreter",
        "code_interpreter": {
            "input": "print('a')\nprint('b')",
            "outputs": [
                {"type": "logs", "logs": "a\nb\n"},
                {"type": "image", "image": {"file_id": "file-img"}},
            ],
        },
    }
    typed = reducer.run_steps[STEP].step_details
    assert isinstance(typed, ToolCallsStepDetails)
    ci = typed.tool_calls[0]
    assert isinstance(ci, CodeInterpreterToolCall)
    assert ci.code_interpreter.outputs[0].logs == "a\nb\n"  # type: ignore[union-attr]
    assert [(u.kind, u.tool_call_index, u.output_index, u.text) for u in updates] == [
        ("tool_call", 0, None, None),
        ("input", 0, None, "print('a')\n"),
        ("input", 0, None, "print('b')"),
        ("logs", 0, 0, "a\n"),
        ("tool_call", 0, 1, None),
        ("logs", 0, 0, "b\n"),
    ]


def test_file_search_call() -> None:
    """A file_search call starts empty and takes its results from a later delta."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply(
        "thread.run.step.delta",
        step_delta({"index": 0, "id": "fs_1", "type": "file_search", "file_search": {}}),
    )
    assert calls_of(reducer) == [{"id": "fs_1", "type": "file_search", "file_search": {}}]
    found = {
        "ranking_options": {"ranker": "auto", "score_threshold": 0.0},
        "results": [{"file_id": "file-1", "file_name": "a.pdf", "score": 0.9}],
    }
    reducer.apply(
        "thread.run.step.delta",
        step_delta({"index": 0, "type": "file_search", "file_search": found}),
    )
    assert calls_of(reducer)[0]["file_search"] == found
    call = reducer.run_steps[STEP].step_details.tool_calls[0]  # type: ignore[union-attr]
    assert call.file_search.results[0].file_name == "a.pdf"


def test_unknown_types_are_kept() -> None:
    """Unknown tool-call, output and step-details types are merged and kept whole."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply(
        "thread.run.step.delta",
        step_delta(
            {"index": 0, "type": "web", "web": {"q": "a"}},
            code_delta(1, "", {"index": 0, "type": "audio", "sound": 1}),
        ),
    )
    reducer.apply("thread.run.step.delta", step_delta({"index": 0, "type": "web", "web": {"n": 2}}))
    assert calls_of(reducer) == [
        {"type": "web", "web": {"q": "a", "n": 2}},
        {
            "id": None,
            "type": "code_interpreter",
            "code_interpreter": {"input": "", "outputs": [{"type": "audio", "sound": 1}]},
        },
    ]
    other = Reducer()
    other.apply("thread.run.step.created", step_created(type="handoff"))
    other.apply(
        "thread.run.step.delta",
        {"id": STEP, "delta": {"step_details": {"type": "handoff", "to": {"agent": "b"}}}},
    )
    assert steps(other)[STEP]["step_details"] == {"type": "handoff", "to": {"agent": "b"}}


def test_message_creation_step() -> None:
    """A message_creation step keeps the message id; a delta may fill it in."""
    reducer = Reducer()
    reducer.apply(
        "thread.run.step.created",
        step_created(type="message_creation", message_creation={}),
    )
    reducer.apply(
        "thread.run.step.delta",
        {
            "id": STEP,
            "delta": {
                "step_details": {
                    "type": "message_creation",
                    "message_creation": {"message_id": "m"},
                }
            },
        },
    )
    details = steps(reducer)[STEP]["step_details"]
    assert details == {"type": "message_creation", "message_creation": {"message_id": "m"}}


def test_missing_objects_are_filled_in() -> None:
    """An image without its object, or a null message_creation, still gives a whole snapshot."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply(
        "thread.run.step.delta",
        step_delta(
            code_delta(0, None, {"index": 0, "type": "image"}),
            {"index": 1, "type": "file_search", "file_search": None},
        ),
    )
    assert calls_of(reducer)[0]["code_interpreter"]["outputs"] == [
        {"type": "image", "image": {"file_id": None}}
    ]
    assert calls_of(reducer)[1] == {"id": None, "type": "file_search", "file_search": {}}
    other = Reducer()
    other.apply(
        "thread.run.step.delta",
        {
            "id": STEP,
            "delta": {"step_details": {"type": "message_creation", "message_creation": None}},
        },
    )
    assert steps(other)[STEP]["step_details"] == {
        "type": "message_creation",
        "message_creation": {"message_id": None},
    }


def test_bad_message_creation_delta() -> None:
    """A message_creation delta of the wrong shape raises and changes nothing."""
    reducer = Reducer()
    reducer.apply(
        "thread.run.step.created", step_created(type="message_creation", message_creation={})
    )
    with pytest.raises(DeltaError, match="bad message_creation step details") as info:
        reducer.apply(
            "thread.run.step.delta",
            {
                "id": STEP,
                "delta": {
                    "step_details": {
                        "type": "message_creation",
                        "message_creation": {"message_id": 1},
                    }
                },
            },
        )
    assert info.value.step_id == STEP
    assert steps(reducer)[STEP]["step_details"]["message_creation"] == {"message_id": None}


def test_delta_without_details_keeps_them_null() -> None:
    """A bare step from a delta with only top-level fields has null step_details."""
    reducer = Reducer()
    [update] = reducer.apply("thread.run.step.delta", step_delta(status="in_progress"))
    assert update.kind == "step.delta"
    assert steps(reducer)[STEP] == {
        # expired_at is optional: real servers send expires_at instead, so it is not invented
        **dict.fromkeys(k for k in step_created() if k != "expired_at"),
        "id": STEP,
        "object": "thread.run.step",
        "status": "in_progress",
    }
    assert STEP in reducer.run_steps and "other" not in reducer.run_steps


@settings(max_examples=100, deadline=None)
@given(run_steps())
def test_whole_step_objects_are_the_snapshot(step: dict[str, Any]) -> None:
    """A step created whole, or a final copy taken as is, reads back exactly; deltas continue it."""
    step = roundtrip_json(step)
    created = reduce([("thread.run.step.created", step)])
    assert steps(created) == {step["id"]: step}
    final = reduce(
        [("thread.run.step.created", step_created(step["id"])), ("thread.run.step.completed", step)]
    )
    assert steps(final)[step["id"]] == step
    details = step["step_details"]
    if details["type"] == "tool_calls" and details["tool_calls"]:
        call = details["tool_calls"][-1]
        index = len(details["tool_calls"]) - 1
        final.apply(
            "thread.run.step.delta",
            step_delta({"index": index, "type": call["type"]}, sid=step["id"]),
        )
        assert steps(final)[step["id"]]["step_details"]["tool_calls"][-1] == call


def test_old_snapshot_does_not_change() -> None:
    """A step snapshot is immutable: later deltas do not change what it reads."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, "ab")))
    before = reducer.run_steps[STEP]
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, "cd")))
    after = reducer.run_steps[STEP]
    assert unstructure(before)["step_details"]["tool_calls"][0]["function"]["arguments"] == "ab"
    assert unstructure(after)["step_details"]["tool_calls"][0]["function"]["arguments"] == "abcd"


# ------------------------------------------------------------------- completed copies


def _differing_stream(final: str = "thread.run.step.completed") -> list[tuple[str, Any]]:
    server = step_created()
    server["status"] = final.rpartition(".")[2]
    server["completed_at"] = 9
    server["step_details"] = {
        "type": "tool_calls",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "f", "arguments": "{}!", "output": "server"},
            }
        ],
    }
    return [
        ("thread.run.step.created", step_created()),
        (
            "thread.run.step.delta",
            step_delta({**function_delta(0, "{}", name="f"), "id": "call_1"}),
        ),
        (final, server),
    ]


@pytest.mark.parametrize(
    "final",
    [
        "thread.run.step.completed",
        "thread.run.step.failed",
        "thread.run.step.cancelled",
        "thread.run.step.expired",
    ],
)
def test_final_copy_wins_and_difference_is_reported(final: str) -> None:
    """The final step becomes the snapshot; a streamed field that differs (arguments) is
    completed_differs, a field never streamed (function.output) completed_adds."""
    reducer = Reducer()
    updates = [u for e, d in _differing_stream(final) for u in reducer.apply(e, d)]
    assert updates[-1].kind == "step." + final.rpartition(".")[2]
    [call] = calls_of(reducer)
    assert call["function"]["output"] == "server"
    assert reducer.run_steps[STEP].status == final.rpartition(".")[2]
    differs, adds = reducer.reports
    assert (differs.kind, adds.kind) == ("completed_differs", "completed_adds")
    assert (differs.severity, adds.severity) == ("warning", "info")
    assert differs.step_id == STEP
    assert differs.message_id is None
    assert differs.event_number == 3
    assert [d.split(":")[0] for d in differs.details] == [
        "step_details.tool_calls[0].function.arguments"
    ]
    assert [d.split(":")[0] for d in adds.details] == ["step_details.tool_calls[0].function.output"]


def test_use_completed_false_keeps_accumulated_details() -> None:
    """use_completed=False keeps the deltas' details but takes status and times from the server."""
    reducer = reduce(_differing_stream(), use_completed=False)
    step = reducer.run_steps[STEP]
    assert calls_of(reducer)[0]["function"]["output"] is None
    assert step.status == "completed"
    assert step.completed_at == 9
    assert [r.kind for r in reducer.reports] == ["completed_differs", "completed_adds"]


def test_deltas_after_completed_merge_onto_the_server_copy() -> None:
    """A delta after completed continues from the server's copy, not from stale state."""
    reducer = reduce(_differing_stream())
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, "+")))
    assert calls_of(reducer)[0]["function"] == {
        "name": "f",
        "arguments": "{}!+",
        "output": "server",
    }


def test_created_with_calls_is_the_starting_snapshot() -> None:
    """A step created with tool calls (and outputs) starts from them; deltas continue them."""
    start = step_created()
    start["step_details"]["tool_calls"] = [
        {
            "id": "c",
            "type": "code_interpreter",
            "code_interpreter": {
                "input": "1+",
                "outputs": [
                    {"type": "logs", "logs": "x"},
                    {"type": "image", "image": {"file_id": "f"}, "x": 1},
                ],
            },
        }
    ]
    reducer = Reducer()
    reducer.apply("thread.run.step.created", start)
    reducer.apply(
        "thread.run.step.delta",
        step_delta(code_delta(0, "1", {"index": 0, "type": "logs", "logs": "y"})),
    )
    assert calls_of(reducer)[0]["code_interpreter"] == {
        "input": "1+1",
        "outputs": [
            {"type": "logs", "logs": "xy"},
            {"type": "image", "image": {"file_id": "f"}, "x": 1},
        ],
    }


# ------------------------------------------------------------------------------ runs


def test_requires_action_then_submit_tool_outputs_is_one_run() -> None:
    """Two stream segments of one run (requires_action, then outputs) make one Run."""
    first, second = two_segment_run()
    reducer = reduce(first)
    paused = reducer.run
    assert paused is not None
    assert paused.status == "requires_action"
    assert paused.required_action is not None
    assert paused.required_action.submit_tool_outputs.tool_calls[0].id == "call_1"  # type: ignore[union-attr]
    for event, data in second:
        reducer.apply(event, data)
    assert list(reducer.runs) == ["run_1"]
    run = reducer.runs["run_1"]
    assert run is reducer.run
    assert run.statuses == (
        "queued",
        "in_progress",
        "requires_action",
        "queued",
        "in_progress",
        "completed",
    )
    assert run.required_action is None
    assert run.last_error is None
    assert run.usage is not None and run.usage.total_tokens == 15
    assert [s.id for s in run.steps] == ["step_1", "step_2"]
    call = run.steps[0].step_details.tool_calls[0]  # type: ignore[union-attr]
    assert isinstance(call, FunctionToolCall)
    assert call.function.output == "21C"
    assert [m.id for m in run.messages] == ["msg_1"]
    assert run.messages[0].content[0].text.value == "It is 21C."  # type: ignore[union-attr]
    # the output arrived in the final copy only: never streamed, informational
    assert [r.kind for r in reducer.reports] == ["completed_adds"]


def test_runs_are_told_apart() -> None:
    """Each run gets its own steps and messages; the latest run is the last one named."""
    reducer = Reducer()
    assert reducer.run is None
    reducer.apply("thread.run.created", run_event("queued", "run_a"))
    reducer.apply("thread.run.step.created", step_created("s_a", "run_a"))
    reducer.apply("thread.run.created", run_event("queued", "run_b"))
    reducer.apply("thread.run.step.created", step_created("s_b", "run_b"))
    reducer.apply("thread.run.step.in_progress", step_created("s_a", "run_a"))
    assert list(reducer.runs) == ["run_a", "run_b"]
    assert [s.id for s in reducer.runs["run_a"].steps] == ["s_a"]
    assert [s.id for s in reducer.runs["run_b"].steps] == ["s_b"]
    assert reducer.run is not None and reducer.run.id == "run_a"
    assert "run_c" not in reducer.runs
    with pytest.raises(KeyError):
        reducer.runs["run_c"]


def test_run_known_only_from_steps_and_messages() -> None:
    """A run named only by steps or messages still has a (bare) RunView."""
    events = [e for e in simple_events("run-steps") if not e[0].startswith("thread.run.r")]
    events = [e for e in events if e[0] != "thread.run.created"]
    reducer = reduce(events)
    run = reducer.run
    assert run is not None
    assert (run.id, run.statuses, run.status) == ("run_1", (), None)
    assert [s.id for s in run.steps] == ["step_1"]
    basic = reduce([e for e in simple_events("basic") if not e[0].startswith("thread.run")])
    assert list(basic.runs) == [m.run_id for m in basic.messages.values()][:1]


def test_run_status_repeats_collapse() -> None:
    """created then queued with the same status counts once in the status sequence."""
    reducer = Reducer()
    for event in ("thread.run.created", "thread.run.queued"):
        update = reducer.apply(event, run_event("queued"))
        assert update[0].kind == "run" and update[0].text == "queued"
    reducer.apply("thread.run.cancelling", run_event("cancelling"))
    reducer.apply("thread.run.cancelled", {"id": "run_1"})
    run = reducer.runs["run_1"]
    assert run.statuses == ("queued", "cancelling", "cancelled")
    assert run.run.extra == {}


def test_run_view_is_cached_until_the_next_event() -> None:
    """Reading a RunView twice without a new event gives the same object."""
    reducer = reduce(simple_events("run-steps"))
    assert reducer.runs["run_1"] is reducer.runs["run_1"]
    reducer.apply("thread.run.completed", run_event("completed"))
    assert reducer.runs["run_1"].status == "completed"
    assert len(reducer.runs) == 1
    assert "run_1" in repr(reducer.runs) and "step_1" in repr(reducer.run_steps)


# ------------------------------------------------------------- lenient and strict repairs


def test_delta_for_unknown_step_lenient_then_strict() -> None:
    """A delta for an unknown step starts a bare snapshot (reported); strict mode raises."""
    reducer = Reducer()
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, "{}", name="f")))
    step = steps(reducer)[STEP]
    assert step["object"] == "thread.run.step"
    assert step["step_details"]["tool_calls"][0]["function"]["arguments"] == "{}"
    [report] = reducer.reports
    assert (report.kind, report.step_id) == ("delta_before_created", STEP)
    strict = Reducer(strict=True)
    with pytest.raises(StrictModeError) as info:
        strict.apply("thread.run.step.delta", step_delta(function_delta(0, "{}")), event_number=4)
    assert info.value.step_id == STEP
    assert info.value.message_id is None
    assert info.value.event_number == 4
    assert len(strict.run_steps) == 0


def test_duplicate_created_and_missing_created() -> None:
    """A second created keeps the calls; in_progress or final for an unknown step is taken."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, "kept")))
    reducer.apply("thread.run.step.created", step_created())  # stale: says no calls yet
    assert calls_of(reducer)[0]["function"]["arguments"] == "kept"
    reducer.apply("thread.run.step.in_progress", step_created("step_2"))
    final = {**step_created("step_3"), "status": "completed"}
    reducer.apply("thread.run.step.completed", final)
    assert list(reducer.run_steps) == [STEP, "step_2", "step_3"]
    assert reducer.run_steps["step_3"].status == "completed"
    assert [r.kind for r in reducer.reports] == [
        "duplicate_created",
        "missing_created",
        "completed_unknown",
    ]
    stale = [
        ("thread.run.step.created", step_created()),
        ("thread.run.step.delta", step_delta(function_delta(0, "kept"))),
        ("thread.run.step.created", step_created()),
    ]
    for events in (stale, [("thread.run.step.in_progress", step_created())]):
        with pytest.raises(StrictModeError):
            reduce(events, strict=True)
    # a final copy of a step not seen (an earlier body's) is complete data: strict takes it
    assert [
        r.kind for r in reduce([("thread.run.step.completed", final)], strict=True).reports
    ] == ["completed_unknown"]


def test_created_again_that_agrees_is_informational() -> None:
    """A repeated created that agrees with what is known (the Azure MCP capture) is reported as
    created_again (informational) and accepted in strict mode; one that disagrees is not."""
    events = [("thread.run.step.created", step_created())] * 2
    for strict in (False, True):
        [report] = reduce(events, strict=strict).reports
        assert (report.kind, report.severity) == ("created_again", "info")
    moved = [*events[:1], ("thread.run.step.created", {**step_created(), "status": "failed"})]
    with pytest.raises(StrictModeError):
        reduce(moved, strict=True)


def test_in_progress_updates_top_fields_only() -> None:
    """step.in_progress takes the server's top-level fields and keeps the accumulated calls."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, "a")))
    later = {**step_created(), "usage": {"prompt_tokens": 1}}
    [update] = reducer.apply("thread.run.step.in_progress", later)
    assert update.kind == "step.in_progress"
    assert steps(reducer)[STEP]["usage"] == {
        "completion_tokens": None,
        "prompt_tokens": 1,
        "total_tokens": None,
    }
    assert calls_of(reducer)[0]["function"]["arguments"] == "a"


# ---------------------------------------------------------------------------- errors

BAD_DELTAS: list[tuple[str, dict[str, Any], type[DeltasnapError]]] = [
    ("string index", step_delta({"index": "0", "type": "function"}), InvalidIndex),
    ("float index", step_delta({"index": 0.0, "type": "function"}), InvalidIndex),
    ("bool index", step_delta({"index": True, "type": "function"}), InvalidIndex),
    ("negative index", step_delta({"index": -1, "type": "function"}), InvalidIndex),
    ("missing index", step_delta({"type": "function"}), InvalidIndex),
    ("missing type", step_delta({"index": 0}), DeltaError),
    ("type mismatch", step_delta(code_delta(0, "x")), ContentTypeMismatch),
    (
        "two types in one event",
        step_delta(function_delta(1, "a"), code_delta(1, "b")),
        ContentTypeMismatch,
    ),
    ("delta not object", {"id": STEP, "delta": [1]}, DeltaError),
    ("details not object", {"id": STEP, "delta": {"step_details": "x"}}, DeltaError),
    ("details type missing", {"id": STEP, "delta": {"step_details": {}}}, DeltaError),
    (
        "details type mismatch",
        {"id": STEP, "delta": {"step_details": {"type": "message_creation"}}},
        ContentTypeMismatch,
    ),
    (
        "tool_calls not array",
        {"id": STEP, "delta": {"step_details": {"type": "tool_calls", "tool_calls": {}}}},
        DeltaError,
    ),
    ("call not object", step_delta("x"), DeltaError),  # type: ignore[arg-type]
    ("arguments not string", step_delta(function_delta(0, 5)), DeltaError),  # type: ignore[arg-type]
    ("name not string", step_delta(function_delta(0, "", name=3)), DeltaError),
    (
        "function not object",
        step_delta({"index": 0, "type": "function", "function": 1}),
        DeltaError,
    ),
    ("input not string", step_delta(code_delta(2, 7)), DeltaError),  # type: ignore[arg-type]
    (
        "outputs not array",
        step_delta({"index": 2, "type": "code_interpreter", "code_interpreter": {"outputs": 1}}),
        DeltaError,
    ),
    ("output not object", step_delta(code_delta(2, None, "x")), DeltaError),  # type: ignore[arg-type]
    ("output index", step_delta(code_delta(2, None, {"index": -1, "type": "logs"})), InvalidIndex),
    ("output type missing", step_delta(code_delta(2, None, {"index": 0})), DeltaError),
    (
        "output type mismatch",
        step_delta(code_delta(3, None, {"index": 0, "type": "image"})),
        ContentTypeMismatch,
    ),
    (
        "output types in one event",
        step_delta(
            code_delta(2, None, {"index": 0, "type": "logs"}, {"index": 0, "type": "image"})
        ),
        ContentTypeMismatch,
    ),
    (
        "logs not string",
        step_delta(code_delta(2, None, {"index": 0, "type": "logs", "logs": 1})),
        DeltaError,
    ),
    (
        "image file id",
        step_delta(code_delta(2, None, {"index": 0, "type": "image", "image": {"file_id": 1}})),
        DeltaError,
    ),
    (
        "code_interpreter not object",
        step_delta({"index": 2, "type": "code_interpreter", "code_interpreter": 5}),
        DeltaError,
    ),
    (
        "file_search not object",
        step_delta({"index": 4, "type": "file_search", "file_search": []}),
        DeltaError,
    ),
    ("top-level field type", step_delta(usage="lots"), ValidationError),
    ("step id not string", {"id": 5, "delta": {}}, DeltaError),
]


@pytest.mark.parametrize(("name", "payload", "error"), BAD_DELTAS, ids=[b[0] for b in BAD_DELTAS])
def test_malformed_step_delta_raises_located_error(
    name: str, payload: dict[str, Any], error: type[DeltasnapError]
) -> None:
    """Each malformed step delta raises its own located error and changes nothing."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, "before", name="f")))
    reducer.apply(
        "thread.run.step.delta",
        step_delta(code_delta(3, "", {"index": 0, "type": "logs", "logs": "l"})),
    )
    before = steps(reducer)
    with pytest.raises(error) as info:
        reducer.apply("thread.run.step.delta", payload, event_number=7, byte_offset=123)
    err = info.value
    assert err.event_number == 7
    assert err.byte_offset == 123
    assert err.event == "thread.run.step.delta"
    assert err.message_id is None
    if payload.get("id") == STEP:
        assert err.step_id == STEP
        assert "step_id='step_1'" in str(err)
    assert steps(reducer) == before  # nothing accumulated is lost or half-applied
    assert reducer.reports == []


def test_error_names_the_tool_call() -> None:
    """A tool-call error says which tool call (and output) it is about."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply("thread.run.step.delta", step_delta(function_delta(2, "")))
    with pytest.raises(ContentTypeMismatch, match="tool call 2 is 'function'"):
        reducer.apply("thread.run.step.delta", step_delta(code_delta(2, "")))
    with pytest.raises(InvalidIndex, match="tool call 5 output index"):
        reducer.apply("thread.run.step.delta", step_delta(code_delta(5, None, {"index": "a"})))
    with pytest.raises(DeltaError, match=r"tool call 2: bad function delta: function\.arguments"):
        reducer.apply("thread.run.step.delta", step_delta(function_delta(2, [])))  # type: ignore[arg-type]


def test_bad_second_call_leaves_first_unapplied() -> None:
    """A delta with one good and one bad tool call changes nothing (validated before applied)."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    with pytest.raises(InvalidIndex):
        reducer.apply(
            "thread.run.step.delta",
            step_delta(function_delta(0, "good"), {"index": None, "type": "x"}),
        )
    assert calls_of(reducer) == []


def test_bad_step_and_run_objects() -> None:
    """Non-object data, a step or run of the wrong shape, or a run without an id, raise."""
    reducer = Reducer()
    with pytest.raises(InvalidJSON):
        reducer.apply("thread.run.step.delta", [1])
    with pytest.raises(ValidationError, match=r"step_details\.tool_calls") as info:
        reducer.apply(
            "thread.run.step.created",
            {**step_created(), "step_details": {"type": "tool_calls", "tool_calls": 1}},
        )
    assert info.value.step_id == STEP
    assert len(reducer.run_steps) == 0
    with pytest.raises(ValidationError, match="status"):
        reducer.apply("thread.run.queued", run_event(5))  # type: ignore[arg-type]
    with pytest.raises(DeltaError, match="run id"):
        reducer.apply("thread.run.queued", {"status": "queued"})
    reducer.apply("thread.run.step.created", step_created())
    with pytest.raises(ValidationError):
        reducer.apply("thread.run.step.in_progress", {**step_created(), "created_at": "x"})
    with pytest.raises(ValidationError):
        reducer.apply("thread.run.step.created", {**step_created(), "created_at": "x"})
    assert len(reducer.runs) == 1  # the step names run_1; the bad run events left no trace
    assert reducer.runs["run_1"].statuses == ()
    assert reducer.reports == []


# ------------------------------------------------------------------------- linear cost


def test_reading_steps_does_not_join_arguments(text_joins: JoinCounter) -> None:
    """Taking a step snapshot after every delta joins no text until the arguments are read."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    for i in range(2000):
        reducer.apply(
            "thread.run.step.delta",
            step_delta(
                function_delta(0, f"{i} "),
                code_delta(1, None, {"index": 0, "type": "logs", "logs": "."}),
            ),
        )
        assert reducer.run_steps[STEP].step_details  # snapshot built, text untouched
    assert text_joins.count == 0
    details = reducer.run_steps[STEP].step_details
    assert isinstance(details, ToolCallsStepDetails)
    call = details.tool_calls[0]
    assert isinstance(call, FunctionToolCall)
    assert call.function.arguments.endswith("1999 ")
    assert text_joins.count == 1


def test_untouched_calls_are_reused() -> None:
    """A delta to one tool call rebuilds only that call; the others are the same objects."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    outputs = [{"index": i, "type": "image", "image": {"file_id": f"f{i}"}} for i in range(200)]
    reducer.apply(
        "thread.run.step.delta", step_delta(code_delta(0, "x", *outputs), function_delta(1, "a"))
    )
    first = reducer.run_steps[STEP].step_details.tool_calls  # type: ignore[union-attr]
    reducer.apply("thread.run.step.delta", step_delta(function_delta(1, "b")))
    second = reducer.run_steps[STEP].step_details.tool_calls  # type: ignore[union-attr]
    assert first[0] is second[0]
    assert first[1] is not second[1]
    reducer.apply("thread.run.step.delta", step_delta(code_delta(0, "y")))
    third = reducer.run_steps[STEP].step_details.tool_calls  # type: ignore[union-attr]
    assert third[0].code_interpreter.outputs is second[0].code_interpreter.outputs  # type: ignore[union-attr]
    assert third[1] is second[1]


def test_run_view_follows_deltas_between_reads() -> None:
    """A run's view read after every event shows each message as it is then (the cached
    per-run lists rebuild only what changed, and regroup when a message changes run)."""
    acc = Accumulator()

    def feed(name: str, data: dict[str, Any]) -> None:
        acc.feed(f"event: {name}\ndata: {json.dumps(data)}\n\n")

    feed("thread.run.created", {"id": "run_1", "object": "thread.run", "status": "queued"})
    for mid in ("m1", "m2"):
        text = {"value": "", "annotations": []}
        message = {"id": mid, "run_id": "run_1", "content": [{"type": "text", "text": text}]}
        feed("thread.message.created", message)
    for piece in ("a", "b", "c"):
        for mid in ("m1", "m2"):
            text_delta = {"index": 0, "type": "text", "text": {"value": piece}}
            feed("thread.message.delta", {"id": mid, "delta": {"content": [text_delta]}})
            view = acc.runs["run_1"]
            assert view.messages == tuple(acc.messages.values())
            assert acc.run is not None and acc.run.messages == view.messages
    feed("thread.message.delta", {"id": "m2", "delta": {"run_id": "run_2"}})
    assert [m.id for m in acc.runs["run_1"].messages] == ["m1"]
    assert [m.id for m in acc.runs["run_2"].messages] == ["m2"]
    assert [m.content[0].text.value for m in acc.runs["run_1"].messages] == ["abc"]  # type: ignore[union-attr]


def test_a_change_is_told_only_to_the_cached_reads_that_hold_it() -> None:
    """With many runs read (each read caches its members), a message's change reaches only the
    caches of the runs holding it, so reading every run as a stream goes costs linear time
    (it used to reach every cache: quadratic over an archive fed as one stream)."""
    reducer = Reducer()
    for i in range(40):
        rid, mid = f"run_{i}", f"msg_{i}"
        reducer.apply("thread.run.created", {"id": rid, "object": "thread.run", "status": "queued"})
        reducer.apply(
            "thread.message.created",
            {"id": mid, "object": "thread.message", "role": "assistant", "run_id": rid},
        )
        assert [m.id for m in reducer.runs[rid].messages] == [mid]
    reducer.apply(
        "thread.message.delta",
        {
            "id": "msg_7",
            "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "x"}}]},
        },
    )
    watchers = reducer._ctx.watchers
    holding = [dirty for dirty in (d for ds in watchers.values() for d in ds) if dirty]
    assert len(holding) == 1  # only run_7's message cache collected the change
    assert reducer.runs["run_7"].messages[0].content[0].text.value == "x"  # type: ignore[union-attr]
