"""The presentation protocol, run inside the simulation by a one-neuron controller group.

Each slot is a presentation followed by a rest. At the start of a slot the input goes on
if an image is left; on the last step of the presentation the controller "spikes" and its
reset decides: accept the image (enough excitatory spikes, or too many repeats) and move on,
or present it again with more intensity. So the whole protocol lives in generated code and
runs unchanged on every device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from brian2 import Hz, NeuronGroup, Quantity, ms

from diehlsim.models.state import ONE, StateVariable, constant, setting
from diehlsim.models.units import q

GROUP = "controller"

EQUATIONS = """
image_index : integer  # row of the chunk's stimulus being presented
n_images : integer (shared)  # rows of the stimulus that hold images
intensity : 1  # factor on the input rates of this presentation
repeats : integer  # earlier presentations of this image
n_spikes : integer  # excitatory spikes during this presentation
input_on : 1  # 1 while presenting, 0 at rest
step_off : 1  # time step of the presentation's last step
rng_seed : integer (shared)  # seed of this chunk's random numbers (read by the C++ seeding)
"""
# At the start of every slot (presentation + rest): input on if an image is left.
SLOT_START = """
input_on = int(image_index < n_images)
n_spikes = 0
step_off = t_in_timesteps + steps_on - 1
"""
# The controller "spikes" on the last step of a presentation; its reset decides what comes next.
PRESENTATION_END = "input_on > 0 and t_in_timesteps >= step_off"
DECIDE = """
input_on = 0
accept = int(n_spikes >= min_spikes or repeats >= max_repeats)
image_index += accept
intensity = accept * start_intensity + (1 - accept) * (intensity + intensity_step)
repeats = (1 - accept) * (repeats + 1)
"""


@dataclass(frozen=True)
class ProtocolParameters:
    """Presentation protocol (run inside the generated code by the controller group)."""

    dt: Quantity = q(0.5 * ms)
    presentation_time: Quantity = q(350 * ms)
    rest_time: Quantity = q(150 * ms)
    # rate = pixel / 8 * intensity, so intensity 2 gives at most 63.75 Hz.
    rate_per_pixel: Quantity = q((1 / 8) * Hz)
    start_intensity: float = 2.0
    intensity_step: float = 1.0
    min_spikes: int = 5
    # The original loops until 5 spikes come; a cap keeps a silent network from stalling.
    # At intensity 2 + 20 = 22 (max 701 Hz per pixel) every trained network we saw responds.
    max_repeats: int = 20
    # How input spikes are drawn: "geometric" (one random number per spike) or "bernoulli"
    # (one per active pixel per step). Both are the same per-step Bernoulli process.
    input_generator: str = "geometric"
    # Numerical method of both layers. "exponential_euler": exact decays, but the membrane sees
    # each step's starting conductance for the whole step, which at dt/tau_ge = 0.5 gives 27 %
    # more synaptic charge per spike than the continuous model (13 % for gi). "euler": forward
    # Euler (Brian2's example; Brian 1's non-linear updater): ge halves per step, and the
    # charge per spike, dt * sum(ge), equals the continuous w * tau_ge (docs/results.md).
    integration: str = "exponential_euler"
    # Grey levels the rates are computed from: "none" (the pixels, as in the paper) or a
    # per-image contrast transform for dense natural images (models.encoding.INPUT_TRANSFORMS).
    input_transform: str = "none"
    # Factor on every STDP weight change, falling linearly over the training images from 1 at
    # the first to stdp_rate_final at the last (per chunk). 1 = a constant rate (the original).
    stdp_rate_final: float = 1.0
    # BindsNET's network.reset_state_variables() after every image (Capozzi et al.): the
    # potentials, pending inputs and STDP traces start each slot at rest; theta carries on.
    # Read by the neuron models that support it (models/current_lif.py) and the input synapses.
    reset_each_image: bool = False

    UNITS: ClassVar[dict] = {
        "dt": ms, "presentation_time": ms, "rest_time": ms, "rate_per_pixel": Hz,
    }
    RANGES: ClassVar[dict] = {
        "dt": "> 0", "presentation_time": "> 0", "rest_time": ">= 0", "rate_per_pixel": "> 0",
        "start_intensity": "> 0", "intensity_step": ">= 0", "min_spikes": ">= 0",
        "max_repeats": ">= 0",
    }

    @property
    def slot_time(self) -> Quantity:
        return self.presentation_time + self.rest_time


@dataclass(frozen=True)
class Extension:
    """What a component adds to the controller (e.g. a decision layer's reward): variables,
    code run at the end of each presentation *before* ``DECIDE`` moves on (it still sees
    the presented image's ``image_index``), and the names that code reads."""

    equations: str
    decide: str
    namespace: dict


def build(params, extension: Extension | None = None) -> NeuronGroup:
    protocol = params.protocol
    namespace = {
        "min_spikes": protocol.min_spikes, "max_repeats": protocol.max_repeats,
        "start_intensity": protocol.start_intensity, "intensity_step": protocol.intensity_step,
        "steps_on": int(round(protocol.presentation_time / protocol.dt)),
    }
    equations, decide = EQUATIONS, DECIDE
    if extension is not None:
        equations, decide = EQUATIONS + extension.equations, extension.decide + DECIDE
        namespace.update(extension.namespace)
    group = NeuronGroup(1, equations, threshold=PRESENTATION_END, reset=decide,
                        namespace=namespace, name=GROUP)
    group.intensity = protocol.start_intensity
    # The decision must see the excitatory spikes of the presentation's last step, which are
    # counted in the 'synapses' slot: evaluate it after the synapses.
    group.thresholder["spike"].when = "after_synapses"
    group.resetter["spike"].when = "after_synapses"
    group.resetter["spike"].order = 2
    group.run_regularly(SLOT_START, dt=protocol.slot_time, when="start", order=0,
                        name="controller_slot_start")
    return group


def state(params) -> list[StateVariable]:
    return [
        setting(GROUP, "n_images", "how many rows of stimulus.values hold images (<= slots)"),
        setting(GROUP, "image_index", "row of the first image to present (0)"),
        StateVariable(GROUP, "intensity", 1, "input intensity of the first presentation (2 "
                      "at a fresh image)", key="intensity", shape=ONE,
                      initial=constant(lambda p: p.protocol.start_intensity)),
        StateVariable(GROUP, "repeats", 1, "earlier presentations of the first image (0 at "
                      "a fresh image)", key="repeats", shape=ONE, initial=constant(0),
                      dtype=int),
        setting(GROUP, "rng_seed", "seed of the random generator(s) for this chunk"),
    ]
