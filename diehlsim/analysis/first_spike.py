"""Time to first spike: per presentation, when each excitatory neuron first fired, and the
first-spike read-out (the class of the neuron that fires first).

BATS (Bacho & Chu) compares time-to-first-spike decoding with spike-count decoding; here both
read the same recorded spikes. A first-spike time is in ms from the first time step of the
presentation window; a neuron that stays silent in the window has an infinite time (it
never fired), which keeps ``argmin`` and comparisons meaningful without a sentinel value.
"""

from __future__ import annotations

import numpy as np

from diehlsim.analysis.counts import presentation_windows
from diehlsim.analysis.labelling import UNASSIGNED
from diehlsim.analysis.validation import AnalysisInputError, as_assignments, as_count_matrix

SILENT = np.inf  # first-spike time of a neuron that did not fire in the window


def first_spike_times(neuron, step, start_step, steps_on: int, n_neurons: int,
                      dt_ms: float) -> np.ndarray:
    """(presentations, n_neurons) time of each neuron's first spike in each window
    ``[start_step, start_step + steps_on)``, in ms from the window's first step
    (``(spike step - start step) * dt_ms``); :data:`SILENT` (inf) when it did not fire.

    ``neuron`` and ``step`` are a spike monitor's indices and absolute time steps, in any
    order; the windows must not overlap (they are the presentations of one chunk).
    """
    start_step = np.asarray(start_step, dtype=np.int64)
    first = np.full((len(start_step), int(n_neurons)), SILENT)
    for p, spiking, steps in presentation_windows(neuron, step, start_step, steps_on):
        # spikes are in time order, so a neuron's first occurrence is its first spike
        fired, where = np.unique(spiking, return_index=True)
        first[p, fired] = (steps[where] - start_step[p]) * float(dt_ms)
    return first


def as_first_spike_matrix(first_spike_ms, counts, name: str = "first_spike_ms") -> np.ndarray:
    """First-spike times that belong to ``counts``: same shape, >= 0, infinite exactly where
    the count is 0 (a check that the two arrays come from the same presentations)."""
    counts = as_count_matrix(counts, "counts")
    times = np.asarray(first_spike_ms, dtype=float)
    if times.shape != counts.shape:
        raise AnalysisInputError(
            f"{name} has shape {times.shape} but the counts have {counts.shape}: pass the "
            f"first-spike times of the same presentations (PhaseResult.first_spike_ms)")
    if np.isnan(times).any() or (times < 0).any():
        raise AnalysisInputError(
            f"{name} must be >= 0 ms, with inf for a silent neuron; it has NaN or negative "
            f"values")
    if not np.array_equal(np.isinf(times), counts == 0):
        raise AnalysisInputError(
            f"{name} and the counts disagree on which neurons fired (a finite time needs a "
            f"count > 0, a count of 0 an infinite time): they are not from the same "
            f"presentations")
    return times


def first_spike_winners(first_spike_ms, counts, assignments) -> np.ndarray:
    """Per presentation, the index of the assigned neuron that fired first: ties in time go
    to the higher count, then to the lowest index; -1 when no assigned neuron fired.

    Unassigned neurons (-1: silent during labelling) have no class and are passed over.
    """
    ranks = _ranks(first_spike_ms, counts, assignments)
    winners = np.argmin(ranks, axis=1)
    winners[~np.isfinite(ranks.min(axis=1))] = -1
    return winners


def first_spike_scores(first_spike_ms, counts, assignments, n_classes: int) -> np.ndarray:
    """(presentations, n_classes) scores whose argmax is the class of the first assigned
    neuron to fire (:func:`first_spike_winners`).

    ``score[p, c] = N - r`` with ``r`` the rank (0 = first, in the order time, then higher
    count, then lower index) of the best-ranked neuron of class ``c`` that fired, and 0 for a
    class none of whose neurons fired. A presentation in which no assigned neuron fired has
    no decision: its row is NaN, and it counts as wrong.
    """
    counts = as_count_matrix(counts, "counts")
    assignments = as_assignments(assignments, counts.shape[1], n_classes)
    ranks = _ranks(first_spike_ms, counts, assignments)
    n_neurons = counts.shape[1]
    scores = np.zeros((len(counts), n_classes))
    for c in range(n_classes):
        members = assignments == c
        if members.any():
            best = ranks[:, members].min(axis=1)
            scores[:, c] = np.where(np.isfinite(best), n_neurons - best, 0.0)
    scores[~np.isfinite(ranks.min(axis=1))] = np.nan
    return scores


def _ranks(first_spike_ms, counts, assignments) -> np.ndarray:
    """(presentations, neurons) rank of each neuron that fired and is assigned (0 = first:
    earliest time, then the higher count, then the lower index); inf for the others."""
    counts = as_count_matrix(counts, "counts")
    times = as_first_spike_matrix(first_spike_ms, counts)
    assignments = np.asarray(assignments)
    n = counts.shape[1]
    index = np.broadcast_to(np.arange(n), counts.shape)
    # lexsort sorts by its last key first: time, then -count, then index
    order = np.lexsort((index, -counts, times), axis=1)
    ranks = np.empty(counts.shape)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(n, dtype=float), counts.shape),
                      axis=1)
    ranks[np.isinf(times) | (assignments == UNASSIGNED)[None, :]] = np.inf
    return ranks
