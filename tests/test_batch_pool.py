"""deltasnap.batch.pool: replay_many over processes, a dead worker failing only its capture."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from deltasnap.batch import CaptureResult, plan, replay_many
from deltasnap.batch.worker import CRASH_ENV

from batch_archive import PLAIN, REAL, build


def _check(results: list[CaptureResult], expect: dict[str, tuple[str, object]]) -> None:
    got = {r.source[0]: r for r in results}
    assert sorted(got) == sorted(expect)
    for name, (status, messages) in expect.items():
        assert got[name].status == status, (name, got[name].error)
        if messages is not None:
            assert {m["id"]: m for m in got[name].messages} == messages, name


@pytest.mark.parametrize("jobs", [1, 2])
def test_mixed_archive_one_result_per_capture(tmp_path: Path, jobs: int) -> None:
    """Every capture of a mixed archive (raw, curl -i, gzip, JSONL, HAR entries, broken, cut)
    gives one result, in or out of process; messages equal the server's completed copies."""
    expect = build(tmp_path / "a")
    _check(list(replay_many(str(tmp_path / "a"), jobs=jobs)), expect)


def test_results_are_an_iterator() -> None:
    """replay_many hands results over as they come (an iterator), not as a finished list."""
    results = replay_many([], jobs=2)
    assert inspect.isgenerator(results) and list(results) == []


def test_worker_death_fails_only_its_capture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A capture whose worker process dies (os._exit, as on MemoryError or the OOM killer) is
    failed with that reason; every other capture still gets its result."""
    expect = build(tmp_path / "a")
    monkeypatch.setenv(CRASH_ENV, "curl.txt")
    results = list(replay_many(str(tmp_path / "a"), jobs=2))
    dead = str(tmp_path / "a" / "curl.txt")
    expect[dead] = ("failed", None)
    _check(results, expect)
    (died,) = [r for r in results if r.source == (dead,)]
    assert died.error is not None and "worker process died" in died.error


def test_memory_error_fails_its_capture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A MemoryError while reducing one capture fails that capture, with the error named."""
    build(tmp_path / "a")

    def explode(*args: object, **kwargs: object) -> None:
        raise MemoryError("out of memory")

    monkeypatch.setattr("deltasnap.batch.worker.accumulate", explode)
    results = list(replay_many(str(tmp_path / "a" / "raw.sse"), jobs=1))
    assert [(r.status, r.error) for r in results] == [("failed", "MemoryError: out of memory")]


def test_unreadable_inputs_fail_first(tmp_path: Path) -> None:
    """An input that cannot be listed (a missing file) is a failed result, not an exception."""
    batch = plan([str(tmp_path / "missing.sse")])
    assert batch.total == 1 and batch.groups == ()
    (result,) = replay_many([str(tmp_path / "missing.sse")], jobs=2)
    assert result.status == "failed" and "FileNotFoundError" in (result.error or "")


def test_strict_and_ignore_completed_pass_through(tmp_path: Path) -> None:
    """strict=True fails a capture at its first bad event (lenient: 'problems');
    ignore_completed=True keeps the text the deltas built, not the server's copy."""
    good = (REAL / PLAIN).read_bytes()
    cut = good.index(b"event: thread.message.delta")
    (tmp_path / "bad.sse").write_bytes(
        good[:cut] + b"event: thread.message.delta\ndata: {nope\n\n" + good[cut:]
    )
    (lenient,) = replay_many(str(tmp_path / "bad.sse"), jobs=1)
    (strict,) = replay_many(str(tmp_path / "bad.sse"), jobs=1, strict=True)
    assert lenient.status == "problems" and strict.status == "failed"
    assert strict.error is not None and strict.error.startswith("InvalidJSON")
    edited = str(REAL / "simple-openai__threads_runssteps_delta.sse")
    (server,) = replay_many(edited, jobs=1)
    (deltas,) = replay_many(edited, jobs=1, ignore_completed=True)
    text = [m["content"][0]["text"]["value"] for m in (server.messages[0], deltas.messages[0])]
    assert len(text[1]) < len(text[0])
