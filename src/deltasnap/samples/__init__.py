"""Sample captures shipped with deltasnap (``deltasnap replay --sample``)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["path"]


def path() -> Path:
    """The bundled sample capture: a short run whose messages are msg_r, msg_a and msg_b."""
    return Path(__file__).with_name("sample.sse")
