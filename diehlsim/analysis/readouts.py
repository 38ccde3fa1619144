"""Read-outs: how the spike counts of the excitatory layer become a class, as a registry.

A :class:`Readout` is fitted on the labelling phase (spike counts and labels, learning
off) and then scores each test presentation per class; its prediction is the best-scoring
class. Metrics, results tables, CLI output and figures iterate over :func:`readouts`, so a
new read-out is one module that calls :func:`register`. The built-in ones are Diehl &
Cook's vote (``all``) and BindsNET's proportion-weighted vote (``proportion``); the first
registered is the *primary* read-out, whose confusion matrix and per-class scores are kept.

A fitted read-out is a dict of named arrays (``assignments``, ``proportions``): saved in
a run as ``NAME.npy``, shared between read-outs that need the same array.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from diehlsim.analysis.labelling import assign_labels, class_proportions, vote_scores
from diehlsim.analysis.validation import AnalysisInputError, as_count_matrix, as_labels
from diehlsim.registry import Registry


@dataclass(frozen=True)
class Readout:
    """``fit(counts, labels, n_classes) -> {array name: array}`` with the names in
    ``arrays``; ``scores(fitted, counts, n_classes) -> (presentations, n_classes)``."""

    name: str  # metric key accuracy_<name>
    title: str  # in tables, CLI output and figures
    arrays: tuple[str, ...]  # names of the fitted arrays (saved as NAME.npy)
    fit: Callable
    scores: Callable


_READOUTS = Registry("read-out", AnalysisInputError)


def register(readout: Readout, *, replace: bool = False) -> Readout:
    return _READOUTS.register(readout, replace=replace)


def unregister(name: str) -> None:
    _READOUTS.unregister(name)


def readouts() -> list[Readout]:
    """The registered read-outs, the primary one first."""
    return _READOUTS.values()


def get(name: str) -> Readout:
    return _READOUTS.get(name)


def accuracy_key(readout: Readout) -> str:
    return f"accuracy_{readout.name}"


def fit_all(counts, labels, n_classes: int = 10) -> dict[str, dict]:
    """Every registered read-out fitted on the labelling phase: name -> fitted arrays."""
    counts = as_count_matrix(counts, "label_counts")
    labels = as_labels(labels, len(counts), n_classes, "label_labels")
    return {r.name: r.fit(counts, labels, n_classes) for r in readouts()}


def fitted_arrays(fitted: dict[str, dict]) -> dict[str, np.ndarray]:
    """The arrays of all fitted read-outs by name (as saved in a run)."""
    arrays = {}
    for parts in fitted.values():
        arrays.update(parts)
    return arrays


def fitted_from_arrays(arrays: dict[str, np.ndarray]) -> dict[str, dict]:
    """Rebuild each read-out's fitted state from saved arrays; a read-out whose arrays are
    missing is left out."""
    out = {}
    for readout in readouts():
        if all(name in arrays for name in readout.arrays):
            out[readout.name] = {name: arrays[name] for name in readout.arrays}
    return out


def predictions(fitted: dict[str, dict], counts, n_classes: int = 10) -> dict:
    """``{name: (scores, predicted class)}`` of every fitted read-out."""
    out = {}
    for readout in readouts():
        if readout.name in fitted:
            scores = readout.scores(fitted[readout.name], counts, n_classes)
            out[readout.name] = (scores, np.argmax(scores, axis=1).astype(np.int64))
    return out


# -- the built-in read-outs ---------------------------------------------------------------
def _fit_assignments(counts, labels, n_classes):
    return {"assignments": assign_labels(counts, labels, n_classes)}


def _fit_proportions(counts, labels, n_classes):
    return {"assignments": assign_labels(counts, labels, n_classes),
            "proportions": class_proportions(counts, labels, n_classes)}


def _all_vote(fitted, counts, n_classes):
    return vote_scores(counts, fitted["assignments"], "all", None, n_classes)


def _proportion_vote(fitted, counts, n_classes):
    return vote_scores(counts, fitted["assignments"], "proportion", fitted["proportions"],
                       n_classes)


ALL_VOTE = register(Readout("all", "all vote", ("assignments",), _fit_assignments,
                            _all_vote))
PROPORTION_VOTE = register(Readout("proportion", "proportion vote",
                                   ("assignments", "proportions"), _fit_proportions,
                                   _proportion_vote))


def accuracy_columns() -> list[str]:
    """``accuracy_<name>`` of every registered read-out, the primary one first."""
    return [accuracy_key(r) for r in readouts()]


def accuracies(metrics: dict) -> list[tuple[Readout, float]]:
    """``(read-out, accuracy)`` of every registered read-out that ``metrics`` reports."""
    return [(r, float(metrics[accuracy_key(r)])) for r in readouts()
            if accuracy_key(r) in metrics]
