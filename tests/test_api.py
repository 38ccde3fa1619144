"""The API as the front door: evaluate, repeat_test, analyze on a tiny network trained on the
embedded MNIST sample (runtime device, seconds)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from diehlsim import api, datasets, runs, seeds
from diehlsim.api import evaluation
from diehlsim.errors import ConfigurationError, RunDirectoryError

SEED = 5
N_LABEL, N_TEST = 20, 20


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """A run trained on 20 images and evaluated, with its simulator and metrics."""
    root = tmp_path_factory.mktemp("api")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIEHLSIM_BUILD_DIR", str(root / "builds"))
        run = api.train(root / "run", "mnist-sample", 6, train_samples=20, device="runtime",
                        seed=SEED, slots=10, progress=False)
        metrics = api.evaluate(run.run_dir, label_samples=N_LABEL, test_samples=N_TEST,
                               simulator=run.simulator, progress=False)
        yield run, metrics


def test_repeat_zero_is_the_test_pass_of_evaluate(evaluated):
    run, metrics = evaluated
    (zero,) = api.repeat_test(run.run_dir, [0], test_samples=N_TEST, simulator=run.simulator,
                              progress=False)
    assert zero.seed == seeds.phase_seed(SEED, "test")
    assert (zero.accuracy["all"], zero.accuracy["proportion"], zero.n_test) == (
        metrics["accuracy_all"], metrics["accuracy_proportion"], metrics["n_test"])
    # the linear and first-spike read-outs come back from their saved arrays
    assert (zero.accuracy["first_spike"], zero.accuracy["linear"]) == (
        metrics["accuracy_first_spike"], metrics["accuracy_linear"])


def test_repeat_zero_gives_the_spike_counts_evaluate_saved(evaluated):
    run, _ = evaluated
    images, labels = datasets.load("mnist-sample", "test")
    fitted = evaluation.load_readouts(run.run_dir, run.params.n_exc)
    tested = evaluation._test_pass(run.simulator, images, labels, np.arange(N_TEST),
                                   runs.load_state(run.run_dir), fitted,
                                   seeds.test_repeat_seed(SEED, 0), "test", False)
    np.testing.assert_array_equal(tested.phase.counts,
                                  np.load(run.run_dir / "test_counts.npy"))
    np.testing.assert_array_equal(tested.labels, np.load(run.run_dir / "test_labels.npy"))


def test_later_repeats_have_their_own_seeds(evaluated):
    run, _ = evaluated
    results = api.repeat_test(run.run_dir, range(1, 3), test_samples=5,
                              simulator=run.simulator, progress=False)
    assert [r.repeat for r in results] == [1, 2]
    assert [r.seed for r in results] == [seeds.test_repeat_seed(SEED, r) for r in (1, 2)]
    assert all(r.n_test == 5 for r in results)
    assert list(results[0].as_row()) == ["repeat", "seed", "accuracy_all",
                                         "accuracy_proportion", "accuracy_first_spike",
                                         "accuracy_linear", "n_test", "sim_s"]


def test_evaluate_writes_its_files(evaluated):
    run, metrics = evaluated
    assert json.loads((run.run_dir / "metrics.json").read_text())["n_label"] == N_LABEL
    assert metrics["n_test"] == N_TEST
    for name in ("label", "test"):
        table = pd.read_csv(run.run_dir / f"{name}_presentations.csv")
        assert list(table.columns) == ["image", "label", "intensity", "repeats", "spikes"]
        counts = np.load(run.run_dir / f"{name}_counts.npy")
        first = np.load(run.run_dir / f"{name}_first_spike.npy")
        # within the 350 ms window, infinite exactly where a neuron stayed silent
        assert first.shape == counts.shape and np.array_equal(np.isinf(first), counts == 0)
        assert first[np.isfinite(first)].max() < 350.0 and first.min() >= 0.0
    assert 0 < float(np.load(run.run_dir / "linear_C.npy")) <= 100.0


def test_repeat_test_needs_the_assignments_of_evaluate(tmp_path):
    with pytest.raises(RunDirectoryError, match="missing config.json, state.npz, assignments"):
        api.repeat_test(tmp_path, [1])


def test_analyze_checks_its_values_before_simulating(evaluated, tmp_path):
    run, _ = evaluated
    with pytest.raises(RunDirectoryError, match="does not exist"):
        api.analyze(tmp_path / "missing")
    for keyword, message in (("samples", "^samples must be >= 1"),
                             ("permutations", "^permutations must be >= 1")):
        with pytest.raises(ConfigurationError, match=message):  # API names, not CLI flags
            api.analyze(run.run_dir, **{keyword: 0})


def test_record_and_analyze_a_trained_run(evaluated, tmp_path, monkeypatch):
    run, _ = evaluated
    monkeypatch.setenv("DIEHLSIM_BUILD_DIR", str(tmp_path / "builds"))
    analysis = api.analyze(run.run_dir, samples=1, permutations=9, out_dir=tmp_path / "info")
    assert analysis.out_dir == tmp_path / "info"
    assert list(analysis.tables["table2"]["class"]) == list(range(10))
    recording = api.record(run.run_dir, 1)
    assert sorted(recording.labels) == list(range(10))
    saved = np.load(tmp_path / "info" / "spikes.npz")
    np.testing.assert_array_equal(saved["exc_neuron"], recording.exc_neuron)


@pytest.mark.parametrize(("n_exc", "slots"), [(1, 250), (400, 250), (1600, 250), (1601, 500),
                                              (3200, 500), (6400, 1000)])
def test_the_default_chunk_grows_by_250_slots_per_1600_neurons(n_exc, slots):
    assert api.default_slots(n_exc) == slots


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "400"])
def test_a_default_chunk_of_a_bad_size_is_refused(bad):
    with pytest.raises(ConfigurationError, match="positive whole number"):
        api.default_slots(bad)


def test_a_run_without_a_chunk_length_records_the_default_of_its_size(tmp_path, monkeypatch):
    from diehlsim.api import training

    given = {}  # the simulation itself is not the point: catch the slots it would run with
    monkeypatch.setattr(training, "_continue_training",
                        lambda *args: given.setdefault("slots", args[7]))
    monkeypatch.setattr(training, "_check_memory", lambda params: None)
    for n_exc in (3, 1700):
        run_dir = tmp_path / f"run{n_exc}"
        training.train(run_dir, "mnist-sample", n_exc, train_samples=2, device="runtime",
                       progress=False)
        assert runs.load_config(run_dir)[1]["slots"] == api.default_slots(n_exc)
        assert given.pop("slots") == api.default_slots(n_exc)
