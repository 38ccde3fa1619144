"""The packaging contract: pins agree between pyproject.toml and environment.yml; CLI entry."""

import re
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


def _locked() -> dict:
    """{name: (version, number of hashes)} of requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    locked = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;\\]+)", entry)
        if match:
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            locked[name] = (match.group(2), entry.count("--hash=sha256:"))
    return locked


def test_every_dependency_is_pinned_exactly():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    assert all("==" in r for r in requirements), requirements


def test_lock_holds_every_direct_pin_and_hashes_for_every_package():
    locked = _locked()
    assert len(locked) > len(_pyproject_pins())  # the transitive packages are locked too
    for name, version in _pyproject_pins().items():
        assert locked[re.sub(r"[-_.]+", "-", name)][0] == version, name
    for name in ("sympy", "jinja2", "pyparsing", "setuptools"):  # shape Brian2's code
        assert name in locked
    assert all(hashes > 0 for _, hashes in locked.values())


def test_the_pip_lock_is_the_export_of_uv_lock():
    """requirements.lock (what pip installs) holds exactly the versions of uv.lock."""
    packages = tomllib.loads((ROOT / "uv.lock").read_text())["package"]
    in_uv_lock = {re.sub(r"[-_.]+", "-", p["name"]).lower(): p["version"] for p in packages
                  if p["name"] != "diehlsim"}
    assert {name: version for name, (version, _) in _locked().items()} == in_uv_lock


def test_environment_yml_installs_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.12" in env["dependencies"]
    (pip_section,) = [e for e in env["dependencies"] if isinstance(e, dict)]
    assert pip_section["pip"] == ["--require-hashes", "-r requirements.lock"]


def test_make_and_ci_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements.lock" in makefile
    assert "pip install --quiet -e" not in makefile  # nothing resolved at install time


def test_brian2_pin_matches_brian2cuda():
    pins = _pyproject_pins()
    assert pins["brian2"] == "2.10.1"
    assert pins["brian2cuda"] == "1.0b1"


def test_python_version_file():
    assert (ROOT / ".python-version").read_text().strip() == "3.12.1"


def test_cli_lists_commands():
    out = subprocess.run([sys.executable, "-m", "diehlsim", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for command in ("train", "evaluate", "demo", "download", "analyze", "build", "reproduce"):
        assert command in out


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
