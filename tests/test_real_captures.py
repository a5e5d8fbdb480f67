"""Every real server capture, reduced: the server's completed copies, no warning on a clean stream,
strict mode, any chunking, runs over several bodies, unterminated last events.

The captures live beside the checkout in ``../shared/real-captures/`` (see its README for where
each one came from); they are read from there, never copied into the repository.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import deltasnap
from deltasnap import Accumulator, accumulate, unstructure

CAPTURES = Path(__file__).resolve().parents[2] / "shared" / "real-captures"
NAMES = sorted(p.name for p in CAPTURES.glob("*.sse"))
SRC = Path(deltasnap.__file__).resolve().parents[1]

# Two bodies of one run: before and after submit_tool_outputs.
PAIRS = [
    (name, name.replace("__create.sse", "__submit_tool_outputs.sse"))
    for name in NAMES
    if name.endswith("__create.sse")
    and name.replace("__create.sse", "__submit_tool_outputs.sse") in NAMES
]
# Captures that are not clean real streams, and the warnings they must give (README there):
# the recorder's or the fixture authors' edits, a cut `done`, a server error.
NOT_CLEAN = {
    # the sanitizer replaced a file id in the completed copy's code input only
    "azure-sdk-assets__py-ai-agents__test_code_interpreter_tool_streaming.sse": {
        "completed_differs"
    },
    # message deltas cut to 3 pieces by the fixture authors; completed copy has the full text
    "simple-openai__threads_runssteps_delta.sse": {"completed_differs"},
    # ends with `event: done` without a data line: no done is dispatched
    "openai-php__ThreadRunStreamResponse__reframed.sse": {"truncated"},
    # a composite cut mid-message, ending with the server's error event
    "simple-openai__threads_runs_create_stream_error_1.sse": {"server_error", "truncated"},
}
# Where those edits show, as the paths completed_differs names.
EDITED_PATHS = {
    "azure-sdk-assets__py-ai-agents__test_code_interpreter_tool_streaming.sse": {
        "step_details.tool_calls[0].code_interpreter.input"
    },
    "simple-openai__threads_runssteps_delta.sse": {
        "content[0].text.value",
        "content[0].text.annotations",
    },
}
MODES = [
    pytest.param(strict, use_completed, id=f"{'strict' if strict else 'lenient'}-uc{use_completed}")
    for strict in (False, True)
    for use_completed in (True, False)
]
FINAL_MESSAGE = ("thread.message.completed", "thread.message.incomplete")
FINAL_STEP = tuple(f"thread.run.step.{s}" for s in ("completed", "failed", "cancelled", "expired"))


def _path(name: str) -> Path:
    return CAPTURES / name


def _finals(acc: Accumulator, events: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The server's last final copy of each object, from the kept events."""
    return {e.data["id"]: e.data for e in acc.events if e.event in events}


def _never_streamed(value: Any) -> Any:
    """``value`` without what the server never streams: function outputs, file_search results,
    an activities step's contents, an empty file_citation quote (the test's own statement of it)."""
    if isinstance(value, list):
        return [_never_streamed(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: _never_streamed(v) for k, v in value.items()}
    kind = out.get("type")
    if kind == "function" and isinstance(out.get("function"), dict):
        out["function"] = {k: v for k, v in out["function"].items() if k != "output"}
    if kind == "file_search" and isinstance(out.get("file_search"), dict):
        out["file_search"] = {k: v for k, v in out["file_search"].items() if k != "results"}
    if kind == "activities":
        out.pop("activities", None)
    if kind == "file_citation" and isinstance(out.get("file_citation"), dict):
        citation = out["file_citation"]
        out["file_citation"] = {k: v for k, v in citation.items() if not (k == "quote" and not v)}
    return out


def _snapshots(acc: Accumulator) -> tuple[Any, Any]:
    return (
        {k: unstructure(v) for k, v in acc.messages.items()},
        {k: unstructure(v) for k, v in acc.run_steps.items()},
    )


def test_the_captures_are_there() -> None:
    """The real-capture folder is beside the checkout, with all 31 captures and 5 two-body runs."""
    assert len(NAMES) == 31
    assert len(PAIRS) == 5


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("strict", [False, True])
def test_deltas_reduce_to_the_servers_completed_copies(name: str, strict: bool) -> None:
    """With use_completed=False (deltas only), every message and step equals the server's final
    copy except for data the server never streams (and the known edits of two fixtures)."""
    acc = accumulate(_path(name), use_completed=False, strict=strict)
    edited = EDITED_PATHS.get(name, set())
    for events, snapshots, key in (
        (FINAL_MESSAGE, acc.messages, "content"),
        (FINAL_STEP, acc.run_steps, "step_details"),
    ):
        for oid, final in _finals(acc, events).items():
            ours = _never_streamed(unstructure(snapshots[oid])[key])
            theirs = _never_streamed(
                unstructure(deltasnap.structure(final, type(snapshots[oid])))[key]
            )
            if not any(p.startswith(key) for p in edited):
                assert ours == theirs, (name, oid)
    differs = {
        d.split(":")[0] for r in acc.reports if r.kind == "completed_differs" for d in r.details
    }
    assert differs == edited


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("strict", "use_completed"), MODES)
def test_no_warning_on_a_clean_stream(name: str, strict: bool, use_completed: bool) -> None:
    """Strict mode accepts every genuine capture; a clean one gives informational reports only,
    the others exactly the warnings their edits call for."""
    acc = accumulate(_path(name), strict=strict, use_completed=use_completed)
    warnings = {r.kind for r in acc.reports if r.severity != "info"}
    assert warnings == NOT_CLEAN.get(name, set()), [r.reason for r in acc.reports]
    if name not in NOT_CLEAN:
        assert acc.done and not acc.truncated


@pytest.mark.parametrize("name", NAMES)
def test_byte_at_a_time_changes_nothing(name: str) -> None:
    """Feeding one byte at a time gives the same snapshots and reports as feeding it whole."""
    data = _path(name).read_bytes()
    whole = accumulate(data, use_completed=False)
    acc = Accumulator(use_completed=False)
    for i in range(len(data)):
        acc.feed(data[i : i + 1])
    acc.close()
    assert _snapshots(acc) == _snapshots(whole)
    assert list(acc.reports) == list(whole.reports)
    assert acc.event_counts == whole.event_counts


@pytest.mark.parametrize(("create", "submit"), PAIRS)
@pytest.mark.parametrize(("strict", "use_completed"), MODES)
def test_two_bodies_reduce_as_one_run(
    create: str, submit: str, strict: bool, use_completed: bool
) -> None:
    """accumulate(body1, body2) reduces both bodies of a run in order: one run, through
    requires_action to completed; the outputs the client set come only in the final copy."""
    acc = accumulate(_path(create), _path(submit), strict=strict, use_completed=use_completed)
    [run] = acc.runs.values()
    assert run.statuses[-1] == "completed" and "requires_action" in run.statuses
    assert {r.kind for r in acc.reports if r.severity != "info"} == set()
    adds = [r for r in acc.reports if r.kind == "completed_adds"]
    assert [d.split(":")[0] for r in adds for d in r.details] == [
        "step_details.tool_calls[0].function.output"
    ]
    [call] = run.steps[0].step_details.tool_calls  # type: ignore[union-attr]
    assert (call.function.output is not None) is use_completed  # type: ignore[union-attr]
    # the second body fed alone: a final copy of an unseen step is complete data, strict too
    alone = accumulate(_path(submit), strict=strict, use_completed=use_completed)
    assert "completed_unknown" in {r.kind for r in alone.reports}
    assert _snapshots(alone)[0] == _snapshots(acc)[0]


@pytest.mark.parametrize(("create", "submit"), PAIRS[:1])
def test_updates_continue_after_a_body_ended(create: str, submit: str) -> None:
    """updates() and aupdates() go on with the next body after the last one ended (no
    ``receive() after close()``); each body ends with one end update."""
    acc = Accumulator(strict=True)
    first = list(acc.updates(_path(create).read_bytes()))
    second = list(acc.updates(_path(submit).read_bytes()))
    assert [u.kind for u in first + second].count("end") == 2
    expected = accumulate(_path(create), _path(submit))
    assert _snapshots(acc) == _snapshots(expected)

    async def run() -> Accumulator:
        acc = Accumulator(strict=True)
        for name in (create, submit):
            async for _ in acc.aupdates([_path(name).read_bytes()]):
                pass
        return acc

    assert _snapshots(asyncio.run(run())) == _snapshots(expected)
    both = asyncio.run(deltasnap.aaccumulate(_path(create), _path(submit)))
    assert _snapshots(both) == _snapshots(expected)


@pytest.mark.parametrize(("create", "submit"), PAIRS[:1])
def test_cli_replays_several_bodies(create: str, submit: str) -> None:
    """``deltasnap replay a.sse b.sse`` prints the same messages as accumulate(a, b)."""
    command = [sys.executable, "-m", "deltasnap", "replay", "--strict", "--indent", "0"]
    result = subprocess.run(
        [*command, str(_path(create)), str(_path(submit))],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    expected = accumulate(_path(create), _path(submit))
    assert json.loads(result.stdout) == _snapshots(expected)[0]


def test_run_completed_event_with_incomplete_data() -> None:
    """A v2 ``thread.run.completed`` event whose data says ``"status": "incomplete"``
    (max_prompt_tokens): the data wins over the event name."""
    name = "ruby-openai__runs_streamed_create__run_B5f5IVSEP7Sa7tif3hCrtSbo.sse"
    acc = accumulate(_path(name), strict=True)
    assert acc.run is not None
    assert acc.run.run.status == "incomplete"
    assert acc.run.run.incomplete_details is not None
    assert acc.run.run.incomplete_details.reason == "max_prompt_tokens"


SIMPLE_OPENAI = [n for n in NAMES if n.startswith("simple-openai__")]


@pytest.mark.parametrize("name", SIMPLE_OPENAI)
def test_unterminated_last_event_is_dispatched(name: str) -> None:
    """Files saved without a final newline end with their done (or error) event, applied with an
    informational unterminated_event report; dispatch_unterminated=False drops it (WHATWG)."""
    acc = accumulate(_path(name))
    [report] = [r for r in acc.reports if r.kind == "unterminated_event"]
    assert report.severity == "info"
    whatwg = accumulate(_path(name), dispatch_unterminated=False)
    assert "truncated_event" in {r.kind for r in whatwg.reports}
    if "error" in name:
        assert acc.server_errors and not whatwg.server_errors
        assert "The server had an error" in acc.server_errors[0].reason
    else:
        assert acc.done and not acc.truncated
        assert not whatwg.done and whatwg.truncated
