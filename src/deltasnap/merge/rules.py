"""The merge contract as data: for every keyed level, how each type there streams.

A keyed level is a list whose items carry an ``index`` and a ``type`` (content parts,
annotations, tool calls, code-interpreter outputs). For each known type a ``TypeRule`` says
which object the item holds, which field is streamed (appended, never replaced), which child list
it has, whether its snapshot model needs that object even before a delta gives one, and (for
annotations) the delta model whose field types an event's item is checked against. Every
other field replaces, or merges key by key. The rules are checked against the models at import,
so a rule that names a field its model lacks fails loudly. Adding a content-part or tool-call type
is a row here plus its model.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import TypeAlias, get_args

import attrs

from .. import _models as m
from .. import _run_models as rm

__all__ = [
    "ANNOTATIONS",
    "ANNOTATION_FIELDS",
    "ANNOTATION_STREAMED",
    "CONTENT",
    "CONTENT_NEEDS_OBJECT",
    "KEYED_ANNOTATIONS",
    "NEVER_STREAMED",
    "OUTPUTS",
    "OUTPUT_STREAMED",
    "STEP_DETAILS_NEEDS_OBJECT",
    "STEP_NEEDS_OBJECT",
    "TOOL_CALLS",
    "WHOLE",
    "Schema",
    "TypeRule",
    "never_streamed",
    "streamed_content",
    "streamed_path",
]

Schema: TypeAlias = Mapping[str, "builtins.type | Schema"]
"""Field types by name, nested for objects: a field may be absent or null, unknown fields pass."""


@attrs.frozen
class TypeRule:
    """How items of one type at a keyed level stream."""

    type: str
    model: builtins.type
    obj: str | None = None
    """The key of the object the item holds ("text", "function"); None: fields at the top."""
    streamed: str | None = None
    """The appended field (inside ``obj`` if there is one)."""
    children: str | None = None
    """The keyed child list inside ``obj`` ("annotations", "outputs")."""
    needs_object: bool = False
    """The snapshot model requires ``obj`` (``{}`` until a delta gives one)."""
    delta: builtins.type | None = None
    """The delta model an event's item is checked against, field by field (None: not checked
    here)."""


CONTENT = {
    r.type: r
    for r in (
        TypeRule("text", m.TextContentBlock, "text", "value", "annotations"),
        TypeRule("refusal", m.RefusalContentBlock, None, "refusal"),
        TypeRule("image_file", m.ImageFileContentBlock, "image_file", needs_object=True),
        TypeRule("image_url", m.ImageURLContentBlock, "image_url", needs_object=True),
    )
}
ANNOTATIONS = {
    r.type: r
    for r in (
        TypeRule(
            "file_citation",
            m.FileCitationAnnotation,
            "file_citation",
            delta=m.FileCitationDeltaAnnotation,
        ),
        TypeRule("file_path", m.FilePathAnnotation, "file_path", delta=m.FilePathDeltaAnnotation),
        TypeRule(
            "url_citation",
            m.URLCitationAnnotation,
            "url_citation",
            delta=m.URLCitationDeltaAnnotation,
        ),
    )
}
ANNOTATION_STREAMED = "text"  # the streamed field of every annotation, at its top level
TOOL_CALLS = {
    r.type: r
    for r in (
        TypeRule("function", rm.FunctionToolCall, "function", "arguments"),
        TypeRule(
            "code_interpreter", rm.CodeInterpreterToolCall, "code_interpreter", "input", "outputs"
        ),
        TypeRule("file_search", rm.FileSearchToolCall, "file_search", needs_object=True),
    )
}
OUTPUTS = {
    r.type: r
    for r in (
        TypeRule("logs", rm.CodeInterpreterLogs, None, "logs"),
        TypeRule("image", rm.CodeInterpreterImageOutput, "image", needs_object=True),
    )
}
STEP_DETAILS_NEEDS_OBJECT = {"message_creation": "message_creation"}

# What the server never streams, by (keyed level, type): the fields (dotted paths inside the item)
# that only its final copy carries. A difference there between what was accumulated and the
# final copy is ``completed_adds`` (informational), never ``completed_differs``.
WHOLE = "*"
"""Every field of the item except ``id``, ``type`` and ``index``."""
NEVER_STREAMED: dict[tuple[str, str], frozenset[str]] = {
    # set by the client's submit_tool_outputs, after the call streamed
    ("tool_calls", "function"): frozenset({"function.output"}),
    # requested with include[]; only the step's final copy has them
    ("tool_calls", "file_search"): frozenset({"file_search.results"}),
    # an Azure MCP step: created empty, never streamed, complete in its final copy
    ("step_details", "activities"): frozenset({WHOLE}),
}
# Besides these: every field of a tool call whose type has no appended field (Azure AI Agents
# types such as mcp, bing_grounding, azure_ai_search, and types not known yet) arrives whole,
# and a field that the final copy leaves out where the stream gave only an empty value (``""``,
# ``[]``, ``{}``, null: e.g. a file_citation's empty ``quote``) was dropped, not changed.


def never_streamed(level: str, kind: str) -> frozenset[str]:
    """The never-streamed fields of an item of type ``kind`` at ``level`` (see NEVER_STREAMED)."""
    fields = NEVER_STREAMED.get((level, kind))
    if fields is not None:
        return fields
    if level == "tool_calls":
        rule = TOOL_CALLS.get(kind)
        if rule is None or rule.streamed is None:
            return frozenset({WHOLE})
    return frozenset()


KEYED_ANNOTATIONS = "annotations"
"""The child list of a streamed content part whose children are annotations (the text row)."""


def streamed_content(kind: object) -> TypeRule | None:
    """The row of content-part type ``kind`` if a field of it streams (looked up when asked, so
    that a row added to CONTENT takes effect); None for any other type or a non-string."""
    rule = CONTENT.get(kind) if type(kind) is str else None
    return rule if rule is not None and rule.streamed is not None else None


def streamed_path(rule: TypeRule) -> str:
    """Where a row's streamed field is, dotted from the item (``text.value``, ``refusal``)."""
    field = rule.streamed or ""
    return field if rule.obj is None else f"{rule.obj}.{field}"


# Derived lookups for the hot path.
CONTENT_NEEDS_OBJECT = {t: r.obj for t, r in CONTENT.items() if r.needs_object and r.obj}
OUTPUT_STREAMED = {t: r.streamed for t, r in OUTPUTS.items() if r.streamed}
STEP_NEEDS_OBJECT = {
    **{t: r.obj for t, r in TOOL_CALLS.items() if r.needs_object and r.obj},
    **{t: r.obj for t, r in OUTPUTS.items() if r.needs_object and r.obj},
    **STEP_DETAILS_NEEDS_OBJECT,
}


def _field_names(model: type) -> set[str]:
    return {f.alias or f.name for f in attrs.fields(model)}


def _field_type(model: builtins.type, name: str) -> object:
    for field in attrs.fields(model):
        if (field.alias or field.name) == name:
            return field.type
    raise AssertionError(f"{model.__name__} has no field {name!r}")


_SCALARS: dict[str, builtins.type] = {"str": str, "int": int}
_NOT_CHECKED = frozenset({"index", "type", "extra"})  # checked by the keyed level / kept as is


def _schema(model: builtins.type) -> dict[str, builtins.type | Schema]:
    """The field types of a delta model (``str | None`` -> str, a nested model -> its schema)."""
    schema: dict[str, builtins.type | Schema] = {}
    for field in attrs.fields(model):
        name = field.alias or field.name
        if name in _NOT_CHECKED:
            continue
        base = _base(field.type)
        scalar = _SCALARS.get(base.__name__ if isinstance(base, type) else str(base))
        schema[name] = scalar if scalar is not None else _schema(_resolve(base))
    return schema


def _check_rules() -> None:
    """Every rule names fields its model has (raises AssertionError at import otherwise)."""
    levels = (CONTENT, ANNOTATIONS, TOOL_CALLS, OUTPUTS)
    for table in levels:
        for kind, rule in table.items():
            model = rule.model
            names = _field_names(model)
            assert "type" in names, f"{model.__name__} has no type field"
            default = attrs.fields_dict(model)["type"].default
            assert default == kind, f"{model.__name__} is not of type {kind!r}"
            where: builtins.type = model
            if rule.obj is not None:
                assert rule.obj in names, f"{model.__name__} has no {rule.obj!r} object"
                inner = _field_type(model, rule.obj)
                where = _resolve(inner)
            for field in (rule.streamed, rule.children):
                if field is not None:
                    assert field in _field_names(where), f"{where.__name__} has no {field!r}"
            if rule.delta is not None:
                delta_type = attrs.fields_dict(rule.delta)["type"].default
                assert delta_type == kind, f"{rule.delta.__name__} is not of type {kind!r}"
                missing = _schema(rule.delta).keys() - names
                assert not missing, f"{model.__name__} lacks the delta fields {sorted(missing)}"


def _base(annotation: object) -> object:
    """An annotation without its ``| None``: a type, or a name while annotations are strings
    (until something such as ``attrs.resolve_types`` resolves them)."""
    if isinstance(annotation, str):
        return annotation.split("|")[0].strip().strip("'\"")
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


def _resolve(annotation: object) -> type:
    """The attrs class an annotation like ``"Text"``, ``"ImageFile | None"`` or ``Text | None``
    names."""
    base = _base(annotation)
    if isinstance(base, type) and attrs.has(base):
        return base
    name = str(base)
    for module in (m, rm):
        found = getattr(module, name, None)
        if isinstance(found, type) and attrs.has(found):
            return found
    raise AssertionError(f"cannot resolve the model {annotation!r}")


_check_rules()

ANNOTATION_FIELDS: dict[str, Schema] = {
    t: _schema(r.delta) for t, r in ANNOTATIONS.items() if r.delta is not None
}
"""The field types of the annotation deltas deltasnap knows, from the rules table's models."""
