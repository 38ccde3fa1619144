"""Spike counts and binarised rasters on hand-made spikes."""

import numpy as np
import pytest

from diehlsim.analysis import (
    AnalysisInputError,
    binarised_raster,
    counts_from_recording,
    spike_counts,
)
from diehlsim.analysis.counts import binarised_rasters, n_time_bins
from diehlsim.recordings import SpikeRecording


def make_recording(**overrides) -> SpikeRecording:
    fields = dict(
        n_input=3,
        n_exc=2,
        duration=0.35,
        labels=np.array([4, 7]),
        image_index=np.array([10, 11]),
        # presentation 0: input 0 twice in bin 3 (one spike at 0.003, a rounding trap),
        # input 2 in the last bin; presentation 1: input 1 at t=0 and one spike after the
        # window (rest period) that must be ignored.
        input_presentation=np.array([0, 0, 0, 1, 1]),
        input_neuron=np.array([0, 0, 2, 1, 1]),
        input_time=np.array([0.003, 0.0035, 0.3495, 0.0, 0.36]),
        exc_presentation=np.array([1, 1, 1]),
        exc_neuron=np.array([1, 1, 0]),
        exc_time=np.array([0.010, 0.0105, 0.2]),
    )
    fields.update(overrides)
    return SpikeRecording(**fields)


def test_spike_counts_window_edges():
    start = np.array([0.0, 0.5, 1.0])
    neuron = np.array([0, 1, 1, 0, 2, 2, 0])
    # t = start (counted), t = start + duration (not counted), rest period, before start
    time = np.array([0.0, 0.1, 0.35, 0.5, 0.849, 0.4, 1.2])
    counts = spike_counts(neuron, time, start, 0.35, n_neurons=3)
    expected = np.array([[1, 1, 0], [1, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.int64


def test_spike_counts_ignores_spikes_before_first_presentation():
    counts = spike_counts([0, 0], [0.1, 1.05], [1.0], 0.35, 1)
    np.testing.assert_array_equal(counts, [[1]])


def test_spike_counts_no_spikes():
    counts = spike_counts([], [], [0.0, 0.5], 0.35, 4)
    np.testing.assert_array_equal(counts, np.zeros((2, 4)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(spike_time=[0.1]), "spike_time has length 1"),
        (dict(spike_neuron=[0, 5]), r"spike_neuron must lie in \[0, 3\)"),
        (dict(spike_time=[0.1, np.nan]), "NaN"),
        (dict(presentation_start=[0.0, 0.2]), "may not overlap"),
        (dict(presentation_start=[]), "empty"),
        (dict(duration=-1.0), "duration must be a positive"),
        (dict(spike_neuron=[0.5, 1]), "whole numbers"),
    ],
)
def test_spike_counts_bad_input(kwargs, message):
    arguments = dict(spike_neuron=[0, 1], spike_time=[0.1, 0.2], presentation_start=[0.0, 0.5],
                     duration=0.35, n_neurons=3)
    arguments.update(kwargs)
    with pytest.raises(AnalysisInputError, match=message):
        spike_counts(**arguments)


def test_counts_from_recording():
    recording = make_recording()
    np.testing.assert_array_equal(counts_from_recording(recording, "input"),
                                  [[2, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(counts_from_recording(recording, "exc"), [[0, 0], [1, 2]])


def test_binarised_raster_bins_and_rounding():
    recording = make_recording()
    raster = binarised_raster(recording, 0, "input")
    assert raster.shape == (350, 3) and raster.dtype == np.uint8
    assert n_time_bins(0.35, 1e-3) == 350
    # durations stored as 0.1 * 3.5 come back as 0.35000000000000003: still 350 bins
    assert n_time_bins(0.35000000000000003, 1e-3) == 350 and n_time_bins(0.3505, 1e-3) == 351
    # two spikes in bin 3 give a single 1; 0.003 s lands in bin 3, not bin 2
    assert raster[3, 0] == 1 and raster[:, 0].sum() == 1
    assert raster[349, 2] == 1 and raster.sum() == 2
    exc = binarised_raster(recording, 1, "exc")
    assert exc[10, 1] == 1 and exc[:, 1].sum() == 1 and exc[200, 0] == 1


def test_binarised_raster_other_bin_size_and_stack():
    recording = make_recording()
    raster = binarised_raster(recording, 0, "input", bin_size=0.1)
    assert raster.shape == (4, 3)  # ceil(0.35 / 0.1)
    np.testing.assert_array_equal(raster[:, 0], [1, 0, 0, 0])
    np.testing.assert_array_equal(raster[:, 2], [0, 0, 0, 1])
    stack = binarised_rasters(recording, [1, 0], "input")
    np.testing.assert_array_equal(stack[1], binarised_raster(recording, 0, "input"))
    assert stack[0].sum() == 1  # the spike in the rest period is dropped


def test_recording_errors():
    with pytest.raises(AnalysisInputError, match="presentation 2 is out of range"):
        binarised_raster(make_recording(), 2)
    with pytest.raises(AnalysisInputError, match="layer must be one of"):
        counts_from_recording(make_recording(), "inh")
    broken = make_recording(exc_time=np.array([0.1]))
    with pytest.raises(AnalysisInputError, match="one entry per spike"):
        counts_from_recording(broken)
    outside = make_recording(exc_neuron=np.array([1, 1, 9]))
    with pytest.raises(AnalysisInputError, match="exc_neuron must lie in"):
        counts_from_recording(outside)
    with pytest.raises(AnalysisInputError, match="bin_size must be > 0"):
        binarised_raster(make_recording(), 0, bin_size=0)
