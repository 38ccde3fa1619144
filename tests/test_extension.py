"""Extension in one place: a neuron model, an input encoder, a learning rule and a read-out,
each defined and registered here, outside the package, and run through ``api.train`` and
``api.evaluate`` on cpp_standalone. No module of the package is touched.

* neuron: the Diehl & Cook excitatory neuron plus a spike counter ``n_fired`` that is part
  of the carried state (so it must survive the chunks and be saved with the run);
* input: intensity-to-latency coding: each lit pixel fires once per presentation, earlier
  the brighter it is (``latency = (1 - grey/255) * 20 ms``), dark pixels never;
* learning rule: additive pair STDP without weight dependence;
* read-out: the label of the most active neuron.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from brian2 import NeuronGroup, linked_var, ms, second

from diehlsim import api
from diehlsim.analysis import readouts
from diehlsim.models import components, excitatory
from diehlsim.models.components import section_namespace
from diehlsim.errors import ConfigurationError
from diehlsim.models.encoding import check_images
from diehlsim.models.network import initial_state, state_table
from diehlsim.models.parameters import default_parameters, parameters_from_json, parameters_to_json
from diehlsim.models.state import StateVariable, constant, setting
from diehlsim.models.stdp import STDPRule

MAX_LATENCY_MS = 20.0

# -- a neuron model: Diehl & Cook's, counting its spikes across chunks ---------------------
COUNTING_EQUATIONS = excitatory.EQUATIONS + "n_fired : 1  # spikes since the first chunk\n"
COUNTING_RESET = excitatory.RESET + "n_fired += 1\n"


def _build_counting(params, namespace):
    exc = params.exc
    group = NeuronGroup(params.n_exc, COUNTING_EQUATIONS, threshold=excitatory.THRESHOLD,
                        reset=COUNTING_RESET, refractory=excitatory.REFRACTORY,
                        method=params.protocol.integration,
                        namespace={**section_namespace(exc), **namespace},
                        name=excitatory.GROUP)
    group.v = exc.v_rest + exc.v_init_offset
    group.theta = exc.theta_init
    group.learning = 1
    group.stdp_rate = 1
    return group


def _counting_state(params):
    return excitatory.state(params) + [StateVariable(
        excitatory.GROUP, "n_fired", 1, "spikes of each neuron since the first chunk",
        key="exc_n_fired", initial=constant(0))]


COUNTING = components.NeuronModel(
    name="test-counting", description="Diehl & Cook excitatory neuron with a spike counter",
    parameters=excitatory.ExcitatoryParameters, build=_build_counting, state=_counting_state)

# -- an input encoder: intensity to latency ------------------------------------------------
LATENCY_EQUATIONS = """
latency = stimulus(image_index * second, i) : second  # < 0: this pixel stays silent
image_index : integer (linked)
input_on : 1 (linked)
step_off : 1 (linked)  # last step of the presentation
fired : 1  # 1 once this pixel has fired in this presentation
"""
LATENCY_THRESHOLD = ("input_on > 0 and fired == 0 and latency >= 0*second and "
                     "(t_in_timesteps - (step_off - steps_on + 1)) * dt >= latency")


def _encode_latency(images, params):
    grey = check_images(images, params.n_input).astype(float)
    latency = (1 - grey / 255) * MAX_LATENCY_MS * 1e-3
    return np.where(grey > 0, latency, -1.0)


def _build_latency(params, control, stimulus):
    steps_on = int(round(params.protocol.presentation_time / params.protocol.dt))
    group = NeuronGroup(params.n_input, LATENCY_EQUATIONS, threshold=LATENCY_THRESHOLD,
                        reset="fired = 1", namespace={"stimulus": stimulus,
                                                      "steps_on": steps_on}, name="inputs")
    group.run_regularly("fired = 0", dt=params.protocol.slot_time, when="start", order=1,
                        name="inputs_slot_start")
    zeros = np.zeros(params.n_input, dtype=int)
    group.image_index = linked_var(control, "image_index", index=zeros)
    group.input_on = linked_var(control, "input_on", index=zeros)
    group.step_off = linked_var(control, "step_off", index=zeros)
    return group


LATENCY = components.InputModel(
    name="test-latency", description="one spike per lit pixel, earlier when brighter",
    stimulus_unit=second, encode=_encode_latency, build=_build_latency,
    state=lambda params: [setting("stimulus", "values", "latency of each pixel in seconds "
                                  "(< 0: silent)", second)],
    negative_allowed=True)

# -- a learning rule: additive pair STDP ---------------------------------------------------
PAIR = STDPRule(
    name="test-pair", description="additive pair STDP",
    defaults={"a_minus": 1e-3, "a_plus": 5e-3, "tau_pre": 20 * ms, "tau_post1": 20 * ms,
              "tau_post2": 40 * ms},
    sources={}, on_pre="-a_minus * post1_post", on_post="a_plus * xpre")


# -- a read-out: the label of the most active neuron --------------------------------------
def _most_active(fitted, counts, n_classes):
    winner = np.asarray(fitted["assignments"])[np.argmax(counts, axis=1)]
    scores = np.zeros((len(counts), n_classes))
    voted = winner >= 0
    scores[np.flatnonzero(voted), winner[voted]] = 1
    return scores


MOST_ACTIVE = readouts.Readout("test-most-active", "most active neuron", ("assignments",),
                               readouts.ALL_VOTE.fit, _most_active)


@pytest.fixture
def registered():
    components.register("excitatory", COUNTING)
    components.register("input", LATENCY)
    components.register("plasticity", PAIR)
    readouts.register(MOST_ACTIVE)
    yield
    components.unregister("excitatory", COUNTING.name)
    components.unregister("input", LATENCY.name)
    components.unregister("plasticity", PAIR.name)
    readouts.unregister(MOST_ACTIVE.name)


@pytest.mark.slow
def test_registered_components_train_and_evaluate(registered, tmp_path, brian_state):
    overrides = {"excitatory_model": COUNTING.name, "input_model": LATENCY.name,
                 "protocol__presentation_time": 100 * ms, "protocol__rest_time": 50 * ms,
                 "protocol__max_repeats": 2}
    run = api.train(tmp_path / "run", "mnist-sample", 8, train_samples=40, stdp_rule=PAIR.name,
                    slots=10, progress=False, overrides=overrides)
    assert run.params.components == {"excitatory": COUNTING.name, "inhibitory": "diehl-cook",
                                      "input": LATENCY.name, "plasticity": PAIR.name}
    assert len(run.phase.chunks) > 1  # n_fired has to be carried from chunk to chunk
    saved = np.load(tmp_path / "run" / "state.npz")
    n_fired = saved["exc_n_fired"]
    responses = np.concatenate([np.load(p)["counts"] for p in
                                sorted((tmp_path / "run" / "train_responses").glob("*.npz"))])
    # every accepted presentation's spikes were counted, over all chunks (and rejected
    # presentations add more)
    assert n_fired.sum() >= responses.sum() > responses[-5:].sum()
    assert np.all(n_fired >= responses.sum(axis=0))
    metrics = api.evaluate(tmp_path / "run", label_samples=30, test_samples=30,
                           progress=False, simulator=run.simulator)
    assert metrics["readouts"] == ["all", "proportion", "first_spike", "linear",
                                   MOST_ACTIVE.name]
    assert 0.0 <= metrics[f"accuracy_{MOST_ACTIVE.name}"] <= 1.0
    assert metrics["n_test"] == 30


def test_the_registry_names_what_is_wrong(registered):
    with pytest.raises(ConfigurationError, match="input model 'test-latency' is registered"):
        components.register("input", dataclasses.replace(LATENCY, description="another"))
    assert components.register("input", LATENCY) is LATENCY  # the same one again: no error
    with pytest.raises(ConfigurationError, match="unknown component kind 'synapse'"):
        components.get("synapse", "x")
    with pytest.raises(ConfigurationError, match="unknown STDP rule 'hebb'; choose one of "
                                                 ".*test-pair.*triplet"):
        components.get("plasticity", "hebb")
    params = default_parameters(3, 16, PAIR.name, excitatory_model=COUNTING.name)
    assert type(params.exc) is excitatory.ExcitatoryParameters
    table = {row.run_name: row for row in state_table(params)}
    assert table["excitatory.n_fired"].key == "exc_n_fired" and table["excitatory.n_fired"].carried
    assert initial_state(params, 0).exc_n_fired.tolist() == [0.0, 0.0, 0.0]
    assert parameters_from_json(parameters_to_json(params)).components == params.components
