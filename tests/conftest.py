"""Fixtures shared by the test modules."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def brian_state():
    """Run in-process builds without leaking the device or preferences to other tests."""
    from brian2 import prefs, set_device

    saved = copy.deepcopy(dict(prefs.prefs))
    yield
    prefs.prefs.update(saved)
    set_device("runtime")


def shared_data_dir() -> Path:
    """Where the real datasets are: the first entry of $DIEHLSIM_DATA (as `make test` sets
    it), else ../shared/data beside the repository."""
    entries = [e for e in os.environ.get("DIEHLSIM_DATA", "").split(os.pathsep) if e.strip()]
    return Path(entries[0]).resolve() if entries else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture
def compile_cuda_objects(tmp_path, brian_state):
    """Generate a cuda_standalone project for a model and compile only the code objects a
    component adds, with the project's own makefile (its nvcc and flags). Linking the whole
    project is checked once, in ``test_build``; each further component compiling its own
    objects costs seconds rather than minutes of nvcc.

    ``compile_cuda_objects(prefixes, n_exc=..., **build_kwargs)`` returns the paths of the
    object files; every code object whose name starts with one of ``prefixes`` is compiled,
    and a prefix that matches none is an error (the component did not generate code)."""
    import subprocess

    from diehlsim import api

    missing = _cuda_toolchain_missing()
    if missing:
        pytest.skip(missing)

    def compile_objects(prefixes, n_exc=4, **build_kwargs):
        out = tmp_path / "cuda_project"
        api.build(out, "cuda_standalone", n_exc, slots=2, compile=False,
                  compute_capability="9.0", portable=True, **build_kwargs)
        sources = sorted((out / "code_objects").glob("*.cu"))
        targets = []
        for prefix in prefixes:
            matched = [s for s in sources if s.name.startswith(prefix)]
            assert matched, f"no generated CUDA code object starts with {prefix!r}"
            targets += matched
        objects = [str(s.relative_to(out).with_suffix(".o")) for s in dict.fromkeys(targets)]
        jobs = f"-j{os.cpu_count() or 1}"
        done = subprocess.run(["make", jobs, "-C", str(out), *objects], capture_output=True,
                              text=True, timeout=1800)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return [out / o for o in objects]

    return compile_objects


# -- the whole CUDA project --------------------------------------------------------------
# Compiling the full cuda_standalone project is ~45 nvcc runs: minutes of CPU on one core,
# most of it in nvcc's front end. `make test` runs the suite on two pytest-xdist workers
# (--dist loadfile), so this test is moved to the front of the run: one worker compiles while
# the other starts on the rest, instead of the build being the last thing left.
FULL_CUDA_TEST = "test_cuda_build_compiles_with_nvcc_without_gpu"
FULL_CUDA_OPTIONS = ("--device", "cuda_standalone", "--neurons", "10", "--input-size",
                     "784", "--chunk", "2", "--compute-capability", "9.0")
CUDA_BUILD_TIMEOUT_S = 3600


def _cuda_toolchain_missing() -> str | None:
    import importlib.util

    from diehlsim.devices import cuda
    from diehlsim.errors import ToolchainError

    if importlib.util.find_spec("brian2cuda") is None:
        return "brian2cuda is not installed"
    try:
        cuda.find_nvcc()
    except ToolchainError:
        return "nvcc is not installed: cannot compile CUDA code here"
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """After deselection (-m, -k): move the full CUDA build's test to the front. Every xdist
    worker collects and reorders alike, as xdist requires."""
    chosen = [item for item in items if item.name == FULL_CUDA_TEST]
    items[:] = chosen + [item for item in items if item.name != FULL_CUDA_TEST]


@pytest.fixture
def full_cuda_build(tmp_path):
    """``diehlsim build`` of the 784 x 10 cuda_standalone project through the CLI:
    ``returncode``, ``output``, ``out`` (the project) and ``seconds``; skips where the CUDA
    toolchain is missing."""
    import subprocess
    import sys
    import time

    missing = _cuda_toolchain_missing()
    if missing:
        pytest.skip(missing)
    out = tmp_path / "cuda10"
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "diehlsim", "build", *FULL_CUDA_OPTIONS, "--out", str(out)],
        capture_output=True, text=True, timeout=CUDA_BUILD_TIMEOUT_S,
        env=dict(os.environ, PYTHONUNBUFFERED="1"))
    return {"returncode": done.returncode, "output": done.stdout + done.stderr, "out": out,
            "seconds": time.perf_counter() - start}
