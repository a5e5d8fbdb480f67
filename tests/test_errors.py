"""The error hierarchy: one root, locations in the message, picklable."""

from __future__ import annotations

import pickle

from deltasnap import ContentTypeMismatch, DeltaError, DeltasnapError


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
