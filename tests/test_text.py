"""TextBuffer and TextRef: append-only text whose older views never change."""

from __future__ import annotations

import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltasnap import _exact, _text
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


# Every kind of character a str can hold: ASCII, Latin-1, the BMP (lone surrogates, which JSON
# escapes can make, among them) and beyond it.
_ANY = st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.text(_ANY, max_size=12), max_size=12), st.integers(1, 9))
def test_exact_decode_is_the_decode(pieces: list[str], slice_bytes: int) -> None:
    """The str made at its size equals the one decoding at once makes, kind and all (a wider
    kind would compare unequal), however the slices cut the characters."""
    text = "".join(pieces)
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_exact, "_MIN", 0)
        patch.setattr(_exact, "_SLICE", slice_bytes)
        made = _exact.decode(data, len(text))
        wrong = [_exact.decode(data, len(text) + d) for d in (-1, 1) if len(text) + d >= 0]
    assert made == text and hash(made) == hash(text)
    assert sys.getsizeof(made) == sys.getsizeof(text)
    assert all(w == text and sys.getsizeof(w) == sys.getsizeof(text) for w in wrong)


@settings(deadline=None, max_examples=100)
@given(st.lists(st.text(_ANY, max_size=40), max_size=40), st.data())
def test_buffers_flushed_by_size_read_back_exactly(pieces: list[str], data: st.DataObject) -> None:
    """Pieces flushed to UTF-8 by count or by size, and decoded at their size, read back as
    joined; older references keep their prefix."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_exact, "_MIN", 0)
        patch.setattr(_text, "_CHARS", data.draw(st.integers(1, 64)))
        buf = TextBuffer(data.draw(st.sampled_from(["", "x", "é🎉"])))
        start = buf.text()
        refs = []
        for piece in pieces:
            buf.append(piece)
            refs.append(buf.ref())
            if data.draw(st.integers(0, 9)) == 0:
                buf.text()
        for k, ref in enumerate(refs, start=1):
            assert resolve(ref) == start + "".join(pieces[:k])
        assert buf.text() == start + "".join(pieces)
        assert len(buf) == len(buf.text())
