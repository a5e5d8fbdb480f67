"""deltasnap.batch.writers and rows: JSON Lines and the three Parquet tables."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

import deltasnap
from deltasnap.batch import CaptureResult, replay_many
from deltasnap.batch.rows import MESSAGE_COLUMNS, RUN_COLUMNS, STEP_COLUMNS, message_rows, step_rows
from deltasnap.batch.writers import JsonlWriter, open_writer

from batch_archive import CODE, REAL, build


def _result(name: str) -> dict[str, object]:
    acc = deltasnap.accumulate(REAL / name)
    return CaptureResult.from_accumulator((name,), acc).to_json()


def test_jsonl_one_line_per_result(tmp_path: Path) -> None:
    """The JSONL writer writes each result as one JSON line, readable after close."""
    out = tmp_path / "o.jsonl"
    writer = JsonlWriter(str(out))
    writer.write(_result(CODE))
    writer.write({"source": ["x"], "status": "failed", "error": "\ud800"})
    writer.close()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and json.loads(lines[0]) == _result(CODE)


def test_message_and_step_rows() -> None:
    """Message rows join the text parts and count annotations; step rows list tool calls."""
    result = _result(CODE)
    rows = message_rows(result)
    assert [r["message_id"] for r in rows] == [m["id"] for m in result["messages"]]
    assert all(set(r) == set(MESSAGE_COLUMNS) for r in rows)
    assert rows[0]["text"] and rows[0]["role"] == "assistant"
    steps = step_rows(result)
    assert ["code_interpreter"] in [s["tool_call_types"] for s in steps]
    assert all(set(s) == set(STEP_COLUMNS) for s in steps)


def test_parquet_tables_have_the_columns(tmp_path: Path) -> None:
    """Parquet output is messages/runs/steps.parquet with the documented columns, a message row
    per message, a run row per result and a step row per step; pyarrow reads them back."""
    build(tmp_path / "a")
    results = [r.to_json() for r in replay_many(str(tmp_path / "a"), jobs=1)]
    writer = open_writer(str(tmp_path / "pq"), "parquet")
    for result in results:
        writer.write(result)
    writer.close()
    tables = {
        n: pq.read_table(tmp_path / "pq" / f"{n}.parquet") for n in ("messages", "runs", "steps")
    }
    assert tables["messages"].column_names == list(MESSAGE_COLUMNS)
    assert tables["runs"].column_names == list(RUN_COLUMNS)
    assert tables["steps"].column_names == list(STEP_COLUMNS)
    assert tables["messages"].num_rows == sum(len(r["messages"]) for r in results)
    assert tables["runs"].num_rows == len(results)
    assert tables["steps"].num_rows == sum(len(r["run_steps"]) for r in results)
    runs = tables["runs"].to_pylist()
    failed = [r for r in runs if r["result_status"] == "failed"]
    assert len(failed) == 2 and all(r["error"] for r in failed)
    done = [r for r in runs if r["status"] == "failed"]
    assert done and json.loads(done[0]["last_error"])["code"] == "rate_limit_exceeded"
    messages = tables["messages"].to_pylist()
    assert all(json.loads(m["message_json"])["id"] == m["message_id"] for m in messages)
