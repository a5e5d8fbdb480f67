"""Typed models of the Assistants API message objects and their stream deltas (attrs classes).

Every model keeps keys it does not know in ``extra`` and unknown content or annotation types are
kept whole in ``Unknown*`` models, so structuring then unstructuring gives back the same JSON.
Fields marked optional are left out of the JSON when ``None``; all others are written, ``null``
included, as the API does.
"""

from __future__ import annotations

import reprlib
from typing import Any, Literal, TypeAlias, cast

import attrs

from ._text import TextRef, resolve

__all__ = [
    "Annotation",
    "AnnotationDelta",
    "Attachment",
    "AttachmentTool",
    "ContentBlock",
    "ContentDelta",
    "FileCitation",
    "FileCitationAnnotation",
    "FileCitationDelta",
    "FileCitationDeltaAnnotation",
    "FilePath",
    "FilePathAnnotation",
    "FilePathDelta",
    "FilePathDeltaAnnotation",
    "ImageFile",
    "ImageFileContentBlock",
    "ImageFileDelta",
    "ImageFileDeltaBlock",
    "ImageURL",
    "ImageURLContentBlock",
    "ImageURLDelta",
    "ImageURLDeltaBlock",
    "IncompleteDetails",
    "Message",
    "MessageDelta",
    "MessageDeltaEvent",
    "RefusalContentBlock",
    "RefusalDeltaBlock",
    "Text",
    "TextContentBlock",
    "TextDelta",
    "TextDeltaBlock",
    "URLCitation",
    "URLCitationAnnotation",
    "URLCitationDelta",
    "URLCitationDeltaAnnotation",
    "UnknownAnnotation",
    "UnknownAnnotationDelta",
    "UnknownContentBlock",
    "UnknownContentDelta",
]

OPTIONAL = "deltasnap.optional"


def _optional(**kwargs: Any) -> Any:
    """A field that defaults to None and is left out of the JSON when None."""
    return attrs.field(default=None, metadata={OPTIONAL: True}, **kwargs)


def _extra() -> Any:
    """The field holding keys the model does not know, written back after the known ones."""
    return attrs.field(factory=dict)


def _kind(name: str) -> Any:
    """The constant ``type`` discriminator, written first in the JSON."""
    return attrs.field(default=name, init=False)


def _streamed() -> Any:
    """A streamed-text field: a str, or a lazy reference resolved (and cached) on first read."""
    return attrs.field(eq=resolve)


def _read_streamed(obj: Any, name: str) -> str:
    value = getattr(obj, name)
    if type(value) is not str:
        value = value.resolve()
        object.__setattr__(obj, name, value)
    return cast(str, value)


# ------------------------------------------------------------------------------- reprs

_REPR_STR = 200  # longer strings are shown as their head and their length
_REPR_ITEMS = 12  # longer tuples are shown as their first items and a count
_JSON_REPR = reprlib.Repr()  # keyword arguments need Python 3.12
_JSON_REPR.maxlevel = 4
_JSON_REPR.maxdict = _JSON_REPR.maxlist = 8
_JSON_REPR.maxstring = _JSON_REPR.maxother = 80
_REPR_FIELDS: dict[type, tuple[tuple[str, str], ...]] = {}
_EQ_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _repr_fields(cls: type) -> tuple[tuple[str, str], ...]:
    """(public name, attribute) of each field, the public name being the one users read."""
    found = _REPR_FIELDS.get(cls)
    if found is None:
        found = _REPR_FIELDS[cls] = tuple((f.alias or f.name, f.name) for f in attrs.fields(cls))
    return found


def _eq_fields(cls: type) -> tuple[tuple[str, Any], ...]:
    """(attribute, key function or None) of each field compared by ``==``."""
    found = _EQ_FIELDS.get(cls)
    if found is None:
        found = _EQ_FIELDS[cls] = tuple((f.name, f.eq_key) for f in attrs.fields(cls) if f.eq)
    return found


def _short_repr(value: Any) -> str:
    """A repr of a field value that stays readable: long text and long tuples are shortened,
    free-form JSON (metadata, unknown fields) is bounded in size and depth."""
    kind = type(value)
    if kind is str:
        if len(value) <= _REPR_STR:
            return repr(value)
        return f"{value[: _REPR_STR - 40]!r}… ({len(value)} chars)"
    if isinstance(value, _Model):
        return repr(value)
    if kind is tuple:
        items = [_short_repr(v) for v in value[:_REPR_ITEMS]]
        if len(value) > _REPR_ITEMS:
            items.append(f"… {len(value) - _REPR_ITEMS} more")
        elif len(value) == 1:
            return f"({items[0]},)"
        return f"({', '.join(items)})"
    if kind is dict or kind is list:
        return _JSON_REPR.repr(value)
    if kind is TextRef:
        return _short_repr(value.resolve())  # streamed text not read yet
    return repr(value)


class _Model:
    """What every model shares: equality, a repr with public field names, and no hashing.

    Written once here rather than generated for each class (which is most of what building a
    class costs at import). Equality is attrs' own: same class, equal fields, streamed text
    compared as text. The repr names fields as users read them (``value``, not ``_value``),
    leaves out an empty ``extra`` and shortens long values. Models hold dicts (``extra``,
    ``metadata``), so they are not hashable, and say so plainly.
    """

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        for name, key in _eq_fields(type(self)):
            mine, theirs = getattr(self, name), getattr(other, name)
            if key is not None:
                mine, theirs = key(mine), key(theirs)
            if mine != theirs:
                return False
        return True

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __repr__(self) -> str:
        parts = []
        for public, name in _repr_fields(type(self)):
            value = getattr(self, name)
            if name == "extra" and not value:
                continue
            parts.append(f"{public}={_short_repr(value)}")
        return f"{type(self).__name__}({', '.join(parts)})"


# --------------------------------------------------------------------------------- snapshots


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileCitation(_Model):
    """The file a file_citation annotation points at."""

    file_id: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FilePath(_Model):
    """The file a file_path annotation points at."""

    file_id: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileCitationAnnotation(_Model):
    """A citation of a file, produced by file_search."""

    type: Literal["file_citation"] = _kind("file_citation")
    text: str | None = None
    start_index: int | None = None
    end_index: int | None = None
    file_citation: FileCitation | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FilePathAnnotation(_Model):
    """A path to a file generated by code_interpreter."""

    type: Literal["file_path"] = _kind("file_path")
    text: str | None = None
    start_index: int | None = None
    end_index: int | None = None
    file_path: FilePath | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class URLCitation(_Model):
    """The web page a url_citation annotation points at (Azure AI Agents grounding tools)."""

    url: str | None = None
    title: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class URLCitationAnnotation(_Model):
    """A citation of a web page, produced by the Azure AI Agents grounding and search tools."""

    type: Literal["url_citation"] = _kind("url_citation")
    text: str | None = None
    start_index: int | None = None
    end_index: int | None = None
    url_citation: URLCitation | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownAnnotation(_Model):
    """An annotation of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


Annotation: TypeAlias = (
    FileCitationAnnotation | FilePathAnnotation | URLCitationAnnotation | UnknownAnnotation
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class Text(_Model):
    """The text of a text content block with its annotations."""

    _value: str = _streamed()
    annotations: tuple[Annotation, ...] = ()
    extra: dict[str, Any] = _extra()

    @property
    def value(self) -> str:
        """The text."""
        return _read_streamed(self, "_value")


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class TextContentBlock(_Model):
    """A text content block."""

    type: Literal["text"] = _kind("text")
    text: Text
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ImageFile(_Model):
    """An image stored as a file."""

    file_id: str | None = None
    detail: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ImageFileContentBlock(_Model):
    """An image_file content block."""

    type: Literal["image_file"] = _kind("image_file")
    image_file: ImageFile
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ImageURL(_Model):
    """An image at an external URL."""

    url: str | None = None
    detail: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ImageURLContentBlock(_Model):
    """An image_url content block."""

    type: Literal["image_url"] = _kind("image_url")
    image_url: ImageURL
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class RefusalContentBlock(_Model):
    """A refusal content block."""

    type: Literal["refusal"] = _kind("refusal")
    _refusal: str = _streamed()
    extra: dict[str, Any] = _extra()

    @property
    def refusal(self) -> str:
        """The refusal text."""
        return _read_streamed(self, "_refusal")


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownContentBlock(_Model):
    """A content block of a type deltasnap does not know, kept whole."""

    type: str
    data: dict[str, Any]


ContentBlock: TypeAlias = (
    TextContentBlock
    | ImageFileContentBlock
    | ImageURLContentBlock
    | RefusalContentBlock
    | UnknownContentBlock
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class IncompleteDetails(_Model):
    """Why a message is incomplete."""

    reason: str | None = None
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class AttachmentTool(_Model):
    """A tool a file attachment was added to."""

    type: str
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class Attachment(_Model):
    """A file attached to a message and the tools it was added to."""

    file_id: str | None = _optional()
    tools: tuple[AttachmentTool, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class Message(_Model):
    """A thread message (``object: "thread.message"``) as the API returns it."""

    id: str
    object: str = "thread.message"
    created_at: int | None = None
    assistant_id: str | None = None
    thread_id: str | None = None
    run_id: str | None = None
    status: str | None = None
    incomplete_details: IncompleteDetails | None = None
    completed_at: int | None = None
    incomplete_at: int | None = None
    role: str | None = None
    content: tuple[ContentBlock, ...] = ()
    attachments: tuple[Attachment, ...] | None = _optional()  # absent from v1 messages
    metadata: dict[str, Any] | None = attrs.field(factory=dict)
    extra: dict[str, Any] = _extra()


# ------------------------------------------------------------------------------------ deltas


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileCitationDelta(_Model):
    """The changed fields of a file citation."""

    file_id: str | None = _optional()
    quote: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FilePathDelta(_Model):
    """The changed fields of a file path."""

    file_id: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FileCitationDeltaAnnotation(_Model):
    """A file_citation annotation delta, keyed by its index in the text part."""

    index: int
    type: Literal["file_citation"] = _kind("file_citation")
    text: str | None = _optional()
    start_index: int | None = _optional()
    end_index: int | None = _optional()
    file_citation: FileCitationDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class FilePathDeltaAnnotation(_Model):
    """A file_path annotation delta, keyed by its index in the text part."""

    index: int
    type: Literal["file_path"] = _kind("file_path")
    text: str | None = _optional()
    start_index: int | None = _optional()
    end_index: int | None = _optional()
    file_path: FilePathDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class URLCitationDelta(_Model):
    """The changed fields of a URL citation (sent whole)."""

    url: str | None = _optional()
    title: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class URLCitationDeltaAnnotation(_Model):
    """A url_citation annotation delta, keyed by its index in the text part."""

    index: int
    type: Literal["url_citation"] = _kind("url_citation")
    text: str | None = _optional()
    start_index: int | None = _optional()
    end_index: int | None = _optional()
    url_citation: URLCitationDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownAnnotationDelta(_Model):
    """An annotation delta of a type deltasnap does not know, kept whole."""

    index: int
    type: str
    data: dict[str, Any]


AnnotationDelta: TypeAlias = (
    FileCitationDeltaAnnotation
    | FilePathDeltaAnnotation
    | URLCitationDeltaAnnotation
    | UnknownAnnotationDelta
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class TextDelta(_Model):
    """The changed fields of a text part: a piece of value and annotation deltas."""

    value: str | None = _optional()
    annotations: tuple[AnnotationDelta, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class TextDeltaBlock(_Model):
    """A text content delta, keyed by its content index."""

    index: int
    type: Literal["text"] = _kind("text")
    text: TextDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ImageFileDelta(_Model):
    """The changed fields of an image file."""

    file_id: str | None = _optional()
    detail: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ImageFileDeltaBlock(_Model):
    """An image_file content delta, keyed by its content index."""

    index: int
    type: Literal["image_file"] = _kind("image_file")
    image_file: ImageFileDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ImageURLDelta(_Model):
    """The changed fields of an image URL."""

    url: str | None = _optional()
    detail: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class ImageURLDeltaBlock(_Model):
    """An image_url content delta, keyed by its content index."""

    index: int
    type: Literal["image_url"] = _kind("image_url")
    image_url: ImageURLDelta | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class RefusalDeltaBlock(_Model):
    """A refusal content delta, keyed by its content index."""

    index: int
    type: Literal["refusal"] = _kind("refusal")
    refusal: str | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class UnknownContentDelta(_Model):
    """A content delta of a type deltasnap does not know, kept whole."""

    index: int
    type: str
    data: dict[str, Any]


ContentDelta: TypeAlias = (
    TextDeltaBlock
    | ImageFileDeltaBlock
    | ImageURLDeltaBlock
    | RefusalDeltaBlock
    | UnknownContentDelta
)


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class MessageDelta(_Model):
    """The fields of a message that changed: role and content deltas."""

    role: str | None = _optional()
    content: tuple[ContentDelta, ...] | None = _optional()
    extra: dict[str, Any] = _extra()


@attrs.frozen(kw_only=True, eq=False, repr=False, unsafe_hash=False)
class MessageDeltaEvent(_Model):
    """A ``thread.message.delta`` payload."""

    id: str
    object: str = "thread.message.delta"
    delta: MessageDelta = attrs.field(factory=MessageDelta)
    extra: dict[str, Any] = _extra()
