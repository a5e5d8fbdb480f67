"""The one cattrs converter between deltasnap's models and the API's JSON shape."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar, get_args, get_origin, overload

import attrs
import cattrs

from . import _models as m
from . import _run_models as rm
from ._errors import ValidationError
from ._plain import CONTAINERS, acyclic, copy_json

__all__ = ["converter", "structure", "unstructure"]

T = TypeVar("T")

converter = cattrs.Converter()

# Discriminated unions: the JSON "type" picks the class; anything else is kept whole.
_UNIONS: dict[Any, tuple[dict[str, type], type]] = {
    m.ContentBlock: (
        {
            "text": m.TextContentBlock,
            "image_file": m.ImageFileContentBlock,
            "image_url": m.ImageURLContentBlock,
            "refusal": m.RefusalContentBlock,
        },
        m.UnknownContentBlock,
    ),
    m.Annotation: (
        {
            "file_citation": m.FileCitationAnnotation,
            "file_path": m.FilePathAnnotation,
            "url_citation": m.URLCitationAnnotation,
        },
        m.UnknownAnnotation,
    ),
    m.ContentDelta: (
        {
            "text": m.TextDeltaBlock,
            "image_file": m.ImageFileDeltaBlock,
            "image_url": m.ImageURLDeltaBlock,
            "refusal": m.RefusalDeltaBlock,
        },
        m.UnknownContentDelta,
    ),
    m.AnnotationDelta: (
        {
            "file_citation": m.FileCitationDeltaAnnotation,
            "file_path": m.FilePathDeltaAnnotation,
            "url_citation": m.URLCitationDeltaAnnotation,
        },
        m.UnknownAnnotationDelta,
    ),
    rm.StepDetails: (
        {
            "message_creation": rm.MessageCreationStepDetails,
            "tool_calls": rm.ToolCallsStepDetails,
            "activities": rm.ActivitiesStepDetails,
        },
        rm.UnknownStepDetails,
    ),
    rm.Activity: ({"mcp_list_tools": rm.MCPListToolsActivity}, rm.UnknownActivity),
    rm.RequiredToolCall: (
        {"function": rm.RequiredActionFunctionToolCall, "mcp": rm.RequiredMCPToolCall},
        rm.UnknownRequiredToolCall,
    ),
    rm.ToolCall: (
        {
            "function": rm.FunctionToolCall,
            "code_interpreter": rm.CodeInterpreterToolCall,
            "file_search": rm.FileSearchToolCall,
            "bing_grounding": rm.BingGroundingToolCall,
            "bing_custom_search": rm.BingCustomSearchToolCall,
            "azure_ai_search": rm.AzureAISearchToolCall,
            "sharepoint_grounding": rm.SharepointGroundingToolCall,
            "fabric_dataagent": rm.FabricDataAgentToolCall,
            "openapi": rm.OpenAPIToolCall,
            "azure_function": rm.AzureFunctionToolCall,
            "connected_agent": rm.ConnectedAgentToolCall,
            "deep_research": rm.DeepResearchToolCall,
            "mcp": rm.MCPToolCall,
        },
        rm.UnknownToolCall,
    ),
    rm.CodeInterpreterOutput: (
        {"logs": rm.CodeInterpreterLogs, "image": rm.CodeInterpreterImageOutput},
        rm.UnknownCodeInterpreterOutput,
    ),
    rm.StepDetailsDelta: (
        {
            "message_creation": rm.MessageCreationStepDetailsDelta,
            "tool_calls": rm.ToolCallsStepDetailsDelta,
            "activities": rm.ActivitiesStepDetailsDelta,
        },
        rm.UnknownStepDetailsDelta,
    ),
    rm.ToolCallDelta: (
        {
            "function": rm.FunctionToolCallDelta,
            "code_interpreter": rm.CodeInterpreterToolCallDelta,
            "file_search": rm.FileSearchToolCallDelta,
            "bing_grounding": rm.BingGroundingToolCallDelta,
            "bing_custom_search": rm.BingCustomSearchToolCallDelta,
            "azure_ai_search": rm.AzureAISearchToolCallDelta,
            "sharepoint_grounding": rm.SharepointGroundingToolCallDelta,
            "fabric_dataagent": rm.FabricDataAgentToolCallDelta,
            "openapi": rm.OpenAPIToolCallDelta,
            "azure_function": rm.AzureFunctionToolCallDelta,
            "connected_agent": rm.ConnectedAgentToolCallDelta,
            "deep_research": rm.DeepResearchToolCallDelta,
            "mcp": rm.MCPToolCallDelta,
        },
        rm.UnknownToolCallDelta,
    ),
    rm.CodeInterpreterOutputDelta: (
        {"logs": rm.CodeInterpreterLogsDelta, "image": rm.CodeInterpreterImageOutputDelta},
        rm.UnknownCodeInterpreterOutputDelta,
    ),
}

_UNKNOWN = {unknown for _, unknown in _UNIONS.values()}


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _fail(path: str, reason: str) -> ValidationError:
    return ValidationError(f"{path}: {reason}" if path else reason)


def _prefix(err: ValidationError, key: str) -> ValidationError:
    reason = err.reason
    joiner = "" if reason.startswith("[") else "."
    head, sep, tail = reason.partition(": ")
    if sep and " " not in head:
        err.reason = f"{key}{joiner}{head}: {tail}"
    else:
        err.reason = f"{key}: {reason}"
    err.args = (err.reason,)
    return err


# ------------------------------------------------------------------ strict primitive hooks


def _strict(kind: type, check: Callable[[Any], bool]) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        if not check(value):
            raise _fail("", f"expected {kind.__name__}, got {_type_name(value)}")
        return value

    return hook


_PRIMITIVE_CHECKS: dict[type, Callable[[Any], bool]] = {
    str: lambda v: type(v) is str,
    int: lambda v: isinstance(v, int) and not isinstance(v, bool),
    float: lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    bool: lambda v: type(v) is bool,
}


def _or_none(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


for _kind, _check in _PRIMITIVE_CHECKS.items():
    converter.register_structure_hook(_kind, _strict(_kind, _check))
    # ``X | None`` directly, without cattrs' generic optional dispatch (a hot spot)
    converter.register_structure_hook(_kind | None, _strict(_kind, _or_none(_check)))


# ------------------------------------------------------------------ free-form JSON values

converter.register_structure_hook(Any, lambda v, _: acyclic(v))


def _is_dict_any(tp: Any) -> bool:
    return get_origin(tp) is dict


def _structure_dict(value: Any, _: Any) -> Any:
    if not isinstance(value, dict):
        raise _fail("", f"expected object, got {_type_name(value)}")
    return dict(acyclic(value))


converter.register_structure_hook_func(_is_dict_any, _structure_dict)


def _is_tuple(tp: Any) -> bool:
    return get_origin(tp) is tuple


def _tuple_structure_factory(tp: Any) -> Callable[[Any, Any], Any]:
    item_type = get_args(tp)[0]
    handler = converter.get_structure_hook(item_type)

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise _fail("", f"expected array, got {_type_name(value)}")
        out = []
        for i, item in enumerate(value):
            try:
                out.append(handler(item, item_type))
            except ValidationError as err:
                raise _prefix(err, f"[{i}]") from None
        return tuple(out)

    return hook


converter.register_structure_hook_factory(_is_tuple, _tuple_structure_factory)
converter.register_unstructure_hook_func(_is_tuple, lambda value: [unstructure(v) for v in value])


# ------------------------------------------------------------------------ union hooks


def _kind_of(value: Any) -> str:
    """The ``type`` of a tagged JSON object (raise unless ``value`` is one)."""
    if not isinstance(value, dict):
        raise _fail("", f"expected object, got {_type_name(value)}")
    kind = value.get("type")
    if type(kind) is not str:
        raise _fail("type", f"expected str, got {_type_name(kind)}")
    return kind


def _union_hook(table: dict[str, type], unknown: type) -> Callable[[Any, Any], Any]:
    def hook(value: Any, _: Any) -> Any:
        return converter.structure(value, table.get(_kind_of(value), unknown))

    return hook


def _optional_hook(hook: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda value, tp: None if value is None else hook(value, tp)


for _union, (_table, _unknown) in _UNIONS.items():
    _hook = _union_hook(_table, _unknown)
    converter.register_structure_hook(_union, _hook)
    converter.register_structure_hook(_union | None, _optional_hook(_hook))


# ------------------------------------------------------------------------ model hooks


_MODEL_MODULES = frozenset({m.__name__, rm.__name__})


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp) and tp.__module__ in _MODEL_MODULES


@attrs.frozen
class _Spec:
    key: str
    type: Any
    optional: bool


def _specs(cls: type) -> tuple[dict[str, _Spec], str | None, bool]:
    attrs.resolve_types(cls, vars(sys.modules[cls.__module__]))
    specs: dict[str, _Spec] = {}
    kind: str | None = None
    has_extra = False
    for f in attrs.fields(cls):
        if f.name == "extra":
            has_extra = True
        elif not f.init:
            kind = f.default
        else:
            specs[f.alias] = _Spec(f.alias, f.type, bool(f.metadata.get(m.OPTIONAL)))
    return specs, kind, has_extra


def _model_structure_factory(cls: type) -> Callable[[Any, Any], Any]:
    if cls in _UNKNOWN:
        return _unknown_structure_factory(cls)
    specs, kind, has_extra = _specs(cls)
    required = [
        s.key
        for s in specs.values()
        if attrs.fields_dict(cls)[_field_name(cls, s.key)].default is attrs.NOTHING
    ]
    hooks = {key: converter.get_structure_hook(spec.type) for key, spec in specs.items()}

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise _fail("", f"expected object, got {_type_name(value)}")
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, item in value.items():
            spec = specs.get(key)
            if spec is None:
                if key == "type" and kind is not None:
                    if item != kind:
                        raise _fail("type", f"expected {kind!r}, got {item!r}")
                    continue
                if type(item) in CONTAINERS:
                    try:
                        acyclic(item)
                    except ValidationError as err:
                        raise _prefix(err, key) from None
                extra[key] = item
            elif item is None and spec.optional:
                extra[key] = None  # an explicit null is kept, so the JSON round-trips
            else:
                try:
                    kwargs[key] = hooks[key](item, spec.type)
                except ValidationError as err:
                    raise _prefix(err, key) from None
        for key in required:
            if key not in kwargs:
                raise _fail(key, "required field is missing")
        if has_extra:
            kwargs["extra"] = extra
        elif extra:
            raise _fail(next(iter(extra)), "unexpected field")
        return cls(**kwargs)

    return hook


def _field_name(cls: type, alias: str) -> str:
    for f in attrs.fields(cls):
        if f.alias == alias:
            return str(f.name)
    raise KeyError(alias)  # pragma: no cover


def _unknown_structure_factory(cls: type) -> Callable[[Any, Any], Any]:
    indexed = "index" in attrs.fields_dict(cls)

    def hook(value: Any, _: Any) -> Any:
        kind = _kind_of(value)
        if indexed:
            index = value.get("index")
            if not isinstance(index, int) or isinstance(index, bool):
                raise _fail("index", f"expected int, got {_type_name(index)}")
            return cls(index=index, type=kind, data=dict(acyclic(value)))
        return cls(type=kind, data=dict(acyclic(value)))

    return hook


def _model_unstructure_factory(cls: type) -> Callable[[Any], Any]:
    if cls in _UNKNOWN:
        return lambda obj: dict(obj.data)
    _, kind, has_extra = _specs(cls)
    # the constant ``type`` goes where the class declares it (first, or after ``index``/``id``)
    fields = [
        (f.alias, bool(f.metadata.get(m.OPTIONAL)) if f.init else None)
        for f in attrs.fields(cls)
        if f.name != "extra"
    ]

    def hook(obj: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, optional in fields:
            if optional is None:
                out["type"] = kind
                continue
            value = getattr(obj, key)
            if value is None:
                if not optional or (has_extra and key in obj.extra):
                    out[key] = None  # an explicit null kept in extra keeps its place
            elif type(value) in (str, int, bool, float):
                out[key] = value
            else:
                out[key] = unstructure(value)
        if has_extra and obj.extra:
            out.update(obj.extra)
        return out

    return hook


converter.register_structure_hook_factory(_is_model, _model_structure_factory)
converter.register_unstructure_hook_factory(_is_model, _model_unstructure_factory)


# ------------------------------------------------------------------- plain JSON values


converter.register_unstructure_hook(dict, copy_json)
converter.register_unstructure_hook(list, copy_json)


@overload
def structure(data: Any, cls: type[T]) -> T: ...
@overload
def structure(data: Any, cls: Any) -> Any: ...
def structure(data: Any, cls: Any) -> Any:
    """Build a model (or a union member, chosen by ``type``) from the API's JSON shape."""
    try:
        return converter.structure(data, cls)
    except ValidationError:
        raise
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as err:
        raise ValidationError(f"cannot structure {getattr(cls, '__name__', cls)}: {err}") from err


def unstructure(obj: Any) -> Any:
    """The API's JSON shape (plain dicts, lists and scalars) of a model."""
    return converter.unstructure(obj)
