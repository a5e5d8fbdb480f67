"""Sample captures shipped with deltasnap (``deltasnap replay --sample``)."""

from pathlib import Path

__all__ = ["path"]


def path() -> Path:
    """The bundled sample capture (``sample.sse``): three messages, two of them interleaved."""
    return Path(__file__).with_name("sample.sse")
