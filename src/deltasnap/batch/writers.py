"""Writing results as they come: JSON Lines (one line per result), or three Parquet tables
(``messages``, ``runs``, ``steps``) written in row groups, so memory stays bounded."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import IO, Any, Protocol

from .extras import require
from .result import encode_line
from .rows import (
    MESSAGE_COLUMNS,
    RUN_COLUMNS,
    STEP_COLUMNS,
    message_rows,
    run_rows,
    step_rows,
)

__all__ = ["JsonlWriter", "ParquetWriter", "Writer", "open_writer"]

_ROW_GROUP = 2000


class Writer(Protocol):
    """Where results go: ``write`` each result's JSON, ``close`` at the end (or on Ctrl-C)."""

    def write(self, result: Any) -> None:
        """Write one result (JSON writers also take its JSON text)."""

    def close(self) -> None:
        """Flush and close; what was written stays readable."""


class JsonlWriter:
    """One JSON object per line (``-``: standard output), flushed line by line."""

    def __init__(self, path: str) -> None:
        self._own = path != "-"
        self._out: IO[bytes] = open(path, "wb") if self._own else sys.stdout.buffer

    def write(self, result: dict[str, Any] | str | bytes) -> None:
        """Write one result (its JSON object, its JSON text, or its line as ``encode_line``
        made it) as one line."""
        self._out.write(result if isinstance(result, bytes) else encode_line(result))
        self._out.flush()

    def close(self) -> None:
        """Close the file (standard output is only flushed)."""
        if self._own:
            self._out.close()
        else:
            self._out.flush()


def _schema(pa: Any, columns: dict[str, str]) -> Any:
    types = {"string": pa.string(), "int": pa.int64(), "strings": pa.list_(pa.string())}
    return pa.schema([(name, types[kind]) for name, kind in columns.items()])


class _Table:
    """One Parquet file, written a row group at a time."""

    def __init__(self, pa: Any, pq: Any, path: str, columns: dict[str, str]) -> None:
        self._pa = pa
        self._schema = _schema(pa, columns)
        self._writer = pq.ParquetWriter(path, self._schema)
        self._rows: list[dict[str, Any]] = []

    def add(self, rows: list[dict[str, Any]]) -> None:
        self._rows.extend(rows)
        if len(self._rows) >= _ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if self._rows:
            table = self._pa.Table.from_pylist(self._rows, schema=self._schema)
            self._writer.write_table(table)
            self._rows = []

    def close(self) -> None:
        self.flush()
        self._writer.close()


class ParquetWriter:
    """``messages.parquet``, ``runs.parquet`` and ``steps.parquet`` in directory ``path``."""

    def __init__(self, path: str) -> None:
        pa = require("pyarrow", "parquet", "--format parquet")
        pq = require("pyarrow.parquet", "parquet", "--format parquet")
        os.makedirs(path, exist_ok=True)
        self._tables: list[tuple[_Table, Callable[[dict[str, Any]], list[dict[str, Any]]]]] = [
            (_Table(pa, pq, os.path.join(path, f"{name}.parquet"), columns), rows)
            for name, columns, rows in (
                ("messages", MESSAGE_COLUMNS, message_rows),
                ("runs", RUN_COLUMNS, run_rows),
                ("steps", STEP_COLUMNS, step_rows),
            )
        ]

    def write(self, result: dict[str, Any]) -> None:
        """Add one result's rows to the three tables."""
        for table, rows in self._tables:
            table.add(rows(result))

    def close(self) -> None:
        """Write what is buffered and close the three files."""
        for table, _ in self._tables:
            table.close()


def open_writer(path: str, fmt: str) -> Writer:
    """A writer for ``fmt`` (``jsonl`` or ``parquet``) at ``path``."""
    if fmt == "parquet":
        return ParquetWriter(path)
    if fmt == "jsonl":
        return JsonlWriter(path)
    raise ValueError(f"unknown output format {fmt!r}")
