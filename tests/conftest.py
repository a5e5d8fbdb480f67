"""Shared fixtures: the reference example streams and a tiny reader for them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# No hypothesis deadline anywhere: on a shared, loaded machine a per-example time limit only
# flakes (tests never assert on time; performance lives in benchmarks/ as ratios).
settings.register_profile("deltasnap", deadline=None)
settings.load_profile("deltasnap")

_SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "streams"
_LOCAL = Path(__file__).resolve().parent / "data" / "streams"
STREAMS_DIR = _SHARED if _SHARED.is_dir() else _LOCAL
STREAM_NAMES = sorted(p.stem for p in STREAMS_DIR.glob("*.sse"))
MESSAGE_STREAMS = [n for n in STREAM_NAMES if n != "run-steps"]


def stream_path(name: str) -> Path:
    """Path of a reference capture."""
    return STREAMS_DIR / f"{name}.sse"


def expected(name: str) -> dict[str, Any]:
    """The final objects by id that a reference capture must reduce to."""
    return json.loads((STREAMS_DIR / f"{name}.expected.json").read_text(encoding="utf-8"))


def simple_events(name: str) -> list[tuple[str, Any]]:
    """(event, parsed data) pairs of a well-formed capture, without the SSE decoder."""
    text = stream_path(name).read_text(encoding="utf-8").replace("\r\n", "\n")
    out: list[tuple[str, Any]] = []
    for block in text.split("\n\n"):
        event, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data and event != "done":
            out.append((event, json.loads("\n".join(data))))
    return out


@pytest.fixture(params=MESSAGE_STREAMS)
def message_stream(request: pytest.FixtureRequest) -> str:
    """Each reference capture that carries messages."""
    return str(request.param)


class JoinCounter:
    """How many times TextBuffer.text() ran (each read of streamed text joins at most once)."""

    count = 0


@pytest.fixture
def text_joins(monkeypatch: pytest.MonkeyPatch) -> JoinCounter:
    """Count TextBuffer.text() calls for the rest of the test."""
    from deltasnap._text import TextBuffer

    counter = JoinCounter()
    original = TextBuffer.text

    def counting(self: TextBuffer, length: int | None = None) -> str:
        counter.count += 1
        return original(self, length)

    monkeypatch.setattr(TextBuffer, "text", counting)
    return counter


@pytest.fixture(params=[True, False], ids=["shortcut-on", "shortcut-off"])
def shortcut(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run the test with the shortcuts (text deltas, refusal and tool-call pieces) on and off
    (``Accumulator._use_shortcut``)."""
    from deltasnap import Accumulator

    monkeypatch.setattr(Accumulator, "_use_shortcut", request.param)
    return bool(request.param)
