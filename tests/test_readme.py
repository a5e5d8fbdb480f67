"""The README's snippets run as written (against the local replay server) and its commands exist."""

from __future__ import annotations

import os
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from deltasnap.testing import ReplayServer

from conftest import stream_path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Use it with…", 1)[1].split("\n## ", 1)[0]
SNIPPETS = re.findall(r"```python\n(.*?)```", SECTION, re.S)


def test_section_has_the_seven_snippets() -> None:
    """httpx, httpx async, connect_sse, requests, openai SDK events, a file and aiohttp each have
    a snippet."""
    assert len(SNIPPETS) == 7


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    """The capture the snippets stream: two interleaved messages."""
    with ReplayServer(stream_path("two-messages"), chunk_size=32) as srv:
        yield srv


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_snippet_runs(
    index: int,
    server: ReplayServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each snippet, with only the port changed, runs and reduces the capture correctly."""
    code = SNIPPETS[index].replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
    shutil.copy(stream_path("two-messages"), tmp_path / "capture.sse")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme_snippet"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        exec(compile(code, f"README snippet {index}", "exec"), namespace)
    acc = namespace["acc"]
    assert list(acc.messages) == ["msg_a", "msg_b"]  # type: ignore[attr-defined]
    texts = [m.content[0].text.value for m in acc.messages.values()]  # type: ignore[attr-defined]
    assert texts == ["alpha beta gamma", "one two three"]
    capsys.readouterr()


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs exactly the README's test command."""
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
    assert "deltasnap replay --sample" in commands[0]
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
