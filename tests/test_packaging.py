"""Packaging: the distribution's name, metadata, license, contents and version, from a wheel
built here the way ``pip install .`` builds it."""

from __future__ import annotations

import email
import importlib
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hatchling.builders.wheel import WheelBuilder

import deltasnap
from deltasnap import _version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A wheel of the working tree, built by the project's own build backend."""
    out = tmp_path_factory.mktemp("dist")
    (built,) = WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"])
    yield Path(built)


def _dist_info(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        (path,) = [p for p in archive.namelist() if p.endswith(f".dist-info/{name}")]
        return archive.read(path).decode("utf-8")


def test_distribution_name_is_ours() -> None:
    """The distribution is ``deltasnap-assistants`` (``deltasnap`` on PyPI is an unrelated
    project), the name the version is looked up under; the import name stays ``deltasnap``."""
    assert PROJECT["name"] == "deltasnap-assistants" == _version.DISTRIBUTION
    assert PROJECT["scripts"] == {"deltasnap": "deltasnap.cli:main"}


def test_wheel_metadata(wheel: Path) -> None:
    """The wheel's metadata names the distribution, its version, MIT license and every extra."""
    meta = email.message_from_string(_dist_info(wheel, "METADATA"))
    assert meta["Name"] == "deltasnap-assistants"
    assert meta["Version"] == PROJECT["version"]
    assert meta["License-Expression"] == "MIT"
    assert meta["License-File"] == "LICENSE"
    assert set(meta.get_all("Provides-Extra") or []) == set(PROJECT["optional-dependencies"])
    assert meta["Requires-Python"] == ">=3.11"
    entry_points = _dist_info(wheel, "entry_points.txt")
    assert "deltasnap = deltasnap.cli:main" in entry_points


def test_wheel_contents(wheel: Path) -> None:
    """The wheel holds the package (the cli package, the sample, py.typed) and the license."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for path in (
        "deltasnap/__init__.py",
        "deltasnap/cli/__init__.py",
        "deltasnap/samples/sample.sse",
        "deltasnap/py.typed",
    ):
        assert path in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_license_file() -> None:
    """LICENSE is the MIT license of the deltasnap authors, 2026."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 deltasnap authors" in text
    assert PROJECT["license"] == "MIT"


def test_installed_version(wheel: Path, tmp_path: Path) -> None:
    """Installed from the wheel, ``deltasnap.__version__`` and ``deltasnap --version`` give the
    distribution's version."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    code = "import deltasnap; print(deltasnap.__file__); print(deltasnap.__version__)"
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    where, version = proc.stdout.split()
    assert Path(where).is_relative_to(tmp_path)
    assert version == PROJECT["version"]
    proc = subprocess.run(
        [sys.executable, "-m", "deltasnap", "--version"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout == f"deltasnap {PROJECT['version']}\n"


def test_version_from_a_source_tree() -> None:
    """Run from a source tree that is not installed, ``__version__`` is still a string, and
    the same one the metadata module gives."""
    assert isinstance(deltasnap.__version__, str)
    assert deltasnap.__version__ == _version.__version__
    assert "__version__" in deltasnap.__all__


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("deltasnap._merge", "deltasnap.merge.reports"),
        ("deltasnap._merge", "deltasnap.merge.views"),
        ("deltasnap._steps", "deltasnap.merge.views"),
        ("deltasnap._steps", "deltasnap.merge.steps"),
        ("deltasnap._steps", "deltasnap.merge.runs"),
        ("deltasnap._sse", "deltasnap.sse.decoder"),
        ("deltasnap._json", "deltasnap.payload.json"),
        ("deltasnap._reducer", "deltasnap.merge.reports"),
        ("deltasnap._reducer", "deltasnap.merge.views"),
        ("deltasnap._sources", "deltasnap._feeding"),
    ],
)
def test_old_private_paths_still_re_export(old: str, new: str) -> None:
    """The old module paths (kept as shims) give the very objects of their new homes."""
    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    shared = set(old_module.__all__) & set(getattr(new_module, "__all__", ()))
    assert shared
    for name in shared:
        assert getattr(old_module, name) is getattr(new_module, name), name


def test_package_code_imports_no_shim() -> None:
    """Nothing inside src/deltasnap or tests imports the shim modules: they serve users only."""
    shims = ("_merge", "_steps", "_sse", "_json")
    pattern = re.compile(r"(from|import)\s+(deltasnap|\.+)\.?(" + "|".join(shims) + r")\b(?!\.)")
    for path in [*(ROOT / "src" / "deltasnap").rglob("*.py"), *(ROOT / "tests").glob("*.py")]:
        if path.stem in shims or path.name == "test_packaging.py":
            continue
        found = pattern.search(path.read_text(encoding="utf-8"))
        assert found is None, f"{path.relative_to(ROOT)} imports {found and found.group(0)}"
