"""The payload stage: bounded, JSON-only parsing and the shortcuts' recognisers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deltasnap import Accumulator, DeltasnapError, InvalidJSON, JSONTooDeep, Limits
from deltasnap.payload import runs, shortcut
from deltasnap.payload.json import loads

from strategies import chunked, raw_text_delta, text_run_streams

DELTA = '{"id":"msg_1","object":"thread.message.delta","delta":{"content":[{"index":0,"type":"text","text":{"value":"hi"}}]}}'  # noqa: E501
CREATED = {
    "id": "msg_1",
    "object": "thread.message",
    "content": [{"type": "text", "text": {"value": "", "annotations": []}}],
}

SHALLOW = {"id": "msg_1", "content": [{"type": "text", "text": {"value": ""}}]}  # 4 deep


def sse(event: str, data: str) -> str:
    """One SSE event."""
    return f"event: {event}\ndata: {data}\n\n"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_non_finite_numbers_are_invalid_json(literal: str) -> None:
    """NaN, Infinity, -Infinity and numbers that overflow to inf are not JSON here."""
    with pytest.raises(InvalidJSON):
        loads(f'{{"x": {literal}}}', 64)
    assert loads('{"x": 1e300, "y": -0.5}', 64) == {"x": 1e300, "y": -0.5}


@pytest.mark.parametrize("use_shortcut", [True, False])
def test_non_finite_numbers_skipped_by_the_accumulator(use_shortcut: bool) -> None:
    """A delta holding NaN or 1e400 is a skipped event whether or not the shortcut is on."""
    acc = Accumulator()
    acc._use_shortcut = use_shortcut
    acc.feed(sse("thread.message.created", json.dumps(CREATED)))
    acc.feed(sse("thread.message.delta", DELTA.replace('"index":0', '"index":0,"x":NaN')))
    acc.feed(sse("thread.message.delta", DELTA.replace('"index":0', '"index":1e400')))
    assert [r.kind for r in acc.reports] == ["skipped_event", "skipped_event"]
    assert acc.messages["msg_1"].content[0].text.value == ""  # type: ignore[union-attr]


def test_recognise_plain_text_delta() -> None:
    """The recogniser returns (id, index, piece, no annotations) for the common delta and None
    for others."""
    plain = ("msg_1", 0, "hi", shortcut.NO_ANNOTATIONS)
    assert shortcut.recognise(DELTA) == plain
    spaced = json.dumps(json.loads(DELTA))
    assert shortcut.recognise(spaced) == plain
    loose = json.dumps(json.loads(DELTA), indent=2)
    assert shortcut.recognise(loose) == plain
    assert shortcut.recognise(DELTA.replace('"hi"', '"h\\u00e9"')) == ("msg_1", 0, "hé", "")
    assert shortcut.recognise(DELTA.replace('"index":0', '"index":01')) is None
    assert shortcut.recognise(DELTA.replace('"hi"', '"bad \\x"')) is None


def test_recognise_annotated_text_delta() -> None:
    """A text delta's annotations come back as their array's JSON text (an empty array: none);
    nested arrays, other keys after them, or other key orders are None."""
    with_notes = DELTA.replace('"hi"', '"hi","annotations":[{"index":0,"type":"x","t":"]["}]')
    assert shortcut.recognise(with_notes) == (
        "msg_1",
        0,
        "hi",
        '[{"index":0,"type":"x","t":"]["}]',
    )
    assert shortcut.recognise(DELTA.replace('"hi"', '"hi","annotations":[]')) == (
        "msg_1",
        0,
        "hi",
        "",
    )
    spaced = json.dumps(json.loads(with_notes))
    spaced_notes = '[{"index": 0, "type": "x", "t": "]["}]'
    assert shortcut.recognise(spaced) == ("msg_1", 0, "hi", spaced_notes)
    assert shortcut.recognise(json.dumps(json.loads(with_notes), indent=1)) is not None
    nested = DELTA.replace('"hi"', '"hi","annotations":[{"index":0,"a":[1]}]')
    assert shortcut.recognise(nested) is None
    after = DELTA.replace('"hi"', '"hi","annotations":[],"x":1')
    assert shortcut.recognise(after) is None
    before = DELTA.replace('{"value":"hi"', '{"annotations":[],"value":"hi"')
    assert shortcut.recognise(before) is None


def test_no_pattern_has_two_whitespace_runs_side_by_side() -> None:
    """No recogniser pattern puts two quantified whitespace runs next to each other (the cause
    of super-linear backtracking)."""
    ws = re.escape(shortcut.WS)
    for pattern in shortcut.shapes():
        assert not re.search(f"({ws}){{2}}", pattern.pattern), pattern.pattern
        # nor across a group's or an alternative's edge
        ungrouped = re.sub(r"\(\?:|[()|]", "", pattern.pattern)
        assert not re.search(f"({ws}){{2}}", ungrouped), pattern.pattern


def test_long_whitespace_runs_are_declined() -> None:
    """``"delta":`` + a long run of spaces + ``Z`` is declined (None), and so is a valid delta with
    long whitespace runs taken by the general path's answer (the cost of these inputs is the
    "whitespace runs" family of ``benchmarks/linearity.py``, a ratio, never timed here)."""
    head = DELTA[: DELTA.index('"delta":') + 8]
    for n in (1, 1024, 64 * 1024):
        assert shortcut.recognise(head + " " * n + "Z") is None
    spaced = DELTA.replace(":", ": " + " " * 4096)
    found = shortcut.recognise(spaced)
    assert found is None or found == shortcut.recognise(DELTA)


@pytest.mark.parametrize("use_shortcut", [True, False])
def test_max_json_depth_bounds_text_deltas(use_shortcut: bool) -> None:
    """Limits(max_json_depth=4): a 5-deep text delta is rejected in every key order, shortcut on
    or off."""
    acc = Accumulator(limits=Limits(max_json_depth=4))
    acc._use_shortcut = use_shortcut
    acc.feed(sse("thread.message.created", json.dumps(SHALLOW)))
    acc.feed(sse("thread.message.delta", DELTA))
    reordered = json.dumps(dict(reversed(list(json.loads(DELTA).items()))))
    acc.feed(sse("thread.message.delta", reordered))
    assert [r.kind for r in acc.reports] == ["skipped_event", "skipped_event"]
    assert all("max_json_depth" in r.reason for r in acc.reports)
    assert acc.messages["msg_1"].content[0].text.value == ""  # type: ignore[union-attr]
    strict = Accumulator(strict=True, limits=Limits(max_json_depth=4))
    strict.feed(sse("thread.message.created", json.dumps(SHALLOW)))
    with pytest.raises(JSONTooDeep):
        strict.feed(sse("thread.message.delta", DELTA))


def _outcome(chunks: list[bytes], limits: Limits, strict: bool, fast: bool) -> dict[str, Any]:
    """Everything an Accumulator fed ``chunks`` quietly ends up holding (or raising)."""
    acc = Accumulator(limits=limits, strict=strict)
    acc._use_shortcut = fast
    raised = None
    try:
        for chunk in chunks:
            acc._feed_quietly(chunk)
        acc.close()
    except DeltasnapError as err:
        raised = (type(err).__name__, str(err), err.event_number, err.byte_offset)
    return {
        "messages": dict(acc.messages),
        "steps": dict(acc.run_steps),
        "reports": list(acc.reports),
        "counts": dict(acc.event_counts),
        "events": [(e.number, e.event, e.offset, e.id) for e in acc.events],
        # (bytes fed before a strict error depend on the chunking)
        "numbers": (acc._number, acc.reducer.events_applied, raised or acc.bytes_received),
        "ends": (acc.done, acc.truncated),
        "raised": raised,
    }


LIMITS = st.builds(
    Limits,
    max_event_bytes=st.sampled_from([None, 200, 260, 400, 16 * 1024 * 1024]),
    max_text_per_message=st.sampled_from([None, 8, 40, 256 * 1024 * 1024]),
    max_kept_events=st.sampled_from([None, 3]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stream=text_run_streams(),
    sizes=st.lists(st.integers(0, 300), max_size=8),
    limits=LIMITS,
    strict=st.booleans(),
)
def test_chunk_scanning_equals_the_general_path(
    stream: bytes, sizes: list[int], limits: Limits, strict: bool
) -> None:
    """Runs of text deltas scanned in the raw bytes (in any chunking) leave exactly what the
    general path leaves on the whole buffer: snapshots, reports, counts, kept events, errors."""
    general = _outcome([stream], limits, strict, fast=False)
    assert _outcome(chunked(stream, sizes), limits, strict, fast=True) == general
    assert _outcome([stream], limits, strict, fast=True) == general
    one_byte = [stream[i : i + 1] for i in range(len(stream))]
    assert _outcome(one_byte, limits, strict, fast=True) == general


def test_chunk_scanning_groups_interleaved_runs() -> None:
    """Four interleaved messages' text deltas are taken as one run, pieces joined per part."""
    blocks = [raw_text_delta(f"msg_{k % 4}", 0, b"p%d" % k) for k in range(40)]
    found = runs.scan(b"".join(blocks), 0, 1 << 40, 1 << 20)
    assert found is not None
    end, groups = found
    assert end == sum(map(len, blocks))
    assert [(g[0], g[1], g[3], g[4]) for g in groups] == [(f"msg_{m}", 0, 10, []) for m in range(4)]
    assert groups[1][2] == "".join(f"p{k}" for k in range(1, 40, 4))


def test_chunk_scanning_groups_many_parts() -> None:
    """Past a few parts in a run, each part's pieces still come back joined, in order."""
    blocks = [raw_text_delta(f"msg_{k % 11}", k % 11 % 2, b"p%d" % k) for k in range(66)]
    found = runs.scan(b"".join(blocks), 0, 1 << 40, 1 << 20)
    assert found is not None
    end, groups = found
    assert end == sum(map(len, blocks))
    assert [(g[0], g[1], g[3]) for g in groups] == [(f"msg_{m}", m % 2, 6) for m in range(11)]
    assert groups[3][2] == "".join(f"p{k}" for k in range(3, 66, 11))


def test_chunk_scanning_ends_before_a_line_break_in_annotations() -> None:
    """An annotations' array holding a line break (the event's data ends there) ends the run."""
    first = raw_text_delta("m_1", 0, b"a")
    broken = raw_text_delta("m_1", 0, b"b", annotations=b'[\n{"index":0,"type":"file_path"}]')
    found = runs.scan(first + broken + first, 0, 1 << 40, 1 << 20)
    assert found == (len(first), [("m_1", 0, "a", 1, [])])


def test_chunk_scanning_declines_bad_pieces() -> None:
    """Invalid UTF-8 or a surrogate escape is not scanned: the general path reports it."""
    assert runs.scan(raw_text_delta("m_1", 0, b"\xc3"), 0, 1 << 40, 1 << 20) is None
    spaced = raw_text_delta("m_1", 0, b"ok", spaced=True) + raw_text_delta("m_1", 0, b"\\ud83d")
    found = runs.scan(spaced, 0, 1 << 40, 1 << 20)
    assert found is not None and found[1] == [("m_1", 0, "ok", 1, [])]


def test_chunk_scanning_keeps_annotations_in_order() -> None:
    """Annotated text deltas join the run: each part's non-empty annotations' arrays come back
    in event order, as raw JSON, and an empty array is none."""
    first = b'[{"index":0,"type":"file_path","text":"]"}]'
    second = b'[{"index":1,"type":"file_path"}]'
    blocks = [
        raw_text_delta("m_1", 0, b"a", annotations=b"[]"),
        raw_text_delta("m_2", 0, b"b", annotations=first, spaced=False),
        raw_text_delta("m_1", 0, b"c"),
        raw_text_delta("m_2", 0, b"d", annotations=second),
    ]
    found = runs.scan(b"".join(blocks), 0, 1 << 40, 1 << 20)
    assert found is not None
    assert found[1] == [("m_1", 0, "ac", 2, []), ("m_2", 0, "bd", 2, [first, second])]
    spaced = raw_text_delta("m_1", 0, b"a", spaced=True, annotations=first)
    assert runs.scan(spaced, 0, 1 << 40, 1 << 20) == (len(spaced), [("m_1", 0, "a", 1, [first])])
    inner = b'[{"index":0,"type":"x","t":"a","annotations":1}]'  # the literal, inside
    twice = raw_text_delta("m_1", 0, b"a", annotations=inner) + raw_text_delta("m_1", 0, b"b")
    assert runs.scan(twice, 0, 1 << 40, 1 << 20) == (len(twice), [("m_1", 0, "ab", 2, [inner])])
    nested = raw_text_delta("m_1", 0, b"a", annotations=b"[[1]]")
    assert runs.scan(nested, 0, 1 << 40, 1 << 20) is None


REFUSAL = '{"id":"msg_1","object":"thread.message.delta","delta":{"content":[{"index":2,"type":"refusal","refusal":"no"}]}}'  # noqa: E501
STEP_HEAD = '{"id":"step_1","object":"thread.run.step.delta","delta":{"step_details":{"type":"tool_calls","tool_calls":['  # noqa: E501
ARGUMENTS = STEP_HEAD + '{"index":1,"type":"function","function":{"arguments":"{\\"a"}}]}}}'
INPUT = STEP_HEAD + '{"index":0,"type":"code_interpreter","code_interpreter":{"input":"x=1"}}]}}}'
LOGS = (
    STEP_HEAD + '{"index":3,"type":"code_interpreter","code_interpreter":{"outputs":'
    '[{"index":4,"type":"logs","logs":"out\\n"}]}}]}}}'
)


def _styles(raw: str) -> list[str]:
    """``raw`` (compact) as servers, Python and an indenting writer put it."""
    data = json.loads(raw)
    return [raw, json.dumps(data), json.dumps(data, indent=2), json.dumps(data, indent="\t")]


def test_recognise_refusal_piece() -> None:
    """The refusal recogniser returns (id, index, piece) in every style and None for others."""
    for raw in _styles(REFUSAL):
        assert shortcut.recognise_refusal(raw) == ("msg_1", 2, "no")
    assert shortcut.recognise_refusal(REFUSAL.replace('"no"', '"\\u00e9\\n"')) == (
        "msg_1",
        2,
        "é\n",
    )
    assert shortcut.recognise_refusal(REFUSAL.replace('"no"', '""')) == ("msg_1", 2, "")
    near_misses = [
        REFUSAL.replace('"index":2', '"index":02'),  # not canonical
        REFUSAL.replace('"index":2', '"index":-2'),
        REFUSAL.replace('"index":2', '"index":2.0'),
        REFUSAL.replace('"no"', '"bad \\x"'),  # a bad escape
        REFUSAL.replace('"no"', '"a\tb"'),  # a raw control character
        REFUSAL.replace('"no"', "null"),
        REFUSAL.replace('"msg_1"', '"m\\"1"'),  # an escaped id
        REFUSAL.replace('"type":"refusal"', '"type":"text"'),
        REFUSAL.replace('"refusal":"no"', '"refusal":"no","x":1'),  # an unknown key
        REFUSAL.replace('"index":2,"type":"refusal"', '"type":"refusal","index":2'),  # order
        REFUSAL.replace('"delta":{', '"delta":{"role":"assistant",'),
        REFUSAL.replace("}]}}", "},{}]}}"),  # two items
        REFUSAL + " x",
        REFUSAL[:-1],
        DELTA,
        ARGUMENTS,
    ]
    for raw in near_misses:
        assert shortcut.recognise_refusal(raw) is None, raw


def test_recognise_call_pieces() -> None:
    """The tool-call recogniser returns (step id, call index, field, output index, piece) for an
    arguments, input or logs piece in every style, and None for everything else."""
    for raw in _styles(ARGUMENTS):
        assert shortcut.recognise_call_piece(raw) == ("step_1", 1, "arguments", -1, '{"a')
    for raw in _styles(INPUT):
        assert shortcut.recognise_call_piece(raw) == ("step_1", 0, "input", -1, "x=1")
    for raw in _styles(LOGS):
        assert shortcut.recognise_call_piece(raw) == ("step_1", 3, "logs", 4, "out\n")
    near_misses = [
        ARGUMENTS.replace('"type":"function"', '"type":"code_interpreter"'),  # type and key
        INPUT.replace('"type":"code_interpreter"', '"type":"function"'),
        INPUT.replace('"input"', '"arguments"'),
        ARGUMENTS.replace('{"arguments"', '{"name":"f","arguments"'),  # a call's first delta
        ARGUMENTS.replace('{"index":1,', '{"index":1,"id":"call_1",'),
        INPUT.replace('"x=1"}', '"x=1","outputs":[]}'),
        LOGS.replace('"type":"logs"', '"type":"image"'),
        LOGS.replace('"index":4', '"index":04'),
        LOGS.replace('"out\\n"}', '"out","x":1}'),
        LOGS.replace("}]}}]", "},{}]}}]"),  # two outputs
        ARGUMENTS.replace("}}]}}}", "}},{}]}}}"),  # two calls
        ARGUMENTS.replace('"type":"tool_calls"', '"type":"message_creation"'),
        ARGUMENTS.replace('"object":"thread.run.step.delta",', ""),
        ARGUMENTS.replace('"id":"step_1","object"', '"object"'),
        ARGUMENTS.replace('"id":"step_1",', "") + "",
        ARGUMENTS.replace('"{\\"a"', '"\\q"'),
        ARGUMENTS.replace('"{\\"a"', "null"),
        ARGUMENTS + "x",
        ARGUMENTS[:-1],
        REFUSAL,
    ]
    for raw in near_misses:
        assert shortcut.recognise_call_piece(raw) is None, raw


def test_real_captures_pieces_are_recognised() -> None:
    """Every arguments and input piece of the real captures' step deltas (those without id or
    name) is recognised, with the values json.loads gives."""
    captures = Path(__file__).resolve().parents[2] / "shared" / "real-captures"
    if not captures.is_dir():
        pytest.skip("no real captures here")
    found = 0
    for path in sorted(captures.glob("*.sse")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("data: ") or "thread.run.step.delta" not in line:
                continue
            raw = line[6:]
            data = json.loads(raw)
            (call,) = data["delta"]["step_details"]["tool_calls"]
            inner = call.get(call["type"])
            if set(call) != {"index", "type", call["type"]} or not isinstance(inner, dict):
                continue
            if call["type"] not in ("function", "code_interpreter") or len(inner) != 1:
                continue
            ((field, piece),) = inner.items()
            if field in ("arguments", "input"):
                want = (data["id"], call["index"], field, -1, piece)
                assert shortcut.recognise_call_piece(raw) == want
                found += 1
    assert found > 100


@pytest.mark.parametrize("raw", [REFUSAL, ARGUMENTS, LOGS])
def test_long_whitespace_runs_in_pieces_are_declined(raw: str) -> None:
    """A piece shape with a long whitespace run then junk is None; with long whitespace runs
    between its tokens, the values the compact form gives (linear: no backtracking blow-up)."""
    recognise = shortcut.recognise_refusal if raw is REFUSAL else shortcut.recognise_call_piece
    head = raw[: raw.index('"delta":') + 8]
    for n in (1, 1024, 64 * 1024):
        assert recognise(head + " " * n + "Z") is None
    assert recognise(raw.replace(":", ": " + " " * 4096)) == recognise(raw)


def test_piece_depths_are_their_nesting() -> None:
    """Each piece shape's declared depth is its JSON nesting, as max_json_depth counts it."""
    from deltasnap.payload.json import _too_deep

    for raw, depth in [
        (REFUSAL, shortcut.REFUSAL_DEPTH),
        (ARGUMENTS, shortcut.CALL_DEPTH["arguments"]),
        (INPUT, shortcut.CALL_DEPTH["input"]),
        (LOGS, shortcut.CALL_DEPTH["logs"]),
        (DELTA, shortcut.DEPTH),
    ]:
        assert not _too_deep(raw, depth)
        assert _too_deep(raw, depth - 1)
