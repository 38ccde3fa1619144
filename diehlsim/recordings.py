"""Recorded spikes of chosen presentations, in a device-independent form.

A simulation (any device) produces a :class:`SpikeRecording`; the analysis subpackage
turns it into counts, rasters and information measures. Times are seconds relative to
the start of the presentation they belong to, so recordings from different chunks, runs
and devices line up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diehlsim import io


@dataclass(frozen=True)
class SpikeRecording:
    """Input and excitatory spikes of ``P`` presentations.

    Attributes
    ----------
    n_input, n_exc : layer sizes.
    duration : presentation length in seconds (input on; 0.35 s by default).
    labels : (P,) class label of each recorded presentation.
    image_index : (P,) index of the image in its dataset split.
    input_presentation, input_neuron, input_time : one entry per input spike.
    exc_presentation, exc_neuron, exc_time : one entry per excitatory spike.
    """

    n_input: int
    n_exc: int
    duration: float
    labels: np.ndarray
    image_index: np.ndarray
    input_presentation: np.ndarray
    input_neuron: np.ndarray
    input_time: np.ndarray
    exc_presentation: np.ndarray
    exc_neuron: np.ndarray
    exc_time: np.ndarray

    @property
    def n_presentations(self) -> int:
        return int(len(self.labels))

    def save(self, path: str | Path) -> None:
        arrays = {k: np.asarray(v) for k, v in self.__dict__.items()}
        io.write_npz(path, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> "SpikeRecording":
        with np.load(path, allow_pickle=False) as data:
            values = {k: data[k] for k in data.files}
        for scalar, kind in (("n_input", int), ("n_exc", int), ("duration", float)):
            values[scalar] = kind(values[scalar])
        return cls(**values)
