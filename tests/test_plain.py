"""_plain.py: the cycle check and the stack-free deep copy of free-form JSON values."""

from __future__ import annotations

from typing import Any

import pytest

from deltasnap import ValidationError
from deltasnap._plain import acyclic, copy_json


def test_acyclic_returns_the_value_and_names_the_cycle() -> None:
    """Shared containers pass unchanged; a container inside itself is refused at its path."""
    shared: dict[str, Any] = {"x": [1]}
    value = {"a": shared, "b": [shared, shared]}
    assert acyclic(value) is value
    loop: list[Any] = [1]
    loop.append({"back": loop})
    with pytest.raises(ValidationError, match=r"\[1\]\.back: cyclic data"):
        acyclic(loop)


def test_copy_json_copies_deep_data_without_recursion() -> None:
    """A copy 5,000 levels deep (past the recursion limit) equals the original, shares nothing."""
    deep: Any = []
    for _ in range(5_000):
        deep = [deep, {"k": "v"}]
    copied = copy_json(deep)
    assert copied is not deep and copied[1] is not deep[1]
    node, original = copied, deep
    while node:
        assert node[1] == original[1]
        node, original = node[0], original[0]
