"""Host-independent native code: vectorised state updates on every x86-64 target, and no
subnormal numbers in the model's state (flush-to-zero on runtime and cpp_standalone)."""

from __future__ import annotations

import platform
import re
import subprocess
import sys

import numpy as np
import pytest

from diehlsim.devices import native
from diehlsim.models.parameters import default_parameters
from diehlsim.models.network import initial_state
from diehlsim.simulation import Simulator

CPP_TIMEOUT_S = 1200
# GCC 12 does not know znver4; its ISA (AVX-512 on Zen) is then checked on znver3 tuning.
ZNVER4_ISA = ("-march=znver3 -mavx512f -mavx512dq -mavx512cd -mavx512bw -mavx512vl "
              "-mavx512ifma -mavx512vbmi -mavx512vbmi2 -mavx512vnni -mavx512bitalg "
              "-mavx512vpopcntdq -mavx512bf16 -mgfni -mvaes -mvpclmulqdq")
TARGETS = ("znver3", "znver4", "icelake-server", "sapphirerapids", "x86-64-v3", "x86-64-v4",
           "skylake-avx512", "rocketlake")


def _gcc_on_x86_64() -> bool:
    version = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout
    return native.is_x86_64() and "Free Software Foundation" in version


def _gcc_knows(march: str) -> bool:
    probe = subprocess.run(["g++", f"-march={march}", "-x", "c++", "-E", "/dev/null"],
                           capture_output=True, text=True)
    return probe.returncode == 0


def _target_flags(march: str) -> str:
    if march == "znver4" and not _gcc_knows("znver4"):
        return ZNVER4_ISA
    return f"-march={march}"


@pytest.fixture(scope="module")
def cpp400(tmp_path_factory):
    """A generated (not compiled) 400-neuron project: GCC rightly leaves a 4-iteration loop
    scalar, so the check needs a realistic size."""
    if not _gcc_on_x86_64():
        pytest.skip("the vector math header applies to GCC on x86-64")
    project = tmp_path_factory.mktemp("native") / "cpp400"
    done = subprocess.run(
        [sys.executable, "-m", "diehlsim", "build", "--device", "cpp_standalone", "--neurons",
         "400", "--chunk", "2", "--no-compile", "--out", str(project)],
        capture_output=True, text=True, timeout=CPP_TIMEOUT_S)
    assert done.returncode == 0, done.stdout + done.stderr
    return project


@pytest.mark.slow
@pytest.mark.parametrize("march", TARGETS)
def test_state_updaters_compile_to_vector_loops_on_every_x86_64_target(cpp400, march,
                                                                       tmp_path):
    """Both layers' state updates (exp() included) compile to SIMD loops with the project's
    own flags, whichever x86-64 CPU the project is compiled for: only -march changes."""
    flags = re.search(r"^OPTIMISATIONS = (.*)$", (cpp400 / "makefile").read_text(), re.M)
    assert "-march=native" in flags.group(1)
    target_flags = flags.group(1).replace("-march=native", _target_flags(march))
    for layer in ("excitatory", "inhibitory"):
        source = f"code_objects/{layer}_stateupdater_codeobject.cpp"
        obj = tmp_path / f"{layer}.o"
        report = subprocess.run(
            f"g++ -c {target_flags} -I. -fopt-info-vec-optimized {source} -o {obj}",
            shell=True, cwd=cpp400, capture_output=True, text=True, timeout=120)
        assert report.returncode == 0, report.stderr
        assert "loop vectorized" in report.stderr, f"{march} {layer}: {report.stderr[-2000:]}"
        undefined = subprocess.run(["nm", "-u", str(obj)], capture_output=True, text=True)
        # libmvec's vector exp: _ZGVdN4v_exp (4 lanes, AVX2) or _ZGVeN8v_exp (8, AVX-512)
        assert re.search(r"_ZGV[de]N\d+v_exp", undefined.stdout), undefined.stdout


def test_compile_flags_set_march_and_the_vectorisation_flags_once():
    brian = ["-w", "-O3", "-ffast-math", "-fno-finite-math-only", "-march=native"]
    flags = native.compile_flags(native.compile_flags(brian, vectorise=True), vectorise=True,
                                 march="x86-64-v3")
    assert [f for f in flags if f.startswith("-march")] == ["-march=x86-64-v3"]
    if native.is_x86_64():
        assert flags.count(native.VECTOR_WIDTH_FLAG) == flags.count(native.ALIAS_CHECKS_FLAG) == 1
    back = native.compile_flags(flags, vectorise=False)
    assert back == ["-w", "-O3", "-ffast-math", "-fno-finite-math-only", "-march=native"]
    assert "-march" not in " ".join(native.compile_flags(brian, vectorise=False, march=""))


# -- subnormal numbers ------------------------------------------------------------------------
def _tiny_state(params):
    """A state whose decaying variables start just above the subnormal range: half a second
    of decay takes each of them below 2.2e-308 (exc post traces: tau 20 ms -> factor e-25;
    conductances: tau 1-10 ms)."""
    state = initial_state(params, 0)
    for name in ("exc_ge", "exc_gi", "exc_post1", "exc_post2", "inh_ge", "inh_gi"):
        setattr(state, name, np.full(params.n_exc, 1e-305))
    return state


def _subnormal_variables(state) -> list[str]:
    tiny = np.finfo(float).tiny
    return [name for name, value in state.to_arrays().items()
            if np.issubdtype(np.asarray(value).dtype, np.floating)
            and np.any((np.asarray(value) != 0) & (np.abs(value) < tiny))]


def _silent_chunk(sim, params):
    dark = np.zeros((1, params.n_input))
    _, state = sim.run_chunk(dark, _tiny_state(params), learning=False, seed=1)
    return state


@pytest.mark.skipif(not native.is_x86_64(), reason="MXCSR is x86-64's")
def test_runtime_chunk_leaves_no_subnormal_state():
    params = default_parameters(4, 16)
    sim = Simulator(params, "runtime", slots=1)
    assert _subnormal_variables(_silent_chunk(sim, params)) == []
    # the same chunk without flush-to-zero: the check above can fail
    ieee = Simulator(params, "runtime", slots=1, device_options={"flush_subnormals": False})
    assert {"exc_post1", "inh_ge"} <= set(_subnormal_variables(_silent_chunk(ieee, params)))


@pytest.mark.skipif(not native.is_x86_64(), reason="MXCSR is x86-64's")
def test_flush_subnormals_applies_inside_and_restores_the_mode():
    smallest = np.array([5e-324])
    with native.flush_subnormals():
        assert (smallest * 1.0)[0] == 0.0  # DAZ: a subnormal input reads as zero
    assert (smallest * 1.0)[0] == 5e-324
    with native.flush_subnormals(False):
        assert (smallest * 1.0)[0] == 5e-324


@pytest.mark.slow
@pytest.mark.skipif(platform.machine() != "x86_64", reason="MXCSR is x86-64's")
def test_standalone_chunk_leaves_no_subnormal_state(tmp_path, brian_state):
    params = default_parameters(4, 16)
    sim = Simulator(params, "cpp_standalone", slots=1, build_dir=tmp_path / "cpp")
    assert _subnormal_variables(_silent_chunk(sim, params)) == []
    assert "__builtin_ia32_ldmxcsr" in (tmp_path / "cpp" / "main.cpp").read_text()
