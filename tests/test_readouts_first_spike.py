"""First-spike times from a spike list, and the first-spike read-out, against hand-computed
values; one runtime chunk checks the times the simulator reports."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms

from diehlsim.analysis import readouts
from diehlsim.analysis.first_spike import (
    SILENT,
    as_first_spike_matrix,
    first_spike_scores,
    first_spike_times,
    first_spike_winners,
)
from diehlsim.analysis.metrics import evaluation_metrics
from diehlsim.analysis.validation import AnalysisInputError

INF = np.inf


def test_first_spike_times_of_a_hand_made_spike_list():
    # two windows of 10 steps starting at steps 100 and 120, dt = 0.5 ms
    neuron = np.array([2, 0, 2, 1, 0, 2, 1, 0])
    step = np.array([103, 101, 100, 130, 125, 109, 110, 119])  # not in time order
    first = first_spike_times(neuron, step, np.array([100, 120]), 10, 4, 0.5)
    # window 1 [100, 110): neuron 2 at 100 (and 103, 109), 0 at 101; step 110 is outside
    # window 2 [120, 130): neuron 0 at 125; 130 is outside; 119 falls between the windows
    np.testing.assert_array_equal(first, [[0.5, INF, 0.0, INF],
                                          [2.5, INF, INF, INF]])


def test_first_spike_times_without_spikes_or_windows():
    assert first_spike_times([], [], np.array([0, 10]), 10, 3, 0.5).tolist() == [[INF] * 3] * 2
    assert first_spike_times([1], [3], np.array([], int), 10, 3, 0.5).shape == (0, 3)


def test_first_spike_times_must_belong_to_the_counts():
    counts = np.array([[1, 0], [0, 2]])
    assert as_first_spike_matrix([[3.0, INF], [INF, 0.0]], counts).shape == (2, 2)
    with pytest.raises(AnalysisInputError, match="disagree on which neurons fired"):
        as_first_spike_matrix([[3.0, 1.0], [INF, 0.0]], counts)
    with pytest.raises(AnalysisInputError, match="shape"):
        as_first_spike_matrix([[3.0, INF]], counts)
    with pytest.raises(AnalysisInputError, match="NaN or negative"):
        as_first_spike_matrix([[-1.0, INF], [INF, 0.0]], counts)


# -- the read-out ---------------------------------------------------------------------------
ASSIGNMENTS = np.array([0, 1, 1, 2, -1])
COUNTS = np.array([[2, 1, 0, 3, 0],   # 0 and 1 at 4 ms: 0 has the higher count -> class 0
                   [1, 1, 3, 0, 0],   # 0, 1, 2 at 2 ms: 2 has the higher count -> class 1
                   [1, 1, 0, 0, 0],   # 0, 1 at 5 ms, equal counts: the lower index, 0 -> 0
                   [0, 0, 0, 2, 4],   # the unassigned 4 fires first (1 ms): 3 -> class 2
                   [0, 0, 0, 0, 6]])  # only the unassigned neuron fired: no decision
TIMES = np.array([[4.0, 4.0, INF, 7.5, INF],
                  [2.0, 2.0, 2.0, INF, INF],
                  [5.0, 5.0, INF, INF, INF],
                  [INF, INF, INF, 3.0, 1.0],
                  [INF, INF, INF, INF, 0.5]])


def test_first_spike_winner_breaks_ties_by_count_then_index():
    np.testing.assert_array_equal(first_spike_winners(TIMES, COUNTS, ASSIGNMENTS),
                                  [0, 2, 0, 3, -1])


def test_first_spike_scores_rank_the_classes_and_leave_silent_rows_undecided():
    scores = first_spike_scores(TIMES, COUNTS, ASSIGNMENTS, 3)
    # presentation 0: order 0 (4 ms, 2 spikes), 1 (4 ms, 1), 3 (7.5 ms): ranks 0, 1, 2
    np.testing.assert_array_equal(scores[0], [5, 4, 3])
    # presentation 1: order 2, 0, 1 (all 2 ms; counts 3, 1, 1): class 1 best at rank 0
    np.testing.assert_array_equal(scores[1], [4, 5, 0])
    # presentation 3: neuron 4 (rank 0) is unassigned; neuron 3 is rank 1
    np.testing.assert_array_equal(scores[3], [0, 0, 4])
    assert np.isnan(scores[4]).all()


def test_first_spike_readout_counts_an_undecided_presentation_as_wrong():
    fitted = {"first_spike": {"assignments": ASSIGNMENTS}}
    labels = np.array([0, 1, 1, 2, 0])
    predicted = readouts.predictions(fitted, COUNTS, 3, first_spike_ms=TIMES)
    np.testing.assert_array_equal(predicted["first_spike"][1], [0, 1, 0, 2, -1])
    metrics = evaluation_metrics(COUNTS, labels, fitted, 3, first_spike_ms=TIMES)
    assert metrics["accuracy_first_spike"] == pytest.approx(3 / 5)
    assert metrics["undecided"] == {"first_spike": 1}
    # the confusion matrix holds the decided presentations; recall counts all of them
    assert np.sum(metrics["confusions"]["first_spike"]) == 4
    assert metrics["per_class"]["recall"] == [0.5, 0.5, 1.0]


def test_first_spike_readout_needs_the_first_spike_times():
    fitted = readouts.fit_all(COUNTS, [0, 1, 1, 2, 0], 3)
    assert "first_spike" not in fitted  # not recorded: not fitted
    with pytest.raises(AnalysisInputError, match="first_spike_ms"):
        readouts.predictions({"first_spike": {"assignments": ASSIGNMENTS}}, COUNTS, 3)


# -- from the simulator ---------------------------------------------------------------------
@pytest.mark.slow
def test_a_chunk_reports_the_first_spike_of_each_neuron_in_each_window(brian_state):
    from diehlsim.models.encoding import rates_per_intensity
    from diehlsim.models.network import initial_state
    from diehlsim.models.parameters import default_parameters
    from diehlsim.simulation import Simulator

    p = default_parameters(4, 16, "triplet", protocol__presentation_time=40 * ms,
                           protocol__rest_time=20 * ms, protocol__start_intensity=100.0,
                           protocol__max_repeats=1, protocol__min_spikes=1)
    sim = Simulator(p, "runtime", slots=3)
    images = ((np.random.default_rng(3).random((3, 16)) < 0.5) * 255).astype(np.uint8)
    stimulus = rates_per_intensity(images, 16, float(p.protocol.rate_per_pixel))
    result, _ = sim.run_chunk(stimulus, initial_state(p, 5), learning=False, seed=1)
    neuron, step = result.exc_spikes
    assert result.counts.sum() > 0
    for k, start in enumerate(result.start_step):  # 80 steps of 0.5 ms per presentation
        for j in range(4):
            steps = step[(neuron == j) & (step >= start) & (step < start + 80)]
            expected = (steps.min() - start) * 0.5 if len(steps) else SILENT
            assert result.first_spike_ms[k, j] == expected
