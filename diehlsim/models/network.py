"""The network assembled from its components, with the protocol in generated code.

:func:`build_network` creates the components that ``params.components`` names (excitatory
and inhibitory neuron models, input, learning rule), the projections between them, the
controller and the monitors, each with a fixed name, and collects them in a
:class:`DiehlCookNetwork`. :func:`state_table` lists the rows of the state table that the
same components contribute. Nothing here depends on the device: the same objects run on
``runtime``, ``cpp_standalone`` and ``cuda_standalone``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from brian2 import (
    Network,
    NeuronGroup,
    Quantity,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    TimedArray,
    ms,
    second,
)

from diehlsim.models import components, controller, monitors, recurrent, rstdp
from diehlsim.models.input_synapses import (
    INPUT_SYNAPSES,
    InputSplit,
    input_synapses,
    input_synapses_by_delay,
)
from diehlsim.models.state import (
    SYNAPSES,
    NetworkState,
    StateVariable,
    constant,
    initial_values,
    setting,
)
from diehlsim.models.units import q

@dataclass(frozen=True)
class ConnectionParameters:
    """Weights and delays of the three projections (conductances in units of the leak)."""

    w_input_min: float = 0.003  # the original initial weights are U(0, 0.3) + 0.003
    w_input_max: float = 0.303
    w_max: float = 1.0
    delay_input_min: Quantity = q(0 * ms)
    delay_input_max: Quantity = q(10 * ms)
    w_exc_inh: float = 10.4
    w_inh_exc: float = 17.0
    # Column sum of every excitatory neuron's input weights at the start of each presentation.
    # 78 is the original's value for 784 inputs (0.1 per input); see normalisation_target().
    weight_sum: float = 78.0
    # How the input synapses are held (INPUT_LAYOUTS); the model is the same in both.
    input_layout: str = "one"

    UNITS: ClassVar[dict] = {"delay_input_min": ms, "delay_input_max": ms}
    RANGES: ClassVar[dict] = {
        "w_input_min": ">= 0", "w_input_max": ">= 0", "w_max": "> 0", "w_exc_inh": ">= 0",
        "w_inh_exc": ">= 0", "weight_sum": "> 0", "delay_input_min": ">= 0",
        "delay_input_max": ">= 0",
    }


@dataclass
class DiehlCookNetwork:
    """The Brian2 objects of one network; ``net`` is the Brian2 ``Network`` to run."""

    params: object  # NetworkParameters
    capacity: int  # images the stimulus TimedArray holds per chunk
    net: Network
    stimulus: TimedArray
    controller: NeuronGroup
    inputs: NeuronGroup
    exc: NeuronGroup
    inh: NeuronGroup
    input_exc: Synapses  # the first object of ``input_split`` when the synapses are split
    exc_inh: Synapses
    inh_exc: Synapses
    counter: Synapses
    presentations: SpikeMonitor  # one "spike" of the controller per presentation
    exc_spikes: SpikeMonitor
    input_model: components.InputModel
    table: list[StateVariable]
    input_spikes: SpikeMonitor | None = None
    state_monitor: StateMonitor | None = None
    extra: dict = field(default_factory=dict)
    # group name -> the StateMonitor of a monitors.MonitorRequest (none unless requested)
    traces: dict = field(default_factory=dict)
    input_split: InputSplit | None = None  # conn.input_layout "by-delay"


def _chosen(params) -> dict:
    return {kind: components.get(kind, params.components[kind]) for kind in components.KINDS}


def synapse_rows(params) -> list[StateVariable]:
    conn = params.conn

    def uniform(low, high):
        return lambda p, rng, shape: rng.uniform(float(low), float(high), size=shape)

    return [
        setting(INPUT_SYNAPSES, "step_offset", "absolute time step at which this chunk "
                "starts (every run starts at t = 0; lastpre is counted in absolute steps)"),
        StateVariable(INPUT_SYNAPSES, "w", 1, "input -> excitatory weights, synapse k = input "
                      "k // n_exc to neuron k % n_exc (row-major n_input x n_exc)",
                      key="weights", shape=SYNAPSES,
                      initial=uniform(conn.w_input_min, conn.w_input_max)),
        StateVariable(INPUT_SYNAPSES, "delay", second, "input -> excitatory delays in seconds, "
                      "same order as input_exc.w", key="delays", shape=SYNAPSES,
                      initial=uniform(conn.delay_input_min, conn.delay_input_max)),
        StateVariable(INPUT_SYNAPSES, "lastpre", 1, "absolute time step of the last "
                      "presynaptic arrival per synapse (-1e12 = none yet)", key="lastpre",
                      shape=SYNAPSES, initial=constant(-1e12)),
    ]


def state_table(params) -> list[StateVariable]:
    """Every variable a chunk of this network reads or writes, from its components.

    Settings first (in the order the driver documents them), then the carried state; the
    input weights come before their delays, which fixes the initial random numbers.
    """
    chosen = _chosen(params)
    rows = (chosen["input"].state(params) + controller.state(params)
            + chosen["excitatory"].state(params) + synapse_rows(params)
            + chosen["inhibitory"].state(params))
    if params.rstdp is not None:  # last: the other rows' initial random numbers stay put
        rows += rstdp.state(params)
    settings = [r for r in rows if not r.carried]
    return settings + [r for r in rows if r.carried]


def lateral(params, exc: NeuronGroup, inh: NeuronGroup):
    """Each excitatory neuron drives its inhibitory partner, which inhibits all others."""
    exc_inh = Synapses(exc, inh, on_pre="ge_post += w_exc_inh",
                       namespace={"w_exc_inh": params.conn.w_exc_inh}, name="exc_inh")
    exc_inh.connect(j="i")
    inh_exc = Synapses(inh, exc, on_pre="gi_post += w_inh_exc",
                       namespace={"w_inh_exc": params.conn.w_inh_exc}, name="inh_exc")
    inh_exc.connect(condition="i != j")
    return exc_inh, inh_exc


def layers(params, rule_params: dict):
    """The excitatory and inhibitory groups of the chosen neuron models."""
    chosen = _chosen(params)
    exc = chosen["excitatory"].build(params, {
        "tau_post1": rule_params["tau_post1"], "tau_post2": rule_params["tau_post2"],
        "weight_sum_target": params.normalisation_target()})
    inh = chosen["inhibitory"].build(params, {})
    return exc, inh


def build_network(params, capacity: int, *, record_input: bool = False,
                  state_variables: tuple[str, ...] = (), state_neurons=None,
                  trace_request: monitors.MonitorRequest | None = None,
                  delays=None) -> DiehlCookNetwork:
    """Create the network for chunks of up to ``capacity`` images.

    ``conn.input_layout = "by-delay"`` needs the input ``delays`` (seconds, n_input x
    n_exc: the state's) because they decide which object holds which synapse.

    ``record_input`` adds a SpikeMonitor on the input layer; ``state_variables`` a
    StateMonitor of those excitatory variables for ``state_neurons`` (default: neuron 0);
    ``trace_request`` the StateMonitors of a :class:`monitors.MonitorRequest` (any layer).
    """
    chosen = _chosen(params)
    rule = chosen["plasticity"]
    rule_params = rule.parameters(params.stdp)
    input_model = chosen["input"]
    stimulus = TimedArray(np.zeros((capacity, params.n_input)) * input_model.stimulus_unit,
                          dt=1 * second, name="stimulus")
    labels = rstdp.labels_array(capacity) if params.rstdp is not None else None
    control = controller.build(params, None if labels is None else
                               rstdp.controller_extension(params.rstdp, labels))
    inputs = input_model.build(params, control, stimulus)
    exc, inh = layers(params, rule_params)
    split = None
    if params.conn.input_layout == "by-delay":
        if delays is None:
            raise ValueError("the by-delay input layout is built for given delays")
        split = input_synapses_by_delay(params, inputs, exc, rule, rule_params, delays)
        input_objects = list(split.objects)
    else:
        input_objects = [input_synapses(params, inputs, exc, rule, rule_params)]
    input_exc = input_objects[0]
    exc_inh, inh_exc = lateral(params, exc, inh)
    extra = {syn.name: syn for syn in recurrent.build(params, exc)}  # none by default
    counter = Synapses(exc, control, on_pre="n_spikes_post += 1", name="spike_counter")
    counter.connect()
    presentations = SpikeMonitor(
        control, variables=["image_index", "intensity", "repeats", "n_spikes"],
        when="after_synapses", order=1, name="presentations")
    exc_spikes = SpikeMonitor(exc, name="exc_spikes")
    objects = [control, inputs, exc, inh, *input_objects, exc_inh, inh_exc, counter,
               presentations, exc_spikes, *extra.values(),
               *components.companions(exc), *components.companions(inh)]
    if labels is not None:  # the R-STDP decision layer (models.rstdp)
        layer = rstdp.build(params, control, exc)
        objects += list(layer.values())
        extra.update(rstdp_labels=labels, **layer)
    input_spikes = state_monitor = None
    if record_input:
        input_spikes = SpikeMonitor(inputs, name="input_spikes")
        objects.append(input_spikes)
    if state_variables:
        record = [0] if state_neurons is None else list(state_neurons)
        state_monitor = StateMonitor(exc, list(state_variables), record=record,
                                     name="exc_state")
        objects.append(state_monitor)
    traces = {}
    if trace_request is not None:
        traces = monitors.build(trace_request, {exc.name: exc, inh.name: inh})
        objects += list(traces.values())
    net = Network(*objects, name="diehl_cook")
    return DiehlCookNetwork(
        params=params, capacity=capacity, net=net, stimulus=stimulus, controller=control,
        inputs=inputs, exc=exc, inh=inh, input_exc=input_exc, exc_inh=exc_inh,
        inh_exc=inh_exc, counter=counter, presentations=presentations, exc_spikes=exc_spikes,
        input_model=input_model, table=state_table(params), input_spikes=input_spikes,
        state_monitor=state_monitor, extra=extra, traces=traces, input_split=split)


def initial_state(params, seed: int) -> NetworkState:
    """The state before the first chunk: initial weights U(0.003, 0.303) and delays
    U(0, 10 ms) from ``seed``, cells at rest - 40 mV, traces and conductances at 0 (each row's
    ``initial``)."""
    return initial_values(state_table(params), params, seed)
