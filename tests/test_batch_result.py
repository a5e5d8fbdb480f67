"""deltasnap.batch.result: a capture's result and its JSON (the JSONL line)."""

from __future__ import annotations

import deltasnap
from deltasnap.batch import CaptureResult
from deltasnap.batch.result import run_state

from batch_archive import PLAIN, REAL


def test_result_json_shape_and_round_trip() -> None:
    """to_json has every field in the JSONL shape, objects in the API's JSON; from_json inverts."""
    acc = deltasnap.accumulate(REAL / PLAIN)
    result = CaptureResult.from_accumulator(("x.sse",), acc)
    obj = result.to_json()
    assert list(obj) == [
        "source",
        "run_id",
        "status",
        "messages",
        "run_steps",
        "run",
        "reports",
        "error",
    ]
    assert obj["status"] == "ok" and obj["error"] is None and obj["source"] == ["x.sse"]
    assert obj["messages"] == [deltasnap.unstructure(m) for m in acc.messages.values()]
    assert obj["run"]["object"] == "thread.run" and obj["run_id"] == obj["run"]["id"]
    assert obj["run_steps"][0]["object"] == "thread.run.step"
    assert CaptureResult.from_json(obj) == result


def test_problems_and_failed() -> None:
    """A truncated stream is 'problems' with its reports; an exception is 'failed' with it."""
    acc = deltasnap.accumulate((REAL / PLAIN).read_bytes()[:500])
    result = CaptureResult.from_accumulator(("cut",), acc)
    assert result.status == "problems"
    assert "truncated" in {r["kind"] for r in result.reports}
    failed = CaptureResult.failed(("bad",), ValueError("nope"))
    assert failed.to_json()["error"] == "ValueError: nope" and failed.status == "failed"


def test_run_state_without_a_run() -> None:
    """A stream naming no run gives no run object and no steps."""
    assert run_state(deltasnap.Accumulator()) == (None, {})
