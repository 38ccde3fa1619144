"""NWB export of an evaluated run, and the analysis of NWB files and other spike sources.

The run is tiny (6 neurons, 20 images of the embedded MNIST sample, runtime device); one
module-scoped export with the input layer serves every test that reads a diehlsim file.
"""

from __future__ import annotations

import json
from importlib import metadata
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from nwbinspector import Importance, inspect_nwbfile
from pynwb import NWBHDF5IO, NWBFile

from diehlsim import api, cli
from diehlsim.analysis import (
    AnalysisInputError,
    SpikeRecording,
    analyze,
    binarised_raster,
    counts_from_recording,
    from_rasters,
    from_spike_arrays,
    from_spike_monitor,
    read_nwb,
    to_recording,
)
from diehlsim.analysis.synthetic import synthetic_recording

SEED = 5
N_TEST = 20
# A simulated network has no animal: the subject check (CRITICAL for DANDI uploads) does not
# apply. Every other finding of importance BEST_PRACTICE_VIOLATION or above fails the test;
# suggestions (experimenter, institution, processing module name) are allowed.
NOT_APPLICABLE = ["check_subject_exists"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("nwb")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIEHLSIM_BUILD_DIR", str(root / "builds"))
        run = api.train(root / "run", "mnist-sample", 6, train_samples=20, device="runtime",
                        seed=SEED, slots=10, progress=False)
        api.evaluate(run.run_dir, label_samples=20, test_samples=N_TEST,
                     simulator=run.simulator, progress=False)
        result = api.export(run.run_dir, root / "run.nwb", layers="exc,input")
        yield run.run_dir, result


def serious_findings(path) -> list:
    return list(inspect_nwbfile(nwbfile_path=str(path), ignore=NOT_APPLICABLE,
                                importance_threshold=Importance.BEST_PRACTICE_VIOLATION))


def test_export_passes_nwbinspector(exported):
    _, result = exported
    assert serious_findings(result.path) == []


def test_counts_from_the_file_equal_the_counts_evaluate_saved(exported):
    run_dir, result = exported
    assert result.counts_match
    recording = read_nwb(result.path)
    np.testing.assert_array_equal(counts_from_recording(recording, "exc"),
                                  np.load(run_dir / "test_counts.npy"))
    np.testing.assert_array_equal(recording.labels, np.load(run_dir / "test_labels.npy"))
    assert recording.n_presentations == result.n_accepted == N_TEST
    assert (recording.n_exc, recording.n_input) == (6, 784)
    assert len(recording.input_neuron) > 0  # inputs exported on request


def test_the_file_holds_labels_theta_weights_and_parameters(exported):
    run_dir, result = exported
    with NWBHDF5IO(str(result.path), "r") as reader:
        nwbfile = reader.read()
        units = nwbfile.units.to_dataframe()
        presentations = nwbfile.intervals["presentations"].to_dataframe()
        network = nwbfile.processing["network"]
        weights = np.asarray(network["input_to_excitatory_weights"]["weights"][:])
        parameters = network["parameters"].to_dataframe().set_index("parameter")
        software = network["software"].to_dataframe().set_index("package")
        assert nwbfile.session_description.startswith("diehlsim")
        assert nwbfile.units.resolution == 0.5e-3
    exc = units[units["layer"] == "exc"].sort_values("neuron")
    np.testing.assert_array_equal(exc["assigned_label"], np.load(run_dir / "assignments.npy"))
    np.testing.assert_allclose(np.stack(exc["proportions"]), np.load(run_dir / "proportions.npy"))
    np.testing.assert_allclose(exc["theta"], np.load(run_dir / "theta.npy"))
    np.testing.assert_allclose(weights, np.load(run_dir / "weights.npy").T)
    assert (units["layer"] == "input").sum() == 784
    assert list(presentations.columns) == ["start_time", "stop_time", "image_index", "label",
                                           "intensity", "repeat", "accepted"]
    accepted = presentations[presentations["accepted"]]
    saved = pd.read_csv(run_dir / "test_presentations.csv")
    np.testing.assert_array_equal(accepted["image_index"], saved["image"])
    np.testing.assert_array_equal(accepted["intensity"], saved["intensity"])
    np.testing.assert_array_equal(accepted["repeat"], saved["repeats"])
    assert len(presentations) == result.n_presentations
    assert tuple(parameters.loc["protocol.dt", ["value", "unit"]]) == ("0.5", "ms")
    assert software.loc["diehlsim", "version"] == metadata.version("diehlsim")


def test_export_errors_name_the_problem_and_the_fix(exported, tmp_path, capsys):
    run_dir, result = exported
    unevaluated = tmp_path / "unevaluated"
    unevaluated.mkdir()
    for name in ("config.json", "state.npz"):
        (unevaluated / name).write_bytes((run_dir / name).read_bytes())
    cases = [
        (["--run", str(tmp_path / "missing"), "--out", str(tmp_path / "a.nwb")],
         "does not exist: give the directory that training wrote"),
        (["--run", str(unevaluated), "--out", str(tmp_path / "a.nwb")],
         "has not been evaluated (no test_counts.npy / assignments.npy): run `diehlsim "
         "evaluate"),
        (["--run", str(run_dir), "--out", str(tmp_path / "a.nwb"), "--layers", "exc,inh"],
         "unknown layer 'inh': choose from exc, input"),
        (["--run", str(run_dir), "--out", str(result.path)],
         "exists already: choose another --out, or --force to replace it"),
    ]
    for arguments, message in cases:
        assert cli.main(["export", "--format", "nwb", *arguments]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert not (tmp_path / "a.nwb").exists()


def _foreign_file(path, with_inputs: bool) -> None:
    """An NWB file written with pynwb alone (no diehlsim columns but ``layer`` when inputs
    are given): unit 0 fires 3 spikes in every class-0 presentation and never in class 1,
    unit 1 fires 2 spikes in every presentation; with inputs, 16 inputs of a 4 x 4 image."""
    nwbfile = NWBFile(session_description="synthetic spikes", identifier="foreign",
                      session_start_time=datetime(2024, 1, 1, tzinfo=timezone.utc))
    labels = np.array([0, 1] * 10)
    start = np.arange(len(labels)) * 0.5
    nwbfile.add_trial_column("label", "class of the stimulus")
    for begin, label in zip(start, labels):
        nwbfile.add_trial(start_time=begin, stop_time=begin + 0.35, label=int(label))
    if with_inputs:
        nwbfile.add_unit_column("layer", "exc or input")
    unit0 = np.concatenate([s + np.array([0.01, 0.02, 0.03]) for s, c in zip(start, labels)
                            if c == 0])
    unit1 = np.concatenate([s + np.array([0.1, 0.2]) for s in start])
    extra = {"layer": "exc"} if with_inputs else {}
    nwbfile.add_unit(spike_times=unit0, **extra)
    nwbfile.add_unit(spike_times=unit1, **extra)
    if with_inputs:
        rng = np.random.default_rng(0)
        for _ in range(16):
            times = np.concatenate([s + np.sort(rng.choice(350, 20, replace=False)) * 1e-3
                                    for s in start])
            nwbfile.add_unit(spike_times=times, layer="input")
    with NWBHDF5IO(str(path), "w") as writer:
        writer.write(nwbfile)


def test_analyze_nwb_of_a_foreign_file_gives_the_known_information(tmp_path, capsys):
    path = tmp_path / "foreign.nwb"
    _foreign_file(path, with_inputs=False)
    assert cli.main(["analyze", "--nwb", str(path), "--permutations", "20"]) == 0
    assert "input information skipped" in capsys.readouterr().out
    out = tmp_path / "foreign_information"
    frame = pd.read_csv(out / "class_information.csv")
    plugin = frame[(frame["measure"] == "class_information") & (frame["estimator"] == "plugin")]
    # unit 0's count is the class (H(class) = 1 bit of two equiprobable classes), unit 1's
    # count is constant
    bits = plugin.set_index("neuron")["bits"]
    assert bits[0] == pytest.approx(1.0, abs=1e-12) and bits[1] == 0.0
    # the smallest p-value 20 permutations can give
    assert plugin.set_index("neuron").loc[0, "p_value"] == pytest.approx(1 / 21)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["assignments_source"] == "in-sample"
    assert set(summary["skipped"]) == {"table2", "capozzi_table", "capozzi_entropy",
                                       "capozzi_mi", "pairs_information"}
    assert "input information needs input spikes" in summary["skipped"]["table2"]
    assert not (out / "table2.csv").exists()


def test_analyze_nwb_with_inputs_draws_the_figures(tmp_path, capsys):
    path = tmp_path / "with_inputs.nwb"
    _foreign_file(path, with_inputs=True)
    assert cli.main(["analyze", "--nwb", str(path), "--permutations", "5", "--figures"]) == 0
    figures = tmp_path / "with_inputs_information" / "figures"
    drawn = {p.name for p in figures.rglob("*.png")}
    # a 16-input layer is drawn as a 4 x 4 image: the pixel maps are there
    assert any(name.startswith("entropy_maps") for name in drawn)
    assert any(name.startswith("spike_raster") for name in drawn)
    assert (tmp_path / "with_inputs_information" / "table2.csv").exists()


def test_analyze_nwb_without_labels_says_what_is_missing(tmp_path, capsys):
    path = tmp_path / "foreign.nwb"
    _foreign_file(path, with_inputs=False)
    assert cli.main(["analyze", "--nwb", str(path), "--label-column", "digit"]) == 2
    err = capsys.readouterr().err
    assert "no 'digit' column" in err and "class information needs labels" in err
    assert cli.main(["analyze", "--nwb", str(tmp_path / "none.nwb")]) == 2
    assert "does not exist: give the path of an NWB" in capsys.readouterr().err


class FakeMonitor:
    """What the analysis reads of a Brian2 SpikeMonitor."""

    def __init__(self, i, t, n):
        self.i, self.t_, self.source = np.asarray(i), np.asarray(t), range(n)


def test_every_spike_source_gives_the_same_recording():
    # neuron 1 at 1 ms and 3 ms of presentation 0; neuron 0 at 2 ms of presentation 1;
    # a spike in the rest (0.4 s) is dropped
    indices, times = np.array([1, 1, 0, 0]), np.array([0.001, 0.003, 0.4, 0.502])
    start, labels = np.array([0.0, 0.5]), np.array([3, 7])
    from_arrays = from_spike_arrays(indices, times, start, 0.005, labels, 2)
    from_monitor = from_spike_monitor(FakeMonitor(indices, times, 2), start, 0.005, labels)
    rasters = np.zeros((2, 5, 2), dtype=np.uint8)
    rasters[0, [1, 3], 1] = 1
    rasters[1, 2, 0] = 1
    from_raster = from_rasters(rasters, labels, 1e-3)
    expected = np.array([[0, 2], [1, 0]])
    for recording in (from_arrays, from_monitor, from_raster,
                      to_recording((indices, times), presentation_start=start, duration=0.005,
                                   labels=labels, n_neurons=2)):
        assert isinstance(recording, SpikeRecording)
        np.testing.assert_array_equal(counts_from_recording(recording), expected)
        np.testing.assert_array_equal(recording.labels, labels)
        assert recording.duration == pytest.approx(0.005)
    np.testing.assert_allclose(from_arrays.exc_time, [0.001, 0.003, 0.002])
    np.testing.assert_array_equal(binarised_raster(from_raster, 0, "exc", 1e-3), rasters[0])


def test_converters_say_what_is_missing():
    with pytest.raises(AnalysisInputError, match="class information needs the class"):
        from_spike_arrays([0], [0.0], [0.0], 0.35, None, 1)
    with pytest.raises(AnalysisInputError, match="may not overlap"):
        from_spike_arrays([0], [0.0], [0.0, 0.1], 0.35, [0, 1], 1)
    with pytest.raises(AnalysisInputError, match="different shapes"):
        from_rasters([np.zeros((3, 2)), np.zeros((4, 2))], [0, 1], 1e-3)


def test_report_without_input_spikes_skips_the_input_information(tmp_path):
    full = synthetic_recording(np.repeat([0, 1, 2], 4), seed=1)
    output_only = from_spike_arrays(
        full.exc_neuron, full.exc_presentation * 0.5 + full.exc_time,
        np.arange(full.n_presentations) * 0.5, full.duration, full.labels, full.n_exc)
    frames = analyze(output_only, tmp_path, n_classes=3, n_permutations=5)
    assert set(frames) == {"class_information", "neuron_summary"}
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["classes"] is None and "table2" in summary["skipped"]
