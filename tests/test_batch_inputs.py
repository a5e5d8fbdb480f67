"""deltasnap.batch.inputs: finding captures, detecting their form, reading each form."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from deltasnap import InvalidJSON
from deltasnap.batch import inputs
from deltasnap.batch.inputs import (
    Capture,
    DecodedEvent,
    detect_format,
    expand_inputs,
    list_captures,
    read_items,
)

from batch_archive import PLAIN, REAL, build, har


def _bytes(capture: Capture) -> bytes:
    return b"".join(i for i in read_items(capture) if isinstance(i, bytes))


def test_detect_format_by_content() -> None:
    """Raw SSE, curl -i output, JSON Lines and HAR are told apart by their first bytes."""
    assert detect_format(b"event: thread.run.created\ndata: {}\n\n") == "sse"
    assert detect_format(b"HTTP/1.1 200 OK\r\n\r\nevent: x\n") == "sse"
    assert detect_format(b'{"event": "thread.run.created", "data": {}}\n{"event"') == "jsonl"
    assert detect_format(b'{\n  "log": {\n    "entries": []}}') == "har"
    assert detect_format(b'\xef\xbb\xbf{"log": {"entries": []}}') == "har"


def test_expand_inputs_walks_dirs_globs_and_stdin(tmp_path: Path) -> None:
    """Directories are walked recursively (capture-like names only), globs expand, '-' reads
    paths from stdin, and each path comes once."""
    build(tmp_path / "a")
    walked = list(expand_inputs([str(tmp_path / "a")]))
    assert str(tmp_path / "a" / "nested" / "code.sse.gz") in walked
    assert not any(p.endswith("notes.md") for p in walked)
    globbed = list(expand_inputs([str(tmp_path / "a" / "*.jsonl")]))
    assert [Path(p).name for p in globbed] == ["bad.jsonl", "search.jsonl"]
    stdin = io.StringIO(f"{tmp_path / 'a' / 'raw.sse'}\n\n{tmp_path / 'a' / 'raw.sse'}\n")
    assert list(expand_inputs(["-", str(tmp_path / "a" / "raw.sse")], stdin)) == [
        str(tmp_path / "a" / "raw.sse")
    ]


def test_curl_headers_are_skipped(tmp_path: Path) -> None:
    """curl -i output (with a 100 Continue block first) reads as the bare body."""
    body = (REAL / PLAIN).read_bytes()
    path = tmp_path / "c.txt"
    path.write_bytes(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nX: y\n\n" + body)
    (capture,) = list_captures([str(path)])
    assert isinstance(capture, Capture) and capture.format == "sse"
    assert _bytes(capture) == body


def test_gzip_is_read_decompressed(tmp_path: Path) -> None:
    """A gzip file is detected by its magic number, whatever its name, and read decompressed."""
    body = (REAL / PLAIN).read_bytes()
    path = tmp_path / "capture.bin"
    path.write_bytes(gzip.compress(body))
    (capture,) = list_captures([str(path)])
    assert isinstance(capture, Capture) and _bytes(capture) == body


def test_jsonl_events_take_object_or_text_data(tmp_path: Path) -> None:
    """JSON Lines give decoded events; data may be an object or JSON text; blank lines skip."""
    path = tmp_path / "e.jsonl"
    lines = [{"event": "a", "data": {"x": 1}}, {"event": "b", "data": '{"y": 2}'}]
    path.write_text("\n".join(json.dumps(o) for o in lines) + "\n\n")
    (capture,) = list_captures([str(path)])
    assert isinstance(capture, Capture) and capture.format == "jsonl"
    assert list(read_items(capture)) == [DecodedEvent("a", {"x": 1}), DecodedEvent("b", '{"y": 2}')]


def test_bad_jsonl_line_names_its_line(tmp_path: Path) -> None:
    """A line that is not an event object raises InvalidJSON naming the file and line."""
    path = tmp_path / "e.jsonl"
    path.write_text('{"event": "a", "data": {}}\n[1]\n')
    (capture,) = list_captures([str(path)], input_format="jsonl")
    assert isinstance(capture, Capture)
    with pytest.raises(InvalidJSON, match="line 2"):
        list(read_items(capture))


def test_har_event_stream_entries_are_captures(tmp_path: Path) -> None:
    """Each text/event-stream entry of a HAR file is a capture named PATH#N (N its entry
    index); base64-encoded bodies are decoded."""
    path = tmp_path / "s.har"
    path.write_text(
        har(
            [
                ("application/json", "{}", False),
                ("text/event-stream", "data: 1\n\n", False),
                ("text/event-stream", "data: 2\n\n", True),
            ]
        )
    )
    captures = list(list_captures([str(path)]))
    assert [c.name for c in captures if isinstance(c, Capture)] == [f"{path}#1", f"{path}#2"]
    assert [_bytes(c) for c in captures if isinstance(c, Capture)] == [
        b"data: 1\n\n",
        b"data: 2\n\n",
    ]


def test_har_file_is_parsed_once_for_all_its_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading every entry of a HAR file parses the file once (not once per entry: quadratic in
    a big HAR); a rewritten file is read again."""
    path = tmp_path / "many.har"
    path.write_text(har([("text/event-stream", f"data: {i}\n\n", False) for i in range(50)]))
    loads = []
    real = inputs._load_har

    def counted(name: str, opener: inputs.Opener) -> list[Any]:
        loads.append(name)
        return real(name, opener)

    monkeypatch.setattr(inputs, "_load_har", counted)
    captures = [c for c in list_captures([str(path)]) if isinstance(c, Capture)]
    assert [_bytes(c) for c in captures] == [f"data: {i}\n\n".encode() for i in range(50)]
    assert loads == [str(path)]
    path.write_text(har([("text/event-stream", "data: new\n\n", False)]))
    assert _bytes(Capture(str(path), "har", entry=0)) == b"data: new\n\n"
    assert loads == [str(path), str(path)]


def test_unlistable_inputs_come_back_as_errors(tmp_path: Path) -> None:
    """A missing file or a HAR file without entries is returned as (path, error), not raised."""
    missing = str(tmp_path / "missing.sse")
    bad_har = tmp_path / "x.har"
    bad_har.write_text('{"log": {}}')
    items = list(list_captures([missing, str(bad_har)]))
    assert [(p, type(e).__name__) for p, e in items] == [
        (missing, "FileNotFoundError"),
        (str(bad_har), "InvalidJSON"),
    ]


def test_input_format_is_checked() -> None:
    """An unknown --input-format is a ValueError."""
    with pytest.raises(ValueError, match="input_format"):
        list(list_captures(["x"], input_format="xml"))
