"""An archive mixing every input form the batch reads, built from the real captures in tmp dirs."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

REAL = Path(__file__).resolve().parents[2] / "shared" / "real-captures"
TWO_BODY = "openai-dotnet__StreamingToolCall__run_D5jAS7GPAMpI3FFIfN0Wjner"
PLAIN = "openai-dotnet__StreamingRunWorks__run_3lbutJgnPRGY1BDfkjgm2IRR__create.sse"
CODE = "azure-sdk-assets__py-ai-agents__test_code_interpreter_tool_streaming.sse"
SEARCH = "azure-sdk-assets__py-ai-agents__test_azure_ai_search_tool_streaming.sse"
BING = "azure-sdk-assets__py-ai-agents__test_bing_grounding_tool_streaming.sse"
FAILED_RUN = (
    "azure-sdk-assets__go-azopenaiassistants__TestStreaming_SubmitToolOutputsAndRunStream__"
    "AzureOpenAI.sse"
)


def events(data: bytes) -> list[tuple[str, Any]]:
    """(event, parsed data) of a well-formed capture (done excluded), by a plain split."""
    out = []
    for block in data.decode("utf-8").replace("\r\n", "\n").split("\n\n"):
        name, lines = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                lines.append(line[5:].removeprefix(" "))
        if lines and name != "done":
            out.append((name, json.loads("\n".join(lines))))
    return out


def completed_copies(*bodies: bytes) -> dict[str, Any]:
    """Message id -> the server's last completed (or incomplete) copy, over the bodies."""
    copies: dict[str, Any] = {}
    for body in bodies:
        for name, data in events(body):
            if name in ("thread.message.completed", "thread.message.incomplete"):
                copies[data["id"]] = data
    return copies


def har(entries: list[tuple[str, str, bool]]) -> str:
    """A HAR file's text: one entry per (mime type, body, base64-encode it)."""
    out = []
    for mime, body, b64 in entries:
        content: dict[str, Any] = {"mimeType": mime, "size": len(body)}
        if b64:
            content.update(text=base64.b64encode(body.encode()).decode(), encoding="base64")
        else:
            content["text"] = body
        out.append(
            {
                "request": {"method": "POST", "url": "https://x/v1/threads/runs"},
                "response": {"status": 200, "content": content},
            }
        )
    return json.dumps({"log": {"version": "1.2", "entries": out}})


def build(root: Path) -> dict[str, Any]:
    """Write the mixed archive under ``root``; return what each capture must reduce to:
    capture name -> (expected status, expected messages by id)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nested").mkdir()
    plain = (REAL / PLAIN).read_bytes()
    code = (REAL / CODE).read_bytes()
    search = (REAL / SEARCH).read_bytes()
    bing = (REAL / BING).read_bytes()
    create = (REAL / f"{TWO_BODY}__create.sse").read_bytes()
    submit = (REAL / f"{TWO_BODY}__submit_tool_outputs.sse").read_bytes()
    expect: dict[str, Any] = {}

    def put(name: str, data: bytes, status: str, messages: dict[str, Any]) -> None:
        (root / name).write_bytes(data)
        expect[str(root / name)] = (status, messages)

    put("raw.sse", plain, "ok", completed_copies(plain))
    curl = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/2 200\r\ncontent-type: text/event-stream\r\n\r\n"
    put("curl.txt", curl + bing, "ok", completed_copies(bing))
    put("nested/code.sse.gz", gzip.compress(code), "ok", completed_copies(code))
    lines = [
        json.dumps({"event": n, "data": d if i % 2 else json.dumps(d)})
        for i, (n, d) in enumerate(events(search))
    ]
    put("search.jsonl", ("\n".join(lines) + "\n").encode(), "ok", completed_copies(search))
    put("failed-run.sse", (REAL / FAILED_RUN).read_bytes(), "ok", {})
    put("broken.gz", b"\x1f\x8bnot gzip at all", "failed", {})
    put("bad.jsonl", b'{"event": "thread.message.delta", "data": {}}\nnot json\n', "failed", {})
    put("cut.sse", plain[: len(plain) // 2], "problems", None)
    put("nested/create.sse", create, "ok", completed_copies(create))
    put("nested/submit_tool_outputs.sse", submit, "ok", completed_copies(submit))
    archive = har(
        [
            ("application/json", "{}", False),
            ("text/event-stream", plain.decode(), False),
            ("text/event-stream; charset=utf-8", code.decode(), True),
        ]
    )
    (root / "session.har").write_text(archive, encoding="utf-8")
    expect[f"{root / 'session.har'}#1"] = ("ok", completed_copies(plain))
    expect[f"{root / 'session.har'}#2"] = ("ok", completed_copies(code))
    (root / "notes.md").write_text("not a capture: a directory walk skips it\n")
    return expect
