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
    from diehlsim.devices import cuda
    from diehlsim.errors import ToolchainError

    pytest.importorskip("brian2cuda")
    try:
        cuda.find_nvcc()
    except ToolchainError:
        pytest.skip("nvcc is not installed: cannot compile CUDA code here")

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


# -- the whole CUDA project, compiled in the background -----------------------------------
# Compiling the full cuda_standalone project is ~45 nvcc runs: minutes of CPU, most of it
# in nvcc's front end. Serial tests leave a core idle much of the time (simulations and
# analysis are single-threaded), so the build starts at collection, at the lowest CPU
# priority, and its test is moved to the end of the run, where it waits for the result.
BACKGROUND_CUDA_TEST = "test_cuda_build_compiles_with_nvcc_without_gpu"
BACKGROUND_CUDA_OPTIONS = ("--device", "cuda_standalone", "--neurons", "10", "--input-size",
                           "784", "--chunk", "2", "--compute-capability", "9.0")
CUDA_BUILD_TIMEOUT_S = 3600
_CUDA_BUILD = pytest.StashKey[dict]()


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


def _start_cuda_build() -> dict:
    import subprocess
    import sys
    import tempfile

    missing = _cuda_toolchain_missing()
    if missing:
        return {"skip": missing}
    root = Path(tempfile.mkdtemp(prefix="diehlsim-test-cuda-"))
    out = root / "cuda10"
    log = open(root / "build.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "diehlsim", "build", *BACKGROUND_CUDA_OPTIONS, "--out", str(out)],
        stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1"),
        preexec_fn=lambda: os.nice(19), start_new_session=True)
    return {"process": process, "log": log, "root": root, "out": out}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """After deselection (-m, -k): move the full CUDA build's test last and start its build."""
    chosen = [item for item in items if item.name == BACKGROUND_CUDA_TEST]
    if not chosen or config.option.collectonly:
        return
    items[:] = [item for item in items if item.name != BACKGROUND_CUDA_TEST] + chosen
    config.stash[_CUDA_BUILD] = _start_cuda_build()


def pytest_unconfigure(config):
    import shutil
    import signal

    build = config.stash.get(_CUDA_BUILD, {})
    if "process" not in build:
        return
    if build["process"].poll() is None:
        os.killpg(build["process"].pid, signal.SIGKILL)
        build["process"].wait()
    build["log"].close()
    shutil.rmtree(build["root"], ignore_errors=True)


@pytest.fixture
def background_cuda_build(request):
    """The background build's result: ``returncode``, ``output``, ``out`` (the project) and
    ``waited`` (seconds this test waited for it); skips where the CUDA toolchain is missing."""
    import subprocess
    import time

    build = request.config.stash.get(_CUDA_BUILD, None)
    if build is None:
        pytest.fail("the background CUDA build did not start: run the test through pytest "
                    "collection (tests/conftest.py starts it)")
    if "skip" in build:
        pytest.skip(build["skip"])
    start = time.perf_counter()
    try:
        build["process"].wait(timeout=CUDA_BUILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the CUDA build took longer than {CUDA_BUILD_TIMEOUT_S} s")
    build["log"].seek(0)
    return {"returncode": build["process"].returncode, "output": build["log"].read(),
            "out": build["out"], "waited": time.perf_counter() - start}
