"""One exception hierarchy for everything deltasnap raises; every error says where it happened."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ContentTypeMismatch",
    "DecodeError",
    "DeltaError",
    "DeltasnapError",
    "EventTooLarge",
    "IndexTooLarge",
    "InvalidIndex",
    "InvalidJSON",
    "JSONTooDeep",
    "LimitExceeded",
    "ServerError",
    "StreamError",
    "StrictModeError",
    "TextTooLong",
    "TooManyAnnotations",
    "TooManyMessages",
    "TooManyOutputs",
    "TooManyParts",
    "TooManyRuns",
    "TooManySteps",
    "TooManyToolCalls",
    "ValidationError",
    "int_text",
]

# Ints with more bits than this are shown by their size: printing one of more than 4,300 digits
# raises ValueError (sys.int_info.default_max_str_digits), and a long one says nothing more.
_SHOWN_INT_BITS = 128


def int_text(value: int) -> str:
    """``str(value)``, or for a huge int (any size, no ValueError) a short account of its size."""
    bits = value.bit_length()
    if bits <= _SHOWN_INT_BITS:
        return str(value)
    digits = int(bits * 0.30102999566398) + 1  # log10(2): the digit count, give or take one
    return f"{'-' if value < 0 else ''}<an integer of about {digits} digits>"


def _shown(value: Any) -> str:
    return int_text(value) if type(value) is int else repr(value)


_LOCATION_FIELDS = (
    "event_number",
    "byte_offset",
    "event",
    "message_id",
    "step_id",
    "content_index",
    "annotation_index",
    "tool_call_index",
    "output_index",
)


class DeltasnapError(Exception):
    """Base of every error deltasnap raises; carries where in the stream it happened."""

    def __init__(
        self,
        reason: str,
        *,
        event_number: int | None = None,
        byte_offset: int | None = None,
        event: str | None = None,
        message_id: str | None = None,
        step_id: str | None = None,
        content_index: int | None = None,
        annotation_index: int | None = None,
        tool_call_index: int | None = None,
        output_index: int | None = None,
    ) -> None:
        self.reason = reason
        self.event_number = event_number
        self.byte_offset = byte_offset
        self.event = event
        self.message_id = message_id
        self.step_id = step_id
        self.content_index = content_index
        self.annotation_index = annotation_index
        self.tool_call_index = tool_call_index
        self.output_index = output_index
        super().__init__(reason)

    def located(self, **where: Any) -> DeltasnapError:
        """Fill in location fields that are still unknown and return self."""
        for name, value in where.items():
            if value is not None and getattr(self, name, None) is None:
                setattr(self, name, value)
        return self

    @property
    def location(self) -> dict[str, Any]:
        """The known location fields, in a fixed order."""
        return {
            name: getattr(self, name)
            for name in _LOCATION_FIELDS
            if getattr(self, name) is not None
        }

    def __str__(self) -> str:
        where = ", ".join(f"{k}={_shown(v)}" for k, v in self.location.items())
        return f"{self.reason} ({where})" if where else self.reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.reason, self.location, self._extra_args()))

    def _extra_args(self) -> dict[str, Any]:
        """Keyword arguments beyond the location that rebuild this error (none here)."""
        return {}


def _rebuild(
    cls: type[DeltasnapError],
    reason: str,
    where: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> DeltasnapError:
    return cls(reason, **where, **(extra or {}))


class ServerError(DeltasnapError):
    """The server sent an ``error`` event (code, message, param, type as the API gives them)."""

    def __init__(self, reason: str, *, data: Any = None, **where: Any) -> None:
        super().__init__(reason, **where)
        self.data = data
        body = data.get("error", data) if isinstance(data, dict) else {}
        body = body if isinstance(body, dict) else {}
        self.code: Any = body.get("code")
        self.param: Any = body.get("param")
        self.type: Any = body.get("type")

    def _extra_args(self) -> dict[str, Any]:
        return {"data": self.data}


def error_reason(data: Any) -> str:
    """The reason line of a ServerError made from an ``error`` event's data."""
    body = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(body, dict) and body.get("message"):
        code = f" [{body['code']}]" if body.get("code") else ""
        return f"server error{code}: {body['message']}"
    return f"server error: {data!r}"


class DecodeError(DeltasnapError):
    """The bytes could not be decoded as a server-sent-event stream (e.g. invalid UTF-8)."""


class StreamError(DeltasnapError):
    """An event's payload is unusable (not JSON, not an object, out of order, ...)."""


class InvalidJSON(StreamError):
    """An event's data is not valid JSON (or not a JSON object where one is required)."""


class DeltaError(StreamError):
    """A delta has a malformed shape (missing or wrong-typed fields)."""


class InvalidIndex(DeltaError):
    """A content, annotation or tool-call index is missing, not an integer, or negative."""


class ContentTypeMismatch(DeltaError):
    """A delta's type differs from the type already accumulated at that index."""


class StrictModeError(StreamError):
    """Strict mode refused something lenient mode would only report (e.g. delta before created)."""


class ValidationError(DeltasnapError):
    """Data does not fit the model it is being structured into."""


class LimitExceeded(DeltasnapError):
    """A configured resource limit (see ``Limits``) was exceeded."""


class EventTooLarge(DecodeError, LimitExceeded):
    """One SSE event grew past ``max_event_bytes``."""


class IndexTooLarge(LimitExceeded):
    """An index is above its limit: ``max_content_index``, ``max_annotation_index``,
    ``max_tool_call_index`` or ``max_output_index``."""


class TooManyParts(LimitExceeded):
    """A message has more content parts than ``max_parts_per_message``."""


class TooManyAnnotations(LimitExceeded):
    """A text part has more annotations than ``max_annotations_per_part``."""


class TooManyMessages(LimitExceeded):
    """The stream created more messages than ``max_messages``."""


class JSONTooDeep(LimitExceeded, InvalidJSON):
    """An event's JSON data nests deeper than ``max_json_depth``."""


class TextTooLong(LimitExceeded):
    """A message's (or run step's) streamed text grew past ``max_text_per_message`` characters."""


class TooManySteps(LimitExceeded):
    """The stream created more run steps than ``max_steps``."""


class TooManyToolCalls(LimitExceeded):
    """A run step has more tool calls than ``max_tool_calls_per_step``."""


class TooManyOutputs(LimitExceeded):
    """A code-interpreter tool call has more outputs than ``max_outputs_per_tool_call``."""


class TooManyRuns(LimitExceeded):
    """The stream named more runs than ``max_runs``."""
