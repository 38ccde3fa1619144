"""Plain conductance-based LIF excitatory neurons: Diehl & Cook's layer without the adaptive
threshold, as SNNImageClassification's LIF-versus-ALIF ablation (``excitatory_model="lif"``).

The membrane, the conductances, the refractory clamp and the learning traces are those of
:mod:`diehlsim.models.excitatory`; the threshold is fixed at ``v_thresh`` (-52 mV, where the
adaptive model starts: v_thresh + theta_init - theta_offset). ``theta`` stays in the state
table, fixed at 0 V, so that a run's ``theta.npy`` and its state files keep their shape; no
spike and no decay changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from brian2 import NeuronGroup, Quantity, mV, ms

from diehlsim.models import components, excitatory
from diehlsim.models.components import LEARNING_EQUATIONS, LEARNING_RESET, section_namespace
from diehlsim.models.units import q

GROUP = excitatory.GROUP

FIXED_THRESHOLD = """
theta : volt  # threshold shift: 0, never adapted (kept for the state files)
"""
EQUATIONS = excitatory.MEMBRANE + FIXED_THRESHOLD + LEARNING_EQUATIONS

THRESHOLD = "v > v_thresh + theta"
RESET = "v = v_reset\n" + LEARNING_RESET.lstrip("\n")


@dataclass(frozen=True)
class LIFParameters:
    """Diehl & Cook's excitatory parameters without the threshold adaptation."""

    tau_m: Quantity = q(100 * ms)
    v_rest: Quantity = q(-65 * mV)
    v_reset: Quantity = q(-65 * mV)
    v_thresh: Quantity = q(-52 * mV)
    E_exc: Quantity = q(0 * mV)
    E_inh: Quantity = q(-100 * mV)
    tau_ge: Quantity = q(1 * ms)
    tau_gi: Quantity = q(2 * ms)
    refractory: Quantity = q(5 * ms)
    spike_lockout: Quantity = q(5 * ms)
    v_init_offset: Quantity = q(-40 * mV)
    # The state table's theta row reads its initial value here: a plain LIF has none.
    theta_init: Quantity = q(0 * mV)

    UNITS: ClassVar[dict] = {name: excitatory.ExcitatoryParameters.UNITS[name] for name in (
        "tau_m", "v_rest", "v_reset", "v_thresh", "E_exc", "E_inh", "tau_ge", "tau_gi",
        "refractory", "spike_lockout", "v_init_offset", "theta_init")}
    RANGES: ClassVar[dict] = {"tau_m": "> 0", "tau_ge": "> 0", "tau_gi": "> 0",
                              "refractory": ">= 0", "spike_lockout": ">= 0"}


def build(params, namespace: dict) -> NeuronGroup:
    exc = params.exc
    threshold = THRESHOLD
    if exc.spike_lockout > exc.refractory:
        threshold += excitatory.LOCKOUT
    group = NeuronGroup(params.n_exc, EQUATIONS, threshold=threshold, reset=RESET,
                        refractory=excitatory.REFRACTORY, method=params.protocol.integration,
                        namespace={**section_namespace(exc), **namespace}, name=GROUP)
    group.v = exc.v_rest + exc.v_init_offset
    group.theta = exc.theta_init
    group.learning = 1
    group.stdp_rate = 1
    return group


MODEL = components.register("excitatory", components.NeuronModel(
    name="lif", description="conductance-based LIF with a fixed threshold (Diehl & Cook's "
    "layer Ae without adaptation; SNNImageClassification's LIF)", parameters=LIFParameters,
    build=build, state=excitatory.state))
