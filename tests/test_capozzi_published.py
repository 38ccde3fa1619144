"""Capozzi et al. (2023) as published: BindsNET's DiehlAndCook2015 in Brian2 equations
(``diehlsim reproduce capozzi2023 --as-published``, docs/capozzi2023.md).

Tiny networks on the runtime device with the numpy target (nothing to compile), except the
CUDA compile test.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from brian2 import (Hz, Network, SpikeGeneratorGroup, SpikeMonitor, Synapses,
                    defaultclock, mV, ms, prefs, second, seed)

from diehlsim.analysis import bindsnet_labels
from diehlsim.models import components, current_lif, network, stdp
from diehlsim.models.parameters import default_parameters
from diehlsim.papers.capozzi2023_published import (STDP_RULE, published_overrides,
                                                   published_parameters)


@pytest.fixture
def numpy_target(brian_state):
    prefs.codegen.target = "numpy"
    defaultclock.dt = 1 * ms
    yield
    defaultclock.dt = 0.1 * ms


def _layer_namespace(params):
    return {"tau_post1": 20 * ms, "tau_post2": 20 * ms,
            "weight_sum_target": params.normalisation_target()}


def _preset() -> dict:
    return published_overrides()


def _excitatory(n, **overrides):
    params = default_parameters(n, 4, STDP_RULE, **{**_preset(), **overrides})
    return params, current_lif.build_excitatory(params, _layer_namespace(params))


def test_the_preset_is_their_network_and_protocol():
    p = published_parameters(100, 784)
    assert (p.excitatory_model, p.inhibitory_model, p.input_model, p.stdp_rule) == (
        "bindsnet", "bindsnet", "bindsnet-poisson", "bindsnet-postpre")
    e, i, c, pr = p.exc, p.inh, p.conn, p.protocol
    assert (e.tau_m, e.v_rest, e.v_reset, e.v_thresh, e.refractory) == (
        100 * ms, -65 * mV, -60 * mV, -52 * mV, 5 * ms)
    assert (e.theta_init, e.theta_plus, e.tau_theta, e.one_spike) == (
        0 * mV, 0.05 * mV, 1e7 * ms, True)
    assert (i.tau_m, i.v_rest, i.v_reset, i.v_thresh, i.refractory) == (
        10 * ms, -60 * mV, -45 * mV, -40 * mV, 2 * ms)
    assert (c.w_exc_inh, c.w_inh_exc, c.w_input_min, c.w_input_max, c.w_max) == (
        22.5, 120.0, 0.0, 0.3, 1.0)
    assert c.delay_input_max == 0 * ms
    assert p.normalisation_target() == pytest.approx(78.4)
    assert published_parameters(100, 1024).normalisation_target() == pytest.approx(102.4)
    assert (pr.dt, pr.presentation_time, pr.rest_time) == (1 * ms, 250 * ms, 0 * ms)
    assert float(pr.rate_per_pixel * 255 / Hz) == pytest.approx(128)
    assert (pr.start_intensity, pr.min_spikes, pr.max_repeats, pr.reset_each_image) == (
        1.0, 0, 0, True)
    rule = stdp.get_rule("bindsnet-postpre").parameters()
    assert (rule["nu_pre"], rule["nu_post"], rule["tau_pre"], rule["tau_post1"]) == (
        1e-4, 1e-2, 20 * ms, 20 * ms)
    # the default model stays the Diehl & Cook one
    assert default_parameters().protocol.reset_each_image is False


def test_membrane_decays_per_step_and_adds_last_steps_input_unless_refractory(numpy_target):
    params, exc = _excitatory(3, protocol__reset_each_image=False)
    exc.v = [-80, -55, -65] * mV
    exc.theta = 100 * mV  # no spikes
    exc.refrac_count = [0, 0, 2]
    net = Network(exc)
    net.run(10 * ms)
    decay = math.exp(-1 / 100)
    v = np.asarray(exc.v / mV)
    assert v[0] == pytest.approx(-65 + (-80 + 65) * decay ** 10, abs=1e-9)
    assert v[1] == pytest.approx(-65 + (-55 + 65) * decay ** 10, abs=1e-9)
    # an input arrives: decay first, then + ge (mV); a refractory neuron drops it
    exc.ge = 5
    exc.gi = [0, 2, 0]
    v0 = np.asarray(exc.v / mV)
    exc.refrac_count = [0, 0, 1]
    net.run(1 * ms)
    expected = -65 + (v0 + 65) * decay + np.array([5, 3, 0])
    assert np.asarray(exc.v / mV) == pytest.approx(expected, abs=1e-9)
    assert np.all(np.asarray(exc.ge) == 0)


def test_one_spike_per_step_but_every_crossing_neuron_is_reset(numpy_target):
    params, exc = _excitatory(20, protocol__reset_each_image=False)
    spikes = SpikeMonitor(exc)
    net = Network(exc, spikes, *components.companions(exc))  # with the one-spike synapses
    exc.ge = 100  # every neuron crosses in the first step
    net.run(1 * ms)
    assert spikes.num_spikes == 1
    assert np.all(np.asarray(exc.v / mV) == pytest.approx(-60))  # all reset (v_reset)
    assert np.all(np.asarray(exc.refrac_count) == 5)
    assert np.asarray(exc.theta / mV) == pytest.approx(np.full(20, 0.05))
    assert np.asarray(exc.post1).sum() == 1  # only the one that spiked has a trace
    seed(1)
    for _ in range(12):  # again and again: one each step, chosen at random
        exc.refrac_count = 0
        exc.ge = 100
        net.run(1 * ms)
    counts = np.bincount(np.asarray(spikes.i), minlength=20)
    assert spikes.num_spikes == 13 and np.all(np.bincount(
        np.round(np.asarray(spikes.t / ms)).astype(int)) == 1)
    assert (counts > 0).sum() >= 6  # not always the same neuron


def test_without_one_spike_all_crossing_neurons_spike(numpy_target):
    params, exc = _excitatory(5, protocol__reset_each_image=False, exc__one_spike=False)
    spikes = SpikeMonitor(exc)
    exc.ge = 100
    Network(exc, spikes).run(1 * ms)
    assert spikes.num_spikes == 5


def test_postpre_against_hand_computed_weight(numpy_target):
    """Pre at steps 2, 10, 12; post at 6 and 12 (forced by a driver one step earlier)."""
    params = default_parameters(1, 1, "bindsnet-postpre", **{
        **_preset(), "exc__one_spike": False,
        "conn__weight_sum": 0.5 * 784})  # one input: its column sums to 0.5 (no scaling)
    rule = stdp.get_rule("bindsnet-postpre")
    rule_params = rule.parameters()
    exc = current_lif.build_excitatory(params, _layer_namespace(params))
    pre = SpikeGeneratorGroup(1, [0, 0, 0], [2, 10, 12] * ms)
    driver = SpikeGeneratorGroup(1, [0, 0], [5, 11] * ms)
    drive = Synapses(driver, exc, on_pre="ge_post += 100")
    drive.connect()
    syn = network.input_synapses(params, pre, exc, rule, rule_params)
    syn.w = 0.5
    syn.delay = 0 * ms
    Network(exc, pre, driver, drive, syn).run(14 * ms)
    e = math.exp(-4 / 20)
    expected = 0.5 + 1e-2 * e - 1e-4 * e + (1e-2 - 1e-4)  # same step: x_pre = x_post = 1
    assert float(syn.w[0]) == pytest.approx(expected, abs=1e-12)


def test_labels_sum_block_means_over_complete_blocks():
    counts = np.zeros((7, 2))
    labels = np.array([0, 1, 0, 1, 1, 0, 1])
    counts[:, 0] = [2, 0, 4, 0, 0, 6, 0]
    counts[:, 1] = [0, 1, 0, 3, 5, 0, 9]
    # blocks of 3 used when image 3 and image 6 are reached: images 0-2 and 3-5, not 6
    rates = bindsnet_labels.block_rates(counts, labels, 2, block=3)
    assert rates == pytest.approx(np.array([[3 + 6, 0], [0, 1 + 4]]))
    assignments, proportions = bindsnet_labels.assignments_from_rates(rates)
    assert list(assignments) == [0, 1]
    assert list(bindsnet_labels.all_activity(np.array([[1, 5], [0, 0]]), assignments, 2)) == [
        1, 0]


def test_bindsnet_poisson_intervals_are_poisson_distributed(numpy_target):
    from diehlsim.models import bindsnet_poisson, controller
    from brian2 import TimedArray
    params = published_parameters(1, 200)
    stimulus = TimedArray(np.full((1, 200), 100.0) * Hz, dt=1 * second, name="stimulus")
    control = controller.build(params)
    inputs = bindsnet_poisson.build(params, control, stimulus)
    control.n_images = 1
    spikes = SpikeMonitor(inputs)
    Network(control, inputs, spikes).run(250 * ms)
    trains = spikes.spike_trains()
    first = np.array([float(trains[k][0] / ms) for k in range(200)])
    gaps = np.concatenate([np.diff(np.asarray(trains[k] / ms)) for k in range(200)])
    # mean 1 / (100 Hz * 1 ms) = 10 steps, variance 10 (Poisson), not 90 (geometric)
    assert gaps.mean() == pytest.approx(10, abs=0.3)
    assert gaps.var() == pytest.approx(10, rel=0.25)
    assert first.min() >= 0 and (first + 1).mean() == pytest.approx(10, abs=0.6)


def test_shuffled_order_is_a_fresh_permutation_each_epoch():
    from diehlsim.seeds import shuffled_order
    order = shuffled_order(5, 12, 3)
    assert len(order) == 12
    assert sorted(order[:5]) == sorted(order[5:10]) == list(range(5))
    assert list(order) == list(shuffled_order(5, 12, 3))  # fixed by the seed
    assert list(order[:5]) != list(order[5:10]) or list(order[:5]) != list(range(5))


def test_as_published_refuses_options_it_fixes(tmp_path):
    from diehlsim.cli import build_parser
    from diehlsim.errors import ConfigurationError
    args = build_parser().parse_args(["reproduce", "capozzi2023", "--as-published", "--stdp",
                                      "power-law", "--out", str(tmp_path)])
    with pytest.raises(ConfigurationError, match="leave out --stdp"):
        args.func(args)
    args = build_parser().parse_args(["reproduce", "capozzi2023", "--as-published", "--rstdp",
                                      "--out", str(tmp_path)])
    with pytest.raises(ConfigurationError, match="--rstdp"):
        args.func(args)


@pytest.mark.cuda
@pytest.mark.slow
def test_as_published_components_compile_with_nvcc_for_cuda(compile_cuda_objects):
    """The code objects the as-published model adds, compiled by nvcc (2 neurons: the
    smallest layer with a one-spike choice to make); the project's linking is checked once
    in test_build."""
    start = time.perf_counter()
    objects = compile_cuda_objects(
        ["excitatory_integrate", "excitatory_one_spike_draw", "one_spike_count",
         "excitatory_spike_thresholder", "excitatory_reset_image", "inhibitory_integrate",
         "inputs_slot_start", "input_exc_pre_codeobject"],
        n_exc=2, stdp_rule=STDP_RULE, overrides=published_overrides())
    assert all(path.is_file() for path in objects)
    count = next(p for p in objects if p.name.startswith("one_spike_count"))
    # the one-spike count adds from many threads into one neuron's n_higher: atomics
    assert "_brian_atomicAdd" in count.with_suffix(".cu").read_text()
    print(f"\nas-published CUDA code objects ({len(objects)}) compiled in "
          f"{time.perf_counter() - start:.0f} s")
