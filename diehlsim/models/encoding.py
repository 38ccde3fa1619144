"""Images -> input rates per unit of intensity (rate = grey level * rate_per_pixel * intensity).

The grey levels are the pixels themselves (``input_transform="none"``, the paper) or a
per-image contrast transform. MNIST digits are sparse: mean grey level 33 of 255, most pixels 0.
A grey CIFAR-10 image averages about 120 with few dark pixels, so nearly every input fires at
a middling rate and the nearest-spike trace (``rate * tau / (1 + rate * tau)`` on average)
squeezes the differences between pixels together. The transforms give natural images
MNIST-like statistics, computed from the image alone (no dataset statistics, nothing learned):

* ``standardise``: ``clip(32 + 64 * (x - mean) / (std + 1), 0, 255)``: mean grey level 32 (MNIST's
  is 33) and one standard deviation of contrast = 64 grey levels; pixels darker than about
  half a standard deviation under the mean become silent.
* ``on-contrast``: ``255 * max(x - mean, 0) / max(max(x - mean, 0))``: only the pixels brighter
  than the image's mean, stretched so that the brightest is 255 (an ON channel).

A flat image (std 0) becomes uniform 32 (``standardise``) or silent (``on-contrast``).
"""

from __future__ import annotations

import numpy as np

from diehlsim.errors import ConfigurationError


def check_images(images, n_input: int, name: str = "images") -> np.ndarray:
    """Validate a stack of 8-bit images for a network with ``n_input`` inputs; return (n, n_input)."""
    array = np.asarray(images)
    if array.ndim < 2:
        raise ConfigurationError(
            f"{name} must be a stack of images (n, height, width) or (n, pixels); "
            f"got shape {array.shape}")
    if array.dtype.kind not in "uif":
        raise ConfigurationError(
            f"{name} must be numeric (uint8 0..255); got dtype {array.dtype}")
    flat = array.reshape(len(array), -1)
    if flat.shape[1] != n_input:
        side = int(round(np.sqrt(n_input)))
        raise ConfigurationError(
            f"{name} have {flat.shape[1]} pixels but the network has {n_input} inputs "
            f"({side}x{side}); build the network for {flat.shape[1]} inputs or use a "
            f"dataset of {side}x{side} images")
    if array.dtype.kind == "f" and not np.all(np.isfinite(flat)):
        raise ConfigurationError(f"{name} contain NaN or infinite values; give 0..255 pixels")
    if flat.size and (flat.min() < 0 or flat.max() > 255):
        raise ConfigurationError(
            f"{name} must lie in 0..255 (8-bit grey levels); got {flat.min()}..{flat.max()}")
    if array.dtype.kind == "f" and flat.size and 0 < flat.max() <= 1:
        # such images would give at most 1/8 Hz per pixel: a silent network, each image
        # presented max_repeats + 1 times
        raise ConfigurationError(
            f"{name} look scaled to 0..1 (largest value {flat.max():g}); give 8-bit grey "
            f"levels 0..255, e.g. images * 255")
    return flat


STANDARDISED_MEAN = 32.0
STANDARDISED_SPREAD = 64.0


def _standardise(flat: np.ndarray) -> np.ndarray:
    mean = flat.mean(axis=1, keepdims=True)
    std = flat.std(axis=1, keepdims=True)
    return np.clip(STANDARDISED_MEAN + STANDARDISED_SPREAD * (flat - mean) / (std + 1.0), 0, 255)


def _on_contrast(flat: np.ndarray) -> np.ndarray:
    above = np.maximum(flat - flat.mean(axis=1, keepdims=True), 0.0)
    peak = above.max(axis=1, keepdims=True)
    return 255.0 * above / np.where(peak > 0, peak, 1.0)


INPUT_TRANSFORMS = {"none": None, "standardise": _standardise, "on-contrast": _on_contrast}


def transform_images(images, n_input: int, transform: str = "none") -> np.ndarray:
    """(n, n_input) grey levels in 0..255 that the rates are computed from."""
    return _grey_levels(check_images(images, n_input), transform)


def _grey_levels(flat: np.ndarray, transform: str) -> np.ndarray:
    if transform not in INPUT_TRANSFORMS:
        raise ConfigurationError(
            f"unknown input transform {transform!r}; choose one of {', '.join(INPUT_TRANSFORMS)}")
    function = INPUT_TRANSFORMS[transform]
    return flat if function is None else function(flat.astype(np.float64))


def rates_per_intensity(images, n_input: int, rate_per_pixel_hz: float,
                        transform: str = "none") -> np.ndarray:
    """(n, n_input) float rates in Hz for intensity 1: grey level * rate_per_pixel (1/8 Hz),
    the grey level being the pixel or its ``transform``."""
    grey = _grey_levels(check_images(images, n_input), transform)
    return np.asarray(grey, dtype=np.float64) * rate_per_pixel_hz
