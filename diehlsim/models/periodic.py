"""Sinusoidally modulated Poisson input (SNNImageClassification's "periodic signal"): the
Diehl & Cook rate of each pixel, modulated in time::

    rate(t) = grey / 8 Hz * intensity * (1 + depth * sin(2 pi frequency t))

with t counted from the presentation's onset (every presentation starts at phase 0), so a
pixel's expected spike count over a presentation of length T is
``rate0 * (T + depth * (1 - cos(2 pi frequency T)) / (2 pi frequency))``. Spikes are the
per-step Bernoulli draws of the Poisson input (probability rate(t) * dt); the geometric
sampler of :mod:`diehlsim.models.poisson` assumes a constant rate and is not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from brian2 import Hz, NeuronGroup, Quantity, linked_var

from diehlsim.models import components, poisson
from diehlsim.models.units import q

EQUATIONS = poisson.EQUATIONS + """
onset_time = (t_in_timesteps - (step_off - steps_on + 1)) * dt : second  # since onset
modulation = 1 + depth * sin(2 * pi * frequency * onset_time) : 1  # factor on the rate
step_off : 1 (linked)  # the presentation's last time step
"""
THRESHOLD = "input_on > 0 and rate > 0*Hz and rand() < rate * modulation * dt"


@dataclass(frozen=True)
class PeriodicParameters:
    """Section ``input``: the modulation of the rates."""

    frequency: Quantity = q(10 * Hz)  # of the sinusoid
    depth: float = 0.5  # 0 = the unmodulated Poisson input, 1 = rates from 0 to twice the mean

    UNITS: ClassVar[dict] = {"frequency": Hz}
    RANGES: ClassVar[dict] = {"frequency": ">= 0", "depth": "0..1"}


def expected_count(rate_hz, duration_s: float, frequency_hz: float, depth: float):
    """Expected spikes of a pixel at ``rate_hz`` over ``duration_s`` from onset (the integral
    of the modulated rate)."""
    if frequency_hz == 0:
        return np.asarray(rate_hz) * duration_s
    omega = 2 * np.pi * frequency_hz
    return np.asarray(rate_hz) * (duration_s + depth * (1 - np.cos(omega * duration_s)) / omega)


def build(params, controller, stimulus) -> NeuronGroup:
    protocol = params.protocol
    namespace = {"stimulus": stimulus, "frequency": params.input.frequency,
                 "depth": params.input.depth,
                 "steps_on": int(round(protocol.presentation_time / protocol.dt))}
    group = NeuronGroup(params.n_input, EQUATIONS, threshold=THRESHOLD, namespace=namespace,
                        name=poisson.GROUP)
    poisson.link_to_controller(group, controller, params.n_input)
    group.step_off = linked_var(controller, "step_off",
                                index=np.zeros(params.n_input, dtype=int))
    return group


MODEL = components.register("input", components.InputModel(
    name="periodic", description="Poisson rates grey / 8 Hz x intensity, modulated by 1 + "
    "depth sin(2 pi frequency t) from each onset (SNNImageClassification)", stimulus_unit=Hz,
    encode=poisson.encode, build=build, state=poisson.state, parameters=PeriodicParameters))
