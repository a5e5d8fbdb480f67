"""The SSE stage: bytes to lines to events (WHATWG rules), nothing about JSON."""
