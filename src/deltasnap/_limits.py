"""Limits: every resource bound in one frozen attrs class, with documented defaults."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Limits"]


def _positive(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (type(value) is not int or value < 1):
        raise ValueError(f"{attribute.name} must be a positive integer or None, got {value!r}")


@attrs.frozen(kw_only=True)
class Limits:
    """Bounds that keep hostile or broken streams from exhausting time or memory.

    Each limit is a positive integer, or None for no limit. Exceeding one raises its own
    ``LimitExceeded`` subclass (strict mode) or skips the event with a report (lenient mode).
    """

    max_event_bytes: int | None = attrs.field(default=16 * 1024 * 1024, validator=_positive)
    """Bytes of one SSE event, line ends included (EventTooLarge)."""
    max_content_index: int | None = attrs.field(default=1_000, validator=_positive)
    """Largest content-part index accepted (IndexTooLarge)."""
    max_annotation_index: int | None = attrs.field(default=100_000, validator=_positive)
    """Largest annotation index accepted (IndexTooLarge)."""
    max_parts_per_message: int | None = attrs.field(default=1_000, validator=_positive)
    """Content parts one message may have (TooManyParts)."""
    max_annotations_per_part: int | None = attrs.field(default=100_000, validator=_positive)
    """Annotations one text part may have (TooManyAnnotations)."""
    max_messages: int | None = attrs.field(default=100_000, validator=_positive)
    """Messages one stream may create (TooManyMessages)."""
    max_json_depth: int | None = attrs.field(default=64, validator=_positive)
    """Nesting depth of one event's JSON data (JSONTooDeep; never a RecursionError)."""
    max_text_per_message: int | None = attrs.field(default=256 * 1024 * 1024, validator=_positive)
    """Characters of streamed text (all parts, refusals, annotation text) per message."""

    @classmethod
    def unlimited(cls) -> Limits:
        """No bounds at all (for trusted input only); JSON depth stays bounded by the stack."""
        return cls(
            max_event_bytes=None,
            max_content_index=None,
            max_annotation_index=None,
            max_parts_per_message=None,
            max_annotations_per_part=None,
            max_messages=None,
            max_json_depth=500,
            max_text_per_message=None,
        )
