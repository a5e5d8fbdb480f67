"""deltasnap: streamed Assistants-API runs into complete, typed Message snapshots."""

from ._errors import (
    ContentTypeMismatch,
    DecodeError,
    DeltaError,
    DeltasnapError,
    EventTooLarge,
    InvalidIndex,
    InvalidJSON,
    LimitExceeded,
    StreamError,
    StrictModeError,
    ValidationError,
)

__all__ = [
    "ContentTypeMismatch",
    "DecodeError",
    "DeltaError",
    "DeltasnapError",
    "EventTooLarge",
    "InvalidIndex",
    "InvalidJSON",
    "LimitExceeded",
    "StreamError",
    "StrictModeError",
    "ValidationError",
]
