"""Images -> input rates per unit of intensity (rate = pixel * rate_per_pixel * intensity)."""

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
            f"({side}x{side}); build the network with --input-size {flat.shape[1]} or use a "
            f"dataset of {side}x{side} images")
    if array.dtype.kind == "f" and not np.all(np.isfinite(flat)):
        raise ConfigurationError(f"{name} contain NaN or infinite values; give 0..255 pixels")
    if flat.size and (flat.min() < 0 or flat.max() > 255):
        raise ConfigurationError(
            f"{name} must lie in 0..255 (8-bit grey levels); got {flat.min()}..{flat.max()}")
    return flat


def rates_per_intensity(images, n_input: int, rate_per_pixel_hz: float) -> np.ndarray:
    """(n, n_input) float rates in Hz for intensity 1: pixel * rate_per_pixel (1/8 Hz)."""
    return check_images(images, n_input).astype(np.float64) * rate_per_pixel_hz
