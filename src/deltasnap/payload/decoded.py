"""Decoded event data (what ``feed_event`` takes): plain JSON values from dicts, JSON text or
models with ``model_dump()``, depth-checked; and its size as the JSON text it stands for."""

from __future__ import annotations

import json
from typing import Any

from .._errors import InvalidJSON
from .._limits import UNLIMITED
from .json import check_depth, loads

__all__ = ["json_size", "plain_data"]


def json_size(data: Any) -> int:
    """The size of decoded data as JSON text, in characters (what it would have arrived as)."""
    try:
        return len(json.dumps(data, default=repr))
    except (ValueError, TypeError, RecursionError):  # cyclic or odd data: count it as large
        return UNLIMITED


def plain_data(data: Any, max_depth: int) -> Any:
    """Event data as plain JSON values: dicts pass, JSON text is parsed, models are dumped; the
    nesting depth is checked either way."""
    if isinstance(data, dict):
        check_depth(data, max_depth)
        return data
    if isinstance(data, str | bytes):
        try:
            text = data.decode() if isinstance(data, bytes) else data
        except UnicodeDecodeError as err:
            raise InvalidJSON(f"event data is not UTF-8: {err}") from None
        if text.strip() == "[DONE]":
            return text
        return loads(text, max_depth)
    dump = getattr(data, "model_dump", None)
    to_dict = getattr(data, "to_dict", None)
    if callable(dump):
        try:
            plain = dump(exclude_unset=True)
        except TypeError:
            plain = dump()
    elif callable(to_dict):
        plain = to_dict()
    else:
        plain = data
    check_depth(plain, max_depth)
    return plain
