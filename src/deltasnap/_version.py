"""The installed distribution's version, read from its metadata."""

from __future__ import annotations

from importlib import metadata

__all__ = ["DISTRIBUTION", "__version__"]

DISTRIBUTION = "deltasnap-assistants"
"""The name deltasnap is published under on PyPI (``pip install deltasnap-assistants``)."""

try:
    __version__: str = metadata.version(DISTRIBUTION)
except metadata.PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "0+unknown"
