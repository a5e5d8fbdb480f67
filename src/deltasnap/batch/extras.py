"""Optional extras (pyarrow, dask, tqdm): imported on demand, with an error that names the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

from .._errors import DeltasnapError
from .._version import DISTRIBUTION

__all__ = ["MissingExtra", "require"]


class MissingExtra(DeltasnapError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise ``MissingExtra`` naming the command installing ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingExtra(
            f"{purpose} needs {module.split('.')[0]}: pip install '{DISTRIBUTION}[{extra}]'"
        ) from err
