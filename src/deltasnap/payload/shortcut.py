"""The shortcuts' recognisers: raw event data of one exact shape → its values | None.

The overwhelmingly common event is a ``thread.message.delta`` carrying one text piece for one
content part, sometimes with the part's annotations (``"annotations": [...]`` after the value;
servers send an empty array with a part's first piece). Recognising its exact shape (strings
without control characters, a canonical integer index) gives the values ``json.loads`` would,
so the caller can skip parsing (all of it, or all but the annotations' array) and the general
merge. Anything else, or any doubt, is None: the general path decides. The other streamed
pieces are recognised the same way: a refusal piece (``recognise_refusal``) and a tool-call piece
of a ``thread.run.step.delta`` (``recognise_call_piece``: function arguments, code_interpreter
input, code_interpreter logs), in the key order servers write them.

Pure and linear: every quantifier is possessive (whitespace, strings and the annotations' array
are each one token, never given back), and there is exactly one whitespace run between two
tokens (the tool-call alternatives differ within their first characters and each runs to the
end), so no input makes a pattern backtrack. The text delta's JSON nests ``DEPTH`` levels deep
(the annotations' array nests below that: the caller bounds it), the pieces' ``REFUSAL_DEPTH``
and ``CALL_DEPTH[field]``; a caller whose ``max_json_depth`` is smaller must not use that shape
(the general path then raises JSONTooDeep).
"""

from __future__ import annotations

import re
from json.decoder import scanstring as _scanstring  # type: ignore[attr-defined]

__all__ = [
    "CALL_DEPTH",
    "DEPTH",
    "NO_ANNOTATIONS",
    "REFUSAL_DEPTH",
    "WS",
    "recognise",
    "recognise_call_piece",
    "recognise_refusal",
    "shapes",
]

WS = "[ \t\n\r]*+"
DEPTH = 5  # {"delta": {"content": [{"text": {...}}]}}
REFUSAL_DEPTH = 4  # {"delta": {"content": [{...}]}}
#: The nesting of each tool-call piece's shape, by its streamed field.
CALL_DEPTH = {
    "arguments": 6,  # {"delta": {"step_details": {"tool_calls": [{"function": {...}}]}}}
    "input": 6,
    "logs": 8,  # ... [{"code_interpreter": {"outputs": [{...}]}}] ...
}

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


_STYLES = ("spaced", "compact", "loose")


def shapes() -> tuple[re.Pattern[str], ...]:
    """Every recogniser's patterns (text, refusal, tool-call pieces), for tests that inspect
    them."""
    return _PATTERNS + _REFUSAL_PATTERNS + _CALL_PATTERNS


_PATTERNS = tuple(_text_delta(style) for style in _STYLES)
_SPACED, _COMPACT, _LOOSE = (p.fullmatch for p in _PATTERNS)

_REFUSAL_TEMPLATE = (
    '{"id":"<id>","object":"thread.message.delta","delta":{"content":[{"index":<index>,'
    '"type":"refusal","refusal":<value>}]}}'
)
_REFUSAL_PATTERNS = tuple(re.compile(_shape(_REFUSAL_TEMPLATE, _GROUPS, s)) for s in _STYLES)
# Servers write compact JSON: that style first.
_REFUSAL_MATCHES = tuple(p.fullmatch for p in (_REFUSAL_PATTERNS[1], _REFUSAL_PATTERNS[0]))
_REFUSAL_LOOSE = _REFUSAL_PATTERNS[2].fullmatch

# A step delta with one tool call whose only content is one streamed piece; ``<call>`` is one of
# the alternatives below (each from the call's type to the end of the data). Groups: 1 step id,
# 2 call index, then 3 arguments | 4 input | 5 output index and 6 logs: the last group matched
# (``lastindex``) tells which.
_CALL_TEMPLATE = (
    '{"id":"<id>","object":"thread.run.step.delta","delta":{"step_details":{"type":"tool_calls",'
    '"tool_calls":[{"index":<index>,"type":<call>'
)
_CALL_ALTERNATIVES = (
    '"function","function":{"arguments":<value>}}]}}}',
    '"code_interpreter","code_interpreter":{"input":<value>}}]}}}',
    '"code_interpreter","code_interpreter":{"outputs":[{"index":<index>,"type":"logs",'
    '"logs":<value>}]}}]}}}',
)
_CALL_FIELDS = {3: "arguments", 4: "input", 6: "logs"}


def _call_shape(style: str) -> re.Pattern[str]:
    """The tool-call piece's pattern in one style."""
    call = "|".join(_shape(alt, _GROUPS, style) for alt in _CALL_ALTERNATIVES)
    return re.compile(_shape(_CALL_TEMPLATE, {**_GROUPS, "call": f"(?:{call})"}, style))


_CALL_PATTERNS = tuple(_call_shape(style) for style in _STYLES)
_CALL_MATCHES = tuple(p.fullmatch for p in (_CALL_PATTERNS[1], _CALL_PATTERNS[0]))
_CALL_LOOSE = _CALL_PATTERNS[2].fullmatch


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


def _piece(literal: str) -> str | None:
    return literal[1:-1] if "\\" not in literal else _unquote(literal)


def recognise_refusal(raw: str) -> tuple[str, int, str] | None:
    """(message id, content index, refusal piece) if ``raw`` is a plain refusal delta, else
    None."""
    compact, spaced = _REFUSAL_MATCHES
    match = compact(raw) or spaced(raw) or _REFUSAL_LOOSE(raw)
    if match is None:
        return None
    message_id, digits, literal = match.groups()
    piece = _piece(literal)
    if piece is None:
        return None
    return message_id, int(digits), piece


def recognise_call_piece(raw: str) -> tuple[str, int, str, int, str] | None:
    """(step id, tool-call index, field, output index, piece) if ``raw`` is a step delta that
    carries one streamed piece of one tool call, else None. ``field``: "arguments" (function),
    "input" (code_interpreter) or "logs" (a code_interpreter logs output, whose index is
    ``output index``; -1 for the others)."""
    compact, spaced = _CALL_MATCHES
    match = compact(raw) or spaced(raw) or _CALL_LOOSE(raw)
    if match is None:
        return None
    last = match.lastindex or 0
    literal = match.group(last)
    piece = _piece(literal)
    if piece is None:
        return None
    output = int(match.group(5)) if last == 6 else -1
    return match.group(1), int(match.group(2)), _CALL_FIELDS[last], output, piece
