"""deltasnap.batch.extras: a missing optional dependency names the extra to install."""

from __future__ import annotations

import pytest

from deltasnap import DeltasnapError
from deltasnap.batch.extras import MissingExtra, require


def test_missing_extra_names_it() -> None:
    """require() of an absent module raises MissingExtra (an ImportError and DeltasnapError)
    saying which extra to install and what needed it."""
    with pytest.raises(
        MissingExtra,
        match=r"--format parquet needs nosuchmod: pip install "
        r"'deltasnap-assistants\[parquet\]'",
    ) as info:
        require("nosuchmod.sub", "parquet", "--format parquet")
    assert isinstance(info.value, ImportError) and isinstance(info.value, DeltasnapError)


def test_present_module_is_returned() -> None:
    """require() of an installed module returns it."""
    assert require("json", "x", "y").dumps(1) == "1"
