"""Old home of the SSE decoder (now the ``sse/`` package); kept for imports."""

from __future__ import annotations

from .sse.decoder import ServerSentEvent, SSEDecoder

__all__ = ["SSEDecoder", "ServerSentEvent"]
