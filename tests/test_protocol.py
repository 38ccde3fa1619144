"""The presentation protocol run by the controller group, on tiny networks (runtime device).

Networks have 16 inputs and 4 excitatory neurons; presentations are shortened to 40 ms with
20 ms of rest (80 + 40 steps of 0.5 ms). A *deterministic* input makes every presentation
reproducible without the random generator: pixels are 0 or 255, and a start intensity of
100 gives 255/8 * 100 Hz * 0.5 ms = 1.6 >= 1, so a bright pixel fires on every step and a
dark one never.
"""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import StateMonitor, ms

from diehlsim.models.encoding import rates_per_intensity
from diehlsim.errors import ConfigurationError
from diehlsim.models.parameters import default_parameters
from diehlsim.protocol import run_phase, stdp_rate_at
from diehlsim.seeds import chunk_seed
from diehlsim.models.network import initial_state
from diehlsim.models.state import NetworkState
from diehlsim.simulation import Simulator

N_INPUT, N_EXC = 16, 4
SHORT = {"protocol__presentation_time": 40 * ms, "protocol__rest_time": 20 * ms}
STEPS_ON, SLOT_STEPS = 80, 120


def params(**overrides):
    return default_parameters(N_EXC, N_INPUT, "triplet", **{**SHORT, **overrides})


def deterministic(**overrides):
    return params(protocol__start_intensity=100.0, **overrides)


def patterns(n: int, seed: int = 3) -> np.ndarray:
    """``n`` images of 0/255 pixels, about half of them bright."""
    rng = np.random.default_rng(seed)
    return ((rng.random((n, N_INPUT)) < 0.5) * 255).astype(np.uint8)


def rates(p, images) -> np.ndarray:
    return rates_per_intensity(images, p.n_input, float(p.protocol.rate_per_pixel))


def assert_states_equal(a: NetworkState, b: NetworkState, rtol=1e-12):
    arrays_a, arrays_b = a.to_arrays(), b.to_arrays()
    for name in arrays_a:
        np.testing.assert_allclose(np.asarray(arrays_a[name], float),
                                   np.asarray(arrays_b[name], float), rtol=rtol, atol=1e-18,
                                   err_msg=name)


# -- normalisation and learning -----------------------------------------------------------------

def test_weight_columns_are_normalised_at_every_presentation_start():
    p = deterministic()
    sim = Simulator(p, "runtime", slots=4)
    slot = p.protocol.slot_time
    # after the normalisation (order 1-4 in the 'start' slot: sums reset, summed, factor, scale)
    monitor = StateMonitor(sim.model.input_exc, "w", record=True, dt=slot, when="start",
                           order=5, name="w_at_slot_start")
    sim.model.net.add(monitor)
    state = initial_state(p, seed=1)
    assert not np.allclose(state.weights.sum(axis=0), p.normalisation_target())
    result, new_state = sim.run_chunk(rates(p, patterns(4)), state, learning=True, seed=1)

    assert result.n_spikes.sum() > 0  # learning moved the weights during the chunk
    w = np.asarray(monitor.w)  # (synapses, records); synapse k: input k // n_exc -> k % n_exc
    assert w.shape == (N_INPUT * N_EXC, 4)
    for record in range(4):
        sums = w[:, record].reshape(N_INPUT, N_EXC).sum(axis=0)
        np.testing.assert_allclose(sums, p.normalisation_target(), rtol=1e-12)
    assert p.normalisation_target() == pytest.approx(78 * 16 / 784)
    # STDP changed the sums after the last normalisation of the chunk
    assert np.max(np.abs(new_state.weights.sum(axis=0) - p.normalisation_target())) > 1e-6


def test_learning_off_leaves_weights_and_theta_unchanged():
    p = deterministic()
    sim = Simulator(p, "runtime", slots=3)
    state = initial_state(p, seed=2)
    images = rates(p, patterns(3))
    frozen_result, frozen = sim.run_chunk(images, state, learning=False, seed=4)
    assert frozen_result.n_spikes.sum() > 0
    np.testing.assert_array_equal(frozen.weights, state.weights)  # no STDP, no normalisation
    np.testing.assert_array_equal(frozen.theta, state.theta)  # no increments, no decay
    np.testing.assert_array_equal(frozen.delays, state.delays)
    # the same chunk with learning on changes both
    _, learnt = sim.run_chunk(images, state, learning=True, seed=4)
    assert not np.allclose(learnt.weights, state.weights)
    assert np.all(learnt.theta != state.theta)


def test_stdp_rate_scales_the_weight_changes_not_the_threshold_adaptation():
    """``stdp_rate`` 0 with learning on: the weights are only normalised (no STDP), while
    theta still rises by theta_plus per spike; rate 1 changes the weights."""
    p = deterministic()
    sim = Simulator(p, "runtime", slots=1)
    state = initial_state(p, seed=2)
    image = rates(p, patterns(1))
    result, still = sim.run_chunk(image, state, learning=True, seed=4, stdp_rate=0.0)
    normalised = state.weights * (p.normalisation_target() / state.weights.sum(axis=0))
    np.testing.assert_allclose(still.weights, normalised, rtol=1e-12)
    spikes = np.bincount(result.exc_spikes[0], minlength=N_EXC)
    assert spikes.sum() > 0
    # tau_theta = 1e7 ms: 60 ms decay theta (20 mV) by about 1e-7 V, 0.2 % of theta_plus
    np.testing.assert_allclose(still.theta - state.theta, spikes * float(p.exc.theta_plus),
                               atol=5e-7)
    _, learnt = sim.run_chunk(image, state, learning=True, seed=4, stdp_rate=1.0)
    assert np.max(np.abs(learnt.weights - normalised)) > 1e-4


def test_stdp_rate_schedule_falls_linearly_to_its_final_value():
    assert stdp_rate_at(0, 100, 0.0) == 1.0
    assert stdp_rate_at(50, 100, 0.0) == 0.5
    assert stdp_rate_at(100, 100, 0.2) == pytest.approx(0.2)
    assert stdp_rate_at(37, 100, 1.0) == 1.0  # the original: constant
    with pytest.raises(ConfigurationError, match="stdp_rate_final must be >= 0"):
        params(protocol__stdp_rate_final=-0.5)


# -- re-presentation of silent images ----------------------------------------------------------

def test_silent_image_is_represented_with_rising_intensity():
    p = params(protocol__max_repeats=3)
    sim = Simulator(p, "runtime", slots=5)
    blank = np.zeros((1, N_INPUT), np.uint8)
    result, state = sim.run_chunk(rates(p, blank), initial_state(p, 0), learning=True, seed=3)
    np.testing.assert_array_equal(result.n_spikes, [0, 0, 0, 0])
    np.testing.assert_array_equal(result.intensity, [2.0, 3.0, 4.0, 5.0])
    np.testing.assert_array_equal(result.repeats, [0, 1, 2, 3])
    np.testing.assert_array_equal(result.accepted, [False, False, False, True])
    np.testing.assert_array_equal(result.image, [0, 0, 0, 0])
    np.testing.assert_array_equal(result.start_step, [0, 120, 240, 360])  # slot 5 stays idle
    assert result.images_done == 1
    assert (state.intensity, state.repeats, state.step) == (2.0, 0, 5 * SLOT_STEPS)


def test_represent_sequence_continues_across_chunks():
    p = params(protocol__max_repeats=4)
    sim = Simulator(p, "runtime", slots=3)
    blank = rates(p, np.zeros((1, N_INPUT), np.uint8))
    first, state = sim.run_chunk(blank, initial_state(p, 0), learning=True, seed=1)
    np.testing.assert_array_equal(first.intensity, [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(first.repeats, [0, 1, 2])
    assert first.images_done == 0 and not first.accepted.any()
    assert (state.intensity, state.repeats, state.step) == (5.0, 3, 3 * SLOT_STEPS)

    second, state = sim.run_chunk(blank, state, learning=True, seed=2)
    np.testing.assert_array_equal(second.intensity, [5.0, 6.0])
    np.testing.assert_array_equal(second.repeats, [3, 4])
    np.testing.assert_array_equal(second.accepted, [False, True])
    np.testing.assert_array_equal(second.start_step, [360, 480])  # absolute steps
    assert second.images_done == 1
    assert (state.intensity, state.repeats, state.step) == (2.0, 0, 6 * SLOT_STEPS)


def test_run_phase_moves_on_by_the_images_done():
    p = params(protocol__max_repeats=2)
    sim = Simulator(p, "runtime", slots=3)
    blanks = np.zeros((2, N_INPUT), np.uint8)
    phase, state = run_phase(sim, blanks, np.arange(2), initial_state(p, 0), learning=True,
                             seed=0, progress=False)
    # each blank takes three presentations (intensity 2, 3, 4), one chunk each
    np.testing.assert_array_equal(phase.image_index, [0, 1])
    np.testing.assert_array_equal(phase.intensity, [4.0, 4.0])
    np.testing.assert_array_equal(phase.repeats, [2, 2])
    assert phase.presentations == 6 and len(phase.chunks) == 2
    assert phase.counts.shape == (2, N_EXC) and not phase.counts.any()
    assert state.step == 6 * SLOT_STEPS


# -- chunking does not change the simulation ---------------------------------------------------

def _stream(sim, images, total_slots):
    """Run ``images`` in order for ``total_slots`` slots, chunk after chunk, as run_phase does."""
    p = sim.params
    state = initial_state(p, seed=5)
    all_rates = rates(p, images)
    position, results = 0, []
    for chunk in range(total_slots // sim.slots):
        batch = all_rates[position: position + sim.slots]
        result, state = sim.run_chunk(batch, state, learning=True, seed=chunk_seed(9, chunk))
        result.image = result.image + position  # into the stream
        position += result.images_done
        results.append(result)
    return results, state


def test_one_chunk_equals_two_chunks():
    """8 slots as 1 x 8 or 4 x 2: the same presentations, spikes, weights and theta."""
    p = deterministic(protocol__max_repeats=1, protocol__min_spikes=1)
    images = patterns(5)
    images[1] = 0  # silent: re-presented once (max_repeats = 1), at intensity 101
    whole, state_whole = _stream(Simulator(p, "runtime", slots=8), images, 8)
    parts, state_parts = _stream(Simulator(p, "runtime", slots=2), images, 8)

    def joined(results, name):
        return np.concatenate([getattr(r, name) for r in results])

    for name in ("image", "intensity", "repeats", "n_spikes", "accepted", "start_step",
                 "counts"):
        np.testing.assert_array_equal(joined(whole, name), joined(parts, name), err_msg=name)
    for k in (0, 1):  # (neuron, absolute step) of every excitatory spike
        np.testing.assert_array_equal(np.concatenate([r.exc_spikes[k] for r in whole]),
                                      np.concatenate([r.exc_spikes[k] for r in parts]))
    assert_states_equal(state_whole, state_parts)
    assert state_whole.step == state_parts.step == 8 * SLOT_STEPS

    repeats = joined(whole, "repeats")
    assert repeats.max() >= 1 and joined(whole, "n_spikes").sum() > 0
    # in the 2-slot run a re-presentation continues an image of the previous chunk
    assert any(r.repeats[0] > 0 and r.intensity[0] > 100 for r in parts[1:])
    assert sum(r.images_done for r in parts) == whole[0].images_done >= 3


# -- seeds --------------------------------------------------------------------------------------

def test_same_seed_gives_identical_results():
    p = params()  # Poisson input at intensity 2: random
    images = rates(p, patterns(2, seed=8))
    sim = Simulator(p, "runtime", slots=2, record_input=True)
    state = initial_state(p, seed=0)
    a, state_a = sim.run_chunk(images, state, learning=True, seed=11)
    b, state_b = sim.run_chunk(images, state, learning=True, seed=11)
    c, _ = sim.run_chunk(images, state, learning=True, seed=12)
    fresh, state_fresh = Simulator(p, "runtime", slots=2, record_input=True).run_chunk(
        images, state, learning=True, seed=11)

    assert len(a.input_spikes[0]) > 50
    for other, other_state in ((b, state_b), (fresh, state_fresh)):
        for k in (0, 1):
            np.testing.assert_array_equal(a.input_spikes[k], other.input_spikes[k])
            np.testing.assert_array_equal(a.exc_spikes[k], other.exc_spikes[k])
        np.testing.assert_array_equal(a.intensity, other.intensity)
        np.testing.assert_array_equal(a.n_spikes, other.n_spikes)
        assert_states_equal(state_a, other_state, rtol=0)
    assert not (len(a.input_spikes[1]) == len(c.input_spikes[1])
                and np.array_equal(a.input_spikes[1], c.input_spikes[1]))
    assert chunk_seed(11, 3) == chunk_seed(11, 3) != chunk_seed(11, 4)


# -- slot lengths ---------------------------------------------------------------------------------

def test_slot_time_that_is_whole_steps_up_to_rounding():
    # 50 ms + 25 ms is 75.00000000000001 ms in floating point: still 150 steps
    p = default_parameters(N_EXC, N_INPUT, protocol__presentation_time=50 * ms,
                           protocol__rest_time=25 * ms, protocol__max_repeats=5)
    sim = Simulator(p, "runtime", slots=3)
    blank = rates(p, np.zeros((1, N_INPUT), np.uint8))
    result, state = sim.run_chunk(blank, initial_state(p, 0), learning=True, seed=1)
    np.testing.assert_array_equal(result.start_step, [0, 150, 300])
    np.testing.assert_array_equal(result.intensity, [2.0, 3.0, 4.0])
    assert state.step == 450
    with pytest.raises(ConfigurationError, match="whole multiples of dt"):
        default_parameters(N_EXC, N_INPUT, protocol__rest_time=25.25 * ms)


def test_runtime_chunk_resolves_names_in_the_model_alone():
    """The driver's locals (learning, n_images, stimulus) share names with model variables:
    Brian2 must not see them, nor warn about them, on every chunk."""
    from brian2.utils.logger import catch_logs

    p = deterministic()
    sim = Simulator(p, "runtime", slots=2)
    with catch_logs() as logs:
        sim.run_chunk(rates(p, patterns(2)), initial_state(p, 0), learning=True, seed=1)
    assert not [entry for entry in logs if "resolution_conflict" in entry[1]], logs
