"""Labelling and vote read-out on hand-made counts."""

import numpy as np
import pytest

from diehlsim.analysis import (
    AnalysisInputError,
    assign_labels,
    class_mean_rates,
    class_proportions,
    online_accuracy,
    predict,
    vote_scores,
)

# 4 presentations (classes 0, 0, 1, 2) x 4 neurons:
# neuron 0 prefers class 0, neuron 1 class 1, neuron 2 never fires, neuron 3 ties 1 and 2.
COUNTS = np.array([
    [4, 0, 0, 0],
    [2, 1, 0, 0],
    [0, 6, 0, 3],
    [1, 0, 0, 3],
])
LABELS = np.array([0, 0, 1, 2])


def test_class_mean_rates():
    rates = class_mean_rates(COUNTS, LABELS, n_classes=3)
    np.testing.assert_allclose(rates, [[3, 0.5, 0, 0], [0, 6, 0, 3], [1, 0, 0, 3]])


def test_assign_labels_silent_and_ties():
    np.testing.assert_array_equal(assign_labels(COUNTS, LABELS, 3), [0, 1, -1, 1])


def test_assign_labels_missing_class_never_assigned():
    assignments = assign_labels(COUNTS, LABELS, n_classes=5)
    assert not np.isin(assignments, [3, 4]).any()


def test_class_proportions_rows_sum_to_one_or_zero():
    proportions = class_proportions(COUNTS, LABELS, 3)
    np.testing.assert_allclose(proportions[0], [3 / 4, 0, 1 / 4])
    np.testing.assert_allclose(proportions[1], [0.5 / 6.5, 6 / 6.5, 0])
    np.testing.assert_array_equal(proportions[2], [0, 0, 0])
    np.testing.assert_allclose(proportions[3], [0, 0.5, 0.5])


def test_vote_all_is_mean_count_of_assigned_neurons():
    assignments = np.array([0, 1, -1, 1])
    scores = vote_scores(COUNTS, assignments, "all", n_classes=3)
    expected = np.array([
        [4, 0, 0],
        [2, 0.5, 0],
        [0, 4.5, 0],
        [1, 1.5, 0],
    ])
    np.testing.assert_allclose(scores, expected)
    np.testing.assert_array_equal(predict(COUNTS, assignments, "all", n_classes=3),
                                  [0, 0, 1, 1])


def test_vote_proportion_weights_each_neuron_by_its_class_share():
    assignments = np.array([0, 1, -1, 1])
    proportions = class_proportions(COUNTS, LABELS, 3)
    scores = vote_scores(COUNTS, assignments, "proportion", proportions, n_classes=3)
    # class 1: neurons 1 and 3, weights 6/6.5 and 0.5, divided by 2 neurons
    expected_class1 = (COUNTS[:, 1] * 6 / 6.5 + COUNTS[:, 3] * 0.5) / 2
    np.testing.assert_allclose(scores[:, 1], expected_class1)
    np.testing.assert_allclose(scores[:, 0], COUNTS[:, 0] * 0.75)
    np.testing.assert_array_equal(scores[:, 2], 0)


def test_predict_ties_go_to_lowest_class():
    assert predict(np.array([[1, 1]]), np.array([1, 0]), n_classes=2)[0] == 0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: assign_labels(-COUNTS, LABELS, 3), "negative"),
        (lambda: assign_labels(np.where(COUNTS == 6, np.nan, COUNTS), LABELS, 3), "NaN"),
        (lambda: assign_labels(COUNTS, LABELS[:3], 3), "labels has length 3"),
        (lambda: assign_labels(COUNTS, LABELS + 5, 3), r"labels must lie in \[0, 3\)"),
        (lambda: assign_labels(COUNTS[0], LABELS, 3), "2-dimensional"),
        (lambda: assign_labels(np.zeros((0, 4)), [], 3), "empty"),
        (lambda: assign_labels(COUNTS, LABELS, 1), "n_classes"),
        (lambda: vote_scores(COUNTS, [0, 1, 2], "all", n_classes=3), "assignments has length 3"),
        (lambda: vote_scores(COUNTS, [0, 1, 7, 1], "all", n_classes=3), "assignments must lie"),
        (lambda: vote_scores(COUNTS, [0, 1, -1, 1], "mean", n_classes=3), "method must be"),
        (lambda: vote_scores(COUNTS, [0, 1, -1, 1], "proportion", n_classes=3),
         "needs proportions"),
        (lambda: vote_scores(COUNTS, [0, 1, -1, 1], "proportion", np.ones((3, 3)), 3),
         "proportions must have shape"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(AnalysisInputError, match=message):
        call()


def test_online_accuracy_judges_each_block_with_the_labels_of_the_block_before():
    # 2 neurons, 2 classes, blocks of 4 images. Block 0: neuron c answers class c. Block 1:
    # the same. Block 2: the neurons swap preferences, so block-1 labels misclassify it all.
    # Block 3 (2 images): swapped again like block 2, so block-2 labels get it right.
    labels = np.array([0, 1, 0, 1] * 3 + [0, 1])
    straight = np.array([[3, 0], [0, 2], [4, 1], [1, 5]])
    swapped = straight[:, ::-1]
    counts = np.vstack([straight, straight, swapped, swapped[:2]])
    seen, acc = online_accuracy(counts, labels, window=4, n_classes=2)
    np.testing.assert_array_equal(seen, [8, 12, 14])
    np.testing.assert_allclose(acc, [1.0, 0.0, 1.0])
    # labels learned from the judged block itself would have scored block 2 perfectly
    own = assign_labels(swapped, labels[8:12], 2)
    assert np.mean(predict(swapped, own, "all", n_classes=2) == labels[8:12]) == 1.0


def test_online_accuracy_bad_window():
    with pytest.raises(AnalysisInputError, match="window"):
        online_accuracy(COUNTS, LABELS, window=0)
