"""Seeded synthetic Assistants-API streams (SSE bytes) together with their expected final objects.

``generate_stream(n_deltas=...)`` builds a complete run — ``thread.run.created`` …
``thread.message.created`` / ``.in_progress`` / ``.delta`` … / ``.completed`` …
``thread.run.completed``, ``event: done`` / ``data: [DONE]`` — in the exact wire format of the
reference captures (``event: NAME`` / ``data: {json}`` / blank line, JSON written by
``json.dumps(obj, ensure_ascii=False)`` with keys in API order), plus the final message of every
id exactly as the server's ``thread.message.completed`` event carries it. The same arguments
always give the same bytes. Standard library (and attrs) only; a million deltas take seconds.
"""

from __future__ import annotations

import itertools
import random
from typing import Final

import attrs

from ._gen_common import BASE_TS as _BASE_TS
from ._gen_common import JSONObject
from ._gen_common import encode as _encode
from ._gen_steps import emit_run_step

__all__ = ["GeneratedStream", "generate_stream"]

# Characters the text is drawn from (repeats weight them): mostly ASCII words, plus accents,
# CJK, Hangul, emoji (outside the BMP, and a skin-tone modifier) and characters JSON must escape.
_POOL: Final = (
    "etaoinshrdlucmfwypvbgkjqxz" * 4
    + " " * 24
    + "ETAOINSHRDLU"
    + "0123456789"
    + ".,;:!?-()'/*#"
    + '""\\\\\n\n\t'
    + "éüñçøåßïôàÉ"
    + "中文字日本語한국어"
    + "🚀😀👍🏽🎉"
    + "—…«»€"
)
_VOCAB_SIZE: Final = 2048
_FILE_NAMES: Final = ("report.pdf", "notes-ü.md", "数据.csv", "plot 1.png", 'q"1\\2.txt')
_DETAILS: Final = ("auto", "low", "high")
_SPLIT_ANNOTATION_RATE: Final = 0.3


@attrs.frozen
class GeneratedStream:
    """A generated stream: its SSE bytes, the final objects by id, and every event's payload."""

    data: bytes = attrs.field(repr=False)
    """The whole ``text/event-stream`` body, UTF-8."""
    expected: dict[str, JSONObject] = attrs.field(repr=False)
    """Message id -> the final message JSON, as its completed/incomplete event carries it."""
    n_events: int
    """Number of SSE events in ``data``, the final ``done`` event included."""
    payloads: tuple[str, ...] = attrs.field(repr=False)
    """The ``data:`` payload of every event, in order (the last one is ``[DONE]``)."""
    expected_steps: dict[str, JSONObject] = attrs.field(factory=dict, repr=False)
    """Run step id -> the final run step JSON (only with ``run_steps=True``)."""


def generate_stream(
    *,
    n_deltas: int,
    n_messages: int = 1,
    interleave: bool = True,
    annotation_every: int = 0,
    images: bool = False,
    refusal: bool = False,
    run_steps: bool = False,
    crlf: bool = False,
    seed: int = 0,
    text_piece: tuple[int, int] = (1, 12),
) -> GeneratedStream:
    """Build a seeded synthetic Assistants stream with ``n_deltas`` message deltas in total."""
    if n_deltas < 0:
        raise ValueError(f"n_deltas must be >= 0, got {n_deltas}")
    if n_messages < 1:
        raise ValueError(f"n_messages must be >= 1, got {n_messages}")
    if annotation_every < 0:
        raise ValueError(f"annotation_every must be >= 0, got {annotation_every}")
    lo, hi = text_piece
    if not 1 <= lo <= hi:
        raise ValueError(f"text_piece must be (lo, hi) with 1 <= lo <= hi, got {text_piece}")
    return _Builder(
        n_deltas=n_deltas,
        n_messages=n_messages,
        interleave=interleave,
        annotation_every=annotation_every,
        images=images,
        refusal=refusal,
        run_steps=run_steps,
        crlf=crlf,
        seed=seed,
        text_piece=(lo, hi),
    ).build()


def _message(
    mid: str,
    ids: tuple[str, str, str],
    *,
    status: str,
    content: list[JSONObject],
    completed_at: int | None = None,
    incomplete_at: int | None = None,
    incomplete_details: JSONObject | None = None,
) -> JSONObject:
    """A message object with its keys in API order."""
    thread_id, run_id, assistant_id = ids
    return {
        "id": mid,
        "object": "thread.message",
        "created_at": _BASE_TS,
        "assistant_id": assistant_id,
        "thread_id": thread_id,
        "run_id": run_id,
        "status": status,
        "incomplete_details": incomplete_details,
        "completed_at": completed_at,
        "incomplete_at": incomplete_at,
        "role": "assistant",
        "content": content,
        "attachments": [],
        "metadata": {},
    }


@attrs.define
class _MessagePlan:
    """One message being generated: its delta payloads (in order) and its final content."""

    mid: str
    payloads: list[str] = attrs.Factory(list)
    content: list[JSONObject] = attrs.Factory(list)
    refusal: bool = False


@attrs.define
class _Builder:
    """The state of one ``generate_stream`` call."""

    n_deltas: int
    n_messages: int
    interleave: bool
    annotation_every: int
    images: bool
    refusal: bool
    run_steps: bool
    crlf: bool
    seed: int
    text_piece: tuple[int, int]
    rng: random.Random = attrs.field(init=False)
    vocab: list[str] = attrs.field(init=False)
    encoded: list[str] = attrs.field(init=False)
    parts: list[str] = attrs.field(init=False, factory=list)
    payloads: list[str] = attrs.field(init=False, factory=list)
    nl: str = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.nl = "\r\n" if self.crlf else "\n"
        lo, hi = self.text_piece
        rng = self.rng
        lengths = rng.choices(range(lo, hi + 1), k=_VOCAB_SIZE)
        self.vocab = ["".join(rng.choices(_POOL, k=n)) for n in lengths]
        self.encoded = [_encode(token) for token in self.vocab]

    # -- output -------------------------------------------------------------------------------

    def emit(self, event: str, payload: str) -> None:
        """Append one event to the stream."""
        nl = self.nl
        self.parts.append(f"event: {event}{nl}data: {payload}{nl}{nl}")
        self.payloads.append(payload)

    def emit_obj(self, event: str, obj: JSONObject) -> None:
        """Append one event whose data is ``obj`` as JSON."""
        self.emit(event, _encode(obj))

    def token(self, prefix: str, bits: int = 96) -> str:
        """A random id such as ``msg_…``."""
        return f"{prefix}{self.rng.getrandbits(bits):0{bits // 4}x}"

    # -- the run ------------------------------------------------------------------------------

    def build(self) -> GeneratedStream:
        """Generate the whole stream."""
        rng = self.rng
        thread_id, run_id, assistant_id = (
            self.token("thread_"),
            self.token("run_"),
            self.token("asst_"),
        )
        ids = (thread_id, run_id, assistant_id)

        def run(status: str) -> JSONObject:
            return {
                "id": run_id,
                "object": "thread.run",
                "status": status,
                "thread_id": thread_id,
                "assistant_id": assistant_id,
                "created_at": _BASE_TS,
            }

        self.emit_obj("thread.run.created", run("queued"))
        self.emit_obj("thread.run.in_progress", run("in_progress"))
        expected_steps: dict[str, JSONObject] = {}
        if self.run_steps:
            step = emit_run_step(self, ids)
            expected_steps[step["id"]] = step

        plans = self.plan_messages()
        created = [_encode(_message(p.mid, ids, status="in_progress", content=[])) for p in plans]
        expected: dict[str, JSONObject] = {p.mid: {} for p in plans}  # creation order
        clock = _BASE_TS + 1

        def finish(plan: _MessagePlan) -> None:
            nonlocal clock
            clock += 1
            if plan.refusal:
                msg = _message(
                    plan.mid,
                    ids,
                    status="incomplete",
                    content=plan.content,
                    incomplete_at=clock,
                    incomplete_details={"reason": "content_filter"},
                )
                self.emit_obj("thread.message.incomplete", msg)
            else:
                msg = _message(
                    plan.mid, ids, status="completed", content=plan.content, completed_at=clock
                )
                self.emit_obj("thread.message.completed", msg)
            expected[plan.mid] = msg

        nl = self.nl
        delta_head = f"event: thread.message.delta{nl}data: "
        delta_tail = nl + nl
        parts, payloads = self.parts, self.payloads
        if self.interleave and len(plans) > 1:
            for obj in created:
                self.emit("thread.message.created", obj)
                self.emit("thread.message.in_progress", obj)
            order = [i for i, plan in enumerate(plans) for _ in plan.payloads]
            rng.shuffle(order)
            cursors = [iter(plan.payloads).__next__ for plan in plans]
            merged = [cursors[i]() for i in order]
            parts.extend([delta_head + payload + delta_tail for payload in merged])
            payloads.extend(merged)
            completion = list(plans)
            rng.shuffle(completion)
            for plan in completion:
                finish(plan)
        else:
            for plan, obj in zip(plans, created, strict=True):
                self.emit("thread.message.created", obj)
                self.emit("thread.message.in_progress", obj)
                parts.extend([delta_head + payload + delta_tail for payload in plan.payloads])
                payloads.extend(plan.payloads)
                finish(plan)

        self.emit_obj("thread.run.completed", run("completed"))
        self.emit("done", "[DONE]")

        # Encode in slices: one huge str would take 4 bytes a character once an emoji is in it.
        size = 16384
        data = b"".join(
            "".join(parts[i : i + size]).encode("utf-8") for i in range(0, len(parts), size)
        )
        return GeneratedStream(
            data=data,
            expected=expected,
            n_events=len(payloads),
            payloads=tuple(payloads),
            expected_steps=expected_steps,
        )

    # -- messages -----------------------------------------------------------------------------

    def plan_messages(self) -> list[_MessagePlan]:
        """Decide every message's parts and generate its deltas."""
        rng = self.rng
        n = self.n_messages
        budgets = [self.n_deltas // n + (1 if i < self.n_deltas % n else 0) for i in range(n)]
        plans = [_MessagePlan(self.token("msg_")) for _ in range(n)]
        refusal_at = rng.randrange(n) if self.refusal else -1
        with_images = [False] * n
        if self.images:
            candidates = [i for i in range(n) if i != refusal_at and budgets[i] >= 4]
            with_images = [i in candidates and rng.random() < 0.5 for i in range(n)]
            if candidates and not any(with_images):
                with_images[candidates[0]] = True
        for i, plan in enumerate(plans):
            budget = budgets[i]
            if i == refusal_at:
                plan.refusal = True
                self.refusal_part(plan, 0, budget)
            elif with_images[i]:
                self.rich_message(plan, budget)
            elif budget:
                self.text_part(plan, 0, budget)
        return plans

    def rich_message(self, plan: _MessagePlan, budget: int) -> None:
        """Text at 0, an image_file at 1, an image_url at 2 and a second text part at 3."""
        rng = self.rng
        file_deltas = rng.choice((1, 2))
        url_deltas = rng.choice((1, 2))
        if budget - file_deltas - url_deltas < 2:
            file_deltas = url_deltas = 1
        texts = budget - file_deltas - url_deltas
        second = max(1, texts // 10)
        self.text_part(plan, 0, texts - second)
        self.image_part(plan, 1, "image_file", file_deltas)
        self.image_part(plan, 2, "image_url", url_deltas)
        self.text_part(plan, 3, second)

    def image_part(self, plan: _MessagePlan, index: int, kind: str, n: int) -> None:
        """An image_file or image_url part streamed in ``n`` (1 or 2) deltas."""
        rng = self.rng
        detail = rng.choice(_DETAILS)
        if kind == "image_file":
            first: JSONObject = {"file_id": self.token("file-", 64)}
        else:
            first = {"url": f"https://example.com/img/{self.token('', 32)}/ü cat.png"}
        final = {**first, "detail": detail}
        pieces = [final] if n == 1 else [first, {"detail": detail}]
        for piece in pieces:
            plan.payloads.append(
                _encode(
                    {
                        "id": plan.mid,
                        "object": "thread.message.delta",
                        "delta": {"content": [{"index": index, "type": kind, kind: piece}]},
                    }
                )
            )
        plan.content.append({"type": kind, kind: final})

    def refusal_part(self, plan: _MessagePlan, index: int, n: int) -> None:
        """A refusal part streamed in ``n`` deltas."""
        if not n:
            return
        head = (
            f'{{"id": {_encode(plan.mid)}, "object": "thread.message.delta", "delta": '
            f'{{"content": [{{"index": {index}, "type": "refusal", "refusal": '
        )
        picks = self.rng.choices(range(len(self.vocab)), k=n)
        encoded = self.encoded
        plan.payloads.extend([head + encoded[i] + "}]}}" for i in picks])
        plan.content.append({"type": "refusal", "refusal": "".join([self.vocab[i] for i in picks])})

    def text_part(self, plan: _MessagePlan, index: int, n: int) -> None:
        """A text part streamed in ``n`` deltas, with annotations every ``annotation_every``."""
        every = self.annotation_every
        mid = plan.mid
        head = (
            f'{{"id": {_encode(mid)}, "object": "thread.message.delta", "delta": '
            f'{{"content": [{{"index": {index}, "type": "text", "text": {{"value": '
        )
        tail = "}}]}}"
        picks = self.rng.choices(range(len(self.vocab)), k=n)
        vocab, encoded = self.vocab, self.encoded
        pieces = [vocab[i] for i in picks]
        payloads = [head + encoded[i] + tail for i in picks]
        # Deltas that carry more than a value: the first one (with "annotations": [], like the
        # captures) and those with annotation deltas, by position.
        special: dict[int, list[JSONObject]] = {0: []} if n else {}
        annotations: list[JSONObject] = []
        if every:
            starts = list(itertools.accumulate(map(len, pieces), initial=0))
            shift = 0  # characters the markers added so far
            for j in range(every - 1, n, every):
                piece, first, second = self.annotate(
                    annotations, pieces[j], starts[j] + shift, split_ok=j + 1 < n
                )
                shift += len(piece) - len(pieces[j])
                pieces[j] = piece
                special.setdefault(j, []).append(first)
                if second is not None:
                    special.setdefault(j + 1, []).append(second)
        for j, anns in special.items():
            text: JSONObject = {"value": pieces[j], "annotations": anns}
            payloads[j] = _encode(
                {
                    "id": mid,
                    "object": "thread.message.delta",
                    "delta": {"content": [{"index": index, "type": "text", "text": text}]},
                }
            )
        plan.payloads.extend(payloads)
        value = "".join(pieces)
        plan.content.append({"type": "text", "text": {"value": value, "annotations": annotations}})

    def annotate(
        self, annotations: list[JSONObject], piece: str, pos: int, *, split_ok: bool
    ) -> tuple[str, JSONObject, JSONObject | None]:
        """Annotate a delta at text offset ``pos``: its new value and its annotation delta(s).

        The marker (the annotation's ``text``) is appended to the piece (or replaces it); when
        split, the second half (``end_index`` and the file reference) is due in the next delta.
        """
        rng = self.rng
        ai = len(annotations)
        kind = "file_citation" if ai % 2 == 0 else "file_path"
        name = rng.choice(_FILE_NAMES)
        if kind == "file_citation":
            marker = f"【{ai + 4}:{rng.randrange(10)}†{name}】"
        else:
            marker = f"sandbox:/mnt/data/{name}"
        before = piece if rng.random() < 0.75 else ""
        start = pos + len(before)
        end = start + len(marker)
        ref = {"file_id": self.token("file-", 64)}
        annotations.append(
            {"type": kind, "text": marker, "start_index": start, "end_index": end, kind: ref}
        )
        if split_ok and rng.random() < _SPLIT_ANNOTATION_RATE:
            first = {"index": ai, "type": kind, "text": marker, "start_index": start}
            second = {"index": ai, "type": kind, "end_index": end, kind: ref}
            return before + marker, first, second
        whole = {
            "type": kind,
            "text": marker,
            "start_index": start,
            "end_index": end,
            kind: ref,
            "index": ai,
        }
        return before + marker, whole, None
