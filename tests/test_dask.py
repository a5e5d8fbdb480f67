"""deltasnap.dask: the batch on a two-process distributed LocalCluster gives the CLI's rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from distributed import Client, LocalCluster

import deltasnap.dask
from deltasnap.batch.rows import MESSAGE_COLUMNS
from deltasnap.cli import main

from batch_archive import build


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A LocalCluster of two worker processes, one thread each."""
    with (
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _by_source(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["source"], r.get("message_id") or ""))


def test_bag_and_frame_match_the_cli(tmp_path: Path, client: Client) -> None:
    """read_captures gives the CLI's JSONL results and messages_frame its messages.parquet
    rows, computed on the cluster's two worker processes."""
    root = tmp_path / "a"
    build(root)
    out = tmp_path / "o.jsonl"
    assert main(["batch", str(root), "--out", str(out), "--jobs", "1"]) == 3
    assert (
        main(
            [
                "batch",
                str(root),
                "--out",
                str(tmp_path / "pq"),
                "--format",
                "parquet",
                "--jobs",
                "1",
            ]
        )
        == 3
    )
    cli = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    bag = deltasnap.dask.read_captures(str(root))
    results = bag.compute()
    key = lambda r: r["source"]  # noqa: E731
    assert sorted(results, key=key) == sorted(cli, key=key)
    frame = deltasnap.dask.messages_frame(bag)
    assert list(frame.columns) == list(MESSAGE_COLUMNS)
    got = frame.compute().astype(object).where(lambda f: f.notna(), None).to_dict("records")
    want = pq.read_table(tmp_path / "pq" / "messages.parquet").to_pylist()
    assert _by_source(got) == _by_source(want) and len(want) == 10
    assert len(client.scheduler_info()["workers"]) == 2


def test_join_runs_and_fsspec_urls(tmp_path: Path, client: Client) -> None:
    """join_runs joins the two-body run as the CLI does; paths may be fsspec URLs and globs."""
    root = tmp_path / "a"
    build(root)
    out = tmp_path / "o.jsonl"
    assert main(["batch", str(root), "--out", str(out), "--join-runs", "--jobs", "1"]) == 3
    cli = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    results = deltasnap.dask.read_captures(str(root), join_runs=True).compute()
    key = lambda r: r["source"]  # noqa: E731
    assert sorted(results, key=key) == sorted(cli, key=key)
    url = f"file://{root}/nested/*.sse"
    (joined,) = deltasnap.dask.read_captures(url, join_runs=True).compute()
    assert [Path(p).name for p in joined["source"]] == ["create.sse", "submit_tool_outputs.sse"]
