"""The linear read-out against scikit-learn fitted directly, and its saved arrays."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from diehlsim.analysis import linear, readouts
from diehlsim.analysis.metrics import evaluation_metrics
from diehlsim.analysis.validation import AnalysisInputError

N_CLASSES = 4


def synthetic(n_per_class: int, seed: int, high: float = 3.0, low: float = 1.0):
    """Counts of 12 neurons; neurons 3c..3c+2 fire for class c (Poisson, mean ``high``
    against ``low``). At 6 against 0.5 the classes are linearly separable in log1p(counts)
    with few exceptions; at 3 against 1 they overlap, and C has something to choose."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(N_CLASSES), n_per_class)
    rates = np.full((len(labels), 3 * N_CLASSES), low)
    for c in range(N_CLASSES):
        rates[labels == c, 3 * c: 3 * c + 3] = high
    return rng.poisson(rates), labels


@pytest.fixture(scope="module")
def fitted():
    counts, labels = synthetic(40, seed=1)
    return linear.fit_linear(counts, labels, N_CLASSES), counts, labels


def test_the_chosen_c_is_one_of_the_grid(fitted):
    arrays, _, _ = fitted
    assert float(arrays["linear_C"]) in linear.C_GRID.tolist()
    np.testing.assert_array_equal(arrays["linear_C_grid"], linear.C_GRID)
    assert set(arrays) == set(linear.ARRAYS)


def test_it_is_the_logistic_regression_scikit_learn_fits_with_that_c(fitted):
    arrays, counts, labels = fitted
    scaler = StandardScaler().fit(np.log1p(counts))
    np.testing.assert_allclose(arrays["linear_mean"], scaler.mean_)
    np.testing.assert_allclose(arrays["linear_scale"], scaler.scale_)
    direct = LogisticRegression(C=float(arrays["linear_C"]), max_iter=linear.MAX_ITER,
                                tol=1e-10).fit(scaler.transform(np.log1p(counts)), labels)
    test_counts, _ = synthetic(25, seed=2)
    ours = linear.linear_scores(arrays, test_counts, N_CLASSES)
    theirs = direct.decision_function(scaler.transform(np.log1p(test_counts)))
    # the refit starts from the folds' solution with scikit-learn's default tolerance
    np.testing.assert_allclose(ours, theirs, atol=2e-3 * np.abs(theirs).max())
    np.testing.assert_array_equal(np.argmax(ours, axis=1), direct.predict(
        scaler.transform(np.log1p(test_counts))))


def test_a_separable_test_set_is_classified_correctly():
    arrays = linear.fit_linear(*synthetic(40, seed=1, high=6.0, low=0.5), N_CLASSES)
    test_counts, test_labels = synthetic(25, seed=3, high=6.0, low=0.5)
    predicted = np.argmax(linear.linear_scores(arrays, test_counts, N_CLASSES), axis=1)
    assert np.mean(predicted == test_labels) > 0.95


def test_two_classes_keep_one_row_per_class():
    counts, labels = synthetic(20, seed=4)
    two = labels < 2
    arrays = linear.fit_linear(counts[two], labels[two], N_CLASSES)
    scores = linear.linear_scores(arrays, counts, N_CLASSES)
    assert np.isinf(scores[:, 2:]).all() and np.isfinite(scores[:, :2]).all()
    direct = LogisticRegression(C=float(arrays["linear_C"]), max_iter=linear.MAX_ITER).fit(
        (np.log1p(counts[two]) - arrays["linear_mean"]) / arrays["linear_scale"], labels[two])
    z = (np.log1p(counts) - arrays["linear_mean"]) / arrays["linear_scale"]
    np.testing.assert_array_equal(np.argmax(scores, axis=1), direct.predict(z))


def test_a_class_with_one_labelled_presentation_is_left_out():
    counts, labels = synthetic(10, seed=5)
    keep = (labels != 3) | (np.arange(len(labels)) == len(labels) - 1)  # one of class 3
    arrays = linear.fit_linear(counts[keep], labels[keep], N_CLASSES)
    assert np.isinf(arrays["linear_intercept"][3])
    assert not np.any(np.argmax(linear.linear_scores(arrays, counts, N_CLASSES), axis=1) == 3)


def test_labels_outside_the_classes_and_too_few_labels_are_refused():
    counts, labels = synthetic(5, seed=6)
    with pytest.raises(AnalysisInputError, match=r"label_labels must lie in \[0, 3\)"):
        linear.fit_linear(counts, labels, 3)
    with pytest.raises(AnalysisInputError, match="at least two labelled presentations"):
        linear.fit_linear(counts[:6], labels[:6], N_CLASSES)  # one class only
    arrays = linear.fit_linear(counts, labels, N_CLASSES)
    with pytest.raises(AnalysisInputError, match="fit it again"):
        linear.linear_scores(arrays, counts[:, :5], N_CLASSES)


def test_the_registry_fits_saves_and_reloads_it(fitted):
    _, counts, labels = fitted
    test_counts, test_labels = synthetic(25, seed=7)
    fit = readouts.fit_all(counts, labels, N_CLASSES)
    saved = {name: np.asarray(a) for name, a in readouts.fitted_arrays(fit).items()}
    reloaded = readouts.fitted_from_arrays(saved)
    # the first-spike read-out shares the all vote's assignments: it comes back too
    assert set(reloaded) == {*fit, "first_spike"} and "linear" in fit
    del reloaded["first_spike"]
    first = evaluation_metrics(test_counts, test_labels, fit, N_CLASSES)
    again = evaluation_metrics(test_counts, test_labels, reloaded, N_CLASSES)
    assert first["accuracy_linear"] == again["accuracy_linear"]
    assert first["confusions"]["linear"] == again["confusions"]["linear"]
