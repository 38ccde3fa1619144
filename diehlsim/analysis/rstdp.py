"""The R-STDP decision layer as a read-out: its decisions, made in generated code, scored.

The layer (``diehlsim.models.rstdp``) learns during the simulation and decides each
presentation there: the class of its first output neuron to fire, or none. A phase run
with it brings those decisions (``Responses.rstdp_class``, -1 for none); nothing is
fitted in Python. The "fitted" array is the accuracy of its decisions on the labelling
presentations, made while it learned (``rstdp_train_accuracy``), so that a run shows how
well the layer did on its training images next to its test accuracy.
"""

from __future__ import annotations

import numpy as np

from diehlsim.analysis.validation import AnalysisInputError

ARRAYS = ("rstdp_train_accuracy",)


def as_decisions(decisions, n_presentations: int) -> np.ndarray:
    """Checked decided classes: whole numbers >= -1, one per presentation."""
    decisions = np.asarray(decisions)
    if decisions.shape != (n_presentations,) or (
            decisions.size and (decisions.dtype.kind not in "iu" or decisions.min() < -1)):
        raise AnalysisInputError(
            f"the R-STDP decisions must be {n_presentations} whole numbers >= -1 (-1: none "
            f"of its neurons fired), one per presentation; got shape {decisions.shape} and "
            f"dtype {decisions.dtype}")
    return decisions.astype(np.int64)


def fit_rstdp(given, labels, n_classes: int) -> dict:
    decided = given.rstdp_class
    right = np.mean(decided == np.asarray(labels)) if len(decided) else np.nan
    return {"rstdp_train_accuracy": np.float64(right)}


def rstdp_scores(fitted, given, n_classes: int) -> np.ndarray:
    """One-hot scores of the decided class; a row of NaN where the layer did not decide."""
    decided = given.rstdp_class
    if decided.size and decided.max() >= n_classes:
        raise AnalysisInputError(
            f"the R-STDP layer decided class {decided.max()} but there are {n_classes} "
            f"classes: build the layer with n_classes={n_classes}")
    scores = np.full((len(decided), n_classes), np.nan)
    rows = np.flatnonzero(decided >= 0)
    scores[rows] = 0.0
    scores[rows, decided[rows]] = 1.0
    return scores
