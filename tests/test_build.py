"""``diehlsim build``: standalone C++ and CUDA projects, the protocol in their code, GPU checks.

The C++ project is built through the CLI and its binary run once with run arguments. The
CUDA project is generated and compiled with nvcc (no GPU needed; skipped without nvcc), as
the first test of the run (tests/conftest.py). Generating CUDA code and the
no-GPU error need neither nvcc nor a GPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from diehlsim.devices import cuda
from diehlsim.devices.project import (
    MANIFEST,
    RUN_ARGUMENT_MEANING,
    check_protocol_in_code,
    code_object_source,
    run_argument_table,
)
from diehlsim.errors import ToolchainError
from diehlsim.models.parameters import default_parameters

CPP_TIMEOUT_S = 1200


def _nvcc_or_none():
    try:
        return cuda.find_nvcc()
    except ToolchainError:
        return None


def _gpu_usable() -> bool:
    try:
        cuda.check_gpu()
    except ToolchainError:
        return False
    return True


def _cli_build(*args, timeout):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", "diehlsim", "build", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


def _read(path: Path, dtype) -> np.ndarray:
    return np.fromfile(path, dtype=dtype)


# -- C++ --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_cpp_build_via_cli_compiles_documents_and_runs(tmp_path):
    out = tmp_path / "cpp4"
    done = _cli_build("--device", "cpp_standalone", "--neurons", "4", "--input-size", "784",
                      "--chunk", "2", "--out", str(out), timeout=CPP_TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "compiled in" in done.stdout
    binary = out / "main"
    assert binary.is_file() and os.access(binary, os.X_OK)
    assert check_protocol_in_code(out) == []
    readme = (out / "README.md").read_text()
    for name in RUN_ARGUMENT_MEANING:
        assert f"`{name}`" in readme
    manifest = json.loads((out / MANIFEST).read_text())
    assert [row["name"] for row in manifest["run_arguments"]] == list(RUN_ARGUMENT_MEANING)
    sizes = {row["name"]: row["size"] for row in manifest["run_arguments"]}
    assert sizes["stimulus.values"] == 2 * 784 and sizes["input_exc.w"] == 784 * 4

    # Run the binary the way the README says: two images, weights and theta from files.
    rng = np.random.default_rng(0)
    stimulus = rng.integers(0, 256, size=(2, 784)) * 0.125
    stimulus.tofile(out / "static_arrays" / "stim.dat")
    weights = rng.uniform(0.003, 0.303, 784 * 4)
    weights.tofile(out / "static_arrays" / "w.dat")
    np.full(4, 0.021).tofile(out / "static_arrays" / "theta.dat")
    ran = subprocess.run(
        ["./main", "stimulus.values=static_arrays/stim.dat", "controller.n_images=2",
         "controller.rng_seed=3", "input_exc.w=static_arrays/w.dat",
         "excitatory.theta=static_arrays/theta.dat", "excitatory.learning=0"],
        cwd=out, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Error" not in ran.stderr
    results = manifest["results"]

    def result(label):
        return _read(out / "results" / results[label]["file"], results[label]["dtype"])

    # one presentation per slot, decided on its last step (350 ms of 500 ms slots)
    np.testing.assert_allclose(result("presentations.t"), [0.3495, 0.8495])
    assert result("presentations.image_index")[0] == 0
    # learning off: the weights and thresholds fed in come back unchanged
    np.testing.assert_array_equal(result("input_exc.w"), weights)
    np.testing.assert_array_equal(result("excitatory.theta"), np.full(4, 0.021))
    _binary_refuses_bad_run_arguments(out)


def _binary_refuses_bad_run_arguments(out: Path) -> None:
    """Brian2 alone prints an error for these and runs on with built-in values (status 0)."""
    np.zeros(7).tofile(out / "static_arrays" / "short.dat")
    cases = {
        "input_exc.w=static_arrays/missing.dat": "file 'static_arrays/missing.dat' cannot be",
        "input_exc.w=static_arrays/short.dat": "has 56 bytes, but input_exc.w needs 25088",
        "controller.n_images=abc": "file 'abc' cannot be read",  # Brian2 reads it as a file
        "controller.n_images=2x": "controller.n_images=2x is not a number",
        "controller.n_images=1.5": "must be a whole number",
        "excitatory.nosuch=1": "unknown run argument 'excitatory.nosuch'",
        "controller.n_images": "is not NAME=VALUE",
    }
    for argument, message in cases.items():
        ran = subprocess.run(["./main", argument], cwd=out, capture_output=True, text=True,
                             timeout=300)
        assert ran.returncode == 2, (argument, ran.stdout, ran.stderr)
        assert message in ran.stderr, (argument, ran.stderr)


def test_run_argument_table_matches_what_the_simulator_passes(tmp_path, monkeypatch,
                                                                brian_state):
    from brian2 import get_device

    from diehlsim.models.network import initial_state
    from diehlsim.simulation import Simulator

    params = default_parameters(3, 784)
    sim = Simulator(params, "cpp_standalone", slots=2, build_dir=tmp_path / "cpp",
                    compile=False)
    assert not (tmp_path / "cpp" / "main").exists()
    assert check_protocol_in_code(tmp_path / "cpp") == []
    passed = {}

    def fake_run(self, directory=None, with_output=True, run_args=None, **kwargs):
        passed["args"] = list(run_args)

    monkeypatch.setattr(type(get_device()), "run", fake_run)
    monkeypatch.setattr(type(sim), "_finish", lambda self, state, wall: (None, state))
    sim.run_chunk(np.zeros((1, 784)), initial_state(params, 0), learning=True, seed=5)
    names = [arg.split("=", 1)[0] for arg in passed["args"]]
    table = run_argument_table(sim)
    assert names == [row["name"] for row in table] == list(RUN_ARGUMENT_MEANING)
    values = dict(arg.split("=", 1) for arg in passed["args"])
    assert values["controller.rng_seed"] == "5" and values["controller.n_images"] == "1"


def test_protocol_check_reports_what_is_missing(tmp_path):
    problems = check_protocol_in_code(tmp_path)
    assert any("normalise_sum" in p for p in problems)
    assert any("controller_slot_start" in p for p in problems)
    assert any("main" in p for p in problems)
    (tmp_path / "code_objects").mkdir()
    (tmp_path / "main.cpp").write_text("diehl_cook.run(1.0); other.run(1.0); "
                                       "_run_network_operation();")
    problems = check_protocol_in_code(tmp_path)
    assert any("run the network once" in p for p in problems)
    assert any("network_operation" in p for p in problems)


# -- CUDA without nvcc or GPU -------------------------------------------------------------
def test_cuda_code_generation_and_no_gpu_error(tmp_path, monkeypatch, brian_state):
    """Without nvcc (as if absent) the CUDA project is still generated; running it here
    stops with the no-GPU error before the binary is started."""
    pytest.importorskip("brian2cuda")
    if _gpu_usable():
        pytest.skip("a GPU is usable here: the no-GPU error cannot be provoked")
    from brian2 import prefs

    from diehlsim.models.network import initial_state
    from diehlsim.simulation import Simulator

    def no_nvcc():
        raise ToolchainError("nvcc was not found (test)")

    monkeypatch.setattr(cuda, "find_nvcc", no_nvcc)
    prefs.devices.cuda_standalone.cuda_backend.cuda_path = None

    params = default_parameters(10, 784)
    build = tmp_path / "cuda"
    sim = Simulator(params, "cuda_standalone", slots=2, build_dir=build, compile=False,
                    device_options={"compute_capability": "9.0"})
    assert check_protocol_in_code(build) == []
    assert (build / "main.cu").is_file() and (build / "makefile").is_file()
    # brian2cuda's Synapses run_regularly has no atomics of its own: the column sums must
    # be summed atomically (see diehlsim.models.input_synapses._summing_codeobj_class)
    normalise_sum = code_object_source(build, "normalise_sum").read_text()
    assert "_brian_atomicAdd(&_ptr_array_excitatory_colsum" in normalise_sum
    main = (build / "main.cu").read_text()
    assert "random_number_buffer.set_seed((unsigned long long) " \
           "brian::_array_controller_rng_seed[0]);" in main
    assert main.index("set_from_command_line(args);") < main.index(
        "random_number_buffer.set_seed(")
    makefile = (build / "makefile").read_text()
    assert "-arch=sm_90" in makefile and "-std=c++17" in makefile
    with pytest.raises(ToolchainError, match=r"(?i)no (usable )?NVIDIA GPU"):
        sim.run_chunk(np.zeros((1, 784)), initial_state(params, 0), learning=True, seed=1)


def test_find_nvcc_error_names_the_fix(monkeypatch):
    monkeypatch.setattr(cuda, "_toolkit_candidates", lambda: [])
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolchainError, match="install the CUDA toolkit or put nvcc on PATH"):
        cuda.find_nvcc()


def test_check_gpu_messages(monkeypatch):
    monkeypatch.setattr(cuda, "_gpu_ok", False)

    def no_driver(name):
        raise OSError("libcuda.so.1: cannot open shared object file")

    monkeypatch.setattr(cuda.ctypes, "CDLL", no_driver)
    with pytest.raises(ToolchainError, match="no NVIDIA GPU driver"):
        cuda.check_gpu()

    class NoDevice:
        def cuInit(self, flags):
            return 100

    monkeypatch.setattr(cuda.ctypes, "CDLL", lambda name: NoDevice())
    with pytest.raises(ToolchainError, match="no CUDA-capable GPU"):
        cuda.check_gpu()


def test_configure_sets_c17_compute_capability_and_curand(brian_state):
    pytest.importorskip("brian2cuda")
    from brian2 import prefs

    nvcc = _nvcc_or_none()
    info = cuda.configure(compute_capability="8.6", gpu_id=1, portable=True,
                          compile=nvcc is not None)
    backend = prefs.devices.cuda_standalone.cuda_backend
    assert backend.detect_gpus is False and backend.gpu_id == 1
    assert backend.compute_capability == 8.6
    assert backend.extra_compile_args_nvcc[-1] == "-std=c++17"
    host = prefs.codegen.cpp.extra_compile_args_gcc
    assert "-std=c++17" in host and not any(a == "-std=c++11" for a in host)
    assert "-march=native" not in host
    if nvcc is not None and info["curand"] is not None:
        link = Path(info["curand"]["lib"]) / "libcurand.so"
        assert link.exists()  # the unversioned name -lcurand needs
        assert f"-I{info['curand']['include']}" in backend.extra_compile_args_nvcc


# -- CUDA compiled with nvcc --------------------------------------------------------------
@pytest.mark.cuda
@pytest.mark.slow
def test_cuda_build_compiles_with_nvcc_without_gpu(full_cuda_build):
    """``diehlsim build --device cuda_standalone`` through the CLI, compiled and linked with
    nvcc (tests/conftest.py runs this test first)."""
    build = full_cuda_build
    assert build["returncode"] == 0, build["output"][-6000:]
    out = build["out"]
    binary = out / "main"
    assert binary.is_file() and os.access(binary, os.X_OK)
    assert check_protocol_in_code(out) == []
    for name in ("controller_slot_start", "controller_spike_thresholder",
                 "controller_spike_resetter", "normalise_reset", "normalise_sum",
                 "normalise_scale"):
        source = code_object_source(out, name)
        assert source is not None and source.with_suffix(".o").is_file(), name
    assert "_brian_atomicAdd" in code_object_source(out, "normalise_sum").read_text()
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["compiled"] and manifest["options"]["compute_capability"] == "9.0"
    assert (manifest["device"], manifest["n_exc"], manifest["slots"]) == ("cuda_standalone", 10, 2)
    print(f"\nCUDA project (784 x 10) compiled (make {manifest['compile_s']} s, "
          f"{build['seconds']:.0f} s in all)")


def test_build_cli_passes_the_model_options_into_the_project(tmp_path):
    """``build`` takes the same model options as ``train``: the project's manifest records
    them, and forward Euler leaves the excitatory membrane update without ``exp``."""
    out = tmp_path / "euler"
    done = _cli_build("--device", "cpp_standalone", "--neurons", "4", "--chunk", "2",
                      "--integration", "euler", "--lockout", "50", "--stdp", "power-law",
                      "--input-transform", "standardise", "--stdp-param", "eta=0.02",
                      "--no-compile", "--out", str(out), timeout=CPP_TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    parameters = json.loads((out / MANIFEST).read_text())["parameters"]
    assert parameters["protocol"]["integration"] == "euler"
    assert parameters["protocol"]["input_transform"] == "standardise"
    assert parameters["stdp_rule"] == "power-law"
    assert parameters["stdp"] == {"eta": 0.02}
    assert parameters["exc"]["spike_lockout"] == {"value": 50.0, "unit": "ms"}
    update = code_object_source(out, "excitatory_stateupdater").read_text()
    assert "exp(" not in update.split("// scalar code")[-1]
