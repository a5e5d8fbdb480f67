"""A local, Assistants-compatible streaming replay server (stdlib asyncio) for tests and demos.

It answers the three streaming endpoints of the Assistants API with recorded ``.sse`` bytes::

    POST /v1/threads/{thread_id}/runs                               runs.create, runs.stream
    POST /v1/threads/runs                                           threads.create_and_run(_stream)
    POST /v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs  submit_tool_outputs(_stream)

Anything else gets the API's 404 JSON error. Requests are recorded (``server.requests``: the
most recent ones, bounded in count and body bytes). A callable source is called with that record,
on the server's event loop: keep it quick. The body is replayed byte-exact, in ``chunk_size``
pieces, each one an HTTP/1.1 chunk; the options can add delays, ``: keep-alive`` comments between
events, or cut the connection mid-stream.

From sync tests (the server runs in a background thread)::

    with ReplayServer(Path("basic.sse")) as srv:
        client = openai.OpenAI(api_key="test", base_url=srv.base_url)

From async code (the server runs in the current event loop)::

    async with ReplayServer(lambda request: streams[request.thread_id]) as srv:
        ...

From a shell: ``python -m deltasnap.testing.server FILE [--port 8000]`` (loopback only), or
``--sample`` for the capture bundled with deltasnap.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

from ._replay import Framing, ReplayOptions, Reply
from ._server import ReplayServer, Source, is_loopback
from ._wire import Endpoint, RecordedRequest

__all__ = [
    "Endpoint",
    "Framing",
    "RecordedRequest",
    "ReplayOptions",
    "ReplayServer",
    "Reply",
    "Source",
    "main",
]

_SAMPLE = "sample.sse"


def _bounded_int(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an int in ``low..high``, else a one-line usage error."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text[:40]!r}") from None
        if value < low or (high is not None and value > high):
            span = f"{low}..{high}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"{value} is not in {span}")
        return value

    return convert


def _non_negative(text: str) -> float:
    """An argparse type: a finite number of seconds >= 0, else a one-line usage error."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text[:40]!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text[:40]} is not a finite number >= 0")
    return value


def _parser(prog: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or "python -m deltasnap.testing.server",
        description=(
            "Serve a recorded Assistants stream (.sse) as a local streaming API: POST "
            "/v1/threads/{id}/runs, /v1/threads/runs and .../submit_tool_outputs replay the file. "
            "Point a client at the printed base URL. Ctrl-C stops."
        ),
    )
    parser.add_argument("file", type=Path, nargs="?", help="the capture to serve")
    parser.add_argument(
        "--sample", action="store_true", help="serve the sample capture bundled with deltasnap"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=_bounded_int(0, 65535), default=8000, help="port (default 8000; 0: any)"
    )
    parser.add_argument(
        "--chunk-size", type=_bounded_int(1), default=64, help="bytes per write (default 64)"
    )
    parser.add_argument("--delay", type=_non_negative, default=0.0, help="seconds between writes")
    parser.add_argument("--seed", type=int, help="random piece sizes (1..chunk-size), seeded")
    parser.add_argument(
        "--cut-after", type=_bounded_int(0), help="drop the connection after N body bytes"
    )
    parser.add_argument(
        "--keepalive-every", type=_bounded_int(1), help="insert ': keep-alive' after every N events"
    )
    parser.add_argument("--framing", choices=("chunked", "close"), default="chunked")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (exposes the file)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return parser


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse and check the arguments (argparse exits 2 with a usage line on errors)."""
    args = parser.parse_args(argv)
    if args.sample == (args.file is not None):
        parser.error("give a capture FILE or --sample (one of them)")
    if not args.allow_remote and not is_loopback(args.host):
        parser.error(f"--host {args.host} is not a loopback address; add --allow-remote")
    return args


async def _serve(server: ReplayServer) -> None:
    async with server:
        print(server.base_url, flush=True)
        print(
            f"serving; try: curl -N {server.base_url}/threads/thread_1/runs "
            """-d '{"assistant_id": "asst_1", "stream": true}'  (Ctrl-C stops)""",
            file=sys.stderr,
            flush=True,
        )
        await asyncio.Event().wait()


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    """Run the replay server from the command line until Ctrl-C; returns the exit status."""
    parser = _parser(prog)
    try:
        args = _parse(parser, argv)
    except SystemExit as exc:  # usage errors and --help
        return exc.code if isinstance(exc.code, int) else 2
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    try:
        if args.sample:
            source: Source = (
                resources.files("deltasnap.samples").joinpath("sample.sse").read_bytes()
            )
        else:
            source = args.file
        server = ReplayServer(
            source,
            host=args.host,
            port=args.port,
            chunk_size=args.chunk_size,
            seed=args.seed,
            delay=args.delay,
            cut_after=args.cut_after,
            keepalive_every=args.keepalive_every,
            framing=args.framing,
            allow_remote=args.allow_remote,
            log=log,
        )
        asyncio.run(_serve(server))
    except KeyboardInterrupt:
        return 0
    except (OSError, OverflowError, ValueError) as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
