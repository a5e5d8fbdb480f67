"""TextBuffer and TextRef: append-only text whose older views never change."""

from __future__ import annotations

from hypothesis import given
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
