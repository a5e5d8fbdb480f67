"""The ``deltasnap`` command line: ``deltasnap replay FILE`` (and ``deltasnap serve FILE``)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import IO, Any

from ._accumulator import Accumulator
from ._converter import unstructure
from ._errors import DeltasnapError
from ._reducer import Update
from .batch import cli as batch_cli

__all__ = ["main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
# Reports that mean the output may be missing something the server sent.
PROBLEMS = frozenset(
    {"skipped_event", "truncated", "truncated_event", "server_error", "reports_dropped"}
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deltasnap",
        description="Turn streamed Assistants-API runs (SSE) into complete message snapshots.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    replay = sub.add_parser(
        "replay",
        help="replay a recorded stream and print the final messages as JSON",
        description=(
            "Print {message_id: message} in the API's JSON shape. Exit status: 0 clean; "
            "1 unreadable input or (with --strict) a bad event; 3 output printed but the stream "
            "was truncated, had skipped events, or carried a server error event."
        ),
    )
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", help="capture to replay ('-' for standard input)")
    source.add_argument("--sample", action="store_true", help="replay the bundled sample")
    replay.add_argument(
        "--ignore-completed",
        action="store_true",
        help="print what the deltas alone built, ignoring the server's completed copies",
    )
    replay.add_argument(
        "--live", action="store_true", help="print text as it streams, then a summary"
    )
    replay.add_argument(
        "--strict", action="store_true", help="stop at the first bad event (default: skip it)"
    )
    replay.add_argument(
        "--run-steps", action="store_true", help="print {step_id: run_step} instead of messages"
    )
    replay.add_argument(
        "--summary", action="store_true", help="print a readable summary of the run instead"
    )
    replay.add_argument("--indent", type=int, default=2, help="JSON indent (default 2)")
    sub.add_parser(
        "serve",
        help="serve a capture as a local Assistants streaming API (deltasnap serve --help)",
        add_help=False,
    )
    batch_cli.add_parser(sub)
    return parser


def _chunks(args: argparse.Namespace) -> Iterator[bytes]:
    if args.sample:
        yield resources.files("deltasnap.samples").joinpath("sample.sse").read_bytes()
        return
    if args.file == "-":
        stdin = sys.stdin.buffer
        read = getattr(stdin, "read1", stdin.read)  # read1: hand over what has arrived
        while chunk := read(64 * 1024):
            yield chunk
        return
    with open(args.file, "rb") as handle:
        while chunk := handle.read(64 * 1024):
            yield chunk


def _live(update: Update, out: IO[str], state: dict[str, Any]) -> None:
    key = (update.message_id, update.content_index)
    if update.kind in ("text", "refusal") and update.text:
        if state.get("last") != key:
            prefix = "\n" if state.get("last") is not None else ""
            label = "refusal" if update.kind == "refusal" else "text"
            out.write(f"{prefix}[{update.message_id} #{update.content_index} {label}] ")
            state["last"] = key
        out.write(update.text)
        out.flush()


def _replay(args: argparse.Namespace) -> int:
    acc = Accumulator(use_completed=not args.ignore_completed, strict=args.strict)
    out = sys.stdout
    if args.live and isinstance(out, io.TextIOWrapper):
        out.reconfigure(errors="backslashreplace")  # live text may hold lone surrogates
    state: dict[str, Any] = {}
    try:
        for update in acc.updates(_chunks(args)):
            if args.live:
                _live(update, out, state)
    except OSError as err:
        print(f"deltasnap: cannot read {args.file}: {err.strerror or err}", file=sys.stderr)
        return EXIT_ERROR
    except DeltasnapError as err:
        print(f"deltasnap: bad input: {err}", file=sys.stderr)
        _print_result(acc, args, out)
        return EXIT_ERROR
    if args.live:
        if state.get("last") is not None:
            out.write("\n")
        out.write(_closing_summary(acc))
    else:
        _print_result(acc, args, out)
    for report in acc.reports:
        where = f"event {report.event_number}: " if report.event_number is not None else ""
        print(f"deltasnap: {report.kind}: {where}{report.reason}", file=sys.stderr)
        for detail in report.details:
            print(f"    {detail}", file=sys.stderr)
    return EXIT_INCOMPLETE if any(r.kind in PROBLEMS for r in acc.reports) else EXIT_OK


def _print_result(acc: Accumulator, args: argparse.Namespace, out: IO[str]) -> None:
    if args.summary:
        out.write(_summary(acc))
        return
    if args.run_steps:
        steps = getattr(acc.reducer, "run_steps", {})
        payload = {sid: unstructure(step) for sid, step in steps.items()}
    else:
        payload = {mid: unstructure(msg) for mid, msg in acc.messages.items()}
    indent = args.indent if args.indent > 0 else None
    text = json.dumps(payload, indent=indent, ensure_ascii=False) + "\n"
    try:
        out.write(text)
    except UnicodeEncodeError:  # lone surrogates (from \ud800 escapes), or a narrow terminal
        out.write(json.dumps(payload, indent=indent, ensure_ascii=True) + "\n")


def _summary(acc: Accumulator) -> str:
    try:
        from ._summary import summarize  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - until run summaries exist
        return _closing_summary(acc)
    return str(summarize(acc.reducer))


def _closing_summary(acc: Accumulator) -> str:
    lines = [f"--- {len(acc.messages)} message(s), {sum(acc.event_counts.values())} events"]
    for mid, msg in acc.messages.items():
        kinds = ", ".join(block.type for block in msg.content) or "no content"
        lines.append(f"{mid}: {msg.status} ({kinds})")
    if acc.truncated:
        lines.append("stream truncated: the snapshots above are what arrived")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # everything after "serve" belongs to the server's own parser
        from .testing.server import main as serve_main

        return int(serve_main(argv[1:], prog="deltasnap serve"))
    args = _parser().parse_args(argv)
    return batch_cli.run(args) if args.command == "batch" else _replay(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
