"""Keyed children, once: the checks every ``index``/``type`` list shares (content parts,
annotations, tool calls, code-interpreter outputs) — index bounds, a type per index that never
changes, and the count limit, counting what a delta adds across all its items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from .. import _limits as lim
from .._errors import ContentTypeMismatch, DeltaError, IndexTooLarge, LimitExceeded, TextTooLong
from .._limits import Bounds, Limit, Limits
from .values import check_index, short, type_name

__all__ = ["ANNOTATION", "CONTENT_PART", "OUTPUT", "TOOL_CALL", "Level", "Typed", "check_text"]


class Typed(Protocol):
    """A child state: it knows its type."""

    @property
    def type(self) -> str: ...


@attrs.frozen
class Level:
    """One keyed level: how its items are named, located and bounded."""

    what: str  # "content": "content index must be …", "a content delta must be an object"
    item: str  # "content part": "content part 3 is 'text', a delta says …"
    items: str  # "content items": "a delta with 5 content items, above …"
    plural: str  # "content parts": "more content parts than …"
    index_field: str  # the error field that locates an item: "content_index"
    index: Limit  # the limit of the largest index
    count: Limit  # the limit of how many items

    def check_list(self, items: list[Any], bounds: Bounds, limits: Limits) -> None:
        """Raise when one delta carries more items than the level may hold."""
        if len(items) > getattr(bounds, _slot(self.count)):
            raise _error(self.count)(
                f"a delta with {len(items)} {self.items}, above {self.count.of(limits)}"
            )

    def check_whole(self, size: int, holder: str, bounds: Bounds, **where: Any) -> None:
        """Check that a whole list of ``size`` items (say, a message's content) fits both the
        count and the index limit, as its deltas would have to; ``where`` locates the list."""
        count_bound = getattr(bounds, _slot(self.count))
        if size > count_bound:
            raise _error(self.count)(
                f"{holder} with {size} {self.plural}, above {self.count.named(count_bound)}",
                **where,
            )
        index_bound = getattr(bounds, _slot(self.index))
        if size - 1 > index_bound:
            where[self.index_field] = size - 1
            raise IndexTooLarge(
                f"{self.what} index {size - 1} is above {self.index.named(index_bound)}", **where
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
                getattr(bounds, _slot(self.index)),
                self.index.field,
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
                if len(existing) + len(new) > getattr(bounds, _slot(self.count)):
                    raise self.count.more(limits)
            elif have != kind:
                raise ContentTypeMismatch(
                    f"{prefix}{self.item} {index} is {have!r}, a delta says {short(kind)}"
                )
        except LimitExceeded as err:
            raise err.located(**{self.index_field: index}) from None
        except DeltaError as err:
            raise err.located(**{self.index_field: index}) from None
        return index, kind


def _slot(limit: Limit) -> str:
    assert limit.bound is not None, f"{limit.field} has no bound"
    return limit.bound


def _error(limit: Limit) -> type[LimitExceeded]:
    assert limit.error is not None, f"{limit.field} raises nothing"
    return limit.error


CONTENT_PART = Level(
    "content",
    "content part",
    "content items",
    "content parts",
    "content_index",
    lim.CONTENT_INDEX,
    lim.PARTS,
)
ANNOTATION = Level(
    "annotation",
    "annotation",
    "annotations",
    "annotations",
    "annotation_index",
    lim.ANNOTATION_INDEX,
    lim.ANNOTATIONS,
)
TOOL_CALL = Level(
    "tool call",
    "tool call",
    "tool calls",
    "tool calls",
    "tool_call_index",
    lim.TOOL_CALL_INDEX,
    lim.TOOL_CALLS,
)
OUTPUT = Level(
    "output",
    "output",
    "outputs",
    "outputs",
    "output_index",
    lim.OUTPUT_INDEX,
    lim.OUTPUTS,
)


def check_text(text: int, bounds: Bounds, limits: Limits, holder: str, whole: bool = False) -> None:
    """Raise TextTooLong when a ``holder`` ("message", "step") would hold more streamed text than
    the limit: after a delta, or (``whole``) as a whole object."""
    if text > bounds.text:
        if whole:
            raise TextTooLong(
                f"a {holder} with {text} characters of text, above {lim.TEXT.of(limits)}"
            )
        raise TextTooLong(
            f"the {holder}'s streamed text would be longer than {lim.TEXT.of(limits)}"
        )
