"""``deltasnap replay``: a recorded stream replayed; its messages, steps, summary or live text."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Iterator, Mapping
from typing import IO, Any

from .._accumulator import Accumulator
from .._converter import unstructure
from .._errors import DeltasnapError
from .._summary import summarize
from ..samples import path as sample_path
from .live import LiveText, closing_summary, update_json
from .output import Output
from .progress import Progress

__all__ = ["register", "run"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INCOMPLETE = 3
# Reports that mean the output may be missing something the server sent.
PROBLEMS = frozenset(
    {"skipped_event", "truncated", "truncated_event", "server_error", "reports_dropped"}
)
CHUNK = 64 * 1024

DESCRIPTION = """\
Print the stream's final messages as {message_id: message} in the API's JSON shape (or, for a
stream with run steps but no messages, its steps as {step_id: run_step}). Exit status: 0 clean;
1 unreadable input, input with no server-sent events, or (with --strict) a bad event; 2 a usage
error; 3 output printed but the stream was truncated, had skipped events, or carried a server
error event; 130 interrupted; 141 standard output closed early."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``replay`` subcommand to ``sub``."""
    replay = sub.add_parser(
        "replay",
        help="replay a recorded stream and print the final messages as JSON",
        description=DESCRIPTION,
    )
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", help="capture to replay ('-' for standard input)")
    source.add_argument("--sample", action="store_true", help="replay the bundled sample")
    replay.add_argument(
        "more",
        nargs="*",
        metavar="FILE",
        help="further HTTP bodies of the same run, in order (e.g. after submit_tool_outputs)",
    )
    view = replay.add_mutually_exclusive_group()
    view.add_argument(
        "--messages", action="store_true", help="print {message_id: message} (even when empty)"
    )
    view.add_argument(
        "--run-steps", action="store_true", help="print {step_id: run_step} instead of messages"
    )
    view.add_argument(
        "--summary", action="store_true", help="print a readable summary of the run instead"
    )
    view.add_argument(
        "--live",
        action="store_true",
        help="print text, tool-call arguments, code input and logs as they stream, then a "
        "summary (with --format jsonl: every update as a line of JSON)",
    )
    replay.add_argument(
        "--format",
        choices=("json", "jsonl"),
        help="json: one document (the default); jsonl: one message or step per line",
    )
    replay.add_argument("--indent", type=int, help="JSON indent (default 2; 0 for one line)")
    replay.add_argument(
        "--ignore-completed",
        action="store_true",
        help="print what the deltas alone built, ignoring the server's completed copies",
    )
    replay.add_argument(
        "--strict", action="store_true", help="stop at the first bad event (default: skip it)"
    )
    replay.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress line on standard error (shown for long replays on a terminal)",
    )
    replay.set_defaults(run=run, check=_check)


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse flags that contradict each other (argparse already refuses two views)."""
    if args.summary and args.format is not None:
        parser.error("argument --format: not allowed with argument --summary")
    if args.live and args.format == "json":
        parser.error("argument --format json: not allowed with argument --live (try jsonl)")
    if args.indent is not None and (args.summary or args.live or args.format == "jsonl"):
        other = "--summary" if args.summary else "--live" if args.live else "--format jsonl"
        parser.error(f"argument --indent: not allowed with argument {other}")
    if args.indent is not None and args.indent < 0:
        parser.error("argument --indent: must be 0 or more")
    if args.more and args.sample:
        parser.error("argument FILE: not allowed with argument --sample")


class InputError(Exception):
    """The input could not be read (the message says what and why)."""


class _Reader:
    """The input's chunks, counting the bytes read and feeding the progress indicator."""

    def __init__(self, args: argparse.Namespace, stderr: IO[str], path: str | None) -> None:
        self.path = path
        if self.path == "-":
            self.path = None
        self.name = "standard input" if self.path is None else self.path
        self.progress_wanted = not (args.no_progress or args.live) and _isatty(stderr)
        self.stderr = stderr
        self.progress: Progress | None = None
        self.done = 0

    def chunks(self) -> Iterator[bytes]:
        try:
            if self.path is None:
                yield from self._read(sys.stdin.buffer)
            else:
                with open(self.path, "rb") as handle:
                    yield from self._read(handle)
        except OSError as err:
            raise InputError(f"cannot read {self.name}: {err.strerror or err}") from None

    def _read(self, handle: IO[bytes]) -> Iterator[bytes]:
        if self.progress_wanted:
            self.progress = Progress(self.stderr, _regular_size(handle))
        read = getattr(handle, "read1", handle.read)  # read1: hand over what has arrived
        while chunk := read(CHUNK):
            self.done += len(chunk)
            if self.progress is not None:
                self.progress.update(self.done)
            yield chunk

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.finish()


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _regular_size(handle: IO[bytes]) -> int | None:
    try:
        info = os.fstat(handle.fileno())
    except (AttributeError, ValueError, OSError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def run(args: argparse.Namespace) -> int:
    """Replay the capture ``args`` name; return the exit status."""
    out = Output(sys.stdout)
    stderr = sys.stderr
    acc = Accumulator(use_completed=not args.ignore_completed, strict=args.strict)
    paths = [str(sample_path())] if args.sample else [args.file, *args.more]
    reader = _Reader(args, stderr, paths[0])
    jsonl_updates = args.live and args.format == "jsonl"
    live = None if jsonl_updates or not args.live else LiveText(out, lambda: acc.run_steps)
    try:
        for number, path in enumerate(paths):
            if number:
                reader.finish()
                reader = _Reader(args, stderr, path)
            for update in acc.updates(reader.chunks()):
                if jsonl_updates:
                    out.json_lines([update_json(update)])
                    out.flush()
                elif live is not None:
                    live.show(update)
    except InputError as err:
        reader.finish()  # erase the progress line before saying why
        print(f"deltasnap: {err}", file=stderr)
        return EXIT_ERROR
    except DeltasnapError as err:
        reader.finish()
        print(f"deltasnap: bad input: {err}", file=stderr)
        if live is not None:
            live.finish()
        elif not jsonl_updates:
            _print_result(acc, args, out)
        out.flush()
        return EXIT_ERROR
    finally:
        reader.finish()
    if not acc.event_counts:
        print(f"deltasnap: no server-sent events found in {reader.name}", file=stderr)
        return EXIT_ERROR
    if live is not None:
        live.finish()
        events = sum(acc.event_counts.values())
        out.write(closing_summary(acc.messages, acc.run_steps, events, acc.truncated))
    elif not jsonl_updates:
        _print_result(acc, args, out)
    out.flush()
    for report in acc.reports:
        where = f"event {report.event_number}: " if report.event_number is not None else ""
        print(f"deltasnap: {report.kind}: {where}{report.reason}", file=stderr)
        for detail in report.details:
            print(f"    {detail}", file=stderr)
    return EXIT_INCOMPLETE if any(r.kind in PROBLEMS for r in acc.reports) else EXIT_OK


def _print_result(acc: Accumulator, args: argparse.Namespace, out: Output) -> None:
    if args.summary:
        out.write(summarize(acc))
        return
    steps = acc.run_steps
    objects: Mapping[str, Any] = acc.messages
    if args.run_steps or (not args.messages and not acc.messages and steps):
        objects = steps
        if not args.run_steps:
            print(
                "deltasnap: no messages in the stream; printing its run steps "
                "(--messages prints the empty messages)",
                file=sys.stderr,
            )
    if args.format == "jsonl":
        out.json_lines(unstructure(obj) for obj in objects.values())
        return
    indent = 2 if args.indent is None else args.indent or None
    out.json({key: unstructure(obj) for key, obj in objects.items()}, indent)
