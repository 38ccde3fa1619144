"""Current-based LIF layers as BindsNET's ``DiehlAndCook2015`` runs them (Capozzi et al. 2023).

BindsNET updates a layer once per time step, in this order (``DiehlAndCookNodes.forward``
and ``LIFNodes.forward``):

1. ``v = v_rest + (v - v_rest) * exp(-dt / tau_m)`` (the leak, also while refractory);
   the excitatory threshold offset ``theta`` decays by ``exp(-dt / tau_theta)`` while
   learning;
2. ``v += x`` unless the refractory counter is above zero, where ``x`` is the sum of the
   weights (in mV) of the spikes that the layer's sources emitted in the *previous* step:
   every connection has one step of delay;
3. the refractory counter goes down by one step;
4. the neurons with ``v >= v_thresh (+ theta)`` cross: they are reset, their counter is set
   to the refractory period and (excitatory, learning) ``theta += theta_plus``;
5. (excitatory) at most one of them spikes: one chosen at random among those that crossed
   (``one_spike``, :mod:`diehlsim.models.one_spike`).

Here step 1 is the groups' exact state update and steps 2 to 5 run in generated code just
before the thresholds. The synaptic targets ``ge``/``gi`` are the jumps, in mV, that arrive
during a step; they are consumed in the next one, which gives the one-step delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from brian2 import NeuronGroup, Quantity, mV, ms, volt

from diehlsim.models import components, one_spike
from diehlsim.models.components import LEARNING_EQUATIONS, section_namespace
from diehlsim.models.excitatory import learning_settings
from diehlsim.models.state import StateVariable, constant
from diehlsim.models.units import q

EXC_GROUP, INH_GROUP = "excitatory", "inhibitory"

MEMBRANE = """
dv/dt = (v_rest - v) / tau_m : volt  # the leak, every step (BindsNET decays while refractory)
ge : 1  # excitatory jumps (mV) that arrived this step, added to v in the next one
gi : 1  # inhibitory jumps (mV), subtracted from v in the next one
refrac_count : 1  # steps of refractoriness left: the input is dropped while > 0
"""
EXC_EQUATIONS = MEMBRANE + """
dtheta/dt = -learning * theta / tau_theta : volt  # threshold offset, decays while learning
crossed : 1  # 1 where v reached the threshold this step (all of them are reset)
spiking : 1  # 1 where the neuron spikes this step (one of those that crossed)
""" + one_spike.EQUATIONS + LEARNING_EQUATIONS

# BindsNET steps 2-3: last step's input, unless refractory; then one step less to wait.
INTEGRATE = """
v += (ge - gi) * mV * int(refrac_count <= 0)  # last step's jumps, dropped while refractory
refrac_count -= 1  # one step less to wait
ge = 0  # consumed
gi = 0
"""
# Step 4 for every neuron that crossed, before one of them is chosen to spike.
EXC_CROSS = """
crossed = int(v >= v_thresh + theta)  # the adaptive threshold
v = crossed * v_reset + (1 - crossed) * v  # every crossing neuron is reset ...
refrac_count = crossed * refractory_steps + (1 - crossed) * refrac_count  # ... made refractory
theta += learning * theta_plus * crossed  # ... and raises its threshold, spike or not
"""
# The chosen neuron's postsynaptic traces are set before the synapses run, so that the
# depression of a presynaptic spike in the same step sees 1, as BindsNET's PostPre does.
EXC_SPIKE = """
spiking = crossed * int(n_higher == 0)  # the chosen one (all that crossed without one_spike)
post1 = spiking + (1 - spiking) * post1  # nearest-spike trace: set to 1
post2 = spiking + (1 - spiking) * post2
"""
EXC_THRESHOLD = "spiking > 0"
INH_THRESHOLD = "v >= v_thresh"
INH_RESET = """
v = v_reset
refrac_count = refractory_steps  # the input of the next refractory_steps steps is dropped
"""
# BindsNET's network.reset_state_variables() between images: potentials to rest, nothing
# pending, traces to 0; theta (and the weights) carry on.
RESET_IMAGE = """
v = v_rest
ge = 0  # nothing pending from the last image
gi = 0
refrac_count = 0
"""
EXC_RESET_IMAGE = RESET_IMAGE + """
post1 = 0  # the traces restart at 0
post2 = 0
"""


@dataclass(frozen=True)
class CurrentExcitatoryParameters:
    """BindsNET ``DiehlAndCook2015`` layer ``Ae`` (``DiehlAndCookNodes``) defaults."""

    tau_m: Quantity = q(100 * ms)  # tc_decay
    v_rest: Quantity = q(-65 * mV)
    v_reset: Quantity = q(-60 * mV)
    v_thresh: Quantity = q(-52 * mV)
    refractory: Quantity = q(5 * ms)  # refrac = 5 steps of dt = 1 ms
    theta_init: Quantity = q(0 * mV)  # theta starts at zeros
    theta_plus: Quantity = q(0.05 * mV)
    tau_theta: Quantity = q(1e7 * ms)  # tc_theta_decay
    one_spike: bool = True  # at most one spike per step (BindsNET's default)

    UNITS: ClassVar[dict] = {"tau_m": ms, "v_rest": mV, "v_reset": mV, "v_thresh": mV,
                             "refractory": ms, "theta_init": mV, "theta_plus": mV,
                             "tau_theta": ms}
    RANGES: ClassVar[dict] = {"tau_m": "> 0", "tau_theta": "> 0", "refractory": ">= 0",
                              "theta_plus": ">= 0"}


@dataclass(frozen=True)
class CurrentInhibitoryParameters:
    """BindsNET ``DiehlAndCook2015`` layer ``Ai`` (``LIFNodes``) defaults."""

    tau_m: Quantity = q(10 * ms)
    v_rest: Quantity = q(-60 * mV)
    v_reset: Quantity = q(-45 * mV)
    v_thresh: Quantity = q(-40 * mV)
    refractory: Quantity = q(2 * ms)

    UNITS: ClassVar[dict] = {"tau_m": ms, "v_rest": mV, "v_reset": mV, "v_thresh": mV,
                             "refractory": ms}
    RANGES: ClassVar[dict] = {"tau_m": "> 0", "refractory": ">= 0"}


def _namespace(section, params, extra: dict) -> dict:
    steps = float(section.refractory / params.protocol.dt)
    return {**section_namespace(section), "refractory_steps": round(steps), **extra}


def _every_image(group, params, code: str) -> None:
    """BindsNET's per-image reset, at the start of every slot (before the controller)."""
    if params.protocol.reset_each_image:
        group.run_regularly(code, dt=params.protocol.slot_time, when="start", order=-1,
                            name=f"{group.name}_reset_image")


def build_excitatory(params, namespace: dict) -> NeuronGroup:
    exc = params.exc
    group = NeuronGroup(params.n_exc, EXC_EQUATIONS, threshold=EXC_THRESHOLD, reset="",
                        method="exact",
                        namespace=_namespace(exc, params, namespace), name=EXC_GROUP)
    group.v = exc.v_rest
    group.theta = exc.theta_init
    group.learning = 1
    group.stdp_rate = 1
    group.run_regularly(INTEGRATE + EXC_CROSS, when="before_thresholds", order=0,
                        name="excitatory_integrate")
    if exc.one_spike:
        one_spike.attach(group, order=1)
    group.run_regularly(EXC_SPIKE, when="before_thresholds", order=3, name="excitatory_spike")
    _every_image(group, params, EXC_RESET_IMAGE)
    return group


def build_inhibitory(params, namespace: dict) -> NeuronGroup:
    inh = params.inh
    group = NeuronGroup(params.n_exc, MEMBRANE, threshold=INH_THRESHOLD, reset=INH_RESET,
                        method="exact", namespace=_namespace(inh, params, namespace),
                        name=INH_GROUP)
    group.v = inh.v_rest
    group.run_regularly(INTEGRATE, when="before_thresholds", order=0,
                        name="inhibitory_integrate")
    _every_image(group, params, RESET_IMAGE)
    return group


def _rows(prefix: str, group: str, layer: str, section) -> list[StateVariable]:
    """``v``, ``ge``, ``gi`` and the refractory counter, carried between chunks."""
    return [
        StateVariable(group, "v", volt, f"{layer} membrane potentials in volts",
                      key=f"{prefix}_v", initial=constant(lambda p: float(section(p).v_rest))),
        StateVariable(group, "ge", 1, f"excitatory input (mV) pending for the {layer} layer",
                      key=f"{prefix}_ge", initial=constant(0)),
        StateVariable(group, "gi", 1, f"inhibitory input (mV) pending for the {layer} layer",
                      key=f"{prefix}_gi", initial=constant(0)),
        StateVariable(group, "refrac_count", 1, f"refractory steps left ({layer})",
                      key=f"{prefix}_refrac", initial=constant(0)),
    ]


def excitatory_state(params) -> list[StateVariable]:
    return learning_settings() + [
        StateVariable(EXC_GROUP, "theta", volt, "adaptive threshold offsets in volts",
                      key="theta", initial=constant(lambda p: float(p.exc.theta_init))),
        *_rows("exc", EXC_GROUP, "excitatory", lambda p: p.exc),
        StateVariable(EXC_GROUP, "post1", 1, "postsynaptic STDP trace", key="exc_post1",
                      initial=constant(0)),
        StateVariable(EXC_GROUP, "post2", 1, "second postsynaptic trace (unused by PostPre)",
                      key="exc_post2", initial=constant(0)),
    ]


def inhibitory_state(params) -> list[StateVariable]:
    return _rows("inh", INH_GROUP, "inhibitory", lambda p: p.inh)


EXCITATORY = components.register("excitatory", components.NeuronModel(
    name="bindsnet", description="current-based LIF, adaptive threshold, one spike per step "
    "(BindsNET DiehlAndCookNodes, as Capozzi et al. 2023 ran it)",
    parameters=CurrentExcitatoryParameters, build=build_excitatory, state=excitatory_state))
INHIBITORY = components.register("inhibitory", components.NeuronModel(
    name="bindsnet", description="current-based LIF (BindsNET LIFNodes, layer Ai of "
    "DiehlAndCook2015)", parameters=CurrentInhibitoryParameters, build=build_inhibitory,
    state=inhibitory_state))
