"""A phase simulated with ``keep_spikes=True`` as a :class:`~diehlsim.recordings.SpikeRecording`.

The simulator reports spikes per chunk in absolute time steps, for every presentation of every
slot; the recording keeps the accepted presentations only, each with its spikes while its
input was on, in seconds from the presentation's start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diehlsim.models.encoding import check_images
from diehlsim.models.parameters import NetworkParameters
from diehlsim.models.state import NetworkState
from diehlsim.protocol import PhaseResult
from diehlsim.recordings import SpikeRecording
from diehlsim.seeds import chunk_seed
from diehlsim.simulation import Simulator


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


@dataclass(frozen=True)
class PhaseSpikes:
    """Every presentation of a phase, accepted or not, and every spike of the phase.

    Times are simulation steps of ``dt`` seconds counted from the phase's first step;
    presentation ``p`` has its input on in the steps ``[start_step[p], start_step[p] +
    steps_on)``, which is where its spike counts come from.
    """

    dt: float
    steps_on: int
    start_step: np.ndarray
    image_index: np.ndarray  # index of the presented image in its dataset split
    intensity: np.ndarray
    repeats: np.ndarray  # earlier presentations of the same image
    accepted: np.ndarray  # bool: the image moved on after this presentation
    exc: tuple  # (neuron, step) of every excitatory spike
    input: tuple | None  # (neuron, step) of every input spike, when recorded


def record_phase(sim: Simulator, images: np.ndarray, indices: np.ndarray,
                 state: NetworkState, *, seed: int, first_chunk: int = 0) -> PhaseSpikes:
    """Present ``images[indices]`` with learning off, chunk by chunk with the seeds of
    :func:`diehlsim.protocol.run_phase` (so the same seed gives the same spikes), and keep
    what ``run_phase`` drops: the rejected presentations and the spikes of the rests."""
    pixels = check_images(images, sim.params.pixels)
    origin = int(state.step)
    parts = {key: [] for key in ("start", "image", "intensity", "repeats", "accepted",
                                 "exc_i", "exc_s", "in_i", "in_s")}
    position, chunk = 0, first_chunk
    while position < len(indices):
        batch = indices[position: position + sim.slots]
        stimulus = sim.model.input_model.encode(pixels[batch], sim.params)
        result, state = sim.run_chunk(stimulus, state, learning=False,
                                      seed=chunk_seed(seed, chunk))
        real = result.image < len(batch)  # the idle slots of a last, short chunk are not
        for key, values in (("start", result.start_step), ("image", batch[result.image[real]]),
                            ("intensity", result.intensity), ("repeats", result.repeats),
                            ("accepted", result.accepted)):
            parts[key].append(values if key == "image" else values[real])
        parts["exc_i"].append(result.exc_spikes[0])
        parts["exc_s"].append(result.exc_spikes[1])
        if result.input_spikes is not None:
            parts["in_i"].append(result.input_spikes[0])
            parts["in_s"].append(result.input_spikes[1])
        position += result.images_done
        chunk += 1
    joined = {key: np.concatenate(values) if values else np.zeros(0, np.int64)
              for key, values in parts.items()}
    dt = float(sim.params.protocol.dt)
    return PhaseSpikes(
        dt=dt, steps_on=int(round(float(sim.params.protocol.presentation_time) / dt)),
        start_step=joined["start"] - origin, image_index=joined["image"].astype(np.int64),
        intensity=joined["intensity"].astype(float), repeats=joined["repeats"].astype(np.int64),
        accepted=joined["accepted"].astype(bool),
        exc=(joined["exc_i"].astype(np.int64), joined["exc_s"] - origin),
        input=(joined["in_i"].astype(np.int64), joined["in_s"] - origin)
        if parts["in_i"] else None)
