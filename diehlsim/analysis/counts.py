"""Spike counts per presentation and binarised rasters.

Two sources are supported: raw SpikeMonitor arrays with the presentation schedule (absolute
times), and a :class:`~diehlsim.recordings.SpikeRecording` (times relative to the start of
each presentation). A spike belongs to presentation ``p`` when
``start[p] <= t < start[p] + duration``; spikes in the rest periods between presentations are
not counted, as in Diehl & Cook (2015), where only the 350 ms input window is read out.
"""

from __future__ import annotations

import math

import numpy as np

from diehlsim.analysis.validation import (
    AnalysisInputError,
    as_array,
    as_integer_array,
    check_length,
)
from diehlsim.recordings import SpikeRecording

LAYERS = ("exc", "input")

# Spike times are multiples of the simulation step (0.5 ms or 0.1 ms), so t / bin_size can
# land a rounding error below an integer (0.003 / 0.001 = 2.9999999999999996). Nudging by a
# tolerance far below one step puts such spikes in the bin they were emitted in.
_BIN_TOLERANCE = 1e-9


def spike_counts(
    spike_neuron,
    spike_time,
    presentation_start,
    duration: float,
    n_neurons: int,
) -> np.ndarray:
    """Count the spikes of each neuron during each presentation.

    Parameters
    ----------
    spike_neuron, spike_time : (S,) neuron index and absolute time (s) of each spike
        (``SpikeMonitor.i`` and ``SpikeMonitor.t``).
    presentation_start : (P,) absolute start time (s) of each presentation; presentations
        must not overlap (``start`` sorted with gaps >= ``duration``).
    duration : input window of each presentation (s).
    n_neurons : layer size.

    Returns
    -------
    (P, n_neurons) int64 array: ``counts[p, j] = #{spikes of j with start[p] <= t < start[p]+duration}``.
    """
    neuron = _as_neuron_indices(spike_neuron, n_neurons, "spike_neuron")
    time = _as_times(spike_time, "spike_time")
    check_length(time, len(neuron), "spike_time", "spikes (entries of spike_neuron)")
    start = as_array(presentation_start, "presentation_start", 1).astype(float)
    duration = _check_duration(duration)
    if np.any(np.diff(start) < duration):
        raise AnalysisInputError(
            "presentation_start must be increasing with gaps >= duration (presentations may "
            "not overlap): pass the schedule in presentation order"
        )
    # The latest presentation starting at or before each spike is the only candidate.
    candidate = np.searchsorted(start, time, side="right") - 1
    inside = candidate >= 0
    inside[inside] = time[inside] < start[candidate[inside]] + duration
    return _bincount_matrix(candidate[inside], neuron[inside], len(start), n_neurons)


def counts_from_recording(recording: SpikeRecording, layer: str = "exc") -> np.ndarray:
    """(P, n) spike counts of ``layer`` ('exc' or 'input') in each recorded presentation.

    Spikes with ``0 <= t < recording.duration`` are counted (the input window).
    """
    presentation, neuron, time, n_neurons = layer_spikes(recording, layer)
    inside = (time >= 0) & (time < recording.duration)
    return _bincount_matrix(
        presentation[inside], neuron[inside], recording.n_presentations, n_neurons
    )


def n_time_bins(duration: float, bin_size: float) -> int:
    """``T = ceil(duration / bin_size)`` bins, robust to 0.35 / 0.001 = 349.99999999999994."""
    return int(math.ceil(duration / bin_size - _BIN_TOLERANCE))


def binarised_raster(
    recording: SpikeRecording, presentation: int, layer: str = "exc", bin_size: float = 1e-3
) -> np.ndarray:
    """(T, n) uint8 raster of one presentation: 1 where the neuron spiked at least once in the bin.

    ``T = ceil(duration / bin_size)``; bin ``b`` covers ``[b * bin_size, (b + 1) * bin_size)``
    relative to the presentation start (0.35 s in 1 ms bins gives 350 bins).
    """
    if not 0 <= int(presentation) < recording.n_presentations:
        raise AnalysisInputError(
            f"presentation {presentation} is out of range: the recording holds "
            f"{recording.n_presentations} presentations (0 .. {recording.n_presentations - 1})"
        )
    return binarised_rasters(recording, [int(presentation)], layer, bin_size)[0]


def binarised_rasters(
    recording: SpikeRecording, presentations, layer: str = "exc", bin_size: float = 1e-3
) -> np.ndarray:
    """(K, T, n) uint8 rasters of the presentations listed in ``presentations`` (in that order)."""
    if not bin_size > 0:
        raise AnalysisInputError(f"bin_size must be > 0 seconds, got {bin_size!r}")
    chosen = as_integer_array(presentations, "presentations", 1)
    if chosen.min() < 0 or chosen.max() >= recording.n_presentations:
        raise AnalysisInputError(
            f"presentations must lie in [0, {recording.n_presentations}), got "
            f"[{chosen.min()}, {chosen.max()}]"
        )
    presentation, neuron, time, n_neurons = layer_spikes(recording, layer)
    n_bins = n_time_bins(recording.duration, bin_size)
    # row_of[p] = position of presentation p in the output, -1 when not requested
    row_of = np.full(recording.n_presentations, -1, dtype=np.int64)
    row_of[chosen] = np.arange(len(chosen))
    rows = row_of[presentation]
    bins = np.floor(time / bin_size + _BIN_TOLERANCE).astype(np.int64)
    keep = (rows >= 0) & (time >= 0) & (time < recording.duration) & (bins < n_bins)
    raster = np.zeros((len(chosen), n_bins, n_neurons), dtype=np.uint8)
    raster[rows[keep], bins[keep], neuron[keep]] = 1
    return raster


def layer_spikes(recording: SpikeRecording, layer: str):
    """Validated ``(presentation, neuron, time, n_neurons)`` arrays of one layer of a recording."""
    if layer not in LAYERS:
        raise AnalysisInputError(f"layer must be one of {LAYERS}, got {layer!r}")
    n_neurons = int(recording.n_input if layer == "input" else recording.n_exc)
    presentation = np.asarray(getattr(recording, f"{layer}_presentation"))
    neuron = np.asarray(getattr(recording, f"{layer}_neuron"))
    time = np.asarray(getattr(recording, f"{layer}_time"), dtype=float)
    if not len(presentation) == len(neuron) == len(time):
        raise AnalysisInputError(
            f"recording {layer}_presentation, {layer}_neuron and {layer}_time have lengths "
            f"{len(presentation)}, {len(neuron)}, {len(time)}: they must have one entry per spike"
        )
    _check_duration(recording.duration)
    if len(neuron) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), n_neurons
    presentation = _as_indices(presentation, recording.n_presentations, f"{layer}_presentation")
    neuron = _as_neuron_indices(neuron, n_neurons, f"{layer}_neuron")
    return presentation, neuron, _as_times(time, f"{layer}_time"), n_neurons


def _bincount_matrix(rows, columns, n_rows: int, n_columns: int) -> np.ndarray:
    flat = np.bincount(rows * n_columns + columns, minlength=n_rows * n_columns)
    return flat.reshape(n_rows, n_columns).astype(np.int64)


def _as_neuron_indices(values, n_neurons: int, name: str) -> np.ndarray:
    if int(n_neurons) != n_neurons or n_neurons < 1:
        raise AnalysisInputError(f"n_neurons must be a positive integer, got {n_neurons!r}")
    return _as_indices(values, int(n_neurons), name)


def _as_indices(values, size: int, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise AnalysisInputError(f"{name} must be 1-dimensional, got shape {array.shape}")
    if len(array) == 0:
        return np.zeros(0, dtype=np.int64)
    array = as_integer_array(array, name, 1)
    if array.min() < 0 or array.max() >= size:
        raise AnalysisInputError(
            f"{name} must lie in [0, {size}), got values in [{array.min()}, {array.max()}]: "
            f"check the layer size"
        )
    return array


def _as_times(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise AnalysisInputError(f"{name} must be 1-dimensional, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise AnalysisInputError(f"{name} contains NaN or infinite spike times")
    return array


def _check_duration(duration: float) -> float:
    duration = float(duration)
    if not (np.isfinite(duration) and duration > 0):
        raise AnalysisInputError(f"duration must be a positive number of seconds, got {duration}")
    return duration


def presentation_windows(neuron, step, start_step, steps_on: int):
    """``(p, neuron, step)`` for every presentation window ``[start_step[p], + steps_on)``:
    the spikes inside it (a monitor's indices and absolute steps, in any order), in time
    order. The windows must not overlap."""
    neuron = np.asarray(neuron, dtype=np.int64)
    step = np.asarray(step, dtype=np.int64)
    start_step = np.asarray(start_step, dtype=np.int64)
    order = np.argsort(step, kind="stable")
    step, neuron = step[order], neuron[order]
    lo = np.searchsorted(step, start_step, side="left")
    hi = np.searchsorted(step, start_step + steps_on, side="left")
    for p, (a, b) in enumerate(zip(lo, hi)):
        yield p, neuron[a:b], step[a:b]


def counts_per_presentation(neuron, step, start_step, steps_on: int,
                            n_neurons: int) -> np.ndarray:
    """Spike counts of every neuron in every presentation window."""
    counts = np.zeros((len(start_step), n_neurons), dtype=np.int32)
    for p, fired, _ in presentation_windows(neuron, step, start_step, steps_on):
        np.add.at(counts[p], fired, 1)
    return counts
