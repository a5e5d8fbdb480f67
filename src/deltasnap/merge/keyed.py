"""Keyed children, once: the checks every ``index``/``type`` list shares (content parts,
annotations, tool calls, code-interpreter outputs) — index bounds, a type per index that never
changes, and the count limit, counting what a delta adds across all its items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from .._errors import (
    ContentTypeMismatch,
    DeltaError,
    IndexTooLarge,
    LimitExceeded,
    TooManyAnnotations,
    TooManyOutputs,
    TooManyParts,
    TooManyToolCalls,
)
from .._limits import Bounds, Limits
from .values import check_index, short, type_name

__all__ = ["ANNOTATION", "CONTENT_PART", "OUTPUT", "TOOL_CALL", "Level", "Typed"]


class Typed(Protocol):
    """A child state: it knows its type."""

    type: str


@attrs.frozen
class Level:
    """One keyed level: how its items are named, located and bounded."""

    what: str  # "content": "content index must be …", "a content delta must be an object"
    item: str  # "content part": "content part 3 is 'text', a delta says …"
    items: str  # "content items": "a delta with 5 content items, above …"
    plural: str  # "content parts": "more content parts than …"
    index_field: str  # the error field that locates an item: "content_index"
    index_bound: str  # the Bounds attribute of the largest index
    index_limit: str  # the Limits field of the largest index
    count_bound: str  # the Bounds attribute of the count
    count_limit: str  # the Limits field of the count
    too_many: type[LimitExceeded]

    def check_list(self, items: list[Any], bounds: Bounds, limits: Limits) -> None:
        """Raise when one delta carries more items than the level may hold."""
        if len(items) > getattr(bounds, self.count_bound):
            limit = getattr(limits, self.count_limit)
            raise self.too_many(
                f"a delta with {len(items)} {self.items}, above {self.count_limit}={limit}"
            )

    def check_item(
        self,
        item: Any,
        existing: Mapping[int, Typed],
        new: dict[int, str],
        bounds: Bounds,
        limits: Limits,
        prefix: str = "",
    ) -> tuple[int, str]:
        """Check one item's index, type and the count; record a new index in ``new`` (shared by
        the delta's items, so types and counts hold across them); return (index, type)."""
        if type(item) is not dict:
            raise DeltaError(
                f"a {prefix}{self.what} delta must be an object, got {type_name(item)}"
            )
        try:
            index = check_index(
                item.get("index"),
                prefix + self.what,
                getattr(bounds, self.index_bound),
                self.index_limit,
            )
        except IndexTooLarge as err:
            raise err.located(**{self.index_field: item["index"]}) from None
        kind = item.get("type")
        try:
            if type(kind) is not str:
                raise DeltaError(
                    f"{prefix}{self.item} {index}: type must be a string, got {short(kind)}"
                )
            old = existing.get(index)
            have = old.type if old is not None else new.get(index)
            if have is None:
                new[index] = kind
                if len(existing) + len(new) > getattr(bounds, self.count_bound):
                    limit = getattr(limits, self.count_limit)
                    raise self.too_many(f"more {self.plural} than {self.count_limit}={limit}")
            elif have != kind:
                raise ContentTypeMismatch(
                    f"{prefix}{self.item} {index} is {have!r}, a delta says {short(kind)}"
                )
        except LimitExceeded as err:
            raise err.located(**{self.index_field: index}) from None
        except DeltaError as err:
            raise err.located(**{self.index_field: index}) from None
        return index, kind


CONTENT_PART = Level(
    "content",
    "content part",
    "content items",
    "content parts",
    "content_index",
    "content_index",
    "max_content_index",
    "parts",
    "max_parts_per_message",
    TooManyParts,
)
ANNOTATION = Level(
    "annotation",
    "annotation",
    "annotations",
    "annotations",
    "annotation_index",
    "annotation_index",
    "max_annotation_index",
    "annotations",
    "max_annotations_per_part",
    TooManyAnnotations,
)
TOOL_CALL = Level(
    "tool call",
    "tool call",
    "tool calls",
    "tool calls",
    "tool_call_index",
    "tool_call_index",
    "max_tool_call_index",
    "tool_calls",
    "max_tool_calls_per_step",
    TooManyToolCalls,
)
OUTPUT = Level(
    "output",
    "output",
    "outputs",
    "outputs",
    "output_index",
    "output_index",
    "max_output_index",
    "outputs",
    "max_outputs_per_tool_call",
    TooManyOutputs,
)
