"""The validation split (stratified hold-out) and training on it; training on your own
arrays. The runs are tiny networks on the embedded MNIST sample (runtime device)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from diehlsim import api, datasets, runs
from diehlsim.datasets.split import (
    indices_checksum,
    split_from_record,
    split_record,
    validation_split,
)
from diehlsim.errors import ConfigurationError

# -- the split (no Brian2) -----------------------------------------------------------------


def test_split_holds_out_k_images_in_the_class_proportions():
    labels = np.repeat(np.arange(4), [40, 30, 20, 10])  # 100 images, 4 classes
    split = validation_split(labels, 20, seed=3)
    assert split.size == 20
    # 20 % of each class: 8, 6, 4, 2
    np.testing.assert_array_equal(np.bincount(labels[split.validation]), [8, 6, 4, 2])
    assert np.all(np.diff(split.train) > 0) and np.all(np.diff(split.validation) > 0)
    assert not set(split.train) & set(split.validation)
    assert len(split.train) + len(split.validation) == 100


def test_split_is_fixed_by_its_seed():
    labels = np.tile(np.arange(10), 30)
    first, again = validation_split(labels, 50, 0), validation_split(labels, 50, 0)
    other = validation_split(labels, 50, 1)
    np.testing.assert_array_equal(first.validation, again.validation)
    assert not np.array_equal(first.validation, other.validation)


def test_split_record_regenerates_the_same_images_and_detects_other_labels():
    labels = np.tile(np.arange(10), 30)
    split = validation_split(labels, 40, 2)
    record = split_record(split, len(labels))
    assert record["sha256"] == indices_checksum(split.validation)
    np.testing.assert_array_equal(split_from_record(labels, record).validation,
                                  split.validation)
    with pytest.raises(ConfigurationError, match="does not regenerate"):
        split_from_record(labels[::-1].copy(), record)


@pytest.mark.parametrize(("k", "message"), [
    (0, "positive whole number"), (-5, "positive whole number"), (2.5, "positive whole"),
    (300, "holds out all 300"), (400, "holds out all 300"), (9, "fewer images than the 10"),
    (295, "leaves 5 to train on"),
])
def test_bad_split_sizes_are_refused(k, message):
    with pytest.raises(ConfigurationError, match=message):
        validation_split(np.tile(np.arange(10), 30), k)


# -- training with a validation split --------------------------------------------------------

N_TRAIN, N_VALIDATION, N_LABEL, N_TEST = 30, 20, 20, 10


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    root = tmp_path_factory.mktemp("split")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIEHLSIM_BUILD_DIR", str(root / "builds"))
        run = api.train(root / "run", "mnist-sample", 6, train_samples=N_TRAIN,
                        device="runtime", seed=1, slots=10, progress=False,
                        validation=N_VALIDATION)
        metrics = api.evaluate(run.run_dir, label_samples=N_LABEL, test_samples=N_TEST,
                               simulator=run.simulator, progress=False)
        yield run, metrics


@pytest.mark.slow
def test_training_and_labelling_never_see_the_held_out_images(validated):
    run, metrics = validated
    _, labels = datasets.load("mnist-sample", "train")
    held_out = validation_split(labels, N_VALIDATION).validation
    _, trained_on = runs.load_train_responses(run.run_dir)
    # the first N_TRAIN images of the sorted pool, i.e. the first indices not held out
    pool = np.setdiff1d(np.arange(len(labels)), held_out)
    np.testing.assert_array_equal(np.unique(trained_on), pool[:N_TRAIN])
    labelled = np.loadtxt(run.run_dir / "label_presentations.csv", delimiter=",",
                          skiprows=1, usecols=0, dtype=int)
    assert not set(labelled) & set(held_out)
    validated_images = np.loadtxt(run.run_dir / "validation_presentations.csv",
                                  delimiter=",", skiprows=1, usecols=0, dtype=int)
    assert set(validated_images) <= set(held_out)


@pytest.mark.slow
def test_config_records_the_split(validated):
    run, _ = validated
    settings = json.loads((run.run_dir / "config.json").read_text())["settings"]
    _, labels = datasets.load("mnist-sample", "train")
    record = settings["validation"]
    assert (record["images"], record["seed"], record["of_train_images"]) == (
        N_VALIDATION, 0, len(labels))
    assert record["sha256"] == indices_checksum(validation_split(labels, N_VALIDATION).validation)


@pytest.mark.slow
def test_evaluate_reports_validation_accuracy_per_readout(validated):
    run, metrics = validated
    assert set(api.validation_columns()) <= set(metrics)
    counts = np.load(run.run_dir / "validation_counts.npy")
    labels = np.load(run.run_dir / "validation_labels.npy")
    assignments = np.load(run.run_dir / "assignments.npy")
    # the all vote by hand: the class whose neurons fired most on average
    rates = np.array([[c[assignments == k].mean() if np.any(assignments == k) else 0
                       for k in range(10)] for c in counts])
    expected = float(np.mean(np.argmax(rates, axis=1) == labels))
    assert metrics["validation_accuracy_all"] == pytest.approx(expected)
    assert metrics["n_validation"] == len(labels)


# -- your own arrays -------------------------------------------------------------------------


def test_a_bare_array_as_dataset_is_refused_with_the_fix(tmp_path):
    images, _ = datasets.load("mnist-sample", "train")
    with pytest.raises(ConfigurationError, match=r"pair \(images, labels\)"):
        api.train(tmp_path / "run", dataset=images[:20], n_exc=4, device="runtime")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("change", "message"), [
    (lambda x, y: (x / 255.0, y), "scaled to 0..1"),
    (lambda x, y: (x * 2.0, y), "0..255"),
    (lambda x, y: (x[:, 0], y), r"\(n, height, width\)"),
    (lambda x, y: (x, y[:-1]), "one class per image"),
    (lambda x, y: (x, y + 10), "0..9"),
    (lambda x, y: (x, y.astype(float)), "integer array"),
])
def test_bad_own_arrays_are_refused(tmp_path, change, message):
    images, labels = datasets.load("mnist-sample", "train")
    with pytest.raises(ConfigurationError, match=message):
        api.train(tmp_path / "run", dataset=change(images[:20], labels[:20]), n_exc=4,
                  device="runtime")
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_training_and_evaluating_own_arrays(tmp_path, validated):
    run, _ = validated  # its compiled network has the same 6 x 784 shape
    images, labels = datasets.load("mnist-sample", "train")
    test_images, test_labels = datasets.load("mnist-sample", "test")
    # mirrored digits: not the embedded sample, so only the arrays can have given them
    own = (images[:40, :, ::-1].copy(), labels[:40])
    own_test = (test_images[:10, :, ::-1].copy(), test_labels[:10])
    trained = api.train(tmp_path / "own", dataset=own, n_exc=6, train_samples=20,
                        device="runtime", slots=10, progress=False, simulator=run.simulator,
                        test=own_test)
    settings = json.loads((trained.run_dir / "config.json").read_text())["settings"]
    assert settings["dataset"] == api.ARRAYS
    metrics = api.evaluate(trained.run_dir, label_samples=20, simulator=run.simulator,
                           progress=False)
    presented = np.loadtxt(trained.run_dir / "test_presentations.csv", delimiter=",",
                           skiprows=1, usecols=0, dtype=int, ndmin=1)
    assert metrics["n_test"] == len(presented) and set(presented) <= set(range(10))
    np.testing.assert_array_equal(np.load(trained.run_dir / "test_labels.npy"),
                                  own_test[1][presented])
    labelled = np.loadtxt(trained.run_dir / "label_presentations.csv", delimiter=",",
                          skiprows=1, usecols=(0, 1), dtype=int, ndmin=2)
    np.testing.assert_array_equal(labelled[:, 1], own[1][labelled[:, 0]])


@pytest.mark.slow
def test_own_arrays_without_test_images_need_them_at_evaluate(tmp_path, validated):
    run, _ = validated
    images, labels = datasets.load("mnist-sample", "train")
    trained = api.train(tmp_path / "own", dataset=(images[:20], labels[:20]), n_exc=6,
                        train_samples=10, device="runtime", slots=10, progress=False,
                        simulator=run.simulator)
    with pytest.raises(ConfigurationError, match=r"test=\(images, labels\)"):
        api.evaluate(trained.run_dir, simulator=run.simulator, progress=False)
    test_images, test_labels = datasets.load("mnist-sample", "test")
    metrics = api.evaluate(trained.run_dir, label_samples=10, simulator=run.simulator,
                           progress=False, test=(test_images[:5], test_labels[:5]))
    assert metrics["n_test"] <= 5
