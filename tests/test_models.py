"""The models: lazily resolved streamed text behaves like a plain str field."""

from __future__ import annotations

import attrs
import pytest

from deltasnap import Message, RefusalContentBlock, Text, TextContentBlock
from deltasnap._text import TextBuffer


def test_lazy_text_equals_plain_text() -> None:
    """A Text built on a lazy reference equals, hashes-compares and prints like a plain one."""
    buf = TextBuffer()
    buf.append("hel")
    buf.append("lo")
    lazy = Text(value=buf.ref())  # type: ignore[arg-type]
    plain = Text(value="hello")
    assert lazy == plain
    assert repr(lazy) == repr(plain)
    assert lazy.value == "hello"


def test_refusal_reads_lazily() -> None:
    """RefusalContentBlock.refusal resolves its lazy reference on first read."""
    buf = TextBuffer("no")
    block = RefusalContentBlock(refusal=buf.ref())  # type: ignore[arg-type]
    buf.append(" way")
    assert block.refusal == "no"
    assert block == RefusalContentBlock(refusal="no")


def test_models_are_frozen() -> None:
    """Snapshots cannot be changed in place."""
    msg = Message(id="m", content=(TextContentBlock(text=Text(value="x")),))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        msg.id = "other"  # type: ignore[misc]
    assert msg.content[0].type == "text"


def test_type_is_a_constant() -> None:
    """The ``type`` discriminator is fixed by the class, not an init argument."""
    with pytest.raises(TypeError):
        TextContentBlock(type="image", text=Text(value=""))  # type: ignore[call-arg]
