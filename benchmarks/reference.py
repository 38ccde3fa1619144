"""The conventional protocol, as in Brian2's examples/frompapers/Diehl_Cook_2015.py and every
public port: per image, set the Poisson rates from Python, run(350 ms), read the spike
counts, normalise the weights from Python, run(150 ms) with the input off; re-present with
intensity + 1 when fewer than 5 spikes came. Same equations and parameters as diehlsim's
model, runtime device (Cython), event-driven traces in the synapses. It exists only to
measure the speed-up side by side on the same machine.
"""

from __future__ import annotations

import time

import numpy as np
from brian2 import (
    Hz,
    Network,
    PoissonGroup,
    SpikeMonitor,
    Synapses,
    defaultclock,
    prefs,
    second,
)

from diehlsim.models.network import lateral, layers
from diehlsim.models.parameters import NetworkParameters
from diehlsim.models.stdp import get_rule

# Brian2's example keeps every trace in the synapses as event-driven variables.
EVENT_DRIVEN_SYNAPSE = """
w : 1
dpre_syn/dt = -pre_syn / tau_pre : 1 (event-driven)
dpost1_syn/dt = -post1_syn / tau_post1 : 1 (event-driven)
dpost2_syn/dt = -post2_syn / tau_post2 : 1 (event-driven)
"""
ON_PRE = """
ge_post += w
pre_syn = 1
w = clip(w - nu_pre * post1_syn, 0, w_max)
"""
ON_POST = """
post2before = post2_syn
w = clip(w + nu_post * pre_syn * post2before, 0, w_max)
post1_syn = 1
post2_syn = 1
"""


def build(params: NetworkParameters, seed: int = 0):
    prefs.codegen.target = "cython"
    defaultclock.dt = params.protocol.dt
    rule_params = get_rule("triplet").parameters(params.stdp)
    inputs = PoissonGroup(params.n_input, 0 * Hz, name="ref_inputs")
    exc, inh = layers(params, rule_params)
    syn = Synapses(inputs, exc, EVENT_DRIVEN_SYNAPSE, on_pre=ON_PRE, on_post=ON_POST,
                   namespace={**rule_params, "w_max": params.conn.w_max}, name="ref_input_exc")
    syn.connect()
    rng = np.random.default_rng(seed)
    syn.w = rng.uniform(params.conn.w_input_min, params.conn.w_input_max, len(syn))
    syn.delay = rng.uniform(0, float(params.conn.delay_input_max), len(syn)) * second
    exc_inh, inh_exc = lateral(params, exc, inh)
    counts = SpikeMonitor(exc, record=False, name="ref_counts")
    net = Network(inputs, exc, inh, syn, exc_inh, inh_exc, counts)
    return net, inputs, syn, counts


def run(params: NetworkParameters, images: np.ndarray, seed: int = 0) -> dict:
    """Train on ``images`` with the Python-loop protocol; return timing (build excluded)."""
    net, inputs, syn, counts = build(params, seed)
    p = params.protocol
    target = params.normalisation_target()
    n_input, n_exc = params.n_input, params.n_exc
    net.run(0 * second)  # compile before timing
    previous = np.zeros(n_exc, dtype=int)
    start = time.perf_counter()
    presentations = 0
    for image in images.reshape(len(images), -1):
        intensity = p.start_intensity
        while True:
            w = np.asarray(syn.w[:]).reshape(n_input, n_exc)
            syn.w[:] = (w * (target / w.sum(axis=0))).ravel()
            inputs.rates = image * float(p.rate_per_pixel) * intensity * Hz
            net.run(p.presentation_time)
            current = np.asarray(counts.count[:]) - previous
            previous = np.asarray(counts.count[:]).copy()
            inputs.rates = 0 * Hz
            net.run(p.rest_time)
            presentations += 1
            if current.sum() >= p.min_spikes or presentations > 1000:
                break
            intensity += p.intensity_step
    wall = time.perf_counter() - start
    return {"images": len(images), "presentations": presentations, "wall_s": wall,
            "ms_per_image": 1000 * wall / len(images)}
