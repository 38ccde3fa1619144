"""Neuron labelling and vote-based classification (Diehl & Cook 2015; BindsNET).

After training, each excitatory neuron is labelled with the class it responds to most; a test
image is then classified by a vote of the neurons' spike counts.

References
----------
Diehl, P. U. & Cook, M. (2015). Unsupervised learning of digit recognition using
spike-timing-dependent plasticity. Front. Comput. Neurosci. 9:99.
Hazan, H. et al. (2018). BindsNET: A machine learning-oriented spiking neural networks library
in Python. Front. Neuroinform. 12:89 (``all_activity`` and ``proportion_weighting``).
"""

from __future__ import annotations

import numpy as np

from diehlsim.analysis.validation import (
    AnalysisInputError,
    as_array,
    as_assignments,
    as_count_matrix,
    as_labels,
    check_n_classes,
)

VOTE_METHODS = ("all", "proportion")
UNASSIGNED = -1


def class_mean_rates(counts, labels, n_classes: int = 10) -> np.ndarray:
    """(n_classes, N) mean count of each neuron over the presentations of each class.

    ``rates[c, j] = mean_{p: labels[p] = c} counts[p, j]``; a class without presentations has
    rate 0 for every neuron (Diehl & Cook's code skips such classes the same way).
    """
    counts = as_count_matrix(counts)
    n_classes = check_n_classes(n_classes)
    labels = as_labels(labels, len(counts), n_classes)
    one_hot = np.eye(n_classes)[labels]  # (P, C)
    n_per_class = one_hot.sum(axis=0)
    totals = one_hot.T @ counts  # (C, N)
    return totals / np.maximum(n_per_class, 1)[:, None]


def assign_labels(counts, labels, n_classes: int = 10) -> np.ndarray:
    """Label each neuron with the class of its highest mean response.

    ``assignment[j] = argmax_c rates[c, j]`` (lowest class index on ties), and ``-1`` for a
    neuron that never fired during the labelled presentations: its rates are all zero, so it
    has no preferred class (Diehl & Cook initialise assignments to -1 and only overwrite them
    on a rate strictly above 0). Classes without presentations are never assigned.

    Returns
    -------
    (N,) int64 array with values in ``[-1, n_classes)``.
    """
    rates = class_mean_rates(counts, labels, n_classes)
    assignments = np.argmax(rates, axis=0).astype(np.int64)
    assignments[rates.max(axis=0) <= 0] = UNASSIGNED
    return assignments


def class_proportions(counts, labels, n_classes: int = 10) -> np.ndarray:
    """(N, n_classes) share of each neuron's class-mean rate that goes to each class (BindsNET).

    ``proportions[j, c] = rates[c, j] / sum_k rates[k, j]``; rows of silent neurons are 0.
    """
    rates = class_mean_rates(counts, labels, n_classes)  # (C, N)
    total = rates.sum(axis=0)
    return np.divide(rates, total, out=np.zeros_like(rates), where=total > 0).T


def vote_scores(
    counts,
    assignments,
    method: str = "all",
    proportions=None,
    n_classes: int = 10,
) -> np.ndarray:
    """(P, n_classes) class scores of each presentation from the assigned neurons' counts.

    ``all`` (Diehl & Cook; BindsNET ``all_activity``):
        ``score[p, c] = (1 / n_c) * sum_{j: a_j = c} counts[p, j]``,
    ``proportion`` (BindsNET ``proportion_weighting``):
        ``score[p, c] = (1 / n_c) * sum_{j: a_j = c} counts[p, j] * proportions[j, c]``,
    with ``n_c`` the number of neurons assigned to ``c``; classes without neurons score 0 and
    unassigned neurons (-1) do not vote.
    """
    counts = as_count_matrix(counts)
    n_classes = check_n_classes(n_classes)
    assignments = as_assignments(assignments, counts.shape[1], n_classes)
    if method not in VOTE_METHODS:
        raise AnalysisInputError(f"method must be one of {VOTE_METHODS}, got {method!r}")
    membership = _membership(assignments, n_classes)  # (N, C)
    if method == "proportion":
        membership = membership * _check_proportions(proportions, counts.shape[1], n_classes)
    n_assigned = (assignments[:, None] == np.arange(n_classes)).sum(axis=0)
    return (counts @ membership) / np.maximum(n_assigned, 1)


def predict(
    counts,
    assignments,
    method: str = "all",
    proportions=None,
    n_classes: int = 10,
) -> np.ndarray:
    """(P,) predicted class: ``argmax_c vote_scores[p, c]`` (lowest class index on ties)."""
    scores = vote_scores(counts, assignments, method, proportions, n_classes)
    return np.argmax(scores, axis=1).astype(np.int64)


def _membership(assignments: np.ndarray, n_classes: int) -> np.ndarray:
    return (assignments[:, None] == np.arange(n_classes)[None, :]).astype(float)


def _check_proportions(proportions, n_neurons: int, n_classes: int) -> np.ndarray:
    if proportions is None:
        raise AnalysisInputError(
            "method='proportion' needs proportions: pass class_proportions(train_counts, "
            "train_labels)"
        )
    proportions = as_array(proportions, "proportions", 2).astype(float)
    if proportions.shape != (n_neurons, n_classes):
        raise AnalysisInputError(
            f"proportions must have shape (neurons, classes) = ({n_neurons}, {n_classes}), "
            f"got {proportions.shape}"
        )
    if (proportions < 0).any():
        raise AnalysisInputError("proportions must be >= 0 (they are shares of a rate)")
    return proportions


def online_accuracy(counts, labels, window: int = 10_000, n_classes: int = 10):
    """Accuracy during training, as the original code plots it ("performance").

    The training responses are cut into consecutive blocks of ``window`` images; each block
    is classified (``all`` vote) with the labels its *previous* block gives the neurons, so
    no block is judged by labels learned from itself. Returns ``(images_seen, accuracy)``:
    the number of training images at the end of each judged block (from the second block
    on) and the fraction classified correctly in it.
    """
    counts = as_count_matrix(counts)
    labels = as_labels(labels, len(counts), n_classes)
    if window <= 0:
        raise AnalysisInputError(f"window must be a positive number of images, got {window}")
    seen, accuracy = [], []
    for start in range(window, len(counts), window):
        stop = min(start + window, len(counts))
        assignments = assign_labels(counts[start - window: start],
                                    labels[start - window: start], n_classes)
        predicted = predict(counts[start:stop], assignments, "all", n_classes=n_classes)
        seen.append(stop)
        accuracy.append(float(np.mean(predicted == labels[start:stop])))
    return np.asarray(seen, dtype=np.int64), np.asarray(accuracy)
