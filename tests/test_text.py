"""TextBuffer and TextRef: append-only text whose older views never change."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from deltasnap._text import TextBuffer, resolve


@given(st.lists(st.text(max_size=5), max_size=30), st.data())
def test_refs_read_their_own_prefix(pieces: list[str], data: st.DataObject) -> None:
    """A reference taken after k pieces reads the join of those k pieces, whatever came later."""
    buf = TextBuffer()
    refs = []
    for piece in pieces:
        buf.append(piece)
        refs.append(buf.ref())
        if data.draw(st.booleans()):
            buf.text()  # consolidating in between must not disturb older references
    for k, ref in enumerate(refs, start=1):
        assert resolve(ref) == "".join(pieces[:k])
        assert len(ref) == len("".join(pieces[:k]))
    assert buf.text() == "".join(pieces)
    assert len(buf) == len("".join(pieces))


def test_resolve_passes_str_through() -> None:
    """resolve() returns a str unchanged."""
    assert resolve("abc") == "abc"


@settings(deadline=None)  # a correctness test: no time limit on a shared, loaded machine
@given(st.integers(0, 1500), st.randoms(use_true_random=False))
def test_long_unread_runs_are_joined_faithfully(n: int, rnd: random.Random) -> None:
    """Hundreds of unread pieces (joined into runs along the way) read back exactly."""
    pieces = [rnd.choice(["a", "bc", "dé\n", ""]) for _ in range(n)]
    buf = TextBuffer("start:")
    refs = []
    for k, piece in enumerate(pieces, start=1):
        buf.append(piece)
        if rnd.randrange(100) == 0:
            refs.append((k, buf.ref()))
        if rnd.randrange(400) == 0:
            assert buf.text() == "start:" + "".join(pieces[:k])
    for k, ref in refs:
        assert resolve(ref) == "start:" + "".join(pieces[:k])
    assert buf.text() == "start:" + "".join(pieces)
    assert len(buf) == len(buf.text())
