"""The ``deltasnap`` command line: ``deltasnap replay FILE`` and ``deltasnap serve FILE``.

A subcommand is a module with ``register(subparsers)``, which adds its parser and sets the
defaults ``run`` (``args -> exit status``) and optionally ``check`` (``parser, args -> None``,
calling ``parser.error`` for flags that contradict each other); list it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Sequence

from .._version import __version__
from ..batch import cli as batch_cli
from . import replay
from .output import OutputError

__all__ = ["COMMANDS", "main"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports `yes | head`

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

# The subcommands, in the order `deltasnap --help` lists them.
COMMANDS: list[Register] = [replay.register, batch_cli.register]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deltasnap",
        description="Turn streamed Assistants-API runs (SSE) into complete message snapshots.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in COMMANDS:
        register(sub)
    sub.add_parser(
        "serve",
        help="serve a capture as a local Assistants streaming API (deltasnap serve --help)",
        add_help=False,
    )
    return parser


def _dispatch(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:  # everything after "serve" belongs to the server's own parser
        from ..testing.server import main as serve_main

        return int(serve_main(argv[1:], prog="deltasnap serve"))
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        check = getattr(args, "check", None)
        if check is not None:
            check(parser, args)
    except SystemExit as exc:  # usage errors, --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return int(args.run(args))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status. Never a traceback for a signal or a
    closed or full output: Ctrl-C exits 130, a closed standard output 141 (quietly), a failed
    write 1 with one line."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _dispatch(argv)
        _flush_stdout()
    except KeyboardInterrupt:
        _say("deltasnap: interrupted")
        return EXIT_INTERRUPTED
    except OutputError as err:
        _detach_stdout()  # what is still buffered would fail again at exit
        if err.error.errno == errno.EPIPE:
            return EXIT_BROKEN_PIPE
        _say(f"deltasnap: cannot write the output: {err}")
        return EXIT_ERROR
    return code


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except OSError as err:
        raise OutputError(err) from None


def _detach_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so that the interpreter's last flush is silent."""
    try:
        fd = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (AttributeError, ValueError, OSError):  # not a real file (tests): nothing to do
        return
    try:
        os.dup2(devnull, fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(devnull)


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):  # standard error gone too: the exit status says it
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
