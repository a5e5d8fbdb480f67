"""The error hierarchy: one root, locations in the message, picklable."""

from __future__ import annotations

import pickle

import pytest

from deltasnap import ContentTypeMismatch, DeltaError, DeltasnapError
from deltasnap._errors import int_text


def test_location_in_message() -> None:
    """str(error) names every known location field."""
    err = ContentTypeMismatch("part 0 is text", event_number=3, message_id="m", content_index=0)
    assert str(err) == "part 0 is text (event_number=3, message_id='m', content_index=0)"
    assert isinstance(err, DeltaError)
    assert isinstance(err, DeltasnapError)


def test_located_fills_only_unknown_fields() -> None:
    """located() adds missing location fields and keeps those already set."""
    err = DeltaError("bad", content_index=1).located(content_index=5, event_number=2)
    assert (err.content_index, err.event_number) == (1, 2)


def test_pickle_round_trip() -> None:
    """Errors survive pickling (e.g. across processes) with their location."""
    err = DeltaError("bad", byte_offset=10, message_id="m")
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is DeltaError
    assert again.location == err.location
    assert str(again) == str(err)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (-12, "-12"),
        (2**128 - 1, str(2**128 - 1)),
        (10**5000, "<an integer of about 5001 digits>"),
        (-(10**5000), "-<an integer of about 5001 digits>"),
    ],
    ids=["zero", "negative", "128-bit", "huge", "huge-negative"],
)
def test_int_text_renders_any_int(value: int, text: str) -> None:
    """int_text shows small ints in full and huge ones (past Python's 4,300-digit str limit) by
    their size, without ValueError."""
    assert int_text(value) == text


def test_error_with_a_huge_index_formats() -> None:
    """An error located at a 5,001-digit index formats its message (no ValueError)."""
    err = DeltaError("bad", content_index=10**5000)
    assert str(err) == "bad (content_index=<an integer of about 5001 digits>)"
