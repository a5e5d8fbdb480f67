"""_limits.py: the Limits class and the one limits table (field → bound → error → wording)."""

from __future__ import annotations

import attrs
import pytest

from deltasnap import LimitExceeded, Limits, Reducer
from deltasnap._limits import LIMITS, RUNS, Bounds, Limit


def test_every_limit_has_one_row() -> None:
    """Each Limits field is a row of LIMITS, and each Bounds slot is some row's bound."""
    assert set(LIMITS) == set(attrs.fields_dict(Limits))
    assert {row.bound for row in LIMITS.values() if row.bound} == set(Bounds.__slots__)


@pytest.mark.parametrize("row", list(LIMITS.values()), ids=list(LIMITS))
def test_rows_raise_limit_errors_named_by_field(row: Limit) -> None:
    """A row's error is a LimitExceeded (or None: only counted) and its wording names the field."""
    assert row.error is None or issubclass(row.error, LimitExceeded)
    assert row.named(7) == f"{row.field}=7"
    assert row.of(Limits()) == f"{row.field}={getattr(Limits(), row.field)}"


def test_one_run_too_many_uses_the_table_wording() -> None:
    """Past max_runs the reducer raises the row's error with the row's wording."""
    reducer = Reducer(limits=Limits(max_runs=1), strict=True)
    reducer.apply("thread.run.created", {"id": "run_1", "object": "thread.run"})
    assert RUNS.error is not None
    with pytest.raises(RUNS.error, match=r"more runs than max_runs=1"):
        reducer.apply("thread.run.created", {"id": "run_2", "object": "thread.run"})
