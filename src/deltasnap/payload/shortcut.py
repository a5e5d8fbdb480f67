"""The text-delta shortcut's recogniser: raw event data → (message id, index, piece) | None.

The overwhelmingly common event is a ``thread.message.delta`` carrying one text piece for one
content part, sometimes with the part's annotations (``"annotations": [...]`` after the value;
servers send an empty array with a part's first piece). Recognising its exact shape (strings
without control characters, a canonical integer index) gives the values ``json.loads`` would,
so the caller can skip parsing (all of it, or all but the annotations' array) and the general
merge. Anything else, or any doubt, is None: the general path decides.

Pure and linear: every quantifier is possessive (whitespace, strings and the annotations' array
are each one token, never given back), and there is exactly one whitespace run between two
tokens, so no input makes a pattern backtrack. Its JSON nests ``DEPTH`` levels deep (the
annotations' array nests below that: the caller bounds it); a caller whose ``max_json_depth`` is
smaller must not use it (the general path then raises JSONTooDeep).
"""

from __future__ import annotations

import re
from json.decoder import scanstring as _scanstring  # type: ignore[attr-defined]

__all__ = ["DEPTH", "NO_ANNOTATIONS", "WS", "recognise", "shapes"]

WS = "[ \t\n\r]*+"
DEPTH = 5  # {"delta": {"content": [{"text": {...}}]}}

_TEMPLATE = (
    '{"id":"<id>","object":"thread.message.delta","delta":{"content":[{"index":<index>,'
    '"type":"text","text":{"value":<value><annotations>}}]}}'
)
# The annotations' array: brackets around strings and anything but brackets or quotes (so objects
# nest inside it, arrays do not), matched as one token; json.loads says whether it is JSON.
_ARRAY = r'(\[(?:[^"\[\]]++|"(?:[^"\\]++|\\.)*+")*+\])'
_ANNOTATIONS = ',"annotations":<array>'

#: What ``recognise`` gives for the annotations of a delta that has none (or an empty array).
NO_ANNOTATIONS = ""
_GROUPS = {
    "id": r'([^"\\\x00-\x1f]*+)',
    "index": r"(0|[1-9][0-9]{0,8})",
    "value": r'("[^"\\\x00-\x1f]*+(?:\\.[^"\\\x00-\x1f]*+)*+")',
}


def _shape(template: str, groups: dict[str, str], style: str) -> str:
    """A regex for JSON of exactly one shape, written compactly in ``template`` with ``<name>``
    placeholders for ``groups``. ``style``: "spaced" (``", "`` and ``": "``, Python's default),
    "compact" (no whitespace), or "loose" (any JSON whitespace between tokens, as one run)."""
    out: list[str] = []
    in_string = False

    def space() -> None:
        if not out or out[-1] != WS:  # one whitespace run between two tokens, never two
            out.append(WS)

    for piece in re.split(r"(<\w+>)", template):
        if piece.startswith("<"):
            out.append(groups[piece[1:-1]])
            continue
        for char in piece:
            if char == '"':
                in_string = not in_string
            structural = not in_string and char in "{}[],:"
            if structural and style == "loose":
                space()
                out.append(re.escape(char))
                space()
            elif structural and style == "spaced" and char in ",:":
                out.append(re.escape(char) + " ")
            else:
                out.append(re.escape(char))
    return "".join(out)


def _text_delta(style: str) -> re.Pattern[str]:
    """The text delta's pattern in one style, its annotations' array optional."""
    annotations = _shape(_ANNOTATIONS, {"array": _ARRAY}, style)
    return re.compile(_shape(_TEMPLATE, {**_GROUPS, "annotations": f"(?:{annotations})?"}, style))


def shapes() -> tuple[re.Pattern[str], ...]:
    """The recogniser's patterns, fastest first (for tests that inspect them)."""
    return _PATTERNS


_PATTERNS = tuple(_text_delta(style) for style in ("spaced", "compact", "loose"))
_SPACED, _COMPACT, _LOOSE = (p.fullmatch for p in _PATTERNS)


def _unquote(literal: str) -> str | None:
    """The value of a JSON string literal with escapes (None if they are bad)."""
    try:
        value, end = _scanstring(literal, 1)
    except ValueError:
        return None  # the general path reports it
    return value if end == len(literal) else None


def recognise(raw: str) -> tuple[str, int, str, str] | None:
    """(message id, content index, text piece, annotations) if ``raw`` is a text delta, else
    None; annotations: the JSON text of a non-empty array, or ``NO_ANNOTATIONS``."""
    match = _SPACED(raw) or _COMPACT(raw) or _LOOSE(raw)
    if match is None:
        return None
    message_id, digits, literal, annotations = match.groups()
    piece = literal[1:-1] if "\\" not in literal else _unquote(literal)
    if piece is None:
        return None
    if annotations is None or annotations == "[]":
        annotations = NO_ANNOTATIONS
    return message_id, int(digits), piece, annotations
