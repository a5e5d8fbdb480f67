"""summarize(): a readable account of runs, statuses, messages and tool calls."""

from __future__ import annotations

from typing import Any

from deltasnap import Reducer, summarize

from conftest import simple_events
from strategies import (
    code_delta,
    function_delta,
    run_event,
    step_created,
    step_delta,
    two_segment_run,
)


def reduce(events: list[tuple[str, Any]]) -> Reducer:
    """A reducer that has applied every event."""
    reducer = Reducer()
    for event, data in events:
        reducer.apply(event, data)
    return reducer


def message(mid: str, *content: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A complete assistant message with the given content blocks."""
    return {
        "id": mid,
        "object": "thread.message",
        "created_at": 1,
        "assistant_id": "asst_1",
        "thread_id": "thread_1",
        "run_id": "run_1",
        "status": "completed",
        "incomplete_details": None,
        "completed_at": 2,
        "incomplete_at": None,
        "role": "assistant",
        "content": list(content),
        "attachments": [],
        "metadata": {},
        **fields,
    }


def test_reference_run_steps_summary() -> None:
    """The run-steps capture reads as its status sequence and the function call."""
    text = summarize(reduce(simple_events("run-steps")))
    assert text == (
        "run run_1: created → requires_action\n"
        "  step step_1 (tool_calls) [completed]\n"
        '    get_weather({"location": "Paris"})\n'
    )


def test_two_segment_run_summary() -> None:
    """A run continued after requires_action reads as one run: statuses, call → output, reply."""
    first, second = two_segment_run()
    text = summarize(reduce(first + second))
    assert text == (
        "run run_1: queued → in_progress → requires_action → queued → in_progress → completed\n"
        "  usage: 10 prompt + 5 completion = 15 tokens\n"
        "  step step_1 (tool_calls) [completed]\n"
        '    get_weather({"city": "Paris"}) → 21C\n'
        "  assistant: It is 21C.\n"
    )


def test_paused_run_shows_required_action() -> None:
    """A run waiting for tool outputs says which calls it waits for."""
    first, _ = two_segment_run()
    text = summarize(reduce(first))
    assert "requires action: submit_tool_outputs: get_weather (call_1)" in text


def test_code_interpreter_and_file_search() -> None:
    """Code input and logs are shown as blocks, images by file id, file_search by results."""
    reducer = Reducer()
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply(
        "thread.run.step.delta",
        step_delta(
            code_delta(
                0,
                "x = 1\nprint(x)",
                {"index": 0, "type": "logs", "logs": "1\n"},
                {"index": 1, "type": "image", "image": {"file_id": "file-plot"}},
            ),
            {
                "index": 1,
                "type": "file_search",
                "file_search": {
                    "results": [{"file_id": "file-a", "file_name": "a.pdf", "score": 0.5}]
                },
            },
            {"index": 2, "type": "file_search", "file_search": {}},
            {"index": 3, "type": "web", "query": "q"},
        ),
    )
    assert summarize(reducer) == (
        "run run_1: (no run events)\n"
        "  step step_1 (tool_calls) [in_progress]\n"
        "    code_interpreter:\n"
        "      | x = 1\n"
        "      | print(x)\n"
        "      logs:\n"
        "      | 1\n"
        "      [image file-plot]\n"
        "    file_search: 1 result\n"
        "      - a.pdf (file-a) score 0.5\n"
        "    file_search\n"
        '    web tool call: {"type":"web","query":"q"}\n'
    )


def test_messages_images_refusals_and_incomplete() -> None:
    """Messages show role and text; images as [image …]; refusals and incompleteness are marked."""
    rich = message(
        "msg_1",
        {"type": "text", "text": {"value": "two\nlines", "annotations": []}},
        {"type": "image_file", "image_file": {"file_id": "file-1"}},
        {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        {"type": "audio", "audio": {}},
    )
    refused = message(
        "msg_2",
        {"type": "refusal", "refusal": "No."},
        status="incomplete",
        incomplete_details={"reason": "content_filter"},
    )
    user = message("msg_0", run_id=None, role="user", status="in_progress")
    reducer = reduce(
        [
            ("thread.message.created", user),
            ("thread.message.completed", rich),
            ("thread.message.incomplete", refused),
        ]
    )
    assert summarize(reducer) == (
        "run run_1: (no run events)\n"
        "  user (in progress): (no content)\n"
        "  assistant: two\n"
        "    lines\n"
        "    [image file-1]\n"
        "    [image https://x/y.png]\n"
        "    [audio]\n"
        "  assistant (incomplete: content_filter): [refusal] No.\n"
    )


def test_failed_run_and_step() -> None:
    """A failed run shows its error; a failed step shows its own."""
    reducer = Reducer()
    reducer.apply("thread.run.in_progress", run_event("in_progress"))
    reducer.apply("thread.run.step.created", step_created())
    reducer.apply("thread.run.step.delta", step_delta(function_delta(0, "{}", name="f")))
    failed = {
        **step_created(),
        "status": "failed",
        "last_error": {"code": "server_error", "message": "oops"},
    }
    failed["step_details"]["tool_calls"] = [
        {
            "id": None,
            "type": "function",
            "function": {"name": "f", "arguments": "{}", "output": None},
        }
    ]
    reducer.apply("thread.run.step.failed", failed)
    reducer.apply(
        "thread.run.failed",
        run_event("failed", last_error={"code": "rate_limit_exceeded", "message": "slow down"}),
    )
    assert summarize(reducer) == (
        "run run_1: in_progress → failed\n"
        "  error: rate_limit_exceeded: slow down\n"
        "  step step_1 (tool_calls) [failed] (server_error: oops)\n"
        "    f({})\n"
    )


def test_messages_without_runs_and_empty() -> None:
    """Without any run ids the messages are listed alone; nothing at all says so."""
    assert summarize(Reducer()) == "(nothing: no runs, steps or messages)\n"
    lone = message("m", {"type": "text", "text": {"value": "hi", "annotations": []}}, run_id=None)
    assert summarize(reduce([("thread.message.completed", lone)])) == "assistant: hi\n"


def test_shared_messages_show_once() -> None:
    """A message that names no run is shown once, under the first run."""
    lone = message("m", {"type": "text", "text": {"value": "hi", "annotations": []}}, run_id=None)
    reducer = reduce(
        [
            ("thread.run.created", run_event("queued", "run_a")),
            ("thread.run.created", run_event("queued", "run_b")),
            ("thread.message.completed", lone),
        ]
    )
    assert summarize(reducer) == "run run_a: queued\n  assistant: hi\n\nrun run_b: queued\n"


def test_message_creation_steps() -> None:
    """A message-creation step shows its message (and its status unless completed)."""
    hello = message("msg_1", {"type": "text", "text": {"value": "hi", "annotations": []}})
    reducer = reduce(
        [
            (
                "thread.run.step.created",
                step_created(type="message_creation", message_creation={"message_id": "msg_1"}),
            ),
            ("thread.message.completed", hello),
            (
                "thread.run.step.created",
                step_created("step_2", type="message_creation", message_creation={}),
            ),
        ]
    )
    assert summarize(reducer) == (
        "run run_1: (no run events)\n"
        "  assistant: hi\n"
        "    (step step_1 in_progress)\n"
        "  step step_2: message ? not in the stream [in_progress]\n"
    )


def test_unknown_details_outputs_and_stray_steps() -> None:
    """Unknown step details and outputs are shown compactly; an incomplete run says why."""
    reducer = Reducer()
    reducer.apply(
        "thread.run.incomplete",
        run_event("incomplete", incomplete_details={"reason": "max_prompt_tokens"}),
    )
    reducer.apply("thread.run.step.created", step_created(run_id="run_1"))
    reducer.apply(
        "thread.run.step.delta",
        step_delta(code_delta(0, "", {"index": 0, "type": "table", "rows": [1]})),
    )
    reducer.apply("thread.run.step.created", step_created("step_2", type="handoff", to="b"))
    reducer.apply("thread.run.step.delta", step_delta(sid="step_3", usage=None))
    assert summarize(reducer) == (
        "run run_1: incomplete\n"
        "  incomplete: max_prompt_tokens\n"
        "  step step_1 (tool_calls) [in_progress]\n"
        "    code_interpreter:\n"
        '      [table output] {"type":"table","rows":[1]}\n'
        "  step step_2 (handoff) [in_progress]\n"
        '    {"type":"handoff","to":"b"}\n'
        "  step step_3 (unknown) [status unknown]\n"
    )
