"""cpp_standalone against runtime, and chunk after chunk from one compiled binary.

One tiny project (16 inputs, 4 excitatory neurons, 3 slots of 40 + 20 ms) is compiled once
for the module into a temporary directory. Inputs are deterministic (0/255 pixels at
intensity 100: a bright pixel fires on every step), so both devices must produce the same
spikes and the same state up to floating-point round-off.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from brian2 import ms, set_device

from diehlsim.models.encoding import rates_per_intensity
from diehlsim.models.parameters import default_parameters
from diehlsim.models.network import initial_state
from diehlsim.models.state import NetworkState
from diehlsim.simulation import Simulator

N_INPUT, N_EXC, SLOTS = 16, 4, 3
PARAMS = default_parameters(N_EXC, N_INPUT, "triplet", protocol__start_intensity=100.0,
                            protocol__presentation_time=40 * ms, protocol__rest_time=20 * ms)
SLOT_STEPS = 120


def rates(images) -> np.ndarray:
    return rates_per_intensity(np.asarray(images, np.uint8), N_INPUT,
                               float(PARAMS.protocol.rate_per_pixel))


BRIGHT = np.full((SLOTS, N_INPUT), 255)
HALF = np.tile((np.arange(N_INPUT) % 2) * 255, (SLOTS, 1))
BLANK = np.zeros((1, N_INPUT))


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    build_dir = tmp_path_factory.mktemp("standalone") / "build"
    sim = Simulator(PARAMS, "cpp_standalone", slots=SLOTS, build_dir=build_dir)
    yield sim
    set_device("runtime")


def _binary(sim) -> os.stat_result:
    return os.stat(sim.build_dir / "main")


def _project_files(sim) -> dict:
    """Modification times of the sources and objects of the project (not its results)."""
    return {path: path.stat().st_mtime_ns for path in sim.build_dir.rglob("*")
            if path.is_file() and "results" not in path.parts and "static_arrays" not in path.parts}


def assert_results_close(a, b):
    for name in ("image", "intensity", "repeats", "n_spikes", "accepted", "start_step", "counts"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for k in (0, 1):
        np.testing.assert_array_equal(a.exc_spikes[k], b.exc_spikes[k])
    assert a.images_done == b.images_done


def assert_states_close(a: NetworkState, b: NetworkState):
    arrays_a, arrays_b = a.to_arrays(), b.to_arrays()
    for name in arrays_a:
        np.testing.assert_allclose(np.asarray(arrays_a[name], float),
                                   np.asarray(arrays_b[name], float), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_runtime_and_standalone_agree(standalone):
    state = initial_state(PARAMS, seed=4)
    cpp_results, cpp_states = [], [state]
    for images in (BRIGHT, HALF):  # two chunks: the state crosses a standalone run boundary
        result, new = standalone.run_chunk(rates(images), cpp_states[-1], learning=True, seed=1)
        cpp_results.append(result)
        cpp_states.append(new)

    runtime = Simulator(PARAMS, "runtime", slots=SLOTS)
    rt_state = state
    for k, images in enumerate((BRIGHT, HALF)):
        result, rt_state = runtime.run_chunk(rates(images), rt_state, learning=True, seed=1)
        assert_results_close(cpp_results[k], result)
        assert_states_close(cpp_states[k + 1], rt_state)

    first = cpp_results[0]
    assert first.n_spikes.sum() >= 5 and first.counts.any()
    spiked = np.isin(np.arange(N_EXC), first.exc_spikes[0])
    assert spiked.any()
    # theta grew (0.05 mV per spike) for the neurons that spiked, and only decayed otherwise
    np.testing.assert_array_equal(cpp_states[1].theta > state.theta, spiked)
    assert not np.allclose(cpp_states[2].weights, state.weights)
    assert cpp_states[2].step == 2 * SLOTS * SLOT_STEPS


def test_standalone_reruns_with_new_arguments_without_recompiling(standalone):
    binary = _binary(standalone)
    files = _project_files(standalone)
    static = sorted((standalone.build_dir / "static_arrays").iterdir())

    state = initial_state(PARAMS, seed=6)
    learnt_result, learnt = standalone.run_chunk(rates(BRIGHT), state, learning=True, seed=2)
    assert learnt_result.images_done > 0
    assert not np.allclose(learnt.weights, state.weights)

    # a different image and learning off: a blank is re-presented at rising intensity, and
    # weights and theta stay where the first chunk left them
    # (a new image starts at the start intensity, wherever the first chunk stopped)
    learnt = learnt.replace(intensity=100.0, repeats=0)
    blank_result, frozen = standalone.run_chunk(rates(BLANK), learnt, learning=False, seed=3)
    np.testing.assert_array_equal(blank_result.n_spikes, [0, 0, 0])
    np.testing.assert_array_equal(blank_result.intensity, [100.0, 101.0, 102.0])
    np.testing.assert_array_equal(blank_result.repeats, [0, 1, 2])
    np.testing.assert_array_equal(blank_result.start_step,
                                  SLOTS * SLOT_STEPS + SLOT_STEPS * np.arange(3))
    assert blank_result.images_done == 0
    np.testing.assert_array_equal(frozen.weights, learnt.weights)
    np.testing.assert_array_equal(frozen.theta, learnt.theta)
    assert (frozen.intensity, frozen.repeats) == (103.0, 3)

    # another image, learning on again
    frozen = frozen.replace(intensity=100.0, repeats=0)
    half_result, after = standalone.run_chunk(rates(HALF), frozen, learning=True, seed=4)
    assert half_result.n_spikes.sum() > 0
    assert half_result.intensity[0] == 100.0 and half_result.image[0] == 0
    assert not np.allclose(after.weights, frozen.weights)
    assert after.step == 3 * SLOTS * SLOT_STEPS

    # no recompilation: the binary and every source/object file are untouched, and the
    # run-argument files of the chunks were removed
    assert _binary(standalone).st_mtime_ns == binary.st_mtime_ns
    assert _project_files(standalone) == files
    assert sorted((standalone.build_dir / "static_arrays").iterdir()) == static
