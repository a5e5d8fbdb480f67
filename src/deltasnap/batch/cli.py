"""``deltasnap batch INPUT... --out PATH``: reduce an archive on every core, streaming results."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from typing import Any

from .._errors import DeltasnapError
from .extras import MissingExtra, require
from .inputs import FORMATS
from .pool import default_jobs, outcomes, plan
from .worker import Options, Outcome
from .writers import open_writer

__all__ = ["EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PROBLEMS", "register", "run"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_PROBLEMS = 3
EXIT_INTERRUPTED = 130


def register(sub: Any) -> None:
    """Add the ``batch`` subcommand to the ``deltasnap`` parser's subparsers."""
    batch = sub.add_parser(
        "batch",
        help="reduce an archive of captures on every core into JSON Lines or Parquet",
        description=(
            "Reduce every capture (raw SSE, curl -i output, .gz, JSON Lines of events, HAR "
            "entries) of the inputs, one result per capture (or joined run), written as they "
            "finish. Exit status: 0 all ok; 3 some captures had problems or failed; 1 the output "
            "could not be written; 130 interrupted (what was written stays)."
        ),
    )
    batch.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="files, directories, globs; '-': paths on stdin"
    )
    batch.add_argument("--out", required=True, help="output file (jsonl, '-' for stdout) or dir")
    batch.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl")
    batch.add_argument(
        "--jobs", type=int, default=None, help=f"worker processes (default: {default_jobs()})"
    )
    batch.add_argument("--input-format", choices=FORMATS, default=None, help="skip detection")
    batch.add_argument("--ignore-completed", action="store_true", help="keep what the deltas built")
    batch.add_argument(
        "--strict", action="store_true", help="fail a capture at its first bad event"
    )
    batch.add_argument(
        "--join-runs", action="store_true", help="reduce the bodies of one run together"
    )
    shown = batch.add_mutually_exclusive_group()
    shown.add_argument("--no-progress", action="store_true", help="no progress bar")
    shown.add_argument(
        "--progress", action="store_true", help="a progress bar even when stderr is no terminal"
    )
    batch.set_defaults(run=run)


class _Progress:
    """Captures done / total, MB/s, ETA and failures so far, on stderr (tqdm)."""

    def __init__(self, total: int, shown: bool, asked: bool) -> None:
        self._bar: Any = None
        self._bytes = 0
        self._failed = 0
        self._start = time.monotonic()
        if shown:
            try:
                tqdm = require("tqdm", "progress", "--progress")
            except MissingExtra:
                if asked:
                    raise
                return  # a terminal without tqdm installed: no bar
            self._bar = tqdm.tqdm(total=total, unit="capture", file=sys.stderr, dynamic_ncols=True)

    def update(self, outcome: Outcome, size: int) -> None:
        self._bytes += size
        self._failed += outcome.status == "failed"
        if self._bar is not None:
            elapsed = max(time.monotonic() - self._start, 1e-9)
            mbs = self._bytes / elapsed / 1e6
            self._bar.set_postfix_str(f"{mbs:.1f} MB/s, {self._failed} failed", refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _results(args: argparse.Namespace) -> tuple[int, Iterator[tuple[Outcome, int]]]:
    jobs = args.jobs if args.jobs and args.jobs > 0 else default_jobs()
    batch = plan(args.inputs, input_format=args.input_format, join_runs=args.join_runs, jobs=jobs)
    sizes = {tuple(c.name for c in g): sum(c.size for c in g) for g in batch.groups}
    options = Options(ignore_completed=args.ignore_completed, strict=args.strict)
    encode = args.format == "jsonl"  # JSON text made on the workers, written as it comes
    results = outcomes(batch, jobs=jobs, options=options, encode=encode)
    return batch.total, ((r, sizes.get(r.source, 0)) for r in results)


def run(args: argparse.Namespace) -> int:
    """Run ``deltasnap batch``; return the exit status."""
    try:
        writer = open_writer(args.out, args.format)
    except (OSError, DeltasnapError) as err:
        print(f"deltasnap batch: cannot write {args.out}: {err}", file=sys.stderr)
        return EXIT_ERROR
    counts = {"ok": 0, "problems": 0, "failed": 0}
    progress: _Progress | None = None
    try:
        total, results = _results(args)
        shown = args.progress or (not args.no_progress and sys.stderr.isatty())
        progress = _Progress(total, shown, asked=args.progress)
        for outcome, size in results:
            writer.write(outcome.payload)
            counts[outcome.status] += 1
            progress.update(outcome, size)
    except MissingExtra as err:
        print(f"deltasnap batch: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("\ndeltasnap batch: interrupted; results written so far are kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if progress is not None:
            progress.close()
        writer.close()
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    print(f"deltasnap batch: {summary}", file=sys.stderr)
    return EXIT_OK if counts["problems"] == counts["failed"] == 0 else EXIT_PROBLEMS
