"""Intensity-to-latency input (SpykeTorch's ``Intensity2Latency``, SNNImageClassification's
latency code): every lit pixel fires exactly once per presentation, the brighter the
earlier; a black pixel never fires.

The mapping is linear in the grey level g (0..255), counted from the presentation's onset::

    latency = (1 - g / 255) * max_latency    for g > 0  (g = 255 at 0 ms, g = 1 just
                                                         before max_latency)
    never                                    for g = 0  (stored as -1 s)

The Python side (:func:`encode`) writes the latencies into the ``stimulus`` TimedArray; the
generated code fires pixel i on the first time step of the presentation at which the time
since onset has reached its latency (step ceil(latency / dt)), once: ``fired`` is set by the
spike and cleared at the start of every slot. A repeated presentation (too few excitatory
spikes) presents the same latencies again: a latency code has no rate for ``intensity`` to
scale, so the controller's intensity is not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from brian2 import NeuronGroup, Quantity, linked_var, ms, second

from diehlsim.errors import ConfigurationError
from diehlsim.models import components
from diehlsim.models.encoding import transform_images
from diehlsim.models.poisson import GROUP, stimulus_setting
from diehlsim.models.units import q

NEVER = -1.0  # seconds: the stimulus value of a pixel that stays silent

EQUATIONS = """
latency = stimulus(image_index * second, i) : second  # spike time after onset (< 0: never)
onset_time = (t_in_timesteps - (step_off - steps_on + 1)) * dt : second  # since onset
image_index : integer (linked)  # the controller's current image
input_on : 1 (linked)  # 1 while an image is presented
step_off : 1 (linked)  # the presentation's last time step
fired : 1  # 1 once this pixel has fired in this presentation
"""
THRESHOLD = ("input_on > 0 and fired == 0 and latency >= 0*second "
             "and onset_time >= latency")
RESET = "fired = 1"
SLOT_START = "fired = 0"


@dataclass(frozen=True)
class LatencyParameters:
    """Section ``input`` of the latency code."""

    # Latency of the dimmest lit pixel (grey level 0+); the brightest fires at onset.
    max_latency: Quantity = q(20 * ms)

    UNITS: ClassVar[dict] = {"max_latency": ms}
    RANGES: ClassVar[dict] = {"max_latency": ">= 0"}


def latencies(grey, max_latency_s: float) -> np.ndarray:
    """(n, k) grey levels 0..255 -> spike times in seconds after onset, :data:`NEVER` for 0."""
    grey = np.asarray(grey, dtype=np.float64)
    return np.where(grey > 0, (1.0 - grey / 255.0) * max_latency_s, NEVER)


def encode(images, params) -> np.ndarray:
    """(n, n_input) latencies in seconds of the grey levels (or their input transform)."""
    grey = transform_images(images, params.pixels, params.protocol.input_transform)
    return latencies(grey, float(params.input.max_latency))


def check_window(params) -> None:
    """The latest latency must fall inside the presentation, or that pixel would never fire."""
    if params.input.max_latency >= params.protocol.presentation_time:
        raise ConfigurationError(
            f"input.max_latency ({params.input.max_latency}) must be shorter than "
            f"protocol.presentation_time ({params.protocol.presentation_time}): the dimmest "
            f"pixels would fire after the presentation; lower max_latency")


def build(params, controller, stimulus) -> NeuronGroup:
    """One neuron per input, firing once at its latency while the controller's input is on."""
    check_window(params)
    protocol = params.protocol
    steps_on = int(round(protocol.presentation_time / protocol.dt))
    group = NeuronGroup(params.n_input, EQUATIONS, threshold=THRESHOLD, reset=RESET,
                        namespace={"stimulus": stimulus, "steps_on": steps_on}, name=GROUP)
    # After the controller (order 0) has started the slot: a fresh presentation.
    group.run_regularly(SLOT_START, dt=protocol.slot_time, when="start", order=1,
                        name="inputs_slot_start")
    zeros = np.zeros(params.n_input, dtype=int)
    for name in ("image_index", "input_on", "step_off"):
        setattr(group, name, linked_var(controller, name, index=zeros))
    return group


def state(params):
    return [stimulus_setting(
        "the chunk's images: slots x n_input spike latencies in seconds after the "
        "presentation's onset, (1 - grey/255) x input.max_latency; -1 = never (black)", second)]


MODEL = components.register("input", components.InputModel(
    name="latency", description="one spike per lit pixel per presentation at (1 - grey/255) "
    "x max_latency; black never (SpykeTorch, SNNImageClassification)", stimulus_unit=second,
    encode=encode, build=build, state=state, negative_allowed=True,
    parameters=LatencyParameters))
