"""Images -> grey levels -> rates: the per-image contrast transforms, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms

from diehlsim.models.encoding import transform_images
from diehlsim.errors import ConfigurationError
from diehlsim.models.parameters import default_parameters, parameters_from_json, parameters_to_json
from diehlsim.protocol import run_phase
from diehlsim.models.network import initial_state
from diehlsim.simulation import Simulator

# mean 100; deviations -100, 0, 100, 0; std sqrt(2 * 100**2 / 4) = 70.71
IMAGE = np.array([[0, 100, 200, 100]], np.uint8)


def test_none_keeps_the_pixels():
    np.testing.assert_array_equal(transform_images(IMAGE, 4, "none"), IMAGE)


def test_standardise_maps_mean_to_32_and_one_std_to_64_grey_levels():
    std = np.sqrt(2 * 100.0**2 / 4)
    expected = np.clip([32 - 64 * 100 / (std + 1), 32, 32 + 64 * 100 / (std + 1), 32], 0, 255)
    got = transform_images(IMAGE, 4, "standardise")
    np.testing.assert_allclose(got, [expected], rtol=1e-12)
    assert got[0, 0] == 0  # 1.4 std under the mean: clipped, a silent input
    assert got[0, 2] == pytest.approx(121.25, abs=0.01)


def test_on_contrast_keeps_what_is_brighter_than_the_mean_stretched_to_255():
    np.testing.assert_allclose(transform_images(IMAGE, 4, "on-contrast"), [[0, 0, 255, 0]])
    ramp = np.array([[10, 20, 30, 40]], np.uint8)  # mean 25: above it 0, 0, 5, 15
    np.testing.assert_allclose(transform_images(ramp, 4, "on-contrast"), [[0, 0, 85, 255]])


def test_a_flat_image_becomes_uniform_32_or_silent():
    flat = np.full((2, 4), 77, np.uint8)
    np.testing.assert_allclose(transform_images(flat, 4, "standardise"), 32.0)
    np.testing.assert_array_equal(transform_images(flat, 4, "on-contrast"), 0.0)


def test_each_image_is_transformed_on_its_own():
    pair = np.vstack([IMAGE, IMAGE // 2 + 50])  # the second: a dimmer, flatter copy
    both = transform_images(pair, 4, "standardise")
    np.testing.assert_allclose(both[0], transform_images(IMAGE, 4, "standardise")[0])
    np.testing.assert_allclose(both[1], transform_images(pair[1:], 4, "standardise")[0])


def test_unknown_transform_is_rejected_by_name():
    with pytest.raises(ConfigurationError, match="unknown input transform 'whiten'.*standardise"):
        transform_images(IMAGE, 4, "whiten")
    with pytest.raises(ConfigurationError, match="input_transform.*'whiten'.*on-contrast"):
        default_parameters(2, 4, protocol__input_transform="whiten")


def test_the_transform_is_a_saved_parameter():
    params = default_parameters(2, 4, protocol__input_transform="standardise")
    restored = parameters_from_json(parameters_to_json(params))
    assert restored.protocol.input_transform == "standardise"
    assert default_parameters(2, 4).protocol.input_transform == "none"


def test_run_phase_presents_the_transformed_image():
    """A uniformly bright image drives the network as it is; its ON contrast is empty, so
    with ``on-contrast`` it is silent and re-presented up to the cap."""
    short = {"protocol__presentation_time": 40 * ms, "protocol__rest_time": 20 * ms,
             "protocol__start_intensity": 100.0, "protocol__max_repeats": 2}
    bright = np.full((1, 16), 255, np.uint8)
    repeats = {}
    for transform in ("none", "on-contrast"):
        params = default_parameters(4, 16, protocol__input_transform=transform, **short)
        sim = Simulator(params, "runtime", slots=3)
        phase, _ = run_phase(sim, bright, np.array([0]), initial_state(params, 0),
                             learning=False, seed=1, progress=False)
        repeats[transform] = int(phase.repeats[0])
    assert repeats == {"none": 0, "on-contrast": 2}
