"""The layout's rules that import-linter (``make test`` runs ``lint-imports`` with the
contracts in pyproject.toml) cannot check: no private name crosses a package boundary, and
a module over 300 lines says in its docstring why it is not split."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "diehlsim"
LONG_MODULE_LINES = 300


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _home(module: str) -> str:
    """The package a module belongs to: ``diehlsim.models.state`` -> ``diehlsim.models``;
    top-level modules are their own home."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_private_name_is_imported_across_packages():
    crossings = []
    for path, module in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("diehlsim"):
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    if private and _home(node.module) != _home(module):
                        crossings.append(f"{module}: from {node.module} import {alias.name}")
    assert crossings == []


def test_long_modules_say_why():
    unexplained = []
    for path, module in _modules():
        lines = path.read_text().count("\n")
        if lines > LONG_MODULE_LINES:
            doc = ast.get_docstring(ast.parse(path.read_text())) or ""
            if "Why one module" not in doc:
                unexplained.append(f"{module} ({lines} lines)")
    assert unexplained == [], "give each a 'Why one module: ...' paragraph or split it"
