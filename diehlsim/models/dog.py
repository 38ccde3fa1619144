"""Difference-of-Gaussians on/off-centre filtering (SpykeTorch's S1C1 front end) feeding
the rate or the latency code: ``dog-poisson`` and ``dog-latency``.

The filter is an image transform, kept here with the two input models that use it because
it also decides the input layer's size: two channels per pixel, so ``n_input = 2 x
pixels`` (1568 for MNIST), on-centre inputs 0..pixels-1, off-centre inputs pixels..2
pixels-1. For each image x (after ``protocol.input_transform``)::

    d   = G(sigma_centre) * x - G(sigma_surround) * x       (scipy.ndimage.gaussian_filter,
                                                              reflecting borders)
    on  = max(d, 0),  off = max(-d, 0)                      (the two channels)
    grey = 255 * [on, off] / max(on, off)                   (the strongest response = 255)

and ``grey`` goes to the Poisson rates (grey / 8 Hz, :mod:`diehlsim.models.poisson`) or to
the latencies (:mod:`diehlsim.models.latency`). A flat image gives d = 0: a silent input.
The input weights and their normalisation target scale with n_input
(:meth:`NetworkParameters.normalisation_target`), so the mean weight per synapse is the
same as for the pixel codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from brian2 import Hz, Quantity, ms, second
from scipy import ndimage

from diehlsim.errors import ConfigurationError
from diehlsim.models import components, latency, poisson
from diehlsim.models.encoding import transform_images
from diehlsim.models.units import q

CHANNELS = 2  # on-centre, off-centre


@dataclass(frozen=True)
class DoGParameters:
    """Section ``input`` of ``dog-poisson``: the filter's widths, in pixels."""

    sigma_centre: float = 1.0
    sigma_surround: float = 2.0

    UNITS: ClassVar[dict] = {}
    RANGES: ClassVar[dict] = {"sigma_centre": "> 0", "sigma_surround": "> 0"}


@dataclass(frozen=True)
class DoGLatencyParameters(DoGParameters):
    """Section ``input`` of ``dog-latency``: the filter's widths and the latency code's."""

    max_latency: Quantity = q(20 * ms)

    UNITS: ClassVar[dict] = {"max_latency": ms}
    RANGES: ClassVar[dict] = {**DoGParameters.RANGES, "max_latency": ">= 0"}


def on_off(flat_grey: np.ndarray, side: int, sigma_centre: float,
           sigma_surround: float) -> np.ndarray:
    """(n, side*side) grey levels -> (n, 2*side*side) on then off channels, 0..255 per image."""
    images = np.asarray(flat_grey, dtype=np.float64).reshape(-1, side, side)
    # sigma 0 along the image axis: each image filtered on its own
    centre = ndimage.gaussian_filter(images, sigma=(0, sigma_centre, sigma_centre))
    surround = ndimage.gaussian_filter(images, sigma=(0, sigma_surround, sigma_surround))
    d = (centre - surround).reshape(len(images), -1)
    channels = np.concatenate([np.maximum(d, 0), np.maximum(-d, 0)], axis=1)
    peak = channels.max(axis=1, keepdims=True)
    return 255.0 * channels / np.where(peak > 0, peak, 1.0)


def filtered(images, params) -> np.ndarray:
    """The two channels of a chunk's images (their ``protocol.input_transform`` first)."""
    pixels = params.pixels
    side = int(round(np.sqrt(pixels)))
    if side * side != pixels:
        raise ConfigurationError(
            f"the DoG filter needs square images; {pixels} pixels are not a square: use a "
            f"pixel input model (poisson, latency, periodic)")
    grey = transform_images(images, pixels, params.protocol.input_transform)
    return on_off(grey, side, params.input.sigma_centre, params.input.sigma_surround)


def encode_rates(images, params) -> np.ndarray:
    return filtered(images, params) * float(params.protocol.rate_per_pixel)


def encode_latencies(images, params) -> np.ndarray:
    return latency.latencies(filtered(images, params), float(params.input.max_latency))


def _rates_state(params):
    return [poisson.stimulus_setting(
        "the chunk's images: slots x n_input rates in Hz at intensity 1, DoG on-centre "
        "channel (inputs 0..pixels-1) then off-centre, 0..255 per image times 1/8 Hz")]


def _latency_state(params):
    return [poisson.stimulus_setting(
        "the chunk's images: slots x n_input latencies in seconds of the DoG on-centre "
        "channel (inputs 0..pixels-1) then off-centre; -1 = never", second)]


POISSON = components.register("input", components.InputModel(
    name="dog-poisson", description="difference-of-Gaussians on/off channels (2 x pixels) "
    "as Poisson rates (SpykeTorch S1C1 + Diehl & Cook)", stimulus_unit=Hz,
    encode=encode_rates, build=poisson.build, state=_rates_state, parameters=DoGParameters,
    channels=CHANNELS))
LATENCY = components.register("input", components.InputModel(
    name="dog-latency", description="difference-of-Gaussians on/off channels (2 x pixels) "
    "as one spike each at its latency (SpykeTorch S1C1 + Intensity2Latency)",
    stimulus_unit=second, encode=encode_latencies, build=latency.build, state=_latency_state,
    negative_allowed=True, parameters=DoGLatencyParameters, channels=CHANNELS))
