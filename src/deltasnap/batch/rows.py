"""Table rows from a result's JSON: one per message, per run and per run step (plain dicts, the
columns of ``messages.parquet``, ``runs.parquet`` and ``steps.parquet``)."""

from __future__ import annotations

from typing import Any

from .result import encode_json

__all__ = [
    "MESSAGE_COLUMNS",
    "RUN_COLUMNS",
    "STEP_COLUMNS",
    "message_rows",
    "run_rows",
    "step_rows",
]

# column name -> type ("string", "int", "strings" = a list of strings)
MESSAGE_COLUMNS: dict[str, str] = {
    "source": "string",
    "run_id": "string",
    "thread_id": "string",
    "message_id": "string",
    "assistant_id": "string",
    "role": "string",
    "status": "string",
    "created_at": "int",
    "completed_at": "int",
    "text": "string",
    "n_annotations": "int",
    "message_json": "string",
}
RUN_COLUMNS: dict[str, str] = {
    "source": "string",
    "result_status": "string",
    "error": "string",
    "run_id": "string",
    "thread_id": "string",
    "assistant_id": "string",
    "status": "string",
    "model": "string",
    "created_at": "int",
    "completed_at": "int",
    "prompt_tokens": "int",
    "completion_tokens": "int",
    "total_tokens": "int",
    "last_error": "string",
    "n_messages": "int",
    "n_steps": "int",
}
STEP_COLUMNS: dict[str, str] = {
    "source": "string",
    "run_id": "string",
    "step_id": "string",
    "type": "string",
    "status": "string",
    "created_at": "int",
    "completed_at": "int",
    "tool_call_types": "strings",
    "tool_names": "strings",
    "step_json": "string",
}


def source_name(result: dict[str, Any]) -> str:
    """The ``source`` column: the capture's name (the bodies of a joined run, one a line)."""
    return "\n".join(result["source"])


def message_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per message of a result."""
    source = source_name(result)
    rows = []
    for msg in result["messages"]:
        texts = [p["text"] for p in msg.get("content") or () if p.get("type") == "text"]
        rows.append(
            {
                "source": source,
                "run_id": msg.get("run_id") or result["run_id"],
                "thread_id": msg.get("thread_id"),
                "message_id": msg.get("id"),
                "assistant_id": msg.get("assistant_id"),
                "role": msg.get("role"),
                "status": msg.get("status"),
                "created_at": msg.get("created_at"),
                "completed_at": msg.get("completed_at"),
                "text": "\n".join(t.get("value") or "" for t in texts),
                "n_annotations": sum(len(t.get("annotations") or ()) for t in texts),
                "message_json": encode_json(msg),
            }
        )
    return rows


def run_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per result: its run's ids, status, model, usage and counts (a failed capture's
    row carries ``result_status`` and ``error`` only)."""
    run = result["run"] or {}
    usage = run.get("usage") or {}
    last_error = run.get("last_error")
    return [
        {
            "source": source_name(result),
            "result_status": result["status"],
            "error": result["error"],
            "run_id": result["run_id"],
            "thread_id": run.get("thread_id"),
            "assistant_id": run.get("assistant_id"),
            "status": run.get("status"),
            "model": run.get("model"),
            "created_at": run.get("created_at"),
            "completed_at": run.get("completed_at"),
            "prompt_tokens": usage.get("prompt_tokens"),
            "completion_tokens": usage.get("completion_tokens"),
            "total_tokens": usage.get("total_tokens"),
            "last_error": None if last_error is None else encode_json(last_error),
            "n_messages": len(result["messages"]),
            "n_steps": len(result["run_steps"]),
        }
    ]


def step_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per run step, with its tool calls' types and names."""
    source = source_name(result)
    rows = []
    for step in result["run_steps"]:
        details = step.get("step_details") or {}
        calls = details.get("tool_calls") or () if isinstance(details, dict) else ()
        names = []
        for call in calls:
            body = call.get(call.get("type")) if isinstance(call, dict) else None
            name = body.get("name") if isinstance(body, dict) else None
            names.append(name if isinstance(name, str) else call.get("name") or call.get("type"))
        rows.append(
            {
                "source": source,
                "run_id": step.get("run_id") or result["run_id"],
                "step_id": step.get("id"),
                "type": step.get("type"),
                "status": step.get("status"),
                "created_at": step.get("created_at"),
                "completed_at": step.get("completed_at"),
                "tool_call_types": [str(c.get("type")) for c in calls],
                "tool_names": [str(n) for n in names],
                "step_json": encode_json(step),
            }
        )
    return rows
