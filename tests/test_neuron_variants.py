"""The neuron variants: the plain LIF excitatory layer (models/lif.py) against its analytic
membrane solution and with a threshold that does not move, and the recurrent excitatory
projection (models/recurrent.py) moving the other neurons' conductance by its weight.
Small runtime networks, blank input."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest
from brian2 import ms

from diehlsim.devices.project import MANIFEST
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
def test_cuda_code_of_the_peers_components_compiles(compile_cuda_objects):
    """The LIF layer, the DoG latency input and the recurrent projection in one
    cuda_standalone project, then the periodic input in another: nvcc compiles the code
    objects they generate (the input group, the excitatory layer, the recurrent synapses)."""
    start = time.perf_counter()
    together = {"excitatory_model": "lif", "input_model": "dog-latency", "recurrent": "fixed"}
    # the objects their equations become; the other kernels are the default model's
    objects = compile_cuda_objects(("inputs_spike_thresholder", "inputs_slot_start",
                                    "excitatory_stateupdater", "excitatory_spike_thresholder",
                                    "exc_exc_pre_codeobject"), overrides=together)
    # Brian2 numbers a code object (``_2``) while an earlier network of the process exists
    names = {re.sub(r"_\d+\.o$", ".o", o.name) for o in objects}
    assert {"inputs_spike_thresholder_codeobject.o", "inputs_slot_start_codeobject.o",
            "excitatory_stateupdater_codeobject.o", "exc_exc_pre_codeobject.o"} <= names
    assert all(o.is_file() for o in objects)
    manifest = json.loads((objects[0].parents[1] / MANIFEST).read_text())["parameters"]
    assert (manifest["excitatory_model"], manifest["input_model"], manifest["recurrent"],
            manifest["n_input"]) == ("lif", "dog-latency", "fixed", 1568)
    periodic = compile_cuda_objects(("inputs_spike_thresholder",),
                                    overrides={"input_model": "periodic"})
    assert any(o.name.startswith("inputs_spike_thresholder_codeobject") for o in periodic)
    print(f"\nnvcc: {len(objects) + len(periodic)} code objects of the peers' components "
          f"in {time.perf_counter() - start:.0f} s")


def test_the_options_and_the_sweep_spec_select_the_components():
    from diehlsim import api
    from diehlsim.api.sweep_points import points_of, resolve

    overrides = api.model_overrides(excitatory_model="lif", input_model="dog-latency",
                                    recurrent="fixed", params=["input.max_latency=10ms",
                                                               "rec.w_exc_exc=0.3"])
    p = default_parameters(5, pixels=784, **overrides)
    assert p.components["excitatory"] == "lif" and p.components["input"] == "dog-latency"
    assert (p.recurrent, p.rec.w_exc_exc, p.n_input) == ("fixed", 0.3, 1568)
    assert float(p.input.max_latency) == pytest.approx(0.010)
    with pytest.raises(ConfigurationError, match="no input parameters.*--input-model"):
        api.model_overrides(params=["input.max_latency=10ms"])
    with pytest.raises(ConfigurationError, match="unknown input model 'spiky'"):
        api.model_overrides(input_model="spiky")
    spec = api.sweep_spec_from_dict({
        "base": {"dataset": "mnist", "neurons": 5, "train_samples": 10, "validation": 20},
        "grid": {"variant": {"baseline": {}, "lif": {"excitatory_model": "lif"},
                             "dog": {"input_model": "dog-poisson"},
                             "rec": {"recurrent": "fixed", "rec.w_exc_exc": 0.5}}}})
    chosen = {pt["setting"]["variant"]: resolve(pt)[0] for pt in points_of(spec)}
    assert chosen["baseline"] == default_parameters(5, 784)
    assert type(chosen["lif"].exc).__name__ == "LIFParameters"
    assert chosen["dog"].n_input == 1568 and chosen["rec"].rec.w_exc_exc == 0.5
