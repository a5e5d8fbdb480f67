"""The installed distribution's version, read from its metadata when first asked for."""

from __future__ import annotations

from functools import cache

__all__ = ["DISTRIBUTION", "installed_version"]

DISTRIBUTION = "deltasnap-assistants"
"""The name deltasnap is published under on PyPI (``pip install deltasnap-assistants``)."""


@cache
def installed_version() -> str:
    """The installed distribution's version ("0+unknown" in a source tree not installed).

    ``importlib.metadata`` is imported here, on first use: importing it costs more than the
    rest of ``import deltasnap``'s standard-library imports together."""
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    """``__version__``, computed on first access."""
    if name == "__version__":
        return installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
