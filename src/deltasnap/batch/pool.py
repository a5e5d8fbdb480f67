"""Spreading an archive over worker processes: results as they finish, a dead worker fails only
its own capture, and at most a few tasks per worker are in flight (memory stays bounded)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import IO

import attrs

from .inputs import Capture, Opener, expand_inputs, list_captures, open_local
from .join import RunScan, group_runs, scan_capture
from .result import CaptureResult, encode_line
from .worker import Options, Outcome, init_worker, reduce_chunk

__all__ = ["Plan", "default_jobs", "outcomes", "plan", "replay_many", "run_plan"]

_IN_FLIGHT_PER_JOB = 4


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@attrs.frozen
class Plan:
    """What a batch will do: groups of captures to reduce (one capture each unless runs are
    joined), and the inputs that could not even be listed (each becomes a failed result)."""

    groups: tuple[tuple[Capture, ...], ...]
    unreadable: tuple[tuple[str, str], ...] = ()

    @property
    def total(self) -> int:
        """How many results the batch will give."""
        return len(self.groups) + len(self.unreadable)


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, initializer=init_worker)


def _scan_all(captures: Sequence[Capture], jobs: int, opener: Opener) -> list[RunScan]:
    if jobs <= 1 or len(captures) < 2:
        return [scan_capture(c, opener) for c in captures]
    with _new_pool(jobs) as pool:
        chunk = max(1, len(captures) // (jobs * 8))
        return list(pool.map(scan_capture, captures, [opener] * len(captures), chunksize=chunk))


def plan(
    inputs: Iterable[str],
    *,
    input_format: str | None = None,
    join_runs: bool = False,
    jobs: int | None = None,
    opener: Opener = open_local,
    paths: Iterable[str] | None = None,
    stdin: IO[str] | None = None,
) -> Plan:
    """Find the captures of ``inputs`` (files, directories, globs, ``-``), and with
    ``join_runs`` group the bodies of each run (scanning them on ``jobs`` processes)."""
    found = paths if paths is not None else expand_inputs(inputs, stdin)
    captures: list[Capture] = []
    unreadable: list[tuple[str, str]] = []
    for item in list_captures(found, input_format=input_format, opener=opener):
        if isinstance(item, Capture):
            captures.append(item)
        else:
            path, err = item
            unreadable.append((path, f"{type(err).__name__}: {err}"))
    if join_runs:
        groups = group_runs(_scan_all(captures, jobs or default_jobs(), opener))
    else:
        groups = [(c,) for c in captures]
    return Plan(tuple(groups), tuple(unreadable))


_CHUNK_CAPTURES = 64
_CHUNK_BYTES = 1 << 20
Chunk = tuple[tuple[Capture, ...], ...]


def _chunks(groups: Iterable[tuple[Capture, ...]]) -> Iterator[Chunk]:
    """Groups bundled into tasks of up to 64 captures or about 1 MB."""
    chunk: list[tuple[Capture, ...]] = []
    size = 0
    for group in groups:
        chunk.append(group)
        size += sum(c.size for c in group)
        if len(chunk) >= _CHUNK_CAPTURES or size >= _CHUNK_BYTES:
            yield tuple(chunk)
            chunk, size = [], 0
    if chunk:
        yield tuple(chunk)


def _died(group: tuple[Capture, ...], encode: bool) -> Outcome:
    source = tuple(c.name for c in group)
    err = RuntimeError("the worker process died reducing this capture")
    obj = CaptureResult.failed(source, err).to_json()
    return Outcome(source, "failed", encode_line(obj) if encode else obj)


def _isolate(
    groups: Sequence[tuple[Capture, ...]], options: Options, opener: Opener, encode: bool
) -> Iterator[Outcome]:
    """Reduce each group alone in a one-worker pool: one that kills its worker again fails."""
    pool = _new_pool(1)
    try:
        for group in groups:
            try:
                yield from pool.submit(reduce_chunk, (group,), options, opener, encode).result()
            except BrokenProcessPool:
                yield _died(group, encode)
                pool.shutdown(wait=True)
                pool = _new_pool(1)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _in_pool(
    groups: Iterable[tuple[Capture, ...]], options: Options, jobs: int, opener: Opener, encode: bool
) -> Iterator[Outcome]:
    """Tasks on ``jobs`` processes, a few per worker in flight; when a worker dies (the pool
    breaks), finished tasks keep their results and the others are retried one group at a time."""
    pending = _chunks(groups)
    window = jobs * _IN_FLIGHT_PER_JOB
    inflight: dict[Future[list[Outcome]], Chunk] = {}
    pool = _new_pool(jobs)
    try:
        while True:
            while len(inflight) < window and (chunk := next(pending, None)) is not None:
                inflight[pool.submit(reduce_chunk, chunk, options, opener, encode)] = chunk
            if not inflight:
                return
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                wait(inflight)
                suspects: list[tuple[Capture, ...]] = []
                for future, chunk in inflight.items():
                    if future.exception() is None:
                        yield from future.result()
                    else:
                        suspects.extend(chunk)
                inflight.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                yield from _isolate(suspects, options, opener, encode)
                pool = _new_pool(jobs)
                continue
            for future in done:
                inflight.pop(future)
                yield from future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def outcomes(
    batch: Plan,
    *,
    jobs: int | None = None,
    options: Options | None = None,
    opener: Opener = open_local,
    encode: bool = False,
) -> Iterator[Outcome]:
    """Reduce a plan's groups on ``jobs`` processes (1: in this process), yielding each
    group's outcome as it finishes (unlistable inputs first, failed); ``encode``: payloads
    are JSON Lines lines (UTF-8 bytes)."""
    options = options or Options()
    jobs = jobs or default_jobs()
    for path, error in batch.unreadable:
        obj = CaptureResult(source=(path,), status="failed", error=error).to_json()
        yield Outcome((path,), "failed", encode_line(obj) if encode else obj)
    if jobs <= 1:
        for group in batch.groups:
            yield from reduce_chunk((group,), options, opener, encode)
        return
    yield from _in_pool(batch.groups, options, jobs, opener, encode)


def run_plan(
    batch: Plan,
    *,
    jobs: int | None = None,
    options: Options | None = None,
    opener: Opener = open_local,
) -> Iterator[CaptureResult]:
    """Reduce a plan's groups on ``jobs`` processes (1: in this process), yielding results in
    the order they finish; unlistable inputs come first, as failed results."""
    for outcome in outcomes(batch, jobs=jobs, options=options, opener=opener):
        yield CaptureResult.from_json(outcome.payload)


def replay_many(
    inputs: Iterable[str] | str,
    *,
    jobs: int | None = None,
    ignore_completed: bool = False,
    strict: bool = False,
    join_runs: bool = False,
    input_format: str | None = None,
) -> Iterator[CaptureResult]:
    """Reduce every capture of ``inputs`` (paths, directories, globs) on ``jobs`` processes
    (default: every core), yielding a ``CaptureResult`` per capture (or joined run) as each
    finishes."""
    inputs = [inputs] if isinstance(inputs, str | os.PathLike) else [str(i) for i in inputs]
    batch = plan(inputs, input_format=input_format, join_runs=join_runs, jobs=jobs)
    options = Options(ignore_completed=ignore_completed, strict=strict)
    return run_plan(batch, jobs=jobs, options=options)
