"""merge/completed.py: a final copy's differences split into streamed divergence and additions."""

from __future__ import annotations

from deltasnap.merge.completed import Differences, split_differences
from deltasnap.merge.rules import NEVER_STREAMED, WHOLE, never_streamed


def _paths(found: tuple[str, ...]) -> list[str]:
    return [d.split(":")[0] for d in found]


def _call(kind: str, **fields: object) -> dict[str, object]:
    return {"type": "tool_calls", "tool_calls": [{"id": "c", "type": kind, **fields}]}


def test_equal_values_have_no_differences() -> None:
    """Equal values: no difference of either sort (and the result is falsy)."""
    found = split_differences({"a": [1]}, {"a": [1]}, "x")
    assert found == Differences() and not found


def test_function_output_adds_and_arguments_differ() -> None:
    """function.output only in the final copy adds; a different streamed arguments differs."""
    ours = _call("function", function={"name": "f", "arguments": "{}", "output": None})
    theirs = _call("function", function={"name": "f", "arguments": "{1}", "output": "x"})
    found = split_differences(ours, theirs, "step_details")
    assert _paths(found.real) == ["step_details.tool_calls[0].function.arguments"]
    assert _paths(found.adds) == ["step_details.tool_calls[0].function.output"]


def test_file_search_results_and_whole_azure_fields_add() -> None:
    """file_search results, and any field of an mcp (whole-arriving) call, add; an id differs."""
    ours = _call("file_search", file_search={"results": []})
    theirs = _call("file_search", file_search={"results": [{"file_id": "f"}]})
    assert split_differences(ours, theirs, "step_details").real == ()
    ours = _call("mcp", arguments="{}", output=None)
    theirs = _call("mcp", arguments="{}", output="done")
    assert _paths(split_differences(ours, theirs, "step_details").adds) == [
        "step_details.tool_calls[0].output"
    ]
    moved = {"type": "tool_calls", "tool_calls": [{"id": "d", "type": "mcp"}]}
    assert split_differences(_call("mcp"), moved, "step_details").real


def test_activities_add_and_empty_quote_dropped_adds() -> None:
    """An activities step's contents add; an empty quote the final copy leaves out adds, while
    a changed annotation text or index differs."""
    found = split_differences(
        {"type": "activities", "activities": []},
        {"type": "activities", "activities": [{"type": "mcp_list_tools"}]},
        "step_details",
    )
    assert found.real == () and found.adds
    ours = [
        {
            "type": "text",
            "text": {
                "value": "v",
                "annotations": [
                    {
                        "type": "file_citation",
                        "text": "[1]",
                        "start_index": 0,
                        "file_citation": {"file_id": "f", "quote": ""},
                    }
                ],
            },
        }
    ]
    theirs = [
        {
            "type": "text",
            "text": {
                "value": "v",
                "annotations": [
                    {
                        "type": "file_citation",
                        "text": "[2]",
                        "start_index": 1,
                        "file_citation": {"file_id": "f"},
                    }
                ],
            },
        }
    ]
    found = split_differences(ours, theirs, "content")
    assert _paths(found.adds) == ["content[0].text.annotations[0].file_citation.quote"]
    assert sorted(_paths(found.real)) == [
        "content[0].text.annotations[0].start_index",
        "content[0].text.annotations[0].text",
    ]


def test_never_streamed_table() -> None:
    """The table's rows, and the rule for tool-call types without an appended field."""
    assert never_streamed("tool_calls", "function") == NEVER_STREAMED[("tool_calls", "function")]
    assert never_streamed("tool_calls", "bing_grounding") == {WHOLE}
    assert never_streamed("tool_calls", "code_interpreter") == frozenset()
    assert never_streamed("content", "text") == frozenset()
