"""Every code block of the README runs as written (or, for a synopsis, matches the program), and
its install, lint and CLI commands work."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import deltasnap
from deltasnap.cli import main
from deltasnap.testing import ReplayServer

from batch_archive import build
from conftest import stream_path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SECTION = README.split("## Use it with…", 1)[1].split("\n## ", 1)[0]
SNIPPETS = re.findall(r"```python\n(.*?)```", SECTION, re.S)


def _blocks() -> list[tuple[str, str, str]]:
    """(section heading, language, code) of every fenced block, in order."""
    blocks: list[tuple[str, str, str]] = []
    section = ""
    lines = iter(README.splitlines())
    for line in lines:
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("```"):
            body: list[str] = []
            for inner in lines:
                if inner.startswith("```"):
                    break
                body.append(inner)
            blocks.append((section, line[3:].strip(), "\n".join(body) + "\n"))
    return blocks


BLOCKS = _blocks()
# python blocks outside "Use it with…" (those have their own test below, against the server)
# and the sections whose own tests run their blocks: "Archives" (tests/test_batch_readme.py,
# against an archive and a cluster) and "Coming from the openai SDK" (tests/test_handler.py,
# the SDK program against the replay server beside its deltasnap twin)
RUN_ELSEWHERE = ("Archives", "Coming from the openai SDK")
OTHER_PYTHON = [
    (section, code)
    for section, lang, code in BLOCKS
    if lang == "python" and code not in SNIPPETS and section not in RUN_ELSEWHERE
]
SH_LINES = [line for _, lang, code in BLOCKS if lang == "sh" for line in code.splitlines()]
TEXT_BLOCKS = [code for _, lang, code in BLOCKS if lang == "text"]


def test_every_block_has_a_checked_language() -> None:
    """Each block is python (run), sh (each command checked) or text (a synopsis or the error
    tree, compared with the program): none escapes the tests."""
    assert [lang for _, lang, _ in BLOCKS if lang not in ("python", "sh", "text")] == []
    for code in TEXT_BLOCKS:
        assert code.startswith(("deltasnap replay", "DeltasnapError")), code


def test_section_has_the_seven_snippets() -> None:
    """httpx, httpx async, connect_sse, requests, openai SDK events, a file and aiohttp each have
    a snippet."""
    assert len(SNIPPETS) == 7


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    """The capture the snippets stream: two interleaved messages."""
    with ReplayServer(stream_path("two-messages"), chunk_size=32) as srv:
        yield srv


def _run_snippet(code: str, name: str, server: ReplayServer, tmp_path: Path) -> dict[str, object]:
    """Run ``code`` with only the port changed, in a directory holding ``capture.sse``."""
    code = code.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
    shutil.copy(stream_path("two-messages"), tmp_path / "capture.sse")
    namespace: dict[str, object] = {"__name__": "readme_snippet"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        exec(compile(code, name, "exec"), namespace)
    return namespace


@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_snippet_runs(
    index: int,
    server: ReplayServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each "Use it with…" snippet, with only the port changed, reduces the capture correctly."""
    monkeypatch.chdir(tmp_path)
    acc = _run_snippet(SNIPPETS[index], f"README snippet {index}", server, tmp_path)["acc"]
    assert list(acc.messages) == ["msg_a", "msg_b"]  # type: ignore[attr-defined]
    texts = [m.content[0].text.value for m in acc.messages.values()]  # type: ignore[attr-defined]
    assert texts == ["alpha beta gamma", "one two three"]
    capsys.readouterr()


@pytest.mark.parametrize(
    "section,code", OTHER_PYTHON, ids=[f"{s}-{i}" for i, (s, _) in enumerate(OTHER_PYTHON)]
)
def test_python_block_runs(
    section: str,
    code: str,
    server: ReplayServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every other python block runs as written (the replay server up, capture.sse at hand)."""
    monkeypatch.chdir(tmp_path)
    _run_snippet(code, f"README block in {section}", server, tmp_path)
    out = capsys.readouterr().out
    if section == "Use":
        assert "msg_a completed" in out and "msg_b completed" in out


def test_use_section_has_its_two_blocks() -> None:
    """The "Use" section's two snippets (the sample, then the live loop) are among those run."""
    assert [section for section, _ in OTHER_PYTHON].count("Use") == 2


# ----------------------------------------------------------------------------- commands


def _commands() -> Iterator[str]:
    for line in SH_LINES:
        if line.strip() and not line.lstrip().startswith("#"):
            yield from (part.strip() for part in line.split("&&"))


COMMANDS = list(_commands())


def _pip_targets(command: str) -> list[str]:
    words = shlex.split(command)
    return [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]


def _check_install_target(target: str) -> None:
    name, _, extras = target.partition("[")
    assert name in (".", PYPROJECT["project"]["name"]), target
    for extra in filter(None, extras.rstrip("]").split(",")):
        assert extra in PYPROJECT["project"]["optional-dependencies"], target


@pytest.mark.parametrize("command", COMMANDS)
def test_sh_command(command: str, tmp_path: Path) -> None:
    """Each shell command of the README is checked: set-up and install commands name this
    project and extras it has, the test command is CI's, scripts exist, and every ``deltasnap``
    command runs (as ``python -m deltasnap``) and exits 0."""
    words = shlex.split(command)
    program = Path(words[0]).name
    if words[:3] == ["python3", "-m", "venv"]:
        return
    if program == "pip":
        for target in _pip_targets(command):
            _check_install_target(target)
        return
    if program == "python" and words[1:3] == ["-m", "pytest"]:
        ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
        assert command in ci, "the README's test command is not the one CI runs"
        return
    if program == "python" and words[1].endswith(".py"):
        assert (ROOT / words[1]).is_file()
        return
    assert program == "deltasnap", f"a README command no test checks: {command!r}"
    shutil.copy(stream_path("two-messages"), tmp_path / "capture.sse")
    ok = (0,)
    if words[1] == "batch":  # over an archive with broken captures: 3 says some had problems
        build(tmp_path / "archive")
        ok = (0, 3)
    proc = subprocess.run(
        [sys.executable, "-m", "deltasnap", *words[1:]],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(deltasnap.__file__).resolve().parents[1])},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode in ok, proc.stderr
    assert proc.stdout.strip() or words[1] == "batch"


def test_every_install_command_names_this_project() -> None:
    """Every ``pip install`` in the README, in blocks or inline, installs this project (``.`` or
    its PyPI name, never the unrelated ``deltasnap``) with extras that exist."""
    installs = re.findall(r"pip install [^`\n]*", README)
    assert len(installs) >= 4
    for command in installs:
        command = command.split("&&")[0]
        assert _pip_targets(command), command
        for target in _pip_targets(command):
            _check_install_target(target)
    assert "pip install 'deltasnap-assistants[httpx]'" in README


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs exactly the README's test command; the set-up command replays the sample."""
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()
    assert "deltasnap replay --sample" in commands[0]
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


@pytest.mark.parametrize("command", [["ruff", "check"], ["ruff", "format", "--check"]])
def test_lint_commands_pass_as_written(command: list[str]) -> None:
    """The Development section's ``ruff check`` and ``ruff format --check`` (no paths: README.md
    included) pass from the repository root, exactly as written."""
    assert f"`{' '.join(command)}`" in README
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff is not None, "ruff is in the test extra"
    proc = subprocess.run(
        [ruff, *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --------------------------------------------------------------------------- text blocks


def _options(argv: list[str], capsys: pytest.CaptureFixture[str]) -> set[str]:
    assert main(argv) == 0
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", capsys.readouterr().out))


def test_cli_synopsis_matches_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    """The Command line synopsis lists exactly replay's options, and only options that exist."""
    (synopsis,) = [code for code in TEXT_BLOCKS if code.startswith("deltasnap replay")]
    replay_part = synopsis.split("\ndeltasnap serve")[0]
    replay = _options(["replay", "--help"], capsys) - {"--help"}
    assert set(re.findall(r"--[a-z][a-z-]*", replay_part)) == replay
    serve = _options(["serve", "--help"], capsys)
    rest = set(re.findall(r"--[a-z][a-z-]*", synopsis.split("\ndeltasnap serve")[1]))
    assert rest <= serve | {"--version"}


def test_error_tree_matches_the_classes() -> None:
    """The error tree drawn in the README is the class hierarchy: each class exists and
    derives from the one it is drawn under (and from any "also a" class)."""
    (tree,) = [code for code in TEXT_BLOCKS if code.startswith("DeltasnapError")]
    parents: list[type] = [deltasnap.DeltasnapError]
    checked = 0
    for line in tree.splitlines()[1:]:
        found = re.search(r"[├└]── (\w+)", line)
        if found is None:
            continue
        depth = found.start() // 4 + 1
        cls = getattr(deltasnap, found.group(1))
        assert issubclass(cls, parents[depth - 1]), found.group(1)
        del parents[depth:]
        parents.append(cls)
        also = re.search(r"\(also a (\w+)\)", line)
        if also is not None:
            assert issubclass(cls, getattr(deltasnap, also.group(1))), line
        checked += 1
    assert checked >= 10
    listed = tree.split("── LimitExceeded", 1)[1].split("└──")[0]
    for name in re.findall(r"\b[A-Z]\w+", listed):
        assert issubclass(getattr(deltasnap, name), deltasnap.LimitExceeded), name
