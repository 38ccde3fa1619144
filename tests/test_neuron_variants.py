"""The neuron variants: the plain LIF excitatory layer (models/lif.py) against its analytic
membrane solution and with a threshold that does not move, and the recurrent excitatory
projection (models/recurrent.py) moving the other neurons' conductance by its weight.
Small runtime networks, blank input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from brian2 import ms

from diehlsim.errors import ConfigurationError
from diehlsim.models.network import initial_state
from diehlsim.models.parameters import default_parameters, parameters_from_json, parameters_to_json
from diehlsim.simulation import Simulator

DT_S = 0.5e-3
# A conductance that stays where it is set: the membrane then sees a constant input.
FROZEN_GE = {"exc__tau_ge": 1e12 * ms}
SLOT = {"protocol__presentation_time": 200 * ms, "protocol__rest_time": 0 * ms,
        "protocol__min_spikes": 0}


def _run(params, state, variables=("v", "ge", "theta"), neurons=None):
    sim = Simulator(params, "runtime", slots=1, state_variables=variables,
                    state_neurons=neurons)
    blank = np.zeros((1, params.n_input))
    result, after = sim.run_chunk(blank, state, learning=True, seed=1)
    return result, after


def test_lif_membrane_follows_the_analytic_solution(brian_state):
    # dv/dt = ((v_rest - v) + g (E_exc - v)) / tau_m with g fixed: v relaxes to
    # (v_rest + g E_exc) / (1 + g) with time constant tau_m / (1 + g); g = 0.2 keeps it
    # below threshold (-54.17 mV < -52 mV)
    p = default_parameters(1, 4, excitatory_model="lif", **FROZEN_GE, **SLOT)
    g, v0 = 0.2, -0.105
    state = initial_state(p, 0).replace(exc_ge=np.array([g]))
    result, _ = _run(p, state)
    t = result.state_monitor["t"] - result.state_monitor["t"][0]
    v_inf = (-0.065 + g * 0.0) / (1 + g)
    analytic = v_inf + (v0 - v_inf) * np.exp(-t * (1 + g) / 0.1)
    assert len(t) == 400
    np.testing.assert_allclose(result.state_monitor["v"][0], analytic, rtol=0, atol=1e-9)
    assert len(result.exc_spikes[0]) == 0


def test_lif_threshold_stays_fixed_after_spikes_and_the_adaptive_one_grows(brian_state):
    # g = 1: v_inf = -32.5 mV, tau = 50 ms. From reset (-65 mV) after the 5 ms refractory
    # clamp the membrane reaches -52 mV after 50 ms ln(32.5 / 19.5) = 25.54 ms = 51.08 steps.
    # The clamp holds the 9 steps after the spike's (t - lastspike < 5 ms - dt/2); the step
    # at 5 ms integrates, so a spike comes 9 + ceil(51.08) = 61 steps after the last.
    isi_steps = (5 / 0.5 - 1) + int(np.ceil(50 * np.log(32.5 / 19.5) / 0.5))
    intervals = {}
    for model in ("lif", "diehl-cook"):
        p = default_parameters(1, 4, excitatory_model=model, **FROZEN_GE, **SLOT)
        state = initial_state(p, 0).replace(exc_ge=np.array([1.0]),
                                            exc_v=np.array([-0.065]))
        result, after = _run(p, state)
        steps = np.sort(result.exc_spikes[1])
        assert len(steps) >= 5
        intervals[model] = np.diff(steps)
        theta = result.state_monitor["theta"][:, 0]
        if model == "lif":
            assert np.all(theta == 0) and after.theta[0] == 0
        else:
            # theta_plus per spike (and a decay of tau_theta = 1e7 ms: 2e-5 of it in 200 ms)
            assert after.theta[0] == pytest.approx(0.020 + len(steps) * 0.05e-3, rel=5e-5)
    assert set(intervals["lif"].tolist()) == {isi_steps}
    assert intervals["diehl-cook"][-1] > intervals["diehl-cook"][0]  # adaptation: slower


def test_lif_has_no_adaptation_parameters():
    with pytest.raises(ConfigurationError, match="exc has no parameter 'theta_plus'|unknown "
                                                 "parameter.*theta_plus"):
        default_parameters(1, 4, excitatory_model="lif", exc__theta_plus=0.1e-3)


def test_recurrent_spike_moves_the_other_neurons_conductance_by_the_weight(brian_state):
    w = 0.1  # ge 0.1 held would settle at -59 mV: neuron B stays silent
    p = default_parameters(2, 4, recurrent="fixed", rec__w_exc_exc=w, rec__delay=1 * ms,
                           **FROZEN_GE, **SLOT)
    # neuron A (0) starts above threshold and fires on the first step; B (1) at rest
    state = initial_state(p, 0).replace(exc_v=np.array([-0.045, -0.065]))
    result, _ = _run(p, state, variables=("ge",), neurons=[0, 1])
    neuron, step = result.exc_spikes
    assert neuron.tolist() == [0]
    ge = result.state_monitor["ge"]  # (neuron, step)
    assert ge.shape == (2, 400)
    arrival = int(step[0]) + 2  # 1 ms delay = 2 steps; the monitor sees it on the next step
    assert np.all(ge[1, : arrival + 1] == 0)
    np.testing.assert_allclose(ge[1, arrival + 1:], w, rtol=1e-9)
    assert np.all(ge[0] == 0)  # no autapse
    # off by default, its parameters are saved only when it is on, and refused when off
    assert "rec" not in parameters_to_json(default_parameters(2, 4))
    assert parameters_from_json(parameters_to_json(p)).rec == p.rec
    with pytest.raises(ConfigurationError, match="recurrent projection is off"):
        default_parameters(2, 4, rec__w_exc_exc=0.3)


# -- all of them on cuda_standalone, compiled with nvcc (no GPU needed) ---------------------

@pytest.mark.cuda
@pytest.mark.slow
def test_cuda_build_of_the_peers_components_compiles(tmp_path):
    """The LIF layer, the DoG latency input and the recurrent projection in one
    cuda_standalone project, generated and compiled by nvcc (the smallest network)."""
    pytest.importorskip("brian2cuda")
    from diehlsim.devices import cuda
    from diehlsim.devices.project import MANIFEST, check_protocol_in_code, code_object_source
    from diehlsim.errors import ToolchainError

    try:
        cuda.find_nvcc()
    except ToolchainError:
        pytest.skip("nvcc is not installed: cannot compile CUDA code here")
    out = tmp_path / "peers"
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "diehlsim", "build", "--device", "cuda_standalone",
         "--neurons", "4", "--input-size", "784", "--chunk", "2", "--compute-capability",
         "9.0", "--excitatory-model", "lif", "--input-model", "dog-latency", "--recurrent",
         "fixed", "--out", str(out)], capture_output=True, text=True, timeout=3600,
        env=dict(os.environ, PYTHONUNBUFFERED="1"))
    elapsed = time.perf_counter() - start
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert os.access(out / "main", os.X_OK) and check_protocol_in_code(out) == []
    for name in ("inputs_spike_thresholder", "inputs_slot_start", "exc_exc_pre"):
        source = code_object_source(out, name)
        assert source is not None and source.with_suffix(".o").is_file(), name
    manifest = json.loads((out / MANIFEST).read_text())
    parameters = manifest["parameters"]
    assert (parameters["excitatory_model"], parameters["input_model"],
            parameters["recurrent"], parameters["n_input"]) == ("lif", "dog-latency",
                                                                 "fixed", 1568)
    print(f"\nCUDA project (lif, dog-latency, recurrent; 1568 x 4) generated and compiled in "
          f"{elapsed:.0f} s (make {manifest['compile_s']} s)")
