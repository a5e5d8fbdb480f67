"""Packaging: the distribution's name, metadata, license, contents and version, from a wheel
built here the way ``pip install .`` builds it."""

from __future__ import annotations

import ast
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
from deltasnap._exports import MODULE_OF

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


# ----------------------------------------------------------------------------- lazy imports

SRC = Path(deltasnap.__file__).resolve().parents[1]
HEAVY = ("attr", "attrs", "cattrs", "deltasnap._accumulator")


def _fresh(code: str) -> list[str]:
    """The lines ``code`` prints in a fresh interpreter that imports deltasnap from here."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.splitlines()


def test_import_is_lazy() -> None:
    """``import deltasnap`` imports no engine module, attrs nor cattrs; its first name used does."""
    code = (
        "import sys\n"
        "import deltasnap\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.startswith('deltasnap.') or m in heavy))\n"
        "deltasnap.Accumulator\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    before, after = _fresh(code)
    assert before == "['deltasnap._exports']"  # the table of names only
    assert after == repr(sorted(HEAVY))


def test_every_public_name_resolves() -> None:
    """Each ``__all__`` name is its defining module's object, kept once resolved, and in dir()."""
    assert set(MODULE_OF) == set(deltasnap.__all__)
    for name, module in MODULE_OF.items():
        value = getattr(deltasnap, name)
        home = importlib.import_module(module, "deltasnap")
        assert value is (home if module == f".{name}" else getattr(home, name)), name
        assert name in vars(deltasnap), name
    assert set(deltasnap.__all__) <= set(dir(deltasnap))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        deltasnap.nope  # type: ignore[attr-defined]  # noqa: B018


def test_star_import_in_a_fresh_interpreter() -> None:
    """``from deltasnap import X``, ``__version__`` and ``import *`` work in a fresh interpreter."""
    code = (
        "from deltasnap import Accumulator, samples, __version__\n"
        "print(Accumulator.__module__, samples.__name__, isinstance(__version__, str))\n"
        "names = {}\n"
        "exec('from deltasnap import *', names)\n"
        "import deltasnap\n"
        "print(sorted(set(names) - {'__builtins__'}) == sorted(deltasnap.__all__))\n"
    )
    assert _fresh(code) == ["deltasnap._accumulator deltasnap.samples True", "True"]


def test_type_checking_imports_match_the_table() -> None:
    """The imports type checkers see in ``__init__.py`` are exactly the runtime name table."""
    tree = ast.parse((SRC / "deltasnap" / "__init__.py").read_text(encoding="utf-8"))
    (block,) = [
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    ]
    seen: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            module = "." * node.level + (node.module or "")
            seen[alias.name] = module + alias.name if node.module is None else module
    assert seen == MODULE_OF


def test_package_code_never_imports_through_the_package() -> None:
    """Package code imports names from their defining modules, never through ``__init__``."""
    package = SRC / "deltasnap"
    for path in package.rglob("*.py"):
        if path == package / "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 0 and node.module == "deltasnap":
                raise AssertionError(f"{path.relative_to(SRC)} imports from deltasnap")
            if node.level and node.module is None:
                base = path.parents[node.level - 1]
                for alias in node.names:
                    target = base / alias.name
                    assert target.with_suffix(".py").exists() or target.is_dir(), (
                        f"{path.relative_to(SRC)}: from {'.' * node.level} import {alias.name}"
                    )
