"""The excitatory layer of Diehl & Cook (2015): conductance-based leaky integrate-and-fire
neurons with an adaptive threshold (layer 'Ae' of the original code).

Conductances ``ge``/``gi`` are dimensionless (in units of the leak conductance), so a
synaptic weight is the jump of the conductance on a spike, as in the original code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from brian2 import NeuronGroup, Quantity, mV, ms, volt

from diehlsim.models import components
from diehlsim.models.components import LEARNING_EQUATIONS, LEARNING_RESET, section_namespace
from diehlsim.models.state import StateVariable, constant, setting
from diehlsim.models.units import q

GROUP = "excitatory"

MEMBRANE = """
dv/dt = ((v_rest - v) + ge*(E_exc - v) + gi*(E_inh - v)) / tau_m : volt (unless refractory)
dge/dt = -ge / tau_ge : 1  # excitatory conductance, in units of the leak
dgi/dt = -gi / tau_gi : 1  # inhibitory conductance
"""
# The adaptive threshold grows by theta_plus per spike and decays (only while learning).
ADAPTIVE_THRESHOLD = """
dtheta/dt = -learning * theta / tau_theta : volt
"""
EQUATIONS = MEMBRANE + ADAPTIVE_THRESHOLD + LEARNING_EQUATIONS

# Refractory while less than `refractory` has passed since the last spike: the same time steps
# as Brian2's quantity form (which compares integer steps), with half a step of margin. The
# quantity form converts doubles to int64 in the state updater, which AVX2 cannot vectorise;
# this comparison of doubles lets the compiler vectorise both layers' state updates.
REFRACTORY = "t - lastspike < refractory - dt / 2"

THRESHOLD = "v > v_thresh + theta - theta_offset"
# Only added when the lockout is longer than the refractory clamp (Brian2 ports: 50 ms).
LOCKOUT = " and t - lastspike >= spike_lockout"
RESET = """
v = v_reset
theta += learning * theta_plus
""" + LEARNING_RESET.lstrip("\n")


@dataclass(frozen=True)
class ExcitatoryParameters:
    """Every default is the original code's (``Diehl&Cook_spiking_MNIST.py``)."""

    tau_m: Quantity = q(100 * ms)
    v_rest: Quantity = q(-65 * mV)
    v_reset: Quantity = q(-65 * mV)
    v_thresh: Quantity = q(-52 * mV)
    E_exc: Quantity = q(0 * mV)
    E_inh: Quantity = q(-100 * mV)
    tau_ge: Quantity = q(1 * ms)
    tau_gi: Quantity = q(2 * ms)
    refractory: Quantity = q(5 * ms)
    # Brian2 ports gate spikes with `dtimer/dt = 0.1` and `timer > 5 ms`: a 50 ms lockout.
    # The Brian 1 original has only the 5 ms refractory clamp (lockout = refractory).
    spike_lockout: Quantity = q(5 * ms)
    # The threshold is v_thresh + theta - theta_offset; theta starts at theta_init.
    theta_init: Quantity = q(20 * mV)
    theta_offset: Quantity = q(20 * mV)
    theta_plus: Quantity = q(0.05 * mV)
    tau_theta: Quantity = q(1e7 * ms)
    # Initial membrane potential, relative to v_rest (the original starts at v_rest - 40 mV).
    v_init_offset: Quantity = q(-40 * mV)

    UNITS: ClassVar[dict] = {
        "tau_m": ms, "v_rest": mV, "v_reset": mV, "v_thresh": mV, "E_exc": mV, "E_inh": mV,
        "tau_ge": ms, "tau_gi": ms, "refractory": ms, "spike_lockout": ms, "theta_init": mV,
        "theta_offset": mV, "theta_plus": mV, "tau_theta": ms, "v_init_offset": mV,
    }
    # Physical ranges: "> 0" or ">= 0" (checked with the units by check_parameters).
    RANGES: ClassVar[dict] = {
        "tau_m": "> 0", "tau_ge": "> 0", "tau_gi": "> 0", "tau_theta": "> 0",
        "refractory": ">= 0", "spike_lockout": ">= 0", "theta_plus": ">= 0",
    }


def build(params, namespace: dict) -> NeuronGroup:
    """The layer; ``namespace`` adds what the network supplies (the rule's trace time
    constants, the normalisation target)."""
    exc = params.exc
    threshold = THRESHOLD
    if exc.spike_lockout > exc.refractory:
        threshold += LOCKOUT
    group = NeuronGroup(params.n_exc, EQUATIONS, threshold=threshold, reset=RESET,
                        refractory=REFRACTORY, method=params.protocol.integration,
                        namespace={**section_namespace(exc), **namespace}, name=GROUP)
    group.v = exc.v_rest + exc.v_init_offset
    group.theta = exc.theta_init
    group.learning = 1
    group.stdp_rate = 1
    return group


def learning_settings() -> list[StateVariable]:
    """The per-chunk flags of every excitatory model (:data:`LEARNING_EQUATIONS`)."""
    return [
        setting(GROUP, "learning", "1 = STDP and theta adaptation on, 0 = frozen (labelling, "
                "test)"),
        setting(GROUP, "stdp_rate", "factor on every STDP weight change (1 = the original "
                "rate; a training schedule lowers it chunk by chunk)"),
    ]


def conductance_rows(prefix: str, group: str, layer: str) -> list[StateVariable]:
    """``v``, ``ge`` and ``gi`` of a conductance-based layer, carried between chunks."""
    def at_rest(section):
        return constant(lambda p: float(section(p).v_rest + section(p).v_init_offset))

    section = (lambda p: p.exc) if prefix == "exc" else (lambda p: p.inh)
    return [
        StateVariable(group, "v", volt, f"{layer} membrane potentials in volts",
                      key=f"{prefix}_v", initial=at_rest(section)),
        StateVariable(group, "ge", 1, f"excitatory conductances of the {layer} layer "
                      "(units of the leak)", key=f"{prefix}_ge", initial=constant(0)),
        StateVariable(group, "gi", 1, f"inhibitory conductances of the {layer} layer",
                      key=f"{prefix}_gi", initial=constant(0)),
    ]


def state(params) -> list[StateVariable]:
    return learning_settings() + [
        StateVariable(GROUP, "theta", volt, "adaptive thresholds in volts", key="theta",
                      initial=constant(lambda p: float(p.exc.theta_init))),
        *conductance_rows("exc", GROUP, "excitatory"),
        StateVariable(GROUP, "post1", 1, "postsynaptic STDP trace 1", key="exc_post1",
                      initial=constant(0)),
        StateVariable(GROUP, "post2", 1, "postsynaptic STDP trace 2", key="exc_post2",
                      initial=constant(0)),
    ]


MODEL = components.register("excitatory", components.NeuronModel(
    name="diehl-cook", description="conductance-based LIF with an adaptive threshold "
    "(Diehl & Cook 2015, layer Ae)", parameters=ExcitatoryParameters, build=build,
    state=state))
