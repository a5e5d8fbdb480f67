"""A message's final copy that repeats what was accumulated, recognised without building it.

The general path structures the whole copy into a second attrs graph, builds the accumulated
content as JSON and compares the two. When the copy's content is exactly the accumulated one
(the long texts usually the very same str: see payload/final_bytes.py), the accumulated state is
kept as it is and only the top-level fields are taken: the same snapshot, built lazily. The copy
is still checked as the general path's ``structure`` would (piece by piece, nothing kept), so
a copy that would be a bad event takes the general path and fails there in its own words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .. import _models as m
from .._converter import structure
from .._errors import DeltasnapError
from .message_state import MessageState, Part, TextPart

__all__ = ["same_final", "sharing"]

_MISSING: Any = object()


def _same_fields(raw: Mapping[str, Any], fixed: int, extra: Mapping[str, Any]) -> bool:
    """Whether ``raw`` holds ``fixed`` known keys and exactly the ``extra`` ones besides."""
    if len(raw) != fixed + len(extra):
        return False
    return all(raw.get(key, _MISSING) == value for key, value in extra.items())


def _same_text(part: TextPart, raw: Any) -> bool:
    """Whether a text part's final copy is exactly its accumulated JSON (checked to structure)."""
    if type(raw) is not dict or raw.get("type") != "text" or not _same_fields(raw, 2, part.extra):
        return False
    text = raw.get("text")
    if type(text) is not dict or not _same_fields(text, 2, part.text_extra):
        return False
    value = text.get("value", _MISSING)
    ours = part.buffer.text()
    if value is not ours and value != ours:
        return False
    annotations = text.get("annotations")
    if type(annotations) is not list or len(annotations) != len(part.order):
        return False
    states = part.annotations
    for index, theirs in zip(part.order, annotations, strict=True):
        if states[index].json() != theirs:
            return False
    structure({**raw, "text": {**text, "annotations": []}}, m.ContentBlock)
    for index, theirs in zip(part.order, annotations, strict=True):
        # the very same JSON as the state's is built when read, like any accumulated
        # annotation (which always structures: the fuzz tests read every snapshot); an equal
        # one that is not the same (1 and 1.0) must structure as it is
        if theirs is not states[index].data:
            structure(theirs, m.Annotation)
    return True


def _same_part(part: Part, raw: Any) -> bool:
    """Whether a content part's final copy is exactly its accumulated JSON."""
    if type(part) is TextPart:
        return _same_text(part, raw)
    if part.json() != raw:
        return False
    structure(raw, m.ContentBlock)
    return True


def same_final(
    state: MessageState, data: Mapping[str, Any], text: int, check_top: Callable[..., Any]
) -> bool:
    """When ``data``'s content is exactly the accumulated content (and ``data`` would structure),
    take its top-level fields into ``state`` and say True; else change nothing and say False."""
    content = data.get("content")
    if type(content) is not list or len(content) != len(state.order):
        return False
    top = {k: v for k, v in data.items() if k != "content"}
    try:
        for index, raw in zip(state.order, content, strict=True):
            if not _same_part(state.parts[index], raw):
                return False
        check_top(top)
    except DeltasnapError:
        return False  # the general path raises it, located and worded as always
    state.top = top
    state.header = None
    state.snapshot = None
    state.text = text
    return True


def _identical(ours: Any, theirs: Any) -> bool:
    """Whether two JSON values are the same: equal, of the same types, keys in the same order
    (what ``json.dumps`` would tell apart, ``==`` does not: 1 and 1.0, True and 1, -0.0 and 0.0,
    key order). ``repr`` tells all of these apart, and for JSON values nothing else."""
    return repr(ours) == repr(theirs)


def sharing(annotations: Iterable[dict[str, Any]]) -> Callable[[dict[str, Any]], Any]:
    """An ``object_hook`` for parsing a message's final copy: an object identical to the next
    of the accumulated ``annotations`` (in content order) is that dict itself, so the kept
    event and the state hold one set of them; any other object is left as parsed."""
    expected = iter(annotations)
    nxt = next(expected, None)

    def hook(parsed: dict[str, Any]) -> Any:
        nonlocal nxt
        if nxt is not None and len(parsed) == len(nxt) and _identical(nxt, parsed):
            parsed, nxt = nxt, next(expected, None)
        return parsed

    return hook
