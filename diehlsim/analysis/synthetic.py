"""Synthetic spike recordings with known information structure, for tests and demos.

The input layer fires Poisson-like (Bernoulli per 1 ms bin): input ``i`` is driven
(probability ``driven_p`` per bin) in the images of class ``i % n_classes`` and fires at
``background_p`` otherwise. The excitatory neurons are built so that what they carry is known:

====== ==================================================================================
neuron behaviour (``ROLE`` names)
====== ==================================================================================
0      ``copy_input_0``: spikes in exactly the bins where input 0 spikes (every class)
1      ``silent``: never spikes
2      ``independent``: Bernoulli(``independent_p``) per bin, independent of everything
3      ``class0_copy_input_1``: copies input 1, but only in images of class 0
4      ``class1_rate``: Bernoulli(0.1) per bin in images of class 1, independent of inputs
5..    ``silent``
====== ==================================================================================
"""

from __future__ import annotations

import numpy as np

from diehlsim.recordings import SpikeRecording

ROLES = {
    0: "copy_input_0",
    1: "silent",
    2: "independent",
    3: "class0_copy_input_1",
    4: "class1_rate",
}
_SPIKE_OFFSET = 0.25e-3  # spikes sit inside their bin, away from the edges
_COPY_DELAY = 0.1e-3  # a copied spike follows its input within the same 1 ms bin


def synthetic_recording(
    labels,
    n_input: int = 12,
    n_exc: int = 6,
    n_classes: int = 3,
    duration: float = 0.35,
    bin_size: float = 1e-3,
    driven_p: float = 0.2,
    background_p: float = 0.02,
    independent_p: float = 0.05,
    seed: int = 0,
) -> SpikeRecording:
    """A :class:`SpikeRecording` of ``len(labels)`` presentations with the roles above."""
    if n_exc < 5 or n_input < 2:
        raise ValueError("the synthetic roles need n_exc >= 5 and n_input >= 2")
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng(seed)
    n_bins = int(round(duration / bin_size))
    inputs, outputs = [], []
    for presentation, label in enumerate(labels):
        driven = (np.arange(n_input) % n_classes) == label
        p_input = np.where(driven, driven_p, background_p)
        input_bins = rng.random((n_bins, n_input)) < p_input
        output_bins = np.zeros((n_bins, n_exc), dtype=bool)
        output_bins[:, 0] = input_bins[:, 0]
        output_bins[:, 2] = rng.random(n_bins) < independent_p
        if label == 0:
            output_bins[:, 3] = input_bins[:, 1]
        if label == 1:
            output_bins[:, 4] = rng.random(n_bins) < 0.1
        inputs.append(_spikes(presentation, input_bins, bin_size, 0.0))
        outputs.append(_spikes(presentation, output_bins, bin_size, _COPY_DELAY))
    return SpikeRecording(
        n_input=n_input,
        n_exc=n_exc,
        duration=duration,
        labels=labels,
        image_index=np.arange(len(labels)),
        input_presentation=np.concatenate([s[0] for s in inputs]),
        input_neuron=np.concatenate([s[1] for s in inputs]),
        input_time=np.concatenate([s[2] for s in inputs]),
        exc_presentation=np.concatenate([s[0] for s in outputs]),
        exc_neuron=np.concatenate([s[1] for s in outputs]),
        exc_time=np.concatenate([s[2] for s in outputs]),
    )


def _spikes(presentation: int, bins: np.ndarray, bin_size: float, delay: float):
    time_bin, neuron = np.nonzero(bins)
    times = time_bin * bin_size + _SPIKE_OFFSET + delay
    return np.full(len(neuron), presentation, dtype=np.int64), neuron.astype(np.int64), times
