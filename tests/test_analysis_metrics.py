"""Classification metrics against scikit-learn."""

import json

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from diehlsim.analysis import readouts
from diehlsim.analysis import (
    AnalysisInputError,
    accuracy,
    assign_labels,
    class_proportions,
    confusion,
    evaluation_metrics,
    per_class_scores,
    predict,
    roc_auc_ovr,
    vote_scores,
)


@pytest.fixture
def predictions():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 10, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 10, 300))
    return y_true, y_pred


def test_accuracy_and_confusion_match_sklearn(predictions):
    y_true, y_pred = predictions
    assert accuracy(y_true, y_pred) == accuracy_score(y_true, y_pred)
    np.testing.assert_array_equal(confusion(y_true, y_pred), confusion_matrix(y_true, y_pred))


def test_confusion_is_always_n_classes_square():
    matrix = confusion([0, 0, 1], [0, 1, 1], n_classes=10)
    assert matrix.shape == (10, 10) and matrix.sum() == 3


def test_per_class_scores_match_sklearn(predictions):
    y_true, y_pred = predictions
    scores = per_class_scores(y_true, y_pred)
    np.testing.assert_allclose(scores["precision"], precision_score(y_true, y_pred, average=None))
    np.testing.assert_allclose(scores["recall"], recall_score(y_true, y_pred, average=None))
    np.testing.assert_allclose(scores["f1"], f1_score(y_true, y_pred, average=None))
    matrix = confusion_matrix(y_true, y_pred)
    np.testing.assert_allclose(scores["accuracy"], matrix.diagonal() / matrix.sum(axis=1))


def test_undefined_scores_are_none():
    scores = per_class_scores([0, 0, 1], [0, 0, 0], n_classes=3)
    assert scores["precision"][1] is None and scores["precision"][2] is None
    assert scores["accuracy"][2] is None and scores["recall"][1] == 0.0


def test_roc_auc_per_class_matches_sklearn(predictions):
    y_true, _ = predictions
    rng = np.random.default_rng(2)
    scores = rng.random((300, 10)) + np.eye(10)[y_true] * 0.3
    auc = roc_auc_ovr(y_true, scores)
    for c in range(10):
        assert auc["per_class"][c] == pytest.approx(roc_auc_score(y_true == c, scores[:, c]))
    assert auc["macro"] == pytest.approx(np.mean(auc["per_class"]))


def test_roc_auc_absent_class_is_none():
    auc = roc_auc_ovr([0, 1, 0, 1], np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 1]]), 3)
    assert auc["per_class"][2] is None and auc["macro"] == 1.0


def test_evaluation_metrics_hand_made():
    train_counts = np.array([[5, 0, 1], [0, 4, 1], [6, 1, 0], [0, 5, 0]])
    train_labels = np.array([0, 1, 0, 1])
    assignments = assign_labels(train_counts, train_labels, 10)
    proportions = class_proportions(train_counts, train_labels, 10)
    test_counts = np.array([[3, 1, 0], [0, 2, 0], [1, 3, 0]])
    test_labels = np.array([0, 1, 0])
    fitted = readouts.fit_all(train_counts, train_labels)
    np.testing.assert_array_equal(fitted["proportion"]["proportions"], proportions)
    result = evaluation_metrics(test_counts, test_labels, fitted)
    assert set(result) == {"accuracy_all", "accuracy_proportion", "accuracy_linear",
                           "confusion", "confusions", "undecided", "per_class", "roc_auc_ovr",
                           "n_test", "readouts"}
    # no first-spike times given: the first-spike read-out is not fitted
    assert result["readouts"] == ["all", "proportion", "linear"]
    assert result["confusions"]["all"] == result["confusion"]
    assert result["n_test"] == 3
    assert result["accuracy_all"] == pytest.approx(2 / 3)
    expected_proportion = predict(test_counts, assignments, "proportion", proportions)
    assert result["accuracy_proportion"] == pytest.approx(np.mean(expected_proportion
                                                                  == test_labels))
    assert np.array(result["confusion"]).shape == (10, 10)
    scores = vote_scores(test_counts, assignments)
    assert result["per_class"]["roc_auc"][0] == pytest.approx(
        roc_auc_score(test_labels == 0, scores[:, 0]))
    json.dumps(result, allow_nan=False)  # JSON-able: no NaN, only None


def test_metric_errors():
    with pytest.raises(AnalysisInputError, match="one prediction per"):
        accuracy([0, 1], [0])
    with pytest.raises(AnalysisInputError, match="one column per class"):
        roc_auc_ovr([0, 1], np.ones((2, 3)), n_classes=10)
    with pytest.raises(AnalysisInputError, match="test_counts contains negative"):
        evaluation_metrics(-np.ones((2, 3)), [0, 1], {"all": {"assignments": [0, 1, 1]}})


def test_a_registered_readout_is_fitted_evaluated_and_reported():
    """A read-out registered from outside: the label of the neuron that fired most."""

    def fit(counts, labels, n_classes):
        return {"assignments": readouts.ALL_VOTE.fit(counts, labels, n_classes)["assignments"]}

    def scores(fitted, counts, n_classes):
        winner = np.asarray(fitted["assignments"])[np.argmax(counts, axis=1)]
        return np.eye(n_classes)[winner]

    train_counts = np.array([[5, 0, 1], [0, 4, 1], [6, 1, 0], [0, 5, 0]])
    train_labels = np.array([0, 1, 0, 1])
    test_counts = np.array([[3, 1, 0], [0, 2, 0], [1, 3, 3]])
    readouts.register(readouts.Readout("max", "most active neuron", ("assignments",), fit,
                                       scores))
    try:
        fitted = readouts.fit_all(train_counts, train_labels)
        result = evaluation_metrics(test_counts, [0, 1, 1], fitted)
        # winners 0, 1, 1 -> labels 0, 1, 1: all right
        assert result["accuracy_max"] == 1.0 and result["readouts"][-1] == "max"
        with pytest.raises(AnalysisInputError, match="registered already"):
            readouts.register(readouts.Readout("max", "other", (), fit, scores))
    finally:
        readouts.unregister("max")
    with pytest.raises(AnalysisInputError, match="unknown read-out 'max'"):
        readouts.get("max")


@pytest.mark.parametrize("table, message", [
    ([[1.0, np.nan], [2.0, 3.0]], "NaN"),
    ([[1, -1], [2, 3]], "negative counts"),
    ([[1.5, 1], [2, 3]], "whole numbers"),
])
def test_g_test_refuses_what_is_not_a_count_table(table, message):
    from diehlsim.analysis.significance import g_test

    with pytest.raises(AnalysisInputError, match=message):
        g_test(np.array(table))


@pytest.mark.parametrize("function", [confusion, per_class_scores])
def test_labels_outside_the_classes_are_refused_not_dropped(function):
    with pytest.raises(AnalysisInputError, match=r"y_pred must be classes 0..9, got values -1"):
        function([0, 1, 2], [0, -1, 2])
    with pytest.raises(AnalysisInputError, match=r"y_true must be classes 0..9"):
        function([0, 10, 2], [0, 1, 2])
