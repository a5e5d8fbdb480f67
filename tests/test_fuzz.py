"""Fuzzing with hypothesis: arbitrary and mutated streams never break the Accumulator's contract.

The contract (checked by ``fuzz/fuzz_accumulator.py``'s ``check_readable`` after every feed): only
``DeltasnapError`` subclasses escape, and only in strict mode; every snapshot stays readable,
unstructurable and JSON-serialisable; nothing grows past its limit; memory stays bounded. The
atheris harness checks the same, coverage-guided; its crashes live on in tests/data/regressions/.
"""

from __future__ import annotations

import importlib.util
import json
import os
import tracemalloc
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltasnap import Accumulator, DeltasnapError, Limits, SSEDecoder

from conftest import STREAM_NAMES, stream_path
from strategies import HOSTILE_VALUES, chunked, json_substitutions, mutated_streams

ROOT = Path(__file__).resolve().parents[1]
REGRESSIONS = ROOT / "tests" / "data" / "regressions"
CAPTURES = [stream_path(name).read_bytes() for name in STREAM_NAMES]
# A few seconds per test by default; DELTASNAP_FUZZ_EXAMPLES=5000 (say) for a longer campaign.
EXAMPLES = int(os.environ.get("DELTASNAP_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _harness() -> ModuleType:
    """fuzz/fuzz_accumulator.py, loaded by path (it runs without atheris)."""
    spec = importlib.util.spec_from_file_location(
        "fuzz_accumulator", ROOT / "fuzz" / "fuzz_accumulator.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HARNESS = _harness()
check_readable = HARNESS.check_readable
TINY: Limits = HARNESS.TINY

OPTIONS = st.fixed_dictionaries(
    {
        "strict": st.booleans(),
        "use_completed": st.booleans(),
        "limits": st.sampled_from([None, TINY]),
    }
)
SIZES = st.lists(st.integers(1, 300), max_size=30)


def feed(pieces: list[bytes], *, strict: bool, **options: Any) -> Accumulator:
    """Feed the pieces, checking the contract after every one, then close."""
    acc = Accumulator(strict=strict, **options)
    try:
        for piece in pieces:
            acc.feed(piece)
            check_readable(acc)
        acc.close()
    except DeltasnapError:
        assert strict, "lenient mode raised"
    check_readable(acc)
    return acc


@FUZZ
@given(data=st.binary(max_size=3000), sizes=SIZES, options=OPTIONS)
def test_arbitrary_bytes(data: bytes, sizes: list[int], options: dict[str, Any]) -> None:
    """Arbitrary bytes, arbitrarily chunked: only DeltasnapErrors, snapshots always readable."""
    feed(chunked(data, sizes), **options)


@FUZZ
@given(data=st.data(), sizes=SIZES, options=OPTIONS)
def test_mutated_streams(data: st.DataObject, sizes: list[int], options: dict[str, Any]) -> None:
    """Valid streams with values substituted, events duplicated, dropped, moved and spliced,
    bytes flipped and the end cut off: only DeltasnapErrors, snapshots always readable."""
    stream = data.draw(mutated_streams(CAPTURES))
    feed(chunked(stream, sizes), **options)


@settings(FUZZ, max_examples=max(1, EXAMPLES // 2))
@given(data=st.data(), strict=st.booleans())
def test_mutated_events_fed_decoded(data: st.DataObject, strict: bool) -> None:
    """The same mutations through feed_event (decoded dicts, never parsed from text), plus
    arbitrary values as whole event data; a rejected event never changes a snapshot."""
    stream = data.draw(mutated_streams(CAPTURES))
    acc = Accumulator(strict=strict, limits=HARNESS.TINY_ALL_REPORTS)
    decoder = SSEDecoder(max_event_bytes=None, errors="replace")
    decoder.receive(stream)
    try:
        while (event := decoder.next_event()) is not None:
            try:
                payload: Any = json.loads(event.data)
            except ValueError:
                payload = event.data
            if data.draw(st.integers(0, 9)) == 0:
                payload = data.draw(HOSTILE_VALUES)
            HARNESS.feed_event_checked(acc, event.event, payload)
        acc.close()
    except DeltasnapError:
        assert strict, "lenient mode raised"
    check_readable(acc)


@settings(FUZZ, max_examples=max(1, EXAMPLES // 3))
@given(data=st.data(), sizes=SIZES, strict=st.booleans())
def test_memory_stays_bounded(data: st.DataObject, sizes: list[int], strict: bool) -> None:
    """With small limits, feeding a mutated stream (made four times as long) peaks under 4 MiB."""
    stream = data.draw(mutated_streams(CAPTURES)) * 4
    pieces = chunked(stream, sizes)
    tracemalloc.start()
    try:
        feed(pieces, strict=strict, limits=TINY)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024


@FUZZ
@given(data=st.data())
def test_json_substitution_keeps_the_event_shape(data: st.DataObject) -> None:
    """The JSON mutation replaces values inside the data line and leaves the event line alone."""
    block = data.draw(st.sampled_from(CAPTURES)).replace(b"\r\n", b"\n").split(b"\n\n")[0]
    mutated = data.draw(json_substitutions(block))
    assert mutated.split(b"\n")[0] == block.split(b"\n")[0]
    json.loads(mutated.partition(b"data: ")[2])


REGRESSION_FILES = sorted(REGRESSIONS.glob("*.sse"))


def test_there_are_regression_files() -> None:
    """Every crash the fuzzers found left a file in tests/data/regressions/."""
    assert len(REGRESSION_FILES) >= 5


@pytest.mark.parametrize("path", REGRESSION_FILES, ids=[p.name for p in REGRESSION_FILES])
def test_regression_replays(path: Path) -> None:
    """Each stream that once broke the contract goes through the fuzz harness cleanly now."""
    HARNESS.run_one(path.read_bytes())
