"""Poisson input: one generator per pixel, at rate = grey level / 8 Hz * intensity while
the controller's input is on (Diehl & Cook 2015).

The Python side (:func:`encode`) turns a chunk's images into rates at intensity 1; the
generated code reads them from the ``stimulus`` TimedArray, row ``image_index``.
"""

from __future__ import annotations

import numpy as np
from brian2 import Hz, NeuronGroup, linked_var

from diehlsim.models import components
from diehlsim.models.encoding import rates_per_intensity
from diehlsim.models.state import setting

GROUP = "inputs"

EQUATIONS = """
rate = stimulus(image_index * second, i) * intensity : Hz  # this pixel's rate now
image_index : integer (linked)  # the controller's current image
intensity : 1 (linked)  # the controller's current intensity
input_on : 1 (linked)  # 1 while an image is presented
"""
# 'bernoulli': the textbook per-step draw, spike with probability rate*dt. No random number
# is drawn for a silent pixel or while the input is off (C's && short-circuits).
THRESHOLD_BERNOULLI = "input_on > 0 and rate > 0*Hz and rand() < rate * dt"

# 'geometric' (default): the same Bernoulli process, sampled by its gaps. The number of steps
# to the next spike of a per-step Bernoulli(p) process is geometric, floor(ln U / ln(1 - p)),
# so one random number per spike replaces one per active pixel per step. p = 0 gets an
# effectively infinite gap; p is kept below 1 so that the logarithm stays finite.
GEOMETRIC_STATE = """
p_spike : 1  # spike probability per step in this slot
next_step : 1  # time step of the next spike
"""
GAP = ("floor(log(rand()) / (log(1 - p_spike) - int(p_spike <= 0)))"
       " + 1e15 * int(p_spike <= 0)")
GEOMETRIC_START = f"""
p_spike = clip(rate * dt, 0, 1 - 1e-12)
next_step = t_in_timesteps + {GAP}
"""
THRESHOLD_GEOMETRIC = "input_on > 0 and t_in_timesteps >= next_step"
RESET_GEOMETRIC = f"next_step = t_in_timesteps + 1 + {GAP}"


def encode(images, params) -> np.ndarray:
    """(n, n_input) rates in Hz at intensity 1 (the grey level, or its transform, / 8 Hz)."""
    protocol = params.protocol
    return rates_per_intensity(images, params.n_input, float(protocol.rate_per_pixel),
                               protocol.input_transform)


def build(params, controller, stimulus) -> NeuronGroup:
    n = params.n_input
    namespace = {"stimulus": stimulus}
    if params.protocol.input_generator == "bernoulli":
        group = NeuronGroup(n, EQUATIONS, threshold=THRESHOLD_BERNOULLI, namespace=namespace,
                            name=GROUP)
    else:
        group = NeuronGroup(n, EQUATIONS + GEOMETRIC_STATE, threshold=THRESHOLD_GEOMETRIC,
                            reset=RESET_GEOMETRIC, namespace=namespace, name=GROUP)
        # After the controller (order 0) has set image and intensity for this slot.
        group.run_regularly(GEOMETRIC_START, dt=params.protocol.slot_time, when="start",
                            order=1, name="inputs_slot_start")
    link_to_controller(group, controller, n)
    return group


def link_to_controller(group, controller, n: int) -> None:
    """Every input reads the controller's image, intensity and on/off flag."""
    zeros = np.zeros(n, dtype=int)
    group.image_index = linked_var(controller, "image_index", index=zeros)
    group.intensity = linked_var(controller, "intensity", index=zeros)
    group.input_on = linked_var(controller, "input_on", index=zeros)


def stimulus_setting(meaning: str, unit=Hz):
    return setting("stimulus", "values", meaning, unit)


def state(params):
    return [stimulus_setting(
        "the chunk's images: slots x n_input input rates in Hz at intensity 1 (grey level "
        "0..255 times 1/8 Hz: the pixel, or its protocol.input_transform), row k = image k, "
        "unused rows 0")]


MODEL = components.register("input", components.InputModel(
    name="poisson", description="Poisson generators at grey level / 8 Hz x intensity "
    "(Diehl & Cook 2015)", stimulus_unit=Hz, encode=encode, build=build, state=state))
