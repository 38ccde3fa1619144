"""The STDP rules against weight changes computed by hand for scripted spike times.

A minimal Brian2 network uses the model's own code: the input synapse equations and
on-pre statements of :mod:`diehlsim.models.stdp`, the rule's ``pre_code()`` and
``post_code()``, and a postsynaptic group with the excitatory layer's ``post1``/``post2``
trace equations and reset. Presynaptic spikes come from a SpikeGeneratorGroup through
known per-synapse delays; the postsynaptic neuron fires exactly at scripted time steps.

Traces are nearest-spike traces: ``x = exp(-(t - t_last) / tau)`` with ``t_last`` the last
presynaptic *arrival* (for ``xpre``) or the last postsynaptic spike (``post1``, ``post2``);
0 before the first one. Within a time step the pre pathway runs before the post pathway,
and both before the reset, so ``post2`` in a postsynaptic update is its value just before
that spike.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from brian2 import (
    Network,
    NeuronGroup,
    SpikeGeneratorGroup,
    Synapses,
    TimedArray,
    defaultclock,
    ms,
    prefs,
    set_device,
)

from diehlsim.errors import ConfigurationError
from diehlsim.models import excitatory
from diehlsim.models.stdp import RULES, SYNAPSE, SYNAPSE_ON_PRE, get_rule

DT_MS = 0.5
FIRE_STEPS = 1000  # scripted postsynaptic spikes: up to 500 ms
W_MAX = 1.0

# The excitatory layer's trace equations, learning flag and STDP rate factor, and the trace
# part of its reset.
POST_MODEL = "\n".join(
    line for line in excitatory.EQUATIONS.splitlines()
    if line.startswith(("dpost1/dt", "dpost2/dt", "learning", "stdp_rate"))) + "\nge : 1\n"
POST_RESET = "\n".join(line for line in excitatory.RESET.splitlines()
                       if line.startswith(("post1", "post2")))


@pytest.fixture(autouse=True)
def runtime_device():
    set_device("runtime")
    prefs.codegen.target = "cython"
    defaultclock.dt = DT_MS * ms
    yield


def test_post_group_uses_the_excitatory_traces():
    assert POST_MODEL.count("\n") == 5 and "tau_post1" in POST_MODEL and "tau_post2" in POST_MODEL
    assert "stdp_rate : 1 (shared)" in POST_MODEL
    assert POST_RESET.split("\n") == ["post1 = 1", "post2 = 1"]


def simulate(rule_name: str, pre_spikes_ms, post_ms, delays_ms, w0, *, learning=1,
             stdp_rate=1.0, duration_ms=None, overrides=None) -> np.ndarray:
    """Run the rule; ``pre_spikes_ms[i]`` are the spike times of input i (one synapse each).

    Fixed object names and array sizes keep the generated code, and so the compiled
    Cython, the same on every call of a rule.
    """
    rule = get_rule(rule_name)
    params = rule.parameters(overrides)
    n_pre = len(pre_spikes_ms)
    last = max([max(s, default=0) + d for s, d in zip(pre_spikes_ms, delays_ms)]
               + list(post_ms))
    duration_ms = duration_ms or last + 5
    n_steps = int(round(duration_ms / DT_MS))
    indices = np.concatenate([np.full(len(s), i) for i, s in enumerate(pre_spikes_ms)])
    times = np.concatenate([np.asarray(s, float) for s in pre_spikes_ms])
    pre = SpikeGeneratorGroup(n_pre, indices.astype(int), times * ms, name="pre")
    assert n_steps < FIRE_STEPS
    fire = np.zeros(FIRE_STEPS)  # one length for all: Cython code embeds the array's size
    fire[np.round(np.asarray(post_ms) / DT_MS).astype(int)] = 1
    post = NeuronGroup(1, POST_MODEL, threshold="post_fire(t) > 0.5", reset=POST_RESET,
                       method="exponential_euler",
                       namespace={"post_fire": TimedArray(fire, dt=DT_MS * ms, name="post_fire"),
                                  "tau_post1": params["tau_post1"],
                                  "tau_post2": params["tau_post2"]}, name="post")
    post.learning = learning
    post.stdp_rate = stdp_rate
    syn = Synapses(pre, post, model=SYNAPSE,
                   on_pre=SYNAPSE_ON_PRE + rule.pre_code(), on_post=rule.post_code(),
                   namespace={**params, "w_max": W_MAX}, name="syn")
    syn.connect()
    syn.lastpre = -1e12  # as build_network: "no arrival yet"
    syn.w = w0
    syn.delay = np.asarray(delays_ms, float) * ms
    net = Network(pre, post, syn)
    net.run(n_steps * DT_MS * ms)
    return np.asarray(syn.w[:])


# -- reference: the rules' formulas, applied event by event -------------------------------------

def _dw_pre(rule, p, w, post1):
    if rule in ("triplet", "bindsnet-postpre"):
        return -p["nu_pre"] * post1
    if rule == "pre-post":
        return -p["eta_pre"] * post1 * w ** p["mu"]
    return 0.0


def _dw_post(rule, p, w, xpre, post2):
    if rule == "triplet":
        return p["nu_post"] * xpre * post2
    if rule == "power-law":
        return p["eta"] * (xpre - p["x_tar"]) * (W_MAX - w) ** p["mu"]
    if rule == "exponential":
        return p["eta_post"] * (xpre * math.exp(-p["beta"] * w)
                                - p["x_tar"] * math.exp(-p["beta"] * (W_MAX - w)))
    if rule == "pre-post":
        return p["eta_post"] * (xpre - p["x_tar"]) * (W_MAX - w) ** p["mu"]
    if rule == "bindsnet-postpre":
        return p["nu_post"] * xpre
    raise AssertionError(rule)


def reference(rule_name, pre_spikes_ms, post_ms, delays_ms, w0, *, learning=1, overrides=None):
    p = {k: (float(v / ms) if hasattr(v, "dim") else v)
         for k, v in get_rule(rule_name).parameters(overrides).items()}  # taus in ms
    w = list(np.broadcast_to(np.asarray(w0, float), (len(pre_spikes_ms),)))
    events = []  # (time step, 0 = arrival / 1 = post spike, synapse)
    for i, (spikes, delay) in enumerate(zip(pre_spikes_ms, delays_ms)):
        events += [(round((s + delay) / DT_MS), 0, i) for s in spikes]
    events += [(round(s / DT_MS), 1, -1) for s in post_ms]
    last_pre = [None] * len(w)
    last_post = None

    def trace(step, last, tau):
        return 0.0 if last is None else math.exp(-(step - last) * DT_MS / tau)

    for step, kind, i in sorted(events):
        if kind == 0:
            last_pre[i] = step
            dw = _dw_pre(rule_name, p, w[i], trace(step, last_post, p["tau_post1"]))
            w[i] = min(max(w[i] + learning * dw, 0.0), W_MAX)
        else:
            post2 = trace(step, last_post, p["tau_post2"])  # before this spike's reset
            for j in range(len(w)):
                xpre = trace(step, last_pre[j], p["tau_pre"])
                dw = _dw_post(rule_name, p, w[j], xpre, post2)
                w[j] = min(max(w[j] + learning * dw, 0.0), W_MAX)
            last_post = step
    return np.array(w)


# -- hand-computed scenario ------------------------------------------------------------------------
# Post spikes at 5 ms and 20 ms; one presynaptic spike at 10 ms that arrives after a 3 ms delay,
# at 13 ms: 8 ms after the first post spike, 7 ms before the second.

SCENARIO = {"pre_spikes_ms": [[10.0]], "post_ms": [5.0, 20.0], "delays_ms": [3.0]}
W0 = 0.5


def _hand_triplet():
    w = W0
    # 5 ms: no arrival yet (xpre = 0) and no earlier post spike (post2 = 0): no change
    w -= 1e-4 * math.exp(-8 / 20)  # 13 ms: depression by post1, 8 ms after the post spike
    w += 1e-2 * math.exp(-7 / 20) * math.exp(-15 / 40)  # 20 ms: xpre * post2 before the spike
    return w


def _hand_power_law():
    w = W0
    w += 0.01 * (0 - 0.4) * (1 - w) ** 0.2  # 5 ms: xpre = 0 < x_tar: depression
    # 13 ms: no presynaptic update in this rule
    w += 0.01 * (math.exp(-7 / 20) - 0.4) * (1 - w) ** 0.2
    return w


def _hand_exponential():
    w = W0
    w += 0.01 * (0 * math.exp(-w) - 0.4 * math.exp(-(1 - w)))
    w += 0.01 * (math.exp(-7 / 20) * math.exp(-w) - 0.4 * math.exp(-(1 - w)))
    return w


def _hand_pre_post():
    w = W0
    w += 0.01 * (0 - 0.4) * (1 - w) ** 0.2
    w -= 1e-4 * math.exp(-8 / 20) * w ** 0.2
    w += 0.01 * (math.exp(-7 / 20) - 0.4) * (1 - w) ** 0.2
    return w


def _hand_bindsnet_postpre():
    w = W0
    # 5 ms: no arrival yet (xpre = 0): no change
    w -= 1e-4 * math.exp(-8 / 20)  # 13 ms: depression by the post trace, 8 ms after its spike
    w += 1e-2 * math.exp(-7 / 20)  # 20 ms: potentiation by the pre trace alone (no post2)
    return w


HAND = {"triplet": _hand_triplet, "power-law": _hand_power_law,
        "exponential": _hand_exponential, "pre-post": _hand_pre_post,
        "bindsnet-postpre": _hand_bindsnet_postpre}


def test_every_rule_has_a_hand_computed_case():
    assert set(HAND) == set(RULES)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_matches_hand_computed_update(rule):
    w = simulate(rule, **SCENARIO, w0=W0)
    expected = HAND[rule]()
    assert w[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert w[0] != pytest.approx(W0, abs=1e-7)  # the scenario changes every rule's weight


def test_stdp_rate_scales_each_weight_change():
    """The triplet changes do not depend on w, so a rate of 0.5 halves the net change."""
    full = simulate("triplet", **SCENARIO, w0=W0)[0] - W0
    half = simulate("triplet", **SCENARIO, w0=W0, stdp_rate=0.5)[0] - W0
    assert half == pytest.approx(0.5 * full, rel=1e-12)
    assert simulate("triplet", **SCENARIO, w0=W0, stdp_rate=0.0)[0] == W0


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_matches_reference_for_many_spikes(rule):
    """Two synapses with different delays, irregular pre and post spikes, coincidences."""
    rng = np.random.default_rng(7)
    pre = [np.sort(rng.choice(np.arange(0, 150, DT_MS), 12, replace=False)),
           np.sort(rng.choice(np.arange(0, 150, DT_MS), 8, replace=False))]
    post = list(np.sort(rng.choice(np.arange(0, 160, DT_MS), 10, replace=False)))
    delays = [2.5, 7.0]
    post.append(pre[0][3] + delays[0])  # a post spike in the step of an arrival
    post = sorted(set(post))
    w0 = [0.3, 0.7]
    w = simulate(rule, [list(s) for s in pre], post, delays, w0)
    expected = reference(rule, pre, post, delays, w0)
    np.testing.assert_allclose(w, expected, rtol=1e-11, atol=1e-14)
    assert np.all(np.abs(w - w0) > 1e-6)


def test_triplet_pre_after_post_depresses_by_post1():
    # post at 5 ms; the presynaptic spike arrives at 4 + 8 = 12 ms, 7 ms later
    w = simulate("triplet", [[4.0]], [5.0], [8.0], W0)
    assert w[0] == pytest.approx(W0 - 1e-4 * math.exp(-7 / 20), rel=1e-13)
    assert w[0] < W0


def test_triplet_potentiation_needs_an_earlier_post_spike():
    # pre arrives at 5 ms, post fires at 8 ms: post2 before this first spike is 0
    w_first = simulate("triplet", [[2.0]], [8.0], [3.0], W0)
    assert w_first[0] == W0
    # a second post spike at 12 ms sees post2 = exp(-4/40) and xpre = exp(-7/20)
    w_second = simulate("triplet", [[2.0]], [8.0, 12.0], [3.0], W0)
    assert w_second[0] == pytest.approx(W0 + 1e-2 * math.exp(-7 / 20) * math.exp(-4 / 40),
                                        rel=1e-13)


def test_delay_shifts_the_presynaptic_trace():
    """xpre counts from the arrival (spike + delay), not from the presynaptic spike."""
    pre, post = [[1.0], [1.0]], [3.0, 10.0]
    w = simulate("triplet", pre, post, [1.0, 6.0], [W0, W0])
    # synapse 0: arrival at 2 ms, post1 = 0 then; at 10 ms xpre = exp(-8/20), post2 = exp(-7/40)
    # synapse 1: arrival at 7 ms, 4 ms after the post spike at 3 ms: depression exp(-4/20)
    assert w[0] == pytest.approx(W0 + 1e-2 * math.exp(-8 / 20) * math.exp(-7 / 40), rel=1e-13)
    assert w[1] == pytest.approx(
        W0 - 1e-4 * math.exp(-4 / 20) + 1e-2 * math.exp(-3 / 20) * math.exp(-7 / 40), rel=1e-13)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_learning_off_freezes_the_weights(rule):
    w = simulate(rule, **SCENARIO, w0=W0, learning=0)
    assert w[0] == W0


CLIP_UP = {"triplet": {"nu_post": 1e3}, "power-law": {"eta": 1e3},
           "exponential": {"eta_post": 1e3}, "pre-post": {"eta_post": 1e3},
           "bindsnet-postpre": {"nu_post": 1e3}}
CLIP_DOWN = {"triplet": {"nu_pre": 1e3}, "power-law": {"eta": 1e3},
             "exponential": {"eta_post": 1e3}, "pre-post": {"eta_pre": 1e3, "eta_post": 1e3},
             "bindsnet-postpre": {"nu_pre": 1e3}}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_weights_are_clipped_to_zero_and_w_max(rule):
    # potentiation: arrival at 4 ms, post at 5 ms (xpre > x_tar); the triplet rule needs a
    # second post spike (post2 > 0). (At w = w_max the exponential rule depresses.)
    post = [5.0, 6.0] if rule == "triplet" else [5.0]
    up = simulate(rule, [[2.0]], post, [2.0], 0.9, overrides=CLIP_UP[rule])
    assert up[0] == W_MAX
    # depression: a post spike with no presynaptic arrival (xpre = 0 < x_tar), and for the
    # rules that depress on pre, an arrival 1 ms after it
    down = simulate(rule, [[5.0]], [4.0], [1.0], 0.1, overrides=CLIP_DOWN[rule])
    assert down[0] == 0.0


@pytest.mark.parametrize("rule", ["power-law", "pre-post"])
def test_weight_above_w_max_stays_finite(rule):
    """Normalisation can scale a weight above w_max; the power-law dependence must not turn
    it into NaN ((w_max - w)**mu of a negative base). Potentiation finds no room left and
    the update's clip brings it back to w_max; depression acts on the clipped value."""
    # one synapse, w = 1.3: an arrival at 1 ms, a postsynaptic spike at 3 ms (xpre > x_tar)
    w = simulate(rule, [[0.0]], [3.0], [1.0], 1.3)
    assert np.all(np.isfinite(w))
    assert w[0] == pytest.approx(W_MAX)
    # a low-trace pairing (xpre < x_tar): the weight is depressed from w_max, not from 1.3
    w = simulate(rule, [[0.0]], [60.0], [1.0], 1.3)
    assert np.isfinite(w[0]) and w[0] == pytest.approx(W_MAX)  # (w_max - w_max)**mu = 0


def test_stdp_param_overrides_parse_with_units_and_are_checked_against_the_rule():
    from brian2 import ms

    from diehlsim.api import stdp_parameters

    values = stdp_parameters("triplet", ["nu_post=0.02", "tau_pre = 25ms", "nu_pre=2e-4"])
    assert values == {"nu_post": 0.02, "tau_pre": 25 * ms, "nu_pre": 2e-4}
    with pytest.raises(ConfigurationError, match="unknown parameter.*'nu'.*nu_post"):
        stdp_parameters("triplet", ["nu=1"])
    with pytest.raises(ConfigurationError, match="tau_pre: give it in the units"):
        stdp_parameters("triplet", ["tau_pre=25"])
    with pytest.raises(ConfigurationError, match="NAME=VALUE"):
        stdp_parameters("power-law", ["eta"])
