"""deltasnap.testing.generate: seeded synthetic streams and their expected final messages."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deltasnap
from deltasnap.testing.generate import GeneratedStream, generate_stream

from conftest import simple_events

MESSAGE_KEYS = [
    "id",
    "object",
    "created_at",
    "assistant_id",
    "thread_id",
    "run_id",
    "status",
    "incomplete_details",
    "completed_at",
    "incomplete_at",
    "role",
    "content",
    "attachments",
    "metadata",
]
APPENDED = {"value", "refusal", "text"}  # streamed text fields; everything else is replaced

options = st.fixed_dictionaries(
    {
        "n_deltas": st.integers(0, 250),
        "n_messages": st.integers(1, 4),
        "interleave": st.booleans(),
        "annotation_every": st.integers(0, 6),
        "images": st.booleans(),
        "refusal": st.booleans(),
        "run_steps": st.booleans(),
        "seed": st.integers(0, 2**32),
        "text_piece": st.tuples(st.integers(1, 4), st.integers(0, 12)).map(
            lambda t: (t[0], t[0] + t[1])
        ),
    }
)


def events(stream: GeneratedStream) -> list[tuple[str, str]]:
    """(event name, data payload) pairs, split strictly by the wire format."""
    text = stream.data.decode("utf-8")
    nl = "\r\n" if "\r\n" in text else "\n"
    blocks = text.split(nl + nl)
    assert blocks[-1] == ""
    out = []
    for block in blocks[:-1]:
        event_line, data_line = block.split(nl)
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        out.append((event_line[7:], data_line[6:]))
    return out


def deltas_of(stream: GeneratedStream) -> list[dict[str, Any]]:
    """The parsed thread.message.delta payloads, in stream order."""
    return [json.loads(data) for name, data in events(stream) if name == "thread.message.delta"]


def _merge(part: dict[str, Any], delta: dict[str, Any]) -> None:
    """Naive merge of one delta object into a part: streamed text appends, the rest replaces."""
    for key, value in delta.items():
        if key in APPENDED and isinstance(value, str):
            part[key] = part.get(key, "") + value
        elif isinstance(value, dict):
            _merge(part.setdefault(key, {}), value)
        else:
            part[key] = value


def naive_content(stream: GeneratedStream) -> dict[str, list[dict[str, Any]]]:
    """Test-only oracle: every message's content rebuilt from its deltas with plain dicts."""
    parts: dict[tuple[str, int], dict[str, Any]] = {}
    annotations: dict[tuple[str, int, int], dict[str, Any]] = {}
    for delta in deltas_of(stream):
        mid = delta["id"]
        for c in delta["delta"]["content"]:
            ci, kind = c["index"], c["type"]
            part = parts.setdefault((mid, ci), {"type": kind})
            assert part["type"] == kind
            body = {k: v for k, v in c.items() if k not in ("index", "type")}
            if kind == "text":
                anns = body["text"].pop("annotations", [])
                part.setdefault("text", {"value": ""})
                for ann in anns:
                    key = (mid, ci, ann["index"])
                    _merge(annotations.setdefault(key, {}), {**ann, "index": None})
            _merge(part, body)
    out: dict[str, list[dict[str, Any]]] = {mid: [] for mid in stream.expected}
    for (mid, ci), part in sorted(parts.items()):
        if part["type"] == "text":
            found = sorted((ai, a) for (m, c, ai), a in annotations.items() if (m, c) == (mid, ci))
            part["text"]["annotations"] = [
                {k: v for k, v in a.items() if k != "index"} for _, a in found
            ]
        out[mid].append(part)
    return out


def all_text(stream: GeneratedStream) -> str:
    """All text and refusal values of the expected messages."""
    out = []
    for message in stream.expected.values():
        for part in message["content"]:
            out.append(part["text"]["value"] if part["type"] == "text" else part.get("refusal", ""))
    return "".join(out)


def test_same_seed_same_stream() -> None:
    """The same arguments give byte-identical streams; another seed gives another one."""
    kw: dict[str, Any] = {"n_deltas": 300, "n_messages": 3, "annotation_every": 5, "images": True}
    first, again = generate_stream(seed=7, **kw), generate_stream(seed=7, **kw)
    assert first.data == again.data
    assert first.payloads == again.payloads
    assert first.expected == again.expected
    assert generate_stream(seed=8, **kw).data != first.data


@pytest.mark.parametrize(
    "kw",
    [
        {"n_deltas": 0},
        {"n_deltas": 1},
        {"n_deltas": 2, "n_messages": 3},
        {"n_deltas": 1000, "n_messages": 3},
        {"n_deltas": 999, "n_messages": 4, "interleave": False, "images": True, "refusal": True},
        {"n_deltas": 500, "annotation_every": 1, "run_steps": True},
    ],
)
def test_n_deltas_honored(kw: dict[str, Any]) -> None:
    """Exactly n_deltas thread.message.delta events; n_events and payloads count every event."""
    stream = generate_stream(**kw)
    evs = events(stream)
    assert sum(name == "thread.message.delta" for name, _ in evs) == kw["n_deltas"]
    assert stream.n_events == len(evs) == len(stream.payloads)
    assert tuple(data for _, data in evs) == stream.payloads
    assert len(stream.expected) == kw.get("n_messages", 1)


@settings(max_examples=40, deadline=None)
@given(options)
def test_payloads_are_canonical_json(kw: dict[str, Any]) -> None:
    """Every payload is JSON exactly as json.dumps(obj, ensure_ascii=False) writes it."""
    stream = generate_stream(**kw)
    assert stream.payloads[-1] == "[DONE]" and events(stream)[-1] == ("done", "[DONE]")
    for payload in stream.payloads[:-1]:
        assert json.dumps(json.loads(payload), ensure_ascii=False) == payload


@settings(max_examples=60, deadline=None)
@given(options)
def test_expected_equals_naive_accumulation(kw: dict[str, Any]) -> None:
    """Each expected message's content is what its deltas build, merged naively by id/index."""
    stream = generate_stream(**kw)
    built = naive_content(stream)
    assert {mid: m["content"] for mid, m in stream.expected.items()} == built


@settings(max_examples=40, deadline=None)
@given(options)
def test_completed_events_carry_expected(kw: dict[str, Any]) -> None:
    """Each message's last event carries the expected message, keys in API order."""
    stream = generate_stream(**kw)
    finals: dict[str, tuple[str, Any]] = {}
    created = []
    for name, data in events(stream):
        obj: Any = json.loads(data) if data != "[DONE]" else None
        if name == "thread.message.created":
            created.append(obj["id"])
            assert obj["status"] == "in_progress" and obj["content"] == []
        if name in ("thread.message.completed", "thread.message.incomplete"):
            finals[obj["id"]] = (name, obj)
    assert list(stream.expected) == created
    for mid, message in stream.expected.items():
        name, obj = finals[mid]
        assert obj == message and list(obj) == MESSAGE_KEYS
        if message["status"] == "incomplete":
            assert name == "thread.message.incomplete"
            assert message["incomplete_details"] == {"reason": "content_filter"}
            assert [p["type"] for p in message["content"]] in ([], ["refusal"])
        else:
            assert name == "thread.message.completed" and message["completed_at"] is not None
    assert sum(m["status"] == "incomplete" for m in stream.expected.values()) == kw["refusal"]


def test_message_shape_matches_capture() -> None:
    """Created and completed messages have the reference capture's keys, in its order."""
    capture = dict(simple_events("basic"))
    stream = generate_stream(n_deltas=20)
    objs = {name: json.loads(data) for name, data in events(stream) if data != "[DONE]"}
    for name in ("thread.message.created", "thread.message.completed", "thread.run.created"):
        assert list(objs[name]) == list(capture[name])
    assert list(deltas_of(stream)[0]) == list(capture["thread.message.delta"])


@settings(max_examples=60, deadline=None)
@given(options.filter(lambda kw: bool(kw["annotation_every"])))
def test_annotation_indices_slice_the_text(kw: dict[str, Any]) -> None:
    """start_index:end_index of every annotation slices the final text to the annotation text."""
    stream = generate_stream(**kw)
    for message in stream.expected.values():
        for part in message["content"]:
            if part["type"] != "text":
                continue
            value = part["text"]["value"]
            for ann in part["text"]["annotations"]:
                assert value[ann["start_index"] : ann["end_index"]] == ann["text"]
                assert list(ann) == ["type", "text", "start_index", "end_index", ann["type"]]
                assert ann[ann["type"]]["file_id"].startswith("file-")


def test_annotations_alternate_and_some_are_split() -> None:
    """Annotation types alternate; some arrive in two halves (start first, then end and file)."""
    stream = generate_stream(n_deltas=2000, annotation_every=7, seed=3)
    anns = stream.expected[next(iter(stream.expected))]["content"][0]["text"]["annotations"]
    assert len(anns) == 2000 // 7
    assert [a["type"] for a in anns[:4]] == ["file_citation", "file_path"] * 2
    halves = [
        a
        for d in deltas_of(stream)
        for c in d["delta"]["content"]
        for a in c.get("text", {}).get("annotations", [])
    ]
    firsts = [a for a in halves if "start_index" in a and "end_index" not in a]
    seconds = [a for a in halves if "end_index" in a and "start_index" not in a]
    assert firsts and len(firsts) == len(seconds)
    assert set(firsts[0]) == {"index", "type", "text", "start_index"}
    assert set(seconds[0]) - {"file_citation", "file_path"} == {"index", "type", "end_index"}


def test_crlf_is_lf_with_line_ends_replaced() -> None:
    """crlf=True gives the LF stream with every line end written as CRLF."""
    kw: dict[str, Any] = {"n_deltas": 400, "n_messages": 2, "annotation_every": 3}
    kw |= {"images": True, "refusal": True, "run_steps": True, "seed": 5}
    lf, crlf = generate_stream(**kw), generate_stream(crlf=True, **kw)
    assert crlf.data == lf.data.replace(b"\n", b"\r\n")
    assert crlf.payloads == lf.payloads and crlf.expected == lf.expected


def test_interleaving() -> None:
    """interleave=True mixes the messages' deltas after all creations; False keeps them apart."""
    kw: dict[str, Any] = {"n_deltas": 300, "n_messages": 3, "seed": 1}
    mixed = [(n, json.loads(d).get("id")) for n, d in events(generate_stream(**kw)) if n != "done"]
    names = [n for n, _ in mixed]
    first_delta = names.index("thread.message.delta")
    assert names[:first_delta].count("thread.message.created") == 3
    ids = [i for n, i in mixed if n == "thread.message.delta"]
    runs = sum(a != b for a, b in pairwise(ids))
    assert runs > 50
    in_turn = generate_stream(interleave=False, **kw)
    ids = [d["id"] for d in deltas_of(in_turn)]
    assert sum(a != b for a, b in pairwise(ids)) == 2


def test_images_make_four_parts() -> None:
    """images=True gives some message text, image_file, image_url and text at indices 0..3."""
    stream = generate_stream(n_deltas=400, n_messages=3, images=True, seed=2)
    kinds = [[p["type"] for p in m["content"]] for m in stream.expected.values()]
    assert ["text", "image_file", "image_url", "text"] in kinds
    for message in stream.expected.values():
        for part in message["content"]:
            if part["type"] in ("image_file", "image_url"):
                assert part[part["type"]]["detail"] in ("auto", "low", "high")


def test_run_step_arguments_stream_in_pieces() -> None:
    """run_steps=True adds a function tool-call step shaped like the run-steps capture."""
    stream = generate_stream(n_deltas=10, run_steps=True, seed=4)
    capture = simple_events("run-steps")
    ours = [(n, json.loads(d)) for n, d in events(stream) if n.startswith("thread.run.step")]
    assert [n for n, _ in ours][:2] == ["thread.run.step.created", "thread.run.step.delta"]
    assert ours[-1][0] == "thread.run.step.completed"
    theirs = dict(capture)
    for name in ("thread.run.step.created", "thread.run.step.completed"):
        mine = next(obj for n, obj in ours if n == name)
        assert list(mine) == list(theirs[name])
    calls = [
        obj["delta"]["step_details"]["tool_calls"][0] for n, obj in ours if n.endswith("delta")
    ]
    assert calls[0]["function"] | {"name": None} == {"name": None, "arguments": "", "output": None}
    arguments = "".join(c["function"]["arguments"] for c in calls)
    assert len(calls) > 3
    (step,) = stream.expected_steps.values()
    assert step["step_details"]["tool_calls"][0]["function"]["arguments"] == arguments
    assert step["status"] == "completed" and json.loads(arguments)


def test_text_has_unicode_and_escapes() -> None:
    """The text mixes accents, CJK, emoji and characters JSON must escape."""
    text = all_text(generate_stream(n_deltas=3000, seed=0))
    for ch in ("é", "中", "🚀", '"', "\\", "\n"):
        assert ch in text


def test_text_piece_bounds_the_pieces() -> None:
    """Each plain text delta carries between text_piece[0] and text_piece[1] characters."""
    stream = generate_stream(n_deltas=500, text_piece=(3, 5), seed=9)
    lengths = {len(d["delta"]["content"][0]["text"]["value"]) for d in deltas_of(stream)}
    assert lengths == {3, 4, 5}


@pytest.mark.parametrize(
    "kw",
    [
        {"n_deltas": -1},
        {"n_deltas": 1, "n_messages": 0},
        {"n_deltas": 1, "annotation_every": -1},
        {"n_deltas": 1, "text_piece": (0, 3)},
        {"n_deltas": 1, "text_piece": (4, 3)},
    ],
)
def test_bad_arguments(kw: dict[str, Any]) -> None:
    """Impossible arguments raise ValueError."""
    with pytest.raises(ValueError):
        generate_stream(**kw)


def test_large_streams_are_generated() -> None:
    """100k deltas make the stream they promise (its speed is benchmarks/run.py's concern, never
    timed here)."""
    stream = generate_stream(n_deltas=100_000, annotation_every=50)
    assert stream.n_events == 100_007


@settings(max_examples=30, deadline=None)
@given(options, st.booleans())
def test_deltasnap_agrees(kw: dict[str, Any], crlf: bool) -> None:
    """deltasnap, keeping what the deltas built, reduces a generated stream to the expected."""
    stream = generate_stream(crlf=crlf, **kw)
    acc = deltasnap.accumulate(stream.data, use_completed=False)
    got = {mid: deltasnap.unstructure(m) for mid, m in acc.messages.items()}
    assert got == stream.expected
    assert acc.reports == []
