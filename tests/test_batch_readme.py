"""The README's Archives section: its Python snippets run as written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import LocalCluster

from batch_archive import build

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Archives", 1)[1].split("\n## ", 1)[0]
SNIPPETS = re.findall(r"```python\n(.*?)```", SECTION, re.S)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a two-process LocalCluster standing in for a real one."""
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_section_has_its_snippets() -> None:
    """The section shows replay_many and the Dask recipe, and the batch command."""
    assert len(SNIPPETS) == 2
    assert "deltasnap batch archive/" in SECTION


def test_replay_many_snippet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The replay_many snippet runs over an archive and prints the captures not ok."""
    build(tmp_path / "archive")
    monkeypatch.chdir(tmp_path)
    exec(compile(SNIPPETS[0], "README Archives 0", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "failed" in out and "problems" in out and out.count("\n") == 3


def test_dask_snippet(
    tmp_path: Path,
    scheduler: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The Dask recipe runs against a cluster's scheduler address and counts messages."""
    build(tmp_path / "archive")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", scheduler)
    monkeypatch.setenv("ARCHIVE", str(tmp_path / "archive"))
    namespace: dict[str, object] = {"__name__": "readme"}
    exec(compile(SNIPPETS[1], "README Archives 1", "exec"), namespace)
    namespace["client"].close()  # type: ignore[attr-defined]
    assert "completed" in capsys.readouterr().out
