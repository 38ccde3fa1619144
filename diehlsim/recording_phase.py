"""A phase simulated with ``keep_spikes=True`` as a :class:`~diehlsim.recordings.SpikeRecording`.

The simulator reports spikes per chunk in absolute time steps, for every presentation of every
slot; the recording keeps the accepted presentations only, each with its spikes while its
input was on, in seconds from the presentation's start.
"""

from __future__ import annotations

import numpy as np

from diehlsim.models.parameters import NetworkParameters
from diehlsim.protocol import PhaseResult
from diehlsim.recordings import SpikeRecording


def phase_to_recording(phase: PhaseResult, params: NetworkParameters,
                       labels: np.ndarray) -> SpikeRecording:
    """The accepted presentations of ``phase``; ``labels`` are those of its dataset split."""
    dt = float(params.protocol.dt)
    steps_on = int(round(float(params.protocol.presentation_time) / dt))
    layers = {"input": ([], [], []), "exc": ([], [], [])}
    image_index = []
    for (exc, start_step, image, accepted, batch), inputs in zip(phase.exc_spikes,
                                                                phase.input_spikes):
        keep = accepted & (image < len(batch))
        for p in np.flatnonzero(keep):
            number = len(image_index)
            image_index.append(int(batch[image[p]]))
            for name, (neuron, step) in (("exc", exc), ("input", inputs)):
                inside = (step >= start_step[p]) & (step < start_step[p] + steps_on)
                layers[name][0].append(np.full(int(inside.sum()), number))
                layers[name][1].append(neuron[inside])
                layers[name][2].append((step[inside] - start_step[p]) * dt)
    cat = [np.concatenate(v) if v else np.zeros(0) for v in
           (*layers["input"], *layers["exc"])]
    image_index = np.asarray(image_index, dtype=np.int64)
    return SpikeRecording(
        n_input=params.n_input, n_exc=params.n_exc,
        duration=float(params.protocol.presentation_time), labels=labels[image_index],
        image_index=image_index, input_presentation=cat[0].astype(np.int64),
        input_neuron=cat[1].astype(np.int64), input_time=cat[2].astype(float),
        exc_presentation=cat[3].astype(np.int64), exc_neuron=cat[4].astype(np.int64),
        exc_time=cat[5].astype(float))
