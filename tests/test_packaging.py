"""The packaging contract: pins agree between pyproject.toml and environment.yml; CLI entry."""

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_pins() -> dict:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    pins = {}
    for requirement in requirements:
        name, version = requirement.split("==")
        pins[name.strip().lower()] = version.strip()
    return pins


def _environment_pins() -> dict:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for requirement in entry["pip"]:
                if "==" in requirement:
                    name, version = requirement.split("==")
                    pins[name.strip().lower()] = version.strip()
        elif "=" in entry:
            name, version = entry.split("=", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def test_every_dependency_is_pinned_exactly():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    assert all("==" in r for r in requirements), requirements


def test_environment_yml_agrees_with_pyproject():
    env_pins = _environment_pins()
    assert env_pins.pop("python") == "3.12"
    project_pins = _pyproject_pins()
    assert env_pins == project_pins


def test_brian2_pin_matches_brian2cuda():
    pins = _pyproject_pins()
    assert pins["brian2"] == "2.10.1"
    assert pins["brian2cuda"] == "1.0b1"


def test_python_version_file():
    assert (ROOT / ".python-version").read_text().strip() == "3.12.1"


def test_cli_lists_commands():
    out = subprocess.run([sys.executable, "-m", "diehlsim", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("train", "evaluate", "demo", "download", "analyze"):
        assert command in out


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
