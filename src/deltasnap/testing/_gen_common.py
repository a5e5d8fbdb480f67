"""What the synthetic-stream generator's modules share: the clock base and the JSON encoder."""

from __future__ import annotations

import json
from typing import Any, Final

__all__ = ["BASE_TS", "JSONObject", "encode"]

JSONObject = dict[str, Any]

BASE_TS: Final = 1732000000
"""The ``created_at`` of every generated object (later timestamps count up from it)."""
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False)
encode: Final = _ENCODER.encode
"""JSON text identical to ``json.dumps(obj, ensure_ascii=False)``, faster."""
