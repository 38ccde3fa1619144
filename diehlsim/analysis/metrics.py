"""Classification metrics of the read-outs, computed with scikit-learn.

Everything is for a fixed label set ``0 .. n_classes-1`` so that the confusion matrix is
always ``n_classes x n_classes`` even when a class is missing from a small test set. Values
that are undefined (precision of a never-predicted class, ROC-AUC of a class absent from the
labels) are ``None`` in the JSON-able outputs rather than NaN, which JSON cannot represent.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)

from diehlsim.analysis import readouts
from diehlsim.analysis.validation import (
    AnalysisInputError,
    as_array,
    as_class_labels,
    as_count_matrix,
    as_integer_array,
    as_labels,
    check_n_classes,
)


def accuracy(y_true, y_pred) -> float:
    """Fraction of presentations whose predicted class equals the label."""
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(accuracy_score(y_true, y_pred))


def confusion(y_true, y_pred, n_classes: int = 10, *, undecided: bool = False) -> np.ndarray:
    """(n_classes, n_classes) counts: row = true class, column = predicted class.

    ``undecided=True`` accepts predictions of -1 (a read-out that gave no class) and leaves
    those presentations out of the matrix."""
    y_true, y_pred = _check_classes(y_true, y_pred, n_classes, undecided)
    return confusion_matrix(y_true, y_pred, labels=np.arange(check_n_classes(n_classes)))


def per_class_scores(y_true, y_pred, n_classes: int = 10, *,
                     undecided: bool = False) -> dict[str, list]:
    """Per-class precision, recall, F1, support and accuracy.

    ``accuracy[c]`` is the fraction of presentations of class ``c`` classified as ``c``
    (the "per-digit accuracy" of MNIST papers), i.e. ``confusion[c, c] / sum_k confusion[c, k]``;
    it coincides with recall by definition and is reported under both names for readability.
    Undefined entries (no presentation of, or no prediction for, a class) are ``None``.
    ``undecided=True`` accepts predictions of -1 (no class given), which count as wrong.
    """
    y_true, y_pred = _check_classes(y_true, y_pred, n_classes, undecided)
    labels = np.arange(check_n_classes(n_classes))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=np.nan
    )
    matrix = confusion_matrix(y_true, y_pred, labels=labels)  # undecided ones left out
    class_accuracy = np.divide(
        matrix.diagonal(), support,
        out=np.full(len(labels), np.nan), where=support > 0,
    )
    return {
        "precision": _json_floats(precision),
        "recall": _json_floats(recall),
        "f1": _json_floats(f1),
        "accuracy": _json_floats(class_accuracy),
        "support": [int(s) for s in support],
    }


def roc_auc_ovr(y_true, scores, n_classes: int = 10) -> dict:
    """One-vs-rest ROC-AUC of each class from the raw vote scores, and their macro mean.

    For class ``c`` the positives are the presentations labelled ``c`` and the score is
    ``scores[:, c]``; the AUC is computed with :func:`sklearn.metrics.roc_auc_score` on this
    binary problem. Raw scores are used rather than row-normalised "probabilities" because
    normalising changes how presentations are ranked within a class. A class without both
    positives and negatives has no AUC (``None``); the macro mean is over the defined ones.
    """
    n_classes = check_n_classes(n_classes)
    scores = as_array(scores, "scores", 2).astype(float)
    y_true = as_labels(y_true, len(scores), n_classes, "y_true")
    if scores.shape[1] != n_classes:
        raise AnalysisInputError(
            f"scores must have one column per class ({n_classes}), got shape {scores.shape}"
        )
    per_class = []
    for c in range(n_classes):
        positive = y_true == c
        if positive.all() or not positive.any():
            per_class.append(None)
            continue
        per_class.append(float(roc_auc_score(positive, scores[:, c])))
    defined = [value for value in per_class if value is not None]
    return {"macro": float(np.mean(defined)) if defined else None, "per_class": per_class}


def evaluation_metrics(test_counts, test_labels, fitted: dict, n_classes: int = 10, *,
                       first_spike_ms=None, rstdp_class=None) -> dict:
    """All test metrics of the registered read-outs (:mod:`diehlsim.analysis.readouts`),
    fitted as ``fitted`` (``readouts.fit_all``), as a JSON-able dict. ``first_spike_ms``
    are the test presentations' first-spike times, for the read-outs that read them;
    ``rstdp_class`` the R-STDP layer's decisions, where the phase ran with it.

    Keys: ``accuracy_<name>`` for every read-out (``accuracy_all``, ``accuracy_proportion``
    for the built-in votes; a presentation a read-out leaves undecided counts as wrong),
    ``confusions`` (read-out name -> confusion matrix of its decided presentations, list of
    lists), ``undecided`` (read-out name -> presentations it gave no class); for the primary
    read-out ``confusion``, ``per_class`` (precision, recall, f1, accuracy, support, plus
    ``roc_auc``), ``roc_auc_ovr`` (macro one-vs-rest AUC of its scores; an undecided
    presentation ranks lowest for every class); ``readouts`` (names, primary first) and
    ``n_test``.
    """
    counts = as_count_matrix(test_counts, "test_counts")
    n_classes = check_n_classes(n_classes)
    labels = as_labels(test_labels, len(counts), n_classes, "test_labels")
    predicted = readouts.predictions(fitted, counts, n_classes, first_spike_ms=first_spike_ms,
                                     rstdp_class=rstdp_class)
    if not predicted:
        raise AnalysisInputError("no fitted read-out to evaluate: fit them on the labelling "
                                 "phase first (readouts.fit_all)")
    out = {f"accuracy_{name}": accuracy(labels, classes)
           for name, (_, classes) in predicted.items()}
    confusions = {name: confusion(labels, classes, n_classes, undecided=True).tolist()
                  for name, (_, classes) in predicted.items()}
    primary = next(iter(predicted))
    scores, classes = predicted[primary]
    auc = roc_auc_ovr(labels, _undecided_lowest(scores), n_classes)
    per_class = per_class_scores(labels, classes, n_classes, undecided=True)
    per_class["roc_auc"] = auc["per_class"]
    out.update(confusion=confusions[primary], confusions=confusions,
               undecided={name: int(np.sum(classes == readouts.UNDECIDED))
                          for name, (_, classes) in predicted.items()},
               per_class=per_class, roc_auc_ovr=auc["macro"], readouts=list(predicted),
               n_test=int(len(labels)))
    return out


def _undecided_lowest(scores) -> np.ndarray:
    """Scores with NaN (undecided) and -inf (never this class) below every finite score."""
    scores = np.asarray(scores, dtype=float)
    finite = scores[np.isfinite(scores)]
    lowest = (finite.min() - 1.0) if finite.size else 0.0
    return np.where(np.isfinite(scores), scores, lowest)


def _check_classes(y_true, y_pred, n_classes: int,
                   undecided: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Labels and predictions of the same length, all in ``[0, n_classes)`` (predictions
    also -1 when ``undecided``): scikit-learn would silently leave out the others."""
    y_true, y_pred = _check_pair(y_true, y_pred)
    n_classes = check_n_classes(n_classes)
    y_true = as_class_labels(y_true, n_classes, "y_true")
    if undecided:
        y_pred = as_integer_array(y_pred, "y_pred", 1)
        decided = y_pred[y_pred != readouts.UNDECIDED]
        if decided.size:
            as_class_labels(decided, n_classes, "y_pred")
        return y_true, y_pred
    return y_true, as_class_labels(y_pred, n_classes, "y_pred")


def _check_pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true = as_array(y_true, "y_true", 1)
    y_pred = as_array(y_pred, "y_pred", 1)
    if len(y_true) != len(y_pred):
        raise AnalysisInputError(
            f"y_true has {len(y_true)} entries but y_pred has {len(y_pred)}: pass one "
            f"prediction per labelled presentation"
        )
    return y_true, y_pred


def _json_floats(values) -> list:
    return [None if math.isnan(v) else float(v) for v in np.asarray(values, dtype=float)]
