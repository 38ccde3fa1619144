"""The inhibitory layer of Diehl & Cook (2015): conductance-based LIF neurons that provide
the lateral inhibition (layer 'Ai' of the original code), one per excitatory neuron."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from brian2 import NeuronGroup, Quantity, mV, ms

from diehlsim.models import components
from diehlsim.models.components import section_namespace
from diehlsim.models.excitatory import MEMBRANE, REFRACTORY, conductance_rows
from diehlsim.models.units import q

GROUP = "inhibitory"
EQUATIONS = MEMBRANE
THRESHOLD = "v > v_thresh"
RESET = "v = v_reset"


@dataclass(frozen=True)
class InhibitoryParameters:
    """Every default is the original code's."""

    tau_m: Quantity = q(10 * ms)
    v_rest: Quantity = q(-60 * mV)
    v_reset: Quantity = q(-45 * mV)
    v_thresh: Quantity = q(-40 * mV)
    E_exc: Quantity = q(0 * mV)
    E_inh: Quantity = q(-85 * mV)
    tau_ge: Quantity = q(1 * ms)
    tau_gi: Quantity = q(2 * ms)
    refractory: Quantity = q(2 * ms)
    v_init_offset: Quantity = q(-40 * mV)

    UNITS: ClassVar[dict] = {
        "tau_m": ms, "v_rest": mV, "v_reset": mV, "v_thresh": mV, "E_exc": mV, "E_inh": mV,
        "tau_ge": ms, "tau_gi": ms, "refractory": ms, "v_init_offset": mV,
    }
    RANGES: ClassVar[dict] = {"tau_m": "> 0", "tau_ge": "> 0", "tau_gi": "> 0",
                              "refractory": ">= 0"}


def build(params, namespace: dict) -> NeuronGroup:
    inh = params.inh
    group = NeuronGroup(params.n_exc, EQUATIONS, threshold=THRESHOLD, reset=RESET,
                        refractory=REFRACTORY, method=params.protocol.integration,
                        namespace={**section_namespace(inh), **namespace}, name=GROUP)
    group.v = inh.v_rest + inh.v_init_offset
    return group


def state(params):
    return conductance_rows("inh", GROUP, "inhibitory")


MODEL = components.register("inhibitory", components.NeuronModel(
    name="diehl-cook", description="conductance-based LIF (Diehl & Cook 2015, layer Ai)",
    parameters=InhibitoryParameters, build=build, state=state))
