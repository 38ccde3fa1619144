"""Brian2 objects of the Diehl & Cook (2015) network with its protocol in generated code.

:func:`build_network` creates every group, synapse set and monitor with a fixed name and
collects them in a :class:`DiehlCookNetwork`. Nothing here depends on the device: the same
objects run on ``runtime``, ``cpp_standalone`` and ``cuda_standalone``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import (
    Hz,
    Network,
    NeuronGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    TimedArray,
    linked_var,
    second,
)

from diehlsim.models import equations as eq
from diehlsim.models.parameters import NetworkParameters
from diehlsim.models.stdp import get_rule


@dataclass
class DiehlCookNetwork:
    """The Brian2 objects of one network; ``net`` is the Brian2 ``Network`` to run."""

    params: NetworkParameters
    capacity: int  # images the stimulus TimedArray holds per chunk
    net: Network
    stimulus: TimedArray
    controller: NeuronGroup
    inputs: NeuronGroup
    exc: NeuronGroup
    inh: NeuronGroup
    input_exc: Synapses
    exc_inh: Synapses
    inh_exc: Synapses
    counter: Synapses
    presentations: SpikeMonitor  # one "spike" of the controller per presentation
    exc_spikes: SpikeMonitor
    input_spikes: SpikeMonitor | None = None
    state_monitor: StateMonitor | None = None
    extra: dict = field(default_factory=dict)


def _namespace(section) -> dict:
    return {name: getattr(section, name) for name in section.__dataclass_fields__}


def _excitatory(params: NetworkParameters, rule_params: dict) -> NeuronGroup:
    exc = params.exc
    threshold = eq.EXCITATORY_THRESHOLD
    if exc.spike_lockout > exc.refractory:
        threshold += eq.EXCITATORY_LOCKOUT
    namespace = {**_namespace(exc), "tau_post1": rule_params["tau_post1"],
                 "tau_post2": rule_params["tau_post2"],
                 "weight_sum_target": params.normalisation_target()}
    group = NeuronGroup(params.n_exc, eq.EXCITATORY, threshold=threshold,
                        reset=eq.EXCITATORY_RESET, refractory=eq.REFRACTORY,
                        method=params.protocol.integration, namespace=namespace, name="excitatory")
    group.v = exc.v_rest + exc.v_init_offset
    group.theta = exc.theta_init
    group.learning = 1
    group.stdp_rate = 1
    return group


def _inhibitory(params: NetworkParameters) -> NeuronGroup:
    inh = params.inh
    group = NeuronGroup(params.n_exc, eq.INHIBITORY, threshold=eq.INHIBITORY_THRESHOLD,
                        reset=eq.INHIBITORY_RESET, refractory=eq.REFRACTORY,
                        method=params.protocol.integration, namespace=_namespace(inh), name="inhibitory")
    group.v = inh.v_rest + inh.v_init_offset
    return group


def _controller(params: NetworkParameters) -> NeuronGroup:
    protocol = params.protocol
    namespace = {
        "min_spikes": protocol.min_spikes, "max_repeats": protocol.max_repeats,
        "start_intensity": protocol.start_intensity, "intensity_step": protocol.intensity_step,
        "steps_on": int(round(protocol.presentation_time / protocol.dt)),
    }
    group = NeuronGroup(1, eq.CONTROLLER, threshold=eq.CONTROLLER_END,
                        reset=eq.CONTROLLER_DECIDE, namespace=namespace, name="controller")
    group.intensity = protocol.start_intensity
    # The decision must see the excitatory spikes of the presentation's last step, which are
    # counted in the 'synapses' slot: evaluate it after the synapses.
    group.thresholder["spike"].when = "after_synapses"
    group.resetter["spike"].when = "after_synapses"
    group.resetter["spike"].order = 2
    group.run_regularly(eq.CONTROLLER_SLOT_START, dt=protocol.slot_time, when="start",
                        order=0, name="controller_slot_start")
    return group


def _inputs(params: NetworkParameters, controller: NeuronGroup, stimulus: TimedArray):
    n = params.n_input
    namespace = {"stimulus": stimulus}
    if params.protocol.input_generator == "bernoulli":
        group = NeuronGroup(n, eq.INPUT, threshold=eq.INPUT_THRESHOLD_BERNOULLI,
                            namespace=namespace, name="inputs")
    else:
        group = NeuronGroup(n, eq.INPUT + eq.INPUT_GEOMETRIC_STATE,
                            threshold=eq.INPUT_THRESHOLD_GEOMETRIC,
                            reset=eq.INPUT_RESET_GEOMETRIC, namespace=namespace, name="inputs")
        # After the controller (order 0) has set image and intensity for this slot.
        group.run_regularly(eq.INPUT_GEOMETRIC_START, dt=params.protocol.slot_time,
                            when="start", order=1, name="inputs_slot_start")
    zeros = np.zeros(n, dtype=int)
    group.image_index = linked_var(controller, "image_index", index=zeros)
    group.intensity = linked_var(controller, "intensity", index=zeros)
    group.input_on = linked_var(controller, "input_on", index=zeros)
    return group


def _summing_codeobj_class():
    """Code object class for ``colsum_post += w`` over all synapses.

    brian2cuda runs a Synapses ``run_regularly`` with one thread per synapse and, unlike
    its on_pre/on_post code, without atomic operations, so the many synapses of a neuron
    would race on ``colsum_post``. On cuda_standalone its atomics code object makes the
    additions atomic; every other device keeps its default (``None``).
    """
    from brian2 import get_device

    if type(get_device()).__name__ != "CUDAStandaloneDevice":
        return None
    from brian2cuda.codeobject import CUDAStandaloneAtomicsCodeObject

    return CUDAStandaloneAtomicsCodeObject


def _input_synapses(params, inputs, exc, rule, rule_params) -> Synapses:
    namespace = {**rule_params, "w_max": params.conn.w_max}
    syn = Synapses(inputs, exc, model=eq.INPUT_SYNAPSE,
                   on_pre=eq.INPUT_SYNAPSE_ON_PRE + rule.pre_code(),
                   on_post=rule.post_code(), namespace=namespace, name="input_exc")
    syn.connect()  # all-to-all; synapse k connects input k // n_exc to neuron k % n_exc
    syn.lastpre = -1e12  # "no arrival yet": x_pre = 0
    slot = params.protocol.slot_time
    exc.run_regularly(eq.NORMALISE_RESET, dt=slot, when="start", order=1,
                      name="normalise_reset")
    syn.run_regularly(eq.NORMALISE_SUM, dt=slot, when="start", order=2, name="normalise_sum",
                      codeobj_class=_summing_codeobj_class())
    exc.run_regularly(eq.NORMALISE_FACTOR, dt=slot, when="start", order=3,
                      name="normalise_factor")
    syn.run_regularly(eq.NORMALISE_SCALE, dt=slot, when="start", order=4,
                      name="normalise_scale")
    return syn


def _lateral(params: NetworkParameters, exc: NeuronGroup, inh: NeuronGroup):
    exc_inh = Synapses(exc, inh, on_pre="ge_post += w_exc_inh",
                       namespace={"w_exc_inh": params.conn.w_exc_inh}, name="exc_inh")
    exc_inh.connect(j="i")
    inh_exc = Synapses(inh, exc, on_pre="gi_post += w_inh_exc",
                       namespace={"w_inh_exc": params.conn.w_inh_exc}, name="inh_exc")
    inh_exc.connect(condition="i != j")
    return exc_inh, inh_exc


def build_network(params: NetworkParameters, capacity: int, *, record_input: bool = False,
                  state_variables: tuple[str, ...] = (), state_neurons=None) -> DiehlCookNetwork:
    """Create the network for chunks of up to ``capacity`` images.

    ``record_input`` adds a SpikeMonitor on the input layer; ``state_variables`` a
    StateMonitor of those excitatory variables for ``state_neurons`` (default: neuron 0).
    """
    rule = get_rule(params.stdp_rule)
    rule_params = rule.parameters(params.stdp)
    stimulus = TimedArray(np.zeros((capacity, params.n_input)) * Hz, dt=1 * second,
                          name="stimulus")
    controller = _controller(params)
    inputs = _inputs(params, controller, stimulus)
    exc = _excitatory(params, rule_params)
    inh = _inhibitory(params)
    input_exc = _input_synapses(params, inputs, exc, rule, rule_params)
    exc_inh, inh_exc = _lateral(params, exc, inh)
    counter = Synapses(exc, controller, on_pre="n_spikes_post += 1", name="spike_counter")
    counter.connect()
    presentations = SpikeMonitor(
        controller, variables=["image_index", "intensity", "repeats", "n_spikes"],
        when="after_synapses", order=1, name="presentations")
    exc_spikes = SpikeMonitor(exc, name="exc_spikes")
    objects = [controller, inputs, exc, inh, input_exc, exc_inh, inh_exc, counter,
               presentations, exc_spikes]
    input_spikes = state_monitor = None
    if record_input:
        input_spikes = SpikeMonitor(inputs, name="input_spikes")
        objects.append(input_spikes)
    if state_variables:
        record = [0] if state_neurons is None else list(state_neurons)
        state_monitor = StateMonitor(exc, list(state_variables), record=record,
                                     name="exc_state")
        objects.append(state_monitor)
    net = Network(*objects, name="diehl_cook")
    return DiehlCookNetwork(
        params=params, capacity=capacity, net=net, stimulus=stimulus, controller=controller,
        inputs=inputs, exc=exc, inh=inh, input_exc=input_exc, exc_inh=exc_inh,
        inh_exc=inh_exc, counter=counter, presentations=presentations, exc_spikes=exc_spikes,
        input_spikes=input_spikes, state_monitor=state_monitor)
