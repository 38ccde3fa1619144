"""Labels and votes as Capozzi et al.'s training and test scripts compute them with
``bindsnet.evaluation`` (``assign_labels``, ``all_activity``, ``proportion_weighting``).

Their training loop (``code/train_*.py``) keeps the excitatory spikes of the last 250
training images (``update_interval``) and, at every image index ``s`` that is a positive
multiple of 250, calls ``assign_labels(spike_record, labels, rates=rates)`` on images
``s - 250 .. s - 1``. ``assign_labels`` *adds* each block's per-class mean spike count to
``rates`` (``alpha = 1``: no decay), so the labels used at test time come from the sum of
the per-block class means over every complete block of the epoch, the neurons learning all
the while. The images after the last multiple of 250 below the epoch's length never
count (60,000 images: blocks 0..238 count, images 59,750..59,999 do not).
"""

from __future__ import annotations

import numpy as np

from diehlsim.analysis.validation import AnalysisInputError

UPDATE_INTERVAL = 250


def block_rates(counts, labels, n_classes: int = 10,
                block: int = UPDATE_INTERVAL) -> np.ndarray:
    """``(n_neurons, n_classes)``: the sum over complete blocks of each block's mean count
    per class (``assign_labels`` with ``alpha = 1``, called every ``block`` images)."""
    counts = np.asarray(counts, dtype=float)
    labels = np.asarray(labels)
    if counts.ndim != 2 or len(labels) != len(counts):
        raise AnalysisInputError(
            f"counts must be (images, neurons) with one label per image; got counts "
            f"{counts.shape} and {len(labels)} labels")
    if block < 1:
        raise AnalysisInputError(f"the block length must be >= 1 image, got {block}")
    rates = np.zeros((counts.shape[1], n_classes))
    # A block ending at image s is used when the loop reaches image s: s <= n - 1.
    for end in range(block, len(counts), block):
        block_counts, block_labels = counts[end - block:end], labels[end - block:end]
        for c in range(n_classes):
            members = block_labels == c
            if members.any():
                rates[:, c] += block_counts[members].sum(axis=0) / members.sum()
    return rates


def assignments_from_rates(rates) -> tuple[np.ndarray, np.ndarray]:
    """``(assignments, proportions)``: each neuron's class of highest rate (a silent neuron
    gets class 0, as ``torch.max`` of a zero row gives) and its rates as proportions."""
    rates = np.asarray(rates, dtype=float)
    totals = rates.sum(axis=1, keepdims=True)
    proportions = np.divide(rates, totals, out=np.zeros_like(rates), where=totals > 0)
    return np.argmax(proportions, axis=1), proportions


def _class_scores(counts, assignments, n_classes: int, weights=None) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    assignments = np.asarray(assignments)
    scores = np.zeros((len(counts), n_classes))
    for c in range(n_classes):
        members = assignments == c
        if members.any():
            weighted = counts if weights is None else counts * weights[:, c]
            scores[:, c] = weighted[:, members].sum(axis=1) / members.sum()
    return scores


def all_activity(counts, assignments, n_classes: int = 10) -> np.ndarray:
    """Predicted class per image: the class whose assigned neurons spiked most on average.
    Ties (a silent image) go to the lowest class, where their ``torch.sort`` usually put them."""
    return np.argmax(_class_scores(counts, assignments, n_classes), axis=1)


def proportion_weighting(counts, assignments, proportions, n_classes: int = 10) -> np.ndarray:
    """As :func:`all_activity`, each neuron's count weighted by its proportion for the class."""
    weights = np.asarray(proportions, dtype=float)
    return np.argmax(_class_scores(counts, assignments, n_classes, weights), axis=1)


def running_accuracy(predicted, labels, first: int) -> float:
    """Accuracy over the first ``first`` images: the running value their test log prints
    (``accuracy / (step + 1)`` at ``step = first - 1``)."""
    predicted, labels = np.asarray(predicted)[:first], np.asarray(labels)[:first]
    if len(predicted) == 0:
        raise AnalysisInputError("no test images to score")
    return float(np.mean(predicted == labels))
