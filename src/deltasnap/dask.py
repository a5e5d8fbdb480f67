"""The batch on a Dask cluster: ``read_captures`` gives a bag of result dicts (the JSONL lines of
``deltasnap batch``), ``messages_frame`` the ``messages.parquet`` table as a Dask DataFrame.
Paths are fsspec URLs (local paths, ``s3://bucket/archive/**.sse``, ...). Needs the ``dask``
extra: ``pip install 'deltasnap-assistants[dask]'``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .batch.extras import require
from .batch.inputs import WALKED_SUFFIXES, Capture, Opener, list_captures
from .batch.join import RunScan, group_runs, scan_capture
from .batch.result import CaptureResult
from .batch.rows import MESSAGE_COLUMNS, message_rows
from .batch.worker import Options, reduce_group

__all__ = ["messages_frame", "read_captures"]

_dask = require("dask", "dask", "deltasnap.dask")
_db = require("dask.bag", "dask", "deltasnap.dask")
_dd = require("dask.dataframe", "dask", "deltasnap.dask")
_fsspec = require("fsspec", "dask", "deltasnap.dask")
_pd = require("pandas", "dask", "deltasnap.dask")


def _expand(urls: Iterable[str], storage_options: dict[str, Any]) -> tuple[Any, list[str]]:
    """The filesystem and every file the URLs name (globs expanded, directories walked)."""
    fs, _, paths = _fsspec.core.get_fs_token_paths(list(urls), storage_options=storage_options)
    files: list[str] = []
    for path in paths:
        if fs.isdir(path):
            found = sorted(fs.find(path))
            files.extend(p for p in found if p.rsplit("/", 1)[-1].lower().endswith(WALKED_SUFFIXES))
        else:
            files.append(path)
    local = "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))
    return fs, files if local else [fs.unstrip_protocol(p) for p in files]


def _failed(path: str, err: Exception) -> dict[str, Any]:
    return CaptureResult.failed((path,), err).to_json()


def _reduce_file(
    path: str, opener: Opener, options: Options, input_format: str | None
) -> list[dict[str, Any]]:
    """Every capture of one file (a HAR file holds several), reduced on the worker."""
    results = []
    for item in list_captures([path], input_format=input_format, opener=opener):
        if isinstance(item, Capture):
            results.append(reduce_group((item,), options, opener))
        else:
            results.append(_failed(*item))
    return results


def _scan_file(path: str, opener: Opener, input_format: str | None) -> list[Any]:
    """Run scans of one file's captures (for ``join_runs``), or its failed result."""
    return [
        scan_capture(item, opener) if isinstance(item, Capture) else _failed(*item)
        for item in list_captures([path], input_format=input_format, opener=opener)
    ]


def read_captures(
    paths_or_glob: str | Iterable[str],
    *,
    ignore_completed: bool = False,
    strict: bool = False,
    join_runs: bool = False,
    input_format: str | None = None,
    storage_options: dict[str, Any] | None = None,
    npartitions: int | None = None,
) -> Any:
    """A ``dask.bag.Bag`` of result dicts, one per capture (or joined run), shaped like the
    lines ``deltasnap batch --format jsonl`` writes."""
    urls = [paths_or_glob] if isinstance(paths_or_glob, str) else list(paths_or_glob)
    fs, files = _expand(urls, storage_options or {})
    options = Options(ignore_completed=ignore_completed, strict=strict)
    parts = npartitions or max(1, min(len(files), 100))
    if not join_runs:
        bag = _db.from_sequence(files, npartitions=parts)
        return bag.map(_reduce_file, fs.open, options, input_format).flatten()
    items = _db.from_sequence(files, npartitions=parts)
    scanned = items.map(_scan_file, fs.open, input_format).flatten().compute()
    failed = [s for s in scanned if not isinstance(s, RunScan)]
    groups = group_runs(s for s in scanned if isinstance(s, RunScan))
    bag = _db.from_sequence(groups, npartitions=max(1, min(len(groups), parts)))
    reduced = bag.map(reduce_group, options, fs.open)
    return _db.concat([reduced, _db.from_sequence(failed, npartitions=1)]) if failed else reduced


def _meta() -> Any:
    dtypes = {"string": "object", "int": "Int64"}
    return _pd.DataFrame(
        {name: _pd.Series(dtype=dtypes[kind]) for name, kind in MESSAGE_COLUMNS.items()}
    )


def _frame(rows: list[dict[str, Any]]) -> Any:
    meta = _meta()
    frame = _pd.DataFrame(rows, columns=list(meta.columns))
    return frame.astype(meta.dtypes.to_dict()) if len(frame) else meta


def messages_frame(bag: Any) -> Any:
    """A ``dask.dataframe.DataFrame`` with the ``messages.parquet`` columns, one row a message."""
    rows = bag.map(message_rows).flatten()
    parts = [_dask.delayed(_frame)(part) for part in rows.to_delayed()]
    return _dd.from_delayed(parts, meta=_meta())
