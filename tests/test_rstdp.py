"""The R-STDP decision layer (models/rstdp.py): eligibility and weight update against hand-
computed values, the reward from the decision and the label, labels as run-time data, and
the layer's CUDA code compiling."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from brian2 import (
    Network,
    SpikeGeneratorGroup,
    Synapses,
    TimedArray,
    defaultclock,
    mV,
    ms,
    second,
)

from diehlsim.analysis import readouts
from diehlsim.api import evaluation_rstdp
from diehlsim.errors import ConfigurationError
from diehlsim.models import rstdp
from diehlsim.models.network import initial_state
from diehlsim.models.parameters import default_parameters
from diehlsim.simulation import Simulator

DT = 0.5 * ms
LAYER = dict(tau_plus=20 * ms, tau_minus=30 * ms, tau_c=200 * ms, a_r_plus=0.04,
             a_r_minus=0.03, a_p_plus=0.005, a_p_minus=0.05, w_psp=0.1 * mV)


def _scripted(pre_ms, post_ms, reward_step, rewards, w0, brian_state):
    """Two presynaptic neurons (spikes ``pre_ms[i]``) onto one output neuron per entry of
    ``rewards``, whose spikes a driver forces at ``post_ms``; each output neuron gets its
    reward ``rewards[j]`` at ``reward_step``. Returns (c_ltp, c_ltd, w) per synapse,
    shaped (pre, post)."""
    defaultclock.dt = DT
    p = rstdp.parameters(n_classes=len(rewards), **LAYER)
    long_slot = 100 * second  # one slot: nothing is cleared during the script
    out = rstdp.output_group(p, long_slot)
    out.learning = 1
    reward_of = TimedArray(np.asarray(rewards, dtype=float)[None, :], dt=1000 * second)
    out.namespace.update(reward_step=reward_step, reward_of=reward_of)
    out.run_regularly("r = reward_of(t, neuron) * int(t_in_timesteps == reward_step)",
                      when="start", order=-2)
    pre_i = np.concatenate([[i] * len(t) for i, t in enumerate(pre_ms)]).astype(int)
    pre = SpikeGeneratorGroup(2, pre_i, np.concatenate(pre_ms) * ms)
    # A driver spike in step n raises v in the synapses slot of n: the output fires in n + 1
    driver = SpikeGeneratorGroup(1, np.zeros(len(post_ms), int), np.asarray(post_ms) * ms - DT)
    force = Synapses(driver, out, on_pre="v_post += 100*mV")
    force.connect()
    syn = rstdp.plastic_synapses(p, pre, out, long_slot)
    syn.w = w0
    net = Network(out, pre, driver, force, syn)
    net.run(reward_step * DT + 5 * ms, namespace={})
    shape = (2, len(rewards))
    return (np.asarray(syn.c_ltp[:]).reshape(shape), np.asarray(syn.c_ltd[:]).reshape(shape),
            np.asarray(syn.w[:]).reshape(shape), p)


def _hand_traces(pre, post, t, p):
    """All-to-all pairings: c_ltp sums exp(-(post - pre)/tau_plus) over pre < post, c_ltd
    exp(-(pre - post)/tau_minus) over post < pre, each decaying with tau_c to ``t``."""
    tau_plus, tau_minus, tau_c = (float(p.tau_plus / ms), float(p.tau_minus / ms),
                                  float(p.tau_c / ms))
    ltp = sum(np.exp(-(b - a) / tau_plus) * np.exp(-(t - b) / tau_c)
              for a in pre for b in post if a < b)
    ltd = sum(np.exp(-(a - b) / tau_minus) * np.exp(-(t - a) / tau_c)
              for a in pre for b in post if b < a)
    return ltp, ltd


def test_eligibility_and_weight_update_match_hand_computed_values(brian_state):
    pre_ms = [[10.0, 32.5], [41.0]]
    post_ms = [20.0, 50.0]
    reward_step = 200  # 100 ms
    rewards = [0.6, -0.9]  # output 0 rewarded, output 1 punished
    c_ltp, c_ltd, w, p = _scripted(pre_ms, post_ms, reward_step, rewards, 0.5, brian_state)
    t_reward = reward_step * float(DT / ms)
    for i, spikes in enumerate(pre_ms):
        ltp, ltd = _hand_traces(spikes, post_ms, t_reward, p)
        for j in range(2):  # the reward pathway updated c to the reward time
            assert c_ltp[i, j] == pytest.approx(ltp, rel=1e-9)
            assert c_ltd[i, j] == pytest.approx(ltd, rel=1e-9, abs=1e-12)
        # dw = r * c, c as a reward sees it (a_r+, a_r-) or as a punishment (a_p-, a_p+)
        rewarded = 0.5 + rewards[0] * (p.a_r_plus * ltp - p.a_r_minus * ltd)
        punished = 0.5 + rewards[1] * (p.a_p_minus * ltp - p.a_p_plus * ltd)
        assert w[i, 0] == pytest.approx(rewarded, rel=1e-9)
        assert w[i, 1] == pytest.approx(punished, rel=1e-9)


def test_weights_stay_in_zero_to_w_max(brian_state):
    _, _, w, _ = _scripted([[10.0], [15.0]], [20.0], 100, [1000.0, -1000.0], 0.5, brian_state)
    assert np.all(w[:, 0] == 1.0) and np.all(w[:, 1] == 0.0)


def _network(n_exc=6, **layer):
    params = default_parameters(n_exc)
    return dataclasses.replace(params, rstdp=rstdp.parameters(**layer))


def _images(n, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 255, (n, 784)) * (rng.uniform(size=(n, 784)) < 0.3) / 4


def _expected_rewards(decided, labels, p):
    """The controller's rewards, by hand: +-1 x (min + int x running miss / hit rate)."""
    hit, miss = 1 / p.n_classes, 1 - 1 / p.n_classes
    out = []
    for neuron, label in zip(decided, labels):
        right = int(neuron >= 0 and neuron // p.neurons_per_class == label)
        wrong = int(neuron >= 0) - right
        out.append(right * (p.adaptive_min + p.adaptive_int * miss)
                   - wrong * (p.adaptive_min + p.adaptive_int * hit))
        hit += (right - hit) / p.rate_window
        miss += (wrong - miss) / p.rate_window
    return np.array(out)


def test_reward_sign_follows_decision_and_label_and_only_the_decider_learns(brian_state):
    params = _network(w_psp=15 * mV, n_classes=3, neurons_per_class=2, rate_window=4.0)
    p = params.rstdp
    sim = Simulator(params, "runtime", slots=6)
    state = initial_state(params, 3)
    images = _images(6, 1)
    probe, _ = sim.run_chunk(images, state, learning=False, seed=5)  # the decisions
    first = probe.decisions["rstdp_neuron"][0]
    assert first >= 0, "the first presentation must be decided for this test"
    # right for the first image, wrong for the second, then alternating
    labels = np.array([first // 2, (first // 2 + 1) % 3, 0, 1, 2, 0])
    result, after = sim.run_chunk(images, state, learning=False, seed=5, labels=labels,
                                  rstdp_learning=True)
    decided, reward = result.decisions["rstdp_neuron"], result.decisions["rstdp_reward"]
    shown = labels[result.image]
    assert np.array_equal(result.decisions["rstdp_label"], shown)
    assert np.allclose(reward, _expected_rewards(decided, shown, p))
    assert reward[0] > 0 and np.any(reward < 0)
    changed = np.flatnonzero(np.any(after.rstdp_weights != state.rstdp_weights, axis=0))
    assert set(changed) <= set(decided[reward != 0]) and len(changed) > 0
    assert after.rstdp_hit_rate != state.rstdp_hit_rate
    # learning off: the same presentations change no weight
    _, frozen = sim.run_chunk(images, state, learning=False, seed=5, labels=labels)
    assert np.array_equal(frozen.rstdp_weights, state.rstdp_weights)


def test_the_readout_scores_the_decisions_and_leaves_silence_undecided():
    counts = np.ones((4, 3), dtype=np.int32)
    given = readouts.responses(counts, rstdp_class=np.array([2, -1, 0, 2]))
    fitted = readouts.fit_all(given, np.array([2, 1, 1, 2]), 3)
    assert float(fitted["rstdp"]["rstdp_train_accuracy"]) == 0.5
    predicted = readouts.predictions(fitted, given, 3)
    assert list(predicted["rstdp"][1]) == [2, readouts.UNDECIDED, 0, 2]
    assert "rstdp" not in readouts.fit_all(counts, np.array([2, 1, 1, 2]), 3)  # off


def test_bad_parameters_name_the_problem():
    with pytest.raises(ConfigurationError, match="tau_c.*units"):
        rstdp.parameters(tau_c=5)
    with pytest.raises(ConfigurationError, match="unknown R-STDP"):
        rstdp.parameters(tau_e=5 * ms)
    with pytest.raises(ConfigurationError, match="w_init_min <= w_init_max"):
        rstdp.parameters(w_init_min=0.9, w_init_max=0.1)
    with pytest.raises(ConfigurationError, match="whole number"):
        evaluation_rstdp.parse_overrides(["neurons_per_class=1.5"])
    assert evaluation_rstdp.parse_overrides(["tau_c=500ms"]) == {"tau_c": 500 * ms}


@pytest.mark.slow
def test_labels_reach_one_compiled_project_as_run_time_data(tmp_path, brian_state):
    params = _network(w_psp=15 * mV)
    sim = Simulator(params, "cpp_standalone", slots=4, build_dir=tmp_path / "project")
    binary = tmp_path / "project" / "main"
    built = binary.stat().st_mtime_ns
    state = initial_state(params, 0)
    seen = []
    for labels in (np.array([1, 2, 3, 4]), np.array([9, 8, 7, 6])):
        result, state = sim.run_chunk(_images(4, 2), state, learning=False, seed=1,
                                      labels=labels, rstdp_learning=True)
        seen.append(result.decisions["rstdp_label"])
        assert np.array_equal(seen[-1], labels[result.image])
    assert binary.stat().st_mtime_ns == built  # the same binary ran both chunks
    assert not np.array_equal(seen[0][:1], seen[1][:1])


@pytest.mark.cuda
@pytest.mark.slow
def test_the_layer_compiles_for_cuda(compile_cuda_objects):
    start = time.perf_counter()
    # the code the layer's equations become (eligibility on pre and post spikes, the reward
    # event, the reward signal, the controller's reward at slot end); the push-spikes and
    # connect kernels are brian2cuda's templates, compiled for the default model already
    objects = compile_cuda_objects(["rstdp_syn_pre_codeobject", "rstdp_syn_post_codeobject",
                                    "rstdp_syn_reward_codeobject",
                                    "rstdp_out_rewarded_thresholder", "rstdp_reward_pre_codeobject",
                                    "controller_slot_start"], n_exc=4,
                                   overrides={"rstdp": rstdp.parameters()})
    assert all(o.exists() for o in objects)
    print(f"R-STDP CUDA objects compiled in {time.perf_counter() - start:.0f} s")
