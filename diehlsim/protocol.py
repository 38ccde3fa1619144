"""Training, labelling and testing: streams of images through a :class:`Simulator`.

Images are presented in dataset order (as in the original code), epoch after epoch. Python
only cuts the stream into chunks; what happens inside a chunk (presentations, re-presentations,
rests, normalisation, learning) runs in the generated code.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

from diehlsim.models.encoding import check_images
from diehlsim.seeds import chunk_seed
from diehlsim.models.state import NetworkState
from diehlsim.simulation import Simulator


@dataclass
class Progress:
    """Prints images done, images/s and ETA to stderr (at most every ``every_s`` seconds)."""

    total: int
    label: str
    every_s: float = 2.0
    enabled: bool = True
    started: float = field(default_factory=time.perf_counter)
    last: float = 0.0

    def update(self, done: int, force: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or (not force and now - self.last < self.every_s):
            return
        self.last = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else float("nan")
        print(f"\r{self.label}: {done}/{self.total} images, {rate:.1f} images/s, "
              f"ETA {_format_seconds(eta)}   ", end="" if done < self.total else "\n",
              file=sys.stderr, flush=True)


def _format_seconds(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


@dataclass
class ChunkLog:
    chunk: int
    images: int
    presentations: int
    repeats: int
    wall_s: float
    images_per_s: float
    mean_spikes: float
    network_s: float = 0.0  # of wall_s, the time inside Brian2's network run
    stdp_rate: float = 1.0  # factor on the STDP weight changes in this chunk


@dataclass
class PhaseResult:
    """Per accepted presentation (one per image, in stream order) and per chunk."""

    counts: np.ndarray  # (images, n_exc)
    image_index: np.ndarray  # index into the dataset split
    intensity: np.ndarray
    repeats: np.ndarray
    chunks: list
    sim_s: float
    presentations: int
    input_spikes: list = field(default_factory=list)
    exc_spikes: list = field(default_factory=list)
    # (images, n_exc) ms from the presentation's first step to each neuron's first spike,
    # inf when it stayed silent; from the same spikes as counts
    first_spike_ms: np.ndarray | None = None
    # per image, what components decided (ChunkResult.decisions: the R-STDP layer's neuron)
    decisions: dict = field(default_factory=dict)


def stream_indices(n_images: int, total: int) -> np.ndarray:
    """Dataset indices of ``total`` presentations: 0..n-1, repeated epoch after epoch."""
    return np.arange(total) % n_images


def stdp_rate_at(position: int, total: int, final: float) -> float:
    """STDP rate factor for a chunk that starts after ``position`` of ``total`` training
    images: 1 at the first image, falling linearly towards ``final`` at the last."""
    return 1.0 + (float(final) - 1.0) * position / max(1, total)


def run_phase(sim: Simulator, images: np.ndarray, indices: np.ndarray, state: NetworkState,
              *, learning: bool, seed: int, first_chunk: int = 0, label: str = "images",
              progress: bool = True, keep_spikes: bool = False,
              on_chunk=None, stdp_rate=None, labels=None,
              rstdp_learning: bool = False, on_traces=None) -> tuple[PhaseResult, NetworkState]:
    """Present ``images[indices]`` in order; learning on or off; return responses and state.

    ``stdp_rate(position)``, if given, is the STDP rate factor of the chunk that starts after
    ``position`` images of this phase (default 1 throughout).

    ``on_chunk(chunk_index, position, state, log, counts, image_index)`` is called after
    every chunk (checkpoints) with the chunk's accepted responses and their dataset indices.

    ``labels`` (the class of every image in ``images``) go to a network with the R-STDP
    decision layer as run-time data; it learns from them while ``rstdp_learning``.

    ``on_traces(chunk_index, arrays)`` receives, for a simulator with state monitors
    (``Simulator(monitors=...)``), the traces of the chunk's presentations that the request
    keeps (:func:`presentation_traces`); chunks without one are not reported.
    """
    # Validate all images before the first chunk (a bad one fails now, not hours in), but
    # convert to rates chunk by chunk: all of MNIST as float64 is 376 MB.
    pixels = check_images(images, sim.params.pixels)
    encode = sim.model.input_model.encode
    meter = Progress(len(indices), label, enabled=progress)
    counts, first_spike, image_index, intensity, repeats, chunks = [], [], [], [], [], []
    input_spikes, exc_spikes, decisions = [], [], []
    position, chunk, presentations, sim_s = 0, first_chunk, 0, 0.0
    while position < len(indices):
        batch = indices[position: position + sim.slots]
        stimulus = encode(pixels[batch], sim.params)
        chunk_stdp_rate = 1.0 if stdp_rate is None else float(stdp_rate(position))
        result, state = sim.run_chunk(
            stimulus, state, learning=learning, seed=chunk_seed(seed, chunk),
            stdp_rate=chunk_stdp_rate, labels=None if labels is None else labels[batch],
            rstdp_learning=rstdp_learning)
        if on_traces is not None and result.traces is not None:
            kept = presentation_traces(sim, result, batch, presentations)
            if kept is not None:
                on_traces(chunk, kept)
        accepted = result.accepted & (result.image < len(batch))
        decisions.append({k: v[accepted] for k, v in result.decisions.items()})
        counts.append(result.counts[accepted])
        first_spike.append(result.first_spike_ms[accepted])
        image_index.append(batch[result.image[accepted]])
        intensity.append(result.intensity[accepted])
        repeats.append(result.repeats[accepted])
        if keep_spikes:
            exc_spikes.append((result.exc_spikes, result.start_step, result.image, accepted,
                               batch))
            input_spikes.append(result.input_spikes)
        presentations += len(result.image)
        sim_s += result.wall_s
        log = ChunkLog(chunk, result.images_done, len(result.image),
                       int(np.sum(~result.accepted)), result.wall_s,
                       result.images_done / result.wall_s if result.wall_s else 0.0,
                       float(np.mean(result.n_spikes)) if len(result.n_spikes) else 0.0,
                       result.network_s, chunk_stdp_rate)
        chunks.append(log)
        position += result.images_done
        chunk += 1
        if on_chunk is not None:
            on_chunk(chunk, position, state, log, counts[-1], image_index[-1])
        meter.update(position, force=position >= len(indices))
    n = sim.params.n_exc
    return PhaseResult(
        counts=np.concatenate(counts) if counts else np.zeros((0, n), np.int32),
        image_index=np.concatenate(image_index) if image_index else np.zeros(0, int),
        intensity=np.concatenate(intensity) if intensity else np.zeros(0),
        repeats=np.concatenate(repeats) if repeats else np.zeros(0, int),
        chunks=chunks, sim_s=sim_s, presentations=presentations,
        input_spikes=input_spikes, exc_spikes=exc_spikes,
        first_spike_ms=np.concatenate(first_spike) if first_spike else np.full((0, n), np.inf),
        decisions={k: np.concatenate([d[k] for d in decisions]) for k in
                   (decisions[0] if decisions else {})},
    ), state


def presentation_traces(sim: Simulator, result, batch: np.ndarray,
                        first_presentation: int) -> dict | None:
    """The arrays of a chunk's presentations that ``sim.monitors.presentations`` keeps
    (numbered in the phase from ``first_presentation``, re-presentations counted), one slot
    (presentation and rest) each; None when the chunk has none of them.

    Per presentation ``p``: ``presentation``, ``image`` (dataset index), ``repeats``,
    ``intensity``, ``accepted``, ``t`` (s, absolute time of each step) and every variable
    ``LAYER.VARIABLE`` as (presentations, neurons, steps) in ``units``; the spikes of the
    excitatory and input layers in the slot as flat ``*_spike_presentation``,
    ``*_spike_neuron``, ``*_spike_t`` (s).
    """
    numbers = first_presentation + np.arange(len(result.image))
    keep = np.flatnonzero(np.isin(numbers, sim.monitors.presentations))
    if len(keep) == 0:
        return None
    dt = float(sim.params.protocol.dt)
    slot_steps = int(round(float(sim.params.protocol.slot_time) / dt))
    traces = result.traces
    columns = [_slot_columns(traces.steps, result.start_step[k], slot_steps) for k in keep]
    out = {
        "presentation": numbers[keep], "image": batch[result.image[keep]],
        "repeats": result.repeats[keep], "intensity": result.intensity[keep],
        "accepted": result.accepted[keep], "neurons": traces.neurons,
        "layer_sizes": np.array([sim.params.n_input, sim.params.n_exc]),  # input, exc
        "t": (result.start_step[keep, None] + np.arange(slot_steps)) * dt,
        "variables": np.array(list(traces.values)), "units": np.array(list(traces.units.values())),
    }
    for name, values in traces.values.items():
        out[name] = np.stack([_take(values, c, slot_steps) for c in columns])
    for layer, spikes in (("exc", result.exc_spikes), ("input", result.input_spikes)):
        out.update(_slot_spikes(layer, spikes, numbers[keep], result.start_step[keep],
                                slot_steps, dt))
    return out


def _slot_columns(steps: np.ndarray, start: int, slot_steps: int) -> np.ndarray:
    return np.flatnonzero((steps >= start) & (steps < start + slot_steps))


def _take(values: np.ndarray, columns: np.ndarray, slot_steps: int) -> np.ndarray:
    """(neurons, slot_steps); NaN where the chunk ended before the slot did."""
    out = np.full((values.shape[0], slot_steps), np.nan)
    out[:, : len(columns)] = values[:, columns]
    return out


def _slot_spikes(layer: str, spikes, numbers, starts, slot_steps: int, dt: float) -> dict:
    if spikes is None:
        return {}
    neuron, step = spikes
    which, neurons, times = [], [], []
    for number, start in zip(numbers, starts):
        inside = (step >= start) & (step < start + slot_steps)
        which.append(np.full(int(inside.sum()), number))
        neurons.append(neuron[inside])
        times.append(step[inside] * dt)
    return {f"{layer}_spike_presentation": np.concatenate(which).astype(np.int64),
            f"{layer}_spike_neuron": np.concatenate(neurons).astype(np.int64),
            f"{layer}_spike_t": np.concatenate(times)}
