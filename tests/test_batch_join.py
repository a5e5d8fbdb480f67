"""deltasnap.batch.join: the bodies of one run grouped and ordered by their events' time."""

from __future__ import annotations

from pathlib import Path

import pytest

from deltasnap.batch import replay_many
from deltasnap.batch.inputs import Capture
from deltasnap.batch.join import RunScan, group_runs, scan_capture

from batch_archive import REAL, completed_copies

PAIRS = sorted(
    p.name.removesuffix("__create.sse")
    for p in REAL.glob("*__create.sse")
    if (REAL / p.name.replace("__create.sse", "__submit_tool_outputs.sse")).exists()
)


def test_there_are_two_body_captures() -> None:
    """The shared real captures hold the two-body runs these tests join."""
    assert len(PAIRS) >= 4


@pytest.mark.parametrize("stem", PAIRS)
def test_scan_finds_the_run_and_its_time(stem: str) -> None:
    """Both bodies of a run name the same run id; the first body's events come first."""
    first = scan_capture(Capture(str(REAL / f"{stem}__create.sse"), "sse"))
    second = scan_capture(Capture(str(REAL / f"{stem}__submit_tool_outputs.sse"), "sse"))
    assert first.run_id == second.run_id is not None
    assert first.run_id in stem
    assert (first.first, first.last) <= (second.first, second.last)


def test_group_runs_orders_by_time_then_name() -> None:
    """Bodies are ordered by their earliest then latest timestamp, then by name; captures with
    no run id stay alone, in order of first appearance."""
    a, b, c, d = (Capture(n, "sse") for n in "abcd")
    scans = [RunScan(b, "run_1", 5, 9), RunScan(c), RunScan(a, "run_1", 5, 7), RunScan(d)]
    assert group_runs(scans) == [(a, b), (c,), (d,)]
    tie = [RunScan(b, "run_1", 5, 7), RunScan(a, "run_1", 5, 7)]
    assert group_runs(tie) == [(a, b)]


def test_joined_runs_give_the_servers_messages(tmp_path: Path) -> None:
    """With join_runs, each two-body run gives one result with both sources in order, whose
    messages equal the server's completed copies and whose run completed, with no problems."""
    for stem in PAIRS:
        for part in ("create", "submit_tool_outputs"):
            (tmp_path / f"{stem}__{part}.sse").symlink_to(REAL / f"{stem}__{part}.sse")
    results = list(replay_many(str(tmp_path), jobs=2, join_runs=True))
    assert len(results) == len(PAIRS)
    for result in results:
        create, submit = result.source
        assert create.endswith("__create.sse") and submit.endswith("__submit_tool_outputs.sse")
        bodies = [Path(p).read_bytes() for p in result.source]
        assert {m["id"]: m for m in result.messages} == completed_copies(*bodies)
        assert result.status == "ok" and result.run is not None
        assert result.run["status"] == "completed"
        assert "completed_unknown" not in {r["kind"] for r in result.reports}
        assert len(result.run_steps) == 2
