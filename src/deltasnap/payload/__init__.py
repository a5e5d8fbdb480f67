"""The payload stage: event data text to plain values (bounded JSON, the text-delta shortcut)."""
