"""Run-step emission for ``generate_stream``: a function tool call whose ``arguments`` stream in
pieces, shaped like the run-steps capture."""

from __future__ import annotations

import random
from typing import Protocol

from ._gen_common import BASE_TS, JSONObject, encode

__all__ = ["StepOutput", "emit_run_step"]

_FUNCTIONS = ("get_weather", "lookup_order", "search_docs")


class StepOutput(Protocol):
    """What a run step is emitted into: the generator's random source, vocabulary and output."""

    rng: random.Random
    vocab: list[str]
    text_piece: tuple[int, int]

    def emit_obj(self, event: str, obj: JSONObject) -> None: ...

    def token(self, prefix: str, bits: int = 96) -> str: ...


def emit_run_step(out: StepOutput, ids: tuple[str, str, str]) -> JSONObject:
    """Emit a tool_calls run step whose function ``arguments`` stream in pieces."""
    rng = out.rng
    thread_id, run_id, assistant_id = ids
    step_id, call_id = out.token("step_"), out.token("call_")
    name = rng.choice(_FUNCTIONS)
    note = "".join(rng.choices(out.vocab, k=rng.randint(3, 12)))
    arguments = encode({"query": note, "limit": rng.randint(1, 50), "strict": True})

    def step(status: str, completed_at: int | None, calls: list[JSONObject]) -> JSONObject:
        return {
            "id": step_id,
            "object": "thread.run.step",
            "created_at": BASE_TS,
            "run_id": run_id,
            "assistant_id": assistant_id,
            "thread_id": thread_id,
            "type": "tool_calls",
            "status": status,
            "cancelled_at": None,
            "completed_at": completed_at,
            "expired_at": None,
            "failed_at": None,
            "last_error": None,
            "step_details": {"type": "tool_calls", "tool_calls": calls},
            "usage": None,
        }

    def delta(call: JSONObject) -> JSONObject:
        return {
            "id": step_id,
            "object": "thread.run.step.delta",
            "delta": {"step_details": {"type": "tool_calls", "tool_calls": [call]}},
        }

    out.emit_obj("thread.run.step.created", step("in_progress", None, []))
    first = {"name": name, "arguments": "", "output": None}
    out.emit_obj(
        "thread.run.step.delta",
        delta({"index": 0, "id": call_id, "type": "function", "function": first}),
    )
    lo, hi = out.text_piece
    at = 0
    while at < len(arguments):
        size = rng.randint(lo, hi)
        piece = arguments[at : at + size]
        at += size
        out.emit_obj(
            "thread.run.step.delta",
            delta({"index": 0, "type": "function", "function": {"arguments": piece}}),
        )
    final_call = {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments, "output": None},
    }
    done = step("completed", BASE_TS + 1, [final_call])
    out.emit_obj("thread.run.step.completed", done)
    return done
