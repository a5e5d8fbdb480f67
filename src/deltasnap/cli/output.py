"""Standard output for the command line: lone surrogates escaped, write failures made one error."""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterable
from typing import IO, Any

__all__ = ["Output", "OutputError"]


class OutputError(Exception):
    """Writing the output failed (a closed pipe, a full disk): ``error`` is the ``OSError``."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error


class Output:
    """Where the command prints: text as given, JSON and JSON Lines in the API's shape."""

    def __init__(self, stream: IO[str]) -> None:
        if isinstance(stream, io.TextIOWrapper):
            # text may hold lone surrogates (legal JSON escapes such as "\ud83d"): print them as
            # \ud83d, which inside a JSON string is the same escape again
            stream.reconfigure(errors="backslashreplace")
        self.stream = stream
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            self.ascii_only = codecs.lookup(encoding).name != "utf-8"
        except LookupError:
            self.ascii_only = True

    def write(self, text: str) -> None:
        """Write ``text``; a failure to write raises ``OutputError``."""
        try:
            self.stream.write(text)
        except OSError as err:
            raise OutputError(err) from None

    def flush(self) -> None:
        """Flush what was written; a failure raises ``OutputError``."""
        try:
            self.stream.flush()
        except OSError as err:
            raise OutputError(err) from None

    def json(self, payload: Any, indent: int | None) -> None:
        """Write ``payload`` as one JSON document and a newline."""
        self.write(json.dumps(payload, indent=indent, ensure_ascii=self.ascii_only) + "\n")

    def json_lines(self, items: Iterable[Any]) -> None:
        """Write each item as one compact line of JSON (JSON Lines)."""
        for item in items:
            self.write(json.dumps(item, ensure_ascii=self.ascii_only, separators=(",", ":")))
            self.write("\n")
