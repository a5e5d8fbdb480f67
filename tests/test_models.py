"""The models: lazy streamed text behaves like a plain str; readable reprs; url citations."""

from __future__ import annotations

import attrs
import pytest

from deltasnap import (
    Annotation,
    AnnotationDelta,
    Function,
    FunctionToolCall,
    Message,
    RefusalContentBlock,
    Text,
    TextContentBlock,
    TextDelta,
    URLCitation,
    URLCitationAnnotation,
    URLCitationDelta,
    URLCitationDeltaAnnotation,
    ValidationError,
    structure,
    unstructure,
)
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


def test_repr_uses_public_names_and_hides_empty_extra() -> None:
    """Reprs name fields as users read them (``value``, ``arguments``), not ``_value``; an empty
    ``extra`` is left out and a non-empty one shown."""
    text = Text(value="hi")
    assert repr(text) == "Text(value='hi', annotations=())"
    call = FunctionToolCall(id="c", function=Function(name="f", arguments="{}"))
    assert repr(call) == (
        "FunctionToolCall(id='c', type='function', "
        "function=Function(name='f', arguments='{}', output=None))"
    )
    assert "_value" not in repr(TextContentBlock(text=text))
    assert repr(Text(value="", extra={"lang": "en"})).endswith("extra={'lang': 'en'})")
    assert (
        repr(RefusalContentBlock(refusal="no"))
        == "RefusalContentBlock(type='refusal', refusal='no')"
    )


def test_repr_of_lazy_text_shows_the_text() -> None:
    """A snapshot holding a lazy reference shows its text, like a plain one."""
    buf = TextBuffer("abc")
    assert repr(Text(value=buf.ref())) == "Text(value='abc', annotations=())"  # type: ignore[arg-type]


def test_repr_shortens_long_values() -> None:
    """Long text shows its head and length, long tuples their first items and a count, and
    free-form JSON is bounded in size and depth."""
    long = "x" * 10_000
    shown = repr(Text(value=long))
    assert len(shown) < 300
    assert "10000 chars" in shown
    many = tuple(Text(value=str(i)) for i in range(100))
    block = repr(Message(id="m", content=tuple(TextContentBlock(text=t) for t in many)))
    assert "88 more" in block and len(block) < 2_000
    deep: dict[str, object] = {"k": list(range(1_000))}
    for _ in range(50):
        deep = {"k": deep}
    assert len(repr(Message(id="m", metadata=deep))) < 500


def test_repr_of_cyclic_metadata_ends() -> None:
    """A model built by hand around cyclic data still has a bounded repr."""
    cyclic: dict[str, object] = {}
    cyclic["self"] = cyclic
    assert "Message(id='m'" in repr(Message(id="m", metadata=cyclic))


def test_models_say_they_are_unhashable() -> None:
    """Models hold dicts, so they are not hashable, and say so by name."""
    with pytest.raises(TypeError, match="unhashable type: 'Text'"):
        hash(Text(value="x"))


def test_url_citation_annotations_are_typed() -> None:
    """url_citation annotations and their deltas structure into typed models and round-trip."""
    raw = {
        "type": "url_citation",
        "text": "【3:0†source】",
        "start_index": 1,
        "end_index": 13,
        "url_citation": {"url": "https://example.org", "title": "Example"},
    }
    ann = structure(raw, Annotation)
    assert isinstance(ann, URLCitationAnnotation)
    assert ann.url_citation == URLCitation(url="https://example.org", title="Example")
    assert unstructure(ann) == raw
    delta = structure({"index": 0, **raw}, AnnotationDelta)
    assert isinstance(delta, URLCitationDeltaAnnotation)
    assert delta.url_citation == URLCitationDelta(url="https://example.org", title="Example")
    assert unstructure(delta) == {"index": 0, **raw}
    with pytest.raises(ValidationError, match=r"url_citation\.url"):
        structure({**raw, "url_citation": {"url": 5}}, Annotation)


def test_equality_is_by_class_and_fields() -> None:
    """Models are equal when of the same class with equal fields (streamed text compared as
    text); a model of another class with the same fields is not equal."""
    assert Text(value="a", extra={"k": 1}) == Text(value="a", extra={"k": 1})
    assert Text(value="a") != Text(value="b")
    assert Text(value="a") != Text(value="a", extra={"k": 1})
    assert TextDelta(value="a") != Text(value="a")
    assert Text(value="a") != "a"
    assert Text(value=TextBuffer("ab").ref()) == Text(value="ab")  # type: ignore[arg-type]


def test_repr_of_other_values_is_their_repr() -> None:
    """Numbers, None and values of unexpected types show as their own repr."""
    ann = URLCitationAnnotation(start_index=3, end_index=None, extra={"score": 0.5})
    assert "start_index=3, end_index=None" in repr(ann)
    assert repr(FunctionToolCall(id=object(), function=Function(arguments=""))).startswith(  # type: ignore[arg-type]
        "FunctionToolCall(id=<object object at"
    )
