"""The command line's structure: one module per command, each calling only the API (and the
papers for ``reproduce``), and one place that turns errors into exit codes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from diehlsim import cli

CLI_DIR = Path(cli.__file__).parent
ALLOWED = {"diehlsim.api", "diehlsim.errors"}
ALLOWED_IN = {"reproduce.py": ALLOWED | {"diehlsim.papers"}}
COMMANDS = ("download", "train", "evaluate", "sweep", "demo", "analyze", "export", "build",
            "reproduce", "traces")


def _diehlsim_imports(path: Path) -> set[str]:
    """Every ``diehlsim`` module ``path`` imports (``from diehlsim import api`` -> diehlsim.api)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "diehlsim":
            found.update(f"diehlsim.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] == "diehlsim"}


def _allowed(name: str, allowed: set[str]) -> bool:
    return name.startswith("diehlsim.cli") or any(
        name == module or name.startswith(module + ".") for module in allowed)


@pytest.mark.parametrize("path", sorted(CLI_DIR.glob("*.py")), ids=lambda p: p.name)
def test_cli_modules_import_only_the_api_errors_and_papers(path):
    allowed = ALLOWED_IN.get(path.name, ALLOWED)
    wrong = sorted(n for n in _diehlsim_imports(path) if not _allowed(n, allowed))
    assert not wrong, f"{path.name} imports {wrong}; the CLI calls diehlsim.api only"


def test_every_command_has_its_module_and_is_registered():
    modules = {p.stem for p in CLI_DIR.glob("*.py") if not p.stem.startswith("_")}
    assert modules == set(COMMANDS)
    subparsers = cli.build_parser()._subparsers._group_actions[0]
    assert tuple(subparsers.choices) == COMMANDS


def test_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "diehlsim", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in COMMANDS:
        assert f"    {command} " in out, command


def test_keyboard_interrupt_is_exit_code_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.analyze, "run_analyze", interrupted)
    assert cli.main(["analyze", "--run", "somewhere"]) == 130
    assert capsys.readouterr().err == "diehlsim analyze: interrupted\n"


def test_an_api_error_is_one_line_and_exit_code_2(tmp_path, capsys):
    assert cli.main(["analyze", "--run", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("diehlsim analyze: error: run directory ") and err.count("\n") == 1
