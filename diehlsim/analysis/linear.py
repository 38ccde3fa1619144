"""A linear read-out: multinomial logistic regression on the spike counts (scikit-learn).

As BindsNET's ``logreg_fit`` and SNNImageClassification do, a linear classifier is trained on
the excitatory layer's responses to the labelling images and applied to the test responses.

- **Features:** ``log1p(count)`` of every neuron, then standardised (mean 0, sd 1 over the
  labelling set; a neuron silent in every labelled presentation keeps scale 1, so its
  feature stays 0 on the labelling set). Counts are Poisson-like: a few neurons fire tens of spikes
  where most fire none or a few, and the log keeps those few from dominating the weights.
- **Regularisation:** the inverse L2 strength ``C`` is chosen from :data:`C_GRID` by
  stratified k-fold cross-validation on the labelling set alone
  (:class:`sklearn.linear_model.LogisticRegressionCV`, ``k`` = :data:`CV_FOLDS` or fewer
  when a class has fewer labelled presentations), then refitted on the whole labelling set.
  The folds are scored by log-loss rather than accuracy: held-out accuracy moves in steps
  of one presentation, ties across several C on small labelling sets, and a tie goes to the
  smallest C, however much it shrinks the probabilities. The test set is never seen. The standardisation is fitted on the whole
  labelling set before the folds; it holds two numbers per neuron, so what the folds share
  through it is small.
- **Classes:** a class with fewer than two labelled presentations cannot be
  cross-validated; it is left out of the fit and never predicted (score ``-inf``). With
  fewer than two such classes the read-out raises :class:`TooFewLabels`, and
  ``readouts.fit_all`` leaves it out with a warning.

The fitted read-out is a dict of arrays (saved with the run as ``NAME.npy``): coefficients
``linear_coef`` (n_classes, neurons) and ``linear_intercept`` (n_classes), the chosen
``linear_C`` and the grid ``linear_C_grid``, the standardisation ``linear_mean`` and
``linear_scale``. Scores are the decision values ``z @ coef.T + intercept``.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

from diehlsim.analysis.validation import (
    AnalysisInputError,
    as_count_matrix,
    as_labels,
    check_n_classes,
)

class TooFewLabels(AnalysisInputError):
    """The labelling set is too small for this read-out (it is then left out, not fitted)."""


C_GRID = np.logspace(-3, 2, 6)  # inverse regularisation strengths tried by cross-validation
CV_FOLDS = 5
MAX_ITER = 1000
ARRAYS = ("linear_coef", "linear_intercept", "linear_C", "linear_C_grid", "linear_mean",
          "linear_scale")


def features(counts) -> np.ndarray:
    """The features of the linear read-out before standardisation: ``log1p`` of the counts."""
    return np.log1p(as_count_matrix(counts, "counts").astype(float))


def fit_linear(counts, labels, n_classes: int = 10, *, seed: int = 0) -> dict:
    """Fit the linear read-out on the labelling phase (``counts``, ``labels``); ``seed``
    shuffles the cross-validation folds. Returns its arrays (see the module docstring)."""
    counts = as_count_matrix(counts, "label_counts")
    n_classes = check_n_classes(n_classes)
    labels = as_labels(labels, len(counts), n_classes, "label_labels")
    kept, folds = _cross_validated_classes(labels)
    x = features(counts)
    scaler = StandardScaler().fit(x)
    z = scaler.transform(x)[kept]
    model = LogisticRegressionCV(
        Cs=C_GRID, cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        scoring="neg_log_loss", max_iter=MAX_ITER)
    # One BLAS/OpenMP thread: each iteration is a small matrix product, and worker threads
    # that spin while they wait for a core cost far more than they save on a shared machine.
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # a large C on well-separated classes stops at max_iter with a near-exact fit; the
        # cross-validation judges it by its held-out log-loss all the same
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(z, labels[kept])
    coef, intercept = _per_class(model, counts.shape[1], n_classes)
    return {"linear_coef": coef, "linear_intercept": intercept,
            "linear_C": np.float64(model.C_[0]), "linear_C_grid": C_GRID.copy(),
            "linear_mean": scaler.mean_, "linear_scale": scaler.scale_}


def linear_scores(fitted: dict, counts, n_classes: int = 10) -> np.ndarray:
    """(presentations, n_classes) decision values of the fitted read-out; ``-inf`` for a
    class it was not fitted on."""
    counts = as_count_matrix(counts, "counts")
    coef = np.asarray(fitted["linear_coef"], dtype=float)
    if coef.shape != (check_n_classes(n_classes), counts.shape[1]):
        raise AnalysisInputError(
            f"the linear read-out was fitted for {coef.shape[0]} classes and {coef.shape[1]} "
            f"neurons but the counts have {counts.shape[1]} neurons and n_classes is "
            f"{n_classes}: fit it again on this network's labelling phase")
    z = (features(counts) - fitted["linear_mean"]) / fitted["linear_scale"]
    intercept = np.asarray(fitted["linear_intercept"], dtype=float)
    fitted_classes = np.isfinite(intercept)
    scores = np.full((len(counts), n_classes), -np.inf)
    scores[:, fitted_classes] = z @ coef[fitted_classes].T + intercept[fitted_classes]
    return scores


def _cross_validated_classes(labels: np.ndarray) -> tuple[np.ndarray, int]:
    """Which presentations the fit keeps (those of classes with >= 2 labelled ones) and the
    number of folds (at most the smallest kept class, since each fold needs every class)."""
    classes, sizes = np.unique(labels, return_counts=True)
    usable = classes[sizes >= 2]
    if len(usable) < 2:
        raise TooFewLabels(
            "the linear read-out needs at least two labelled presentations of each of at "
            f"least two classes, got class sizes {dict(zip(classes.tolist(), sizes.tolist()))}"
            ": label on more images (--label-samples)")
    return np.isin(labels, usable), int(min(CV_FOLDS, sizes[sizes >= 2].min()))


def _per_class(model: LogisticRegressionCV, n_neurons: int, n_classes: int):
    """Coefficients and intercepts with one row per class of ``0 .. n_classes-1``; a class
    left out of the fit gets zero weights and a ``-inf`` intercept (never predicted)."""
    coef = np.zeros((n_classes, n_neurons))
    intercept = np.full(n_classes, -np.inf)
    if len(model.classes_) == 2:
        # scikit-learn keeps one row for two classes: P(second) = sigmoid(w . z + b), the
        # same decision as the scores (0, w . z + b)
        coef[model.classes_[1]] = model.coef_[0]
        intercept[model.classes_] = (0.0, model.intercept_[0])
    else:
        coef[model.classes_] = model.coef_
        intercept[model.classes_] = model.intercept_
    return coef, intercept
