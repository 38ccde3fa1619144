"""Bias-corrected informative neurons, the analyze() report and the analyze CLI command."""

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from diehlsim.analysis import (
    AnalysisInputError,
    TIDY_COLUMNS,
    analyze,
    class_information,
    counts_from_recording,
    input_information,
)
from diehlsim.analysis import information as info
from diehlsim.analysis.informative import (
    class_count_tables,
    discretise_counts,
    specific_information,
)
from diehlsim.analysis.synthetic import synthetic_recording
from diehlsim.analysis.tidy import parse_neuron_set
from diehlsim.cli import analyze as analyze_cli
from diehlsim.errors import RunDirectoryError

LABELS = np.tile(np.arange(3), 8)


@pytest.fixture(scope="module")
def recording():
    return synthetic_recording(LABELS, seed=11)


@pytest.fixture(scope="module")
def inputs(recording):
    return input_information(recording, n_classes=3, n_permutations=99, rng=0)


@pytest.fixture(scope="module")
def classes(recording):
    counts = counts_from_recording(recording)
    return class_information(counts, recording.labels, n_classes=3, n_permutations=199, rng=1)


def test_input_information_finds_the_copying_neurons(inputs):
    # class 0: neurons 0 (copies input 0) and 3 (copies input 1 in class 0) only;
    # the independent neuron 2 and the rate-coding neuron 4 carry nothing about the inputs
    np.testing.assert_array_equal(inputs.informative[0], [0, 3])
    np.testing.assert_array_equal(inputs.informative[1], [0])
    np.testing.assert_array_equal(inputs.informative[2], [0])
    neurons = inputs.neurons
    assert list(neurons.columns) == TIDY_COLUMNS
    assert set(neurons.estimator) == {"plugin", "miller_madow", "shuffle"}
    independent = neurons[(neurons["class"] == 0) & (neurons.neuron == 2)].set_index("estimator")
    # bias-corrected values of the independent neuron are near 0, the plug-in is not
    assert independent.bits["plugin"] > 0
    assert abs(independent.bits["shuffle"]) < independent.bits["plugin"] / 2
    assert independent.p_value.iloc[0] > 0.05
    assert (neurons.n_samples == 8 * 350).all()


def test_input_information_pairs(inputs):
    pairs = inputs.pairs
    plugin = pairs[pairs.estimator == "plugin"]
    assert (plugin.q_value < 0.05).all()
    found = set(zip(plugin["class"], plugin.neuron, plugin.input))
    assert {(0, 0, 0), (0, 3, 1), (1, 0, 0), (2, 0, 0)} <= found
    assert not plugin.neuron.isin([2, 4]).any()


def test_class_information(classes):
    frame = classes.frame
    assert list(frame.columns) == TIDY_COLUMNS
    # 0 (input 0 is driven in class 0), 3 (fires in class 0 only), 4 (class 1 only)
    np.testing.assert_array_equal(classes.significant, [0, 3, 4])
    assert 4 in classes.indicator_significant[1] and 3 in classes.indicator_significant[0]
    overall = frame[frame.measure == "class_information"]
    assert set(overall.estimator) == {"plugin", "miller_madow", "panzeri_treves", "shuffle"}
    silent = overall[overall.neuron == 1]
    assert (silent.bits == 0).all() and silent.p_value.isna().all()
    summary = classes.summary.set_index("neuron")
    assert summary.loc[4, "max_specific_information_class"] == 1
    assert summary.loc[3, "max_specific_information_class"] == 0
    assert summary.loc[4, "assigned_class"] == 1
    assert summary.loc[4, "assignment_matches_specific_information"]
    assert summary.loc[1, "assigned_class"] == -1
    per_spike = frame[(frame.measure == "information_per_spike")].set_index("neuron").bits
    mean_count = summary.mean_count
    shuffle = overall[overall.estimator == "shuffle"].set_index("neuron").bits
    assert per_spike[4] == pytest.approx(shuffle[4] / mean_count[4])
    assert np.isnan(per_spike[1])


def test_class_information_matches_sample_level_estimators(recording, classes):
    counts = counts_from_recording(recording)
    codes, _ = discretise_counts(counts, 4)
    overall = classes.frame[classes.frame.measure == "class_information"]
    for estimator in ("plugin", "miller_madow", "panzeri_treves"):
        values = overall[overall.estimator == estimator].set_index("neuron").bits
        expected = info.mutual_information(recording.labels, codes[:, 4], estimator).bits
        assert values[4] == pytest.approx(expected, abs=1e-12)


def test_specific_information_averages_to_mi():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 300)
    counts = rng.poisson(1 + labels[:, None] * np.array([0.0, 1.0, 3.0]))
    codes, n_values = discretise_counts(counts, 4)
    tables = class_count_tables(codes, labels, 4, int(n_values.max()))
    specific = specific_information(tables)
    p_class = np.bincount(labels) / len(labels)
    for neuron in range(3):
        mi = info.mutual_information(labels, codes[:, neuron]).bits
        assert (p_class * specific[neuron]).sum() == pytest.approx(mi, abs=1e-12)


def test_discretise_counts():
    counts = np.array([[0, 0], [0, 1], [0, 2], [0, 1], [1, 0], [2, 0], [3, 2], [10, 1]])
    codes, n_values = discretise_counts(counts, 4)
    # quantile edges [0, 0.5, 2.25]: 0 | 1, 2 | 3, 10 -- zero keeps its own bin
    np.testing.assert_array_equal(codes[:, 0], [0, 0, 0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(codes[:, 1], [0, 1, 2, 1, 0, 0, 2, 1])  # 3 values: kept
    np.testing.assert_array_equal(n_values, [3, 3])
    raw, raw_values = discretise_counts(counts, None)
    assert raw_values[0] == 5
    with pytest.raises(AnalysisInputError, match="count_bins"):
        discretise_counts(counts, 1)


def test_class_information_needs_two_classes():
    with pytest.raises(AnalysisInputError, match="at least two classes"):
        class_information(np.ones((4, 3)), np.zeros(4), n_classes=3)


def test_analyze_writes_every_table(recording, inputs, tmp_path):
    frames = analyze(recording, tmp_path, n_classes=3, n_permutations=99, seed=0)
    for name in ("table2", "capozzi_entropy", "capozzi_mi", "pairs_information",
                 "class_information", "neuron_summary"):
        assert (tmp_path / f"{name}.csv").exists()
        assert name in frames
    table2 = pd.read_csv(tmp_path / "table2.csv", keep_default_na=False)
    assert list(table2.columns) == ["class", "spiked", "with_mi", "informative"]
    assert list(table2["class"]) == [0, 1, 2]
    for row in table2.itertuples():
        spiked = parse_neuron_set(row.spiked)
        assert list(spiked) == sorted(spiked)
        assert set(parse_neuron_set(row.with_mi)) <= set(spiked)
    assert table2.set_index("class").loc[0, "informative"] == "0 3"
    tidy = pd.read_csv(tmp_path / "pairs_information.csv")
    assert list(tidy.columns) == TIDY_COLUMNS
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["assignments_source"] == "in-sample"
    assert summary["classes"]["0"]["informative"] == 2


def test_analyze_rejects_bad_assignments(recording, tmp_path):
    with pytest.raises(AnalysisInputError, match="assignments has length 2"):
        analyze(recording, tmp_path, assignments=[0, 1], n_classes=3, n_permutations=9)


def _parser():
    parser = argparse.ArgumentParser()
    analyze_cli.register(parser.add_subparsers(dest="command"))
    return parser


def test_cli_analyze(recording, tmp_path, monkeypatch, capsys):
    calls = []

    def record_analysis_spikes(run_dir, samples_per_class, data_dir=None):
        calls.append((run_dir, samples_per_class, data_dir))
        return recording

    monkeypatch.setattr("diehlsim.api.recording.record", record_analysis_spikes)
    np.save(tmp_path / "assignments.npy", np.array([0, -1, 2, 0, 1, -1]))
    args = _parser().parse_args(["analyze", "--run", str(tmp_path), "--samples", "8",
                                 "--permutations", "19", "--data-dir", str(tmp_path / "d")])
    assert args.func(args) == 0
    assert calls == [(tmp_path, 8, tmp_path / "d")]
    out = tmp_path / "information"
    assert (out / "table2.csv").exists() and (out / "spikes.npz").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["assignments_source"] == "given"
    assert "class 0: spiked" in capsys.readouterr().out


def test_cli_errors(tmp_path, recording, monkeypatch):
    args = _parser().parse_args(["analyze", "--run", str(tmp_path / "missing")])
    with pytest.raises(RunDirectoryError, match="does not exist"):
        args.func(args)
    monkeypatch.setattr("diehlsim.api.recording.record",
                        lambda run_dir, samples, data_dir=None: recording)
    np.save(tmp_path / "assignments.npy", np.zeros(7, dtype=int))
    args = _parser().parse_args(["analyze", "--run", str(tmp_path), "--permutations", "9"])
    with pytest.raises(RunDirectoryError, match="has shape"):
        args.func(args)


def test_analyze_needs_two_classes(tmp_path):
    single = synthetic_recording(np.zeros(3, dtype=int), seed=0)
    with pytest.raises(AnalysisInputError, match="at least two classes"):
        analyze(single, tmp_path, n_classes=3, n_permutations=9)
    assert not (tmp_path / "table2.csv").exists()
