"""The peers' input encoders (models/latency.py, models/dog.py, models/periodic.py) against
hand-computed values, scipy.ndimage and the integral of the modulated rate; small runtime
networks, learning off."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import Hz, ms
from scipy import ndimage

from diehlsim.errors import ConfigurationError
from diehlsim.models import dog, latency, periodic
from diehlsim.models.network import initial_state, state_table
from diehlsim.models.parameters import default_parameters, parameters_from_json, parameters_to_json
from diehlsim.plots.network import receptive_field_grid
from diehlsim.simulation import Simulator

DT_S = 0.5e-3


def _run(params, stimulus, slots, seed=1):
    sim = Simulator(params, "runtime", slots=slots, record_input=True)
    result, _ = sim.run_chunk(stimulus, initial_state(params, 0), learning=False, seed=seed)
    return result


# -- intensity to latency -------------------------------------------------------------------

def test_latency_times_are_the_hand_computed_steps_once_per_presentation(brian_state):
    # grey 255 -> 0 ms; 200 -> 55/255 * 20 ms = 4.314 ms (first step at or after: step 9,
    # 4.5 ms); 100 -> 155/255 * 20 ms = 12.157 ms (step 25); 0 -> never
    grey = np.array([[255, 200, 100, 0], [0, 0, 255, 200]], dtype=np.uint8)
    p = default_parameters(2, 4, input_model="latency", protocol__presentation_time=30 * ms,
                           protocol__rest_time=10 * ms, protocol__min_spikes=1000,
                           protocol__max_repeats=1)  # every image presented twice
    stimulus = latency.encode(grey, p)
    np.testing.assert_allclose(stimulus[0], [0.0, 55 / 255 * 0.02, 155 / 255 * 0.02, -1.0])
    np.testing.assert_allclose(stimulus[1], [-1.0, -1.0, 0.0, 55 / 255 * 0.02])
    result = _run(p, stimulus, slots=4)
    assert list(result.image) == [0, 0, 1, 1] and list(result.repeats) == [0, 1, 0, 1]
    neuron, step = result.input_spikes
    expected = {0: {0: 0, 1: 9, 2: 25}, 1: {2: 0, 3: 9}}  # image -> pixel -> step after onset
    for image, start in zip(result.image, result.start_step):
        window = (step >= start) & (step < start + 60)
        got = dict(zip(neuron[window].tolist(), (step[window] - start).tolist()))
        assert got == expected[int(image)]  # once each; black pixels never
        assert len(neuron[window]) == len(got)


def test_latency_refuses_a_window_longer_than_the_presentation(brian_state):
    p = default_parameters(2, 4, input_model="latency", input__max_latency=400 * ms)
    with pytest.raises(ConfigurationError, match="max_latency.*shorter than.*presentation"):
        Simulator(p, "runtime", slots=1)


# -- difference of Gaussians ----------------------------------------------------------------

def _square_image(side=12):
    image = np.zeros((side, side))
    image[3:8, 4:9] = 200.0
    image[5, 6] = 255.0
    return image


def test_dog_channels_match_scipy_ndimage_and_split_on_off():
    image = _square_image()
    d = (ndimage.gaussian_filter(image, 1.0) - ndimage.gaussian_filter(image, 2.0)).ravel()
    peak = max(d.max(), -d.min())
    got = dog.on_off(image.reshape(1, -1), 12, 1.0, 2.0)[0]
    np.testing.assert_allclose(got[:144], 255 * np.maximum(d, 0) / peak, atol=1e-9)
    np.testing.assert_allclose(got[144:], 255 * np.maximum(-d, 0) / peak, atol=1e-9)
    assert np.all((got[:144] == 0) | (got[144:] == 0))  # a pixel is on or off, not both
    assert got.max() == pytest.approx(255.0)
    # the bright centre is on-centre; just outside the square's edge it is off-centre
    assert got[5 * 12 + 6] > 0 == got[144 + 5 * 12 + 6]
    assert got[144 + 1 * 12 + 6] > 0 == got[1 * 12 + 6]
    # two images in one call are filtered independently (no blur across the stack)
    both = dog.on_off(np.stack([image.ravel(), np.zeros(144)]), 12, 1.0, 2.0)
    np.testing.assert_allclose(both[0], got)
    assert not both[1].any()


def test_dog_doubles_the_inputs_and_feeds_rates_and_latencies():
    pixels = 144
    image = _square_image().reshape(1, -1).astype(np.uint8)
    p = default_parameters(3, pixels=pixels, input_model="dog-poisson")
    assert (p.n_input, p.pixels) == (288, 144)
    assert p.normalisation_target() == pytest.approx(78 * 288 / 784)
    rates = dog.encode_rates(image, p)
    np.testing.assert_allclose(rates, dog.on_off(image, 12, 1.0, 2.0) / 8)
    table = {row.key: row for row in state_table(p) if row.key}
    assert initial_state(p, 0).weights.shape == (288, 3) and "weights" in table
    q = default_parameters(3, pixels=pixels, input_model="dog-latency",
                           input__sigma_surround=3.0)
    latencies = dog.encode_latencies(image, q)[0]
    grey = dog.on_off(image, 12, 1.0, 3.0)[0]
    np.testing.assert_allclose(latencies, np.where(grey > 0, (1 - grey / 255) * 0.02, -1.0))
    assert parameters_from_json(parameters_to_json(q)).input == q.input
    with pytest.raises(ConfigurationError, match="multiple of 2"):
        default_parameters(3, 145, input_model="dog-poisson")
    # the receptive-field grid shows the on channel of a two-channel input
    weights = np.arange(288 * 3, dtype=float).reshape(288, 3)
    grid = receptive_field_grid(weights, channels=2)
    np.testing.assert_array_equal(grid[:12, :12], weights[:144, 0].reshape(12, 12))


# -- periodic rates -------------------------------------------------------------------------

def test_periodic_rate_follows_its_integral(brian_state):
    # 400 pixels at grey 255: 31.875 Hz x intensity 2 = 63.75 Hz, modulated at 5 Hz with
    # depth 1 over a 200 ms presentation: the first 100 ms carry rate0 (0.1 s + 1/(5 pi) s)
    # spikes per pixel, the second rate0 (0.1 s - 1/(5 pi) s).
    n = 400
    p = default_parameters(1, n, input_model="periodic", input__frequency=5 * Hz,
                           input__depth=1.0, protocol__presentation_time=200 * ms,
                           protocol__rest_time=0 * ms, protocol__min_spikes=0)
    result = _run(p, periodic.MODEL.encode(np.full((1, n), 255, np.uint8), p), slots=1, seed=4)
    _, step = result.input_spikes
    rate0 = 255 / 8 * 2
    halves = np.array([np.sum(step < 200), np.sum((step >= 200) & (step < 400))])
    expected = n * np.array([periodic.expected_count(rate0, 0.1, 5, 1.0),
                             periodic.expected_count(rate0, 0.2, 5, 1.0)
                             - periodic.expected_count(rate0, 0.1, 5, 1.0)])
    np.testing.assert_allclose(expected / n, rate0 * (0.1 + np.array([1, -1]) / (5 * np.pi)))
    # per-step Bernoulli counts have at most the Poisson variance: 4 standard deviations
    assert np.all(np.abs(halves - expected) < 4 * np.sqrt(expected)), (halves, expected)
    assert halves[0] > 3 * halves[1]  # (0.1637 / 0.0363: the modulation is there)


def test_periodic_depth_is_checked():
    with pytest.raises(ConfigurationError, match="input.depth.*out of range.*0..1"):
        default_parameters(1, 4, input_model="periodic", input__depth=1.5)
