"""Test and demo helpers: a local Assistants-compatible streaming replay server.

The server API is re-exported here lazily (on first attribute access), so that
``python -m deltasnap.testing.server`` does not import the module twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import RecordedRequest, ReplayOptions, ReplayServer, Reply, main

__all__ = ["RecordedRequest", "ReplayOptions", "ReplayServer", "Reply", "main"]

_SERVER_NAMES = frozenset(__all__)


def __getattr__(name: str) -> Any:
    """Import ``deltasnap.testing.server`` when one of its names is first used."""
    if name in _SERVER_NAMES:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
