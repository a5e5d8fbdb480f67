"""Plain JSON values (metadata, unknown fields, free-form data): the cycle check ``structure``
makes and the deep copy ``unstructure`` makes, both without recursion so any depth needs no
stack."""

from __future__ import annotations

from typing import Any

from ._errors import ValidationError

__all__ = ["CONTAINERS", "acyclic", "copy_json"]

CONTAINERS = (dict, list, tuple)
"""The container types free-form data may nest."""


def acyclic(value: Any) -> Any:
    """``value`` itself, once checked to hold no container inside itself (a dict or list that
    contains itself cannot be JSON; copying or writing it would never end). Iterative, so free
    data of any depth needs no stack; a container shared by two keys is fine."""
    kind = type(value)
    if kind is dict:
        children = value.values()
    elif kind is list or kind is tuple:
        children = value
    else:
        return value
    for child in children:
        if isinstance(child, CONTAINERS):
            break
    else:
        return value  # flat, the common case: nothing inside can lead back
    on_path = {id(value)}
    # (container, its remaining children, the step from its parent to it)
    stack: list[tuple[Any, Any, str]] = [(value, _children(value), "")]
    while stack:
        node, children, _ = stack[-1]
        for key, child in children:
            if isinstance(child, CONTAINERS):
                if id(child) in on_path:
                    path = "".join(step for _, _, step in stack) + _step(node, key)
                    path = path.lstrip(".")
                    reason = "cyclic data: a container holds itself"
                    raise ValidationError(f"{path}: {reason}" if path else reason)
                on_path.add(id(child))
                stack.append((child, _children(child), _step(node, key)))
                break
        else:
            stack.pop()
            on_path.discard(id(node))
    return value


def _children(node: Any) -> Any:
    return iter(node.items()) if isinstance(node, dict) else enumerate(node)


def _step(node: Any, key: Any) -> str:
    return f".{key}" if isinstance(node, dict) else f"[{key}]"


def copy_json(value: Any) -> Any:
    """A deep copy of plain JSON data (metadata, unknown fields), made without recursion: data
    as deep as ``Limits.max_json_depth`` allows needs no stack (cattrs' own hooks recurse).
    A model built by hand may hold a cycle that ``structure`` would have refused: refused here
    too (checked when a container comes round twice), rather than copied until memory runs
    out."""
    root = _shallow(value)
    seen = {id(value)}
    checked = False
    stack = [root]
    while stack:
        node = stack.pop()
        # replacing a value while iterating is fine, for dicts and lists alike
        for key, child in node.items() if type(node) is dict else enumerate(node):
            if type(child) is dict or type(child) is list:
                if id(child) in seen and not checked:
                    acyclic(value)  # shared, or a cycle: tell which, once
                    checked = True
                seen.add(id(child))
                node[key] = child = _shallow(child)
                stack.append(child)
    return root


def _shallow(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else list(value)
