"""Read-outs: how the responses of the excitatory layer become a class, as a registry.

A :class:`Readout` is fitted on the labelling phase (responses and labels, learning off)
and then scores each test presentation per class; its prediction is the best-scoring
class. Metrics, results tables, CLI output and figures iterate over :func:`readouts`, so a
new read-out is one module that calls :func:`register`. The built-in ones are Diehl &
Cook's vote (``all``), BindsNET's proportion-weighted vote (``proportion``), the class of
the first neuron to fire (``first_spike``, :mod:`~diehlsim.analysis.first_spike`),
multinomial logistic regression on the counts (``linear``, :mod:`~diehlsim.analysis.linear`)
and the R-STDP decision layer's own decision (``rstdp``, :mod:`~diehlsim.analysis.rstdp`;
only where the phase ran with that layer);
the first registered is the *primary* read-out, whose per-class scores are kept.

The responses of a phase are :class:`Responses`: the spike counts and the first-spike
times of every presentation and neuron. A read-out that reads only the counts (``reads``
left at ``("counts",)``) gets the count matrix, as before; one that reads more gets the
:class:`Responses` and is fitted only when those are given. A read-out may leave a
presentation undecided by giving it a row of NaN scores: its class is then -1, which
counts as wrong.

A fitted read-out is a dict of named arrays (``assignments``, ``proportions``, ...): saved in
a run as ``NAME.npy``, shared between read-outs that need the same array.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from diehlsim.analysis import first_spike, linear
from diehlsim.analysis import rstdp as rstdp_readout
from diehlsim.analysis.labelling import assign_labels, class_proportions, vote_scores
from diehlsim.analysis.validation import AnalysisInputError, as_count_matrix, as_labels
from diehlsim.registry import Registry

TooFewLabels = linear.TooFewLabels  # raised by a fit that needs more labelled images
COUNTS_ONLY = ("counts",)
UNDECIDED = -1  # the class of a presentation a read-out leaves undecided (NaN scores)


@dataclass(frozen=True)
class Responses:
    """What a read-out may read of a phase, per presentation (rows) and excitatory neuron."""

    counts: np.ndarray  # spike counts
    first_spike_ms: np.ndarray | None = None  # ms from the window start; inf when silent
    # (presentations,) the class the R-STDP decision layer decided in generated code, -1
    # when none of its neurons fired (given only when the network has that layer)
    rstdp_class: np.ndarray | None = None

    def has(self, names) -> bool:
        return all(getattr(self, name) is not None for name in names)


@dataclass(frozen=True)
class Readout:
    """``fit(responses, labels, n_classes) -> {array name: array}`` with the names in
    ``arrays``; ``scores(fitted, responses, n_classes) -> (presentations, n_classes)``.

    ``responses`` is the count matrix when ``reads`` is ``("counts",)`` (the default), else
    a :class:`Responses` holding at least the fields named in ``reads``."""

    name: str  # metric key accuracy_<name>
    title: str  # in tables, CLI output and figures
    arrays: tuple[str, ...]  # names of the fitted arrays (saved as NAME.npy)
    fit: Callable
    scores: Callable
    reads: tuple[str, ...] = COUNTS_ONLY  # the fields of Responses it needs
    # only when asked for (the R-STDP layer): left out of the fixed columns of results
    # tables (accuracy_columns), reported wherever a run's metrics have it
    optional: bool = False


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


def responses(counts, first_spike_ms=None, rstdp_class=None) -> Responses:
    """Checked :class:`Responses` of one phase (``counts`` may already be one)."""
    if isinstance(counts, Responses):
        counts, first_spike_ms, rstdp_class = (counts.counts, counts.first_spike_ms,
                                               counts.rstdp_class)
    counts = as_count_matrix(counts, "counts")
    if first_spike_ms is not None:
        first_spike_ms = first_spike.as_first_spike_matrix(first_spike_ms, counts)
    if rstdp_class is not None:
        rstdp_class = rstdp_readout.as_decisions(rstdp_class, len(counts))
    return Responses(counts, first_spike_ms, rstdp_class)


def fit_all(counts, labels, n_classes: int = 10, *, first_spike_ms=None,
            rstdp_class=None) -> dict[str, dict]:
    """Every registered read-out fitted on the labelling phase: name -> fitted arrays.

    ``counts`` is the count matrix or :class:`Responses`; a read-out that reads first-spike
    times is fitted only when they are given (``first_spike_ms``). A read-out whose fit
    raises :class:`TooFewLabels` is left out, with a warning that says why."""
    given = responses(counts, first_spike_ms, rstdp_class)
    labels = as_labels(labels, len(given.counts), n_classes, "label_labels")
    fitted = {}
    for readout in readouts():
        if not given.has(readout.reads):
            continue
        try:
            fitted[readout.name] = readout.fit(_input(readout, given), labels, n_classes)
        except TooFewLabels as exc:
            warnings.warn(f"the {readout.title} read-out is left out: {exc}", stacklevel=2)
    return fitted


def _input(readout: Readout, given: Responses):
    return given.counts if readout.reads == COUNTS_ONLY else given


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


def predictions(fitted: dict[str, dict], counts, n_classes: int = 10, *,
                first_spike_ms=None, rstdp_class=None) -> dict:
    """``{name: (scores, predicted class)}`` of every fitted read-out; the class is
    :data:`UNDECIDED` (-1) where the read-out's scores are all NaN."""
    given = responses(counts, first_spike_ms, rstdp_class)
    out = {}
    for readout in readouts():
        if readout.name not in fitted:
            continue
        if not given.has(readout.reads):
            raise AnalysisInputError(
                f"the {readout.title} read-out reads {', '.join(readout.reads)}: pass them "
                f"for the test presentations too (e.g. first_spike_ms=PhaseResult."
                f"first_spike_ms)")
        scores = readout.scores(fitted[readout.name], _input(readout, given), n_classes)
        out[readout.name] = (scores, _classes(scores))
    return out


def _classes(scores) -> np.ndarray:
    scores = np.asarray(scores, dtype=float)
    undecided = np.isnan(scores).all(axis=1)
    classes = np.argmax(np.where(np.isnan(scores), -np.inf, scores), axis=1).astype(np.int64)
    classes[undecided] = UNDECIDED
    return classes


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


def _fit_first_spike(given: Responses, labels, n_classes):
    return _fit_assignments(given.counts, labels, n_classes)  # the all vote's assignments


def _first_spike(fitted, given: Responses, n_classes):
    return first_spike.first_spike_scores(given.first_spike_ms, given.counts,
                                          fitted["assignments"], n_classes)


FIRST_SPIKE = register(Readout("first_spike", "first spike", ("assignments",),
                               _fit_first_spike, _first_spike,
                               reads=("counts", "first_spike_ms")))
LINEAR = register(Readout("linear", "linear", linear.ARRAYS,
                          linear.fit_linear, linear.linear_scores))


# Decided in generated code by the R-STDP layer (models.rstdp); fitted only where a phase
# brings its decisions, i.e. when evaluate was asked for it.
RSTDP = register(Readout("rstdp", "R-STDP", rstdp_readout.ARRAYS, rstdp_readout.fit_rstdp,
                         rstdp_readout.rstdp_scores, reads=("counts", "rstdp_class"),
                         optional=True))


def accuracy_columns(present=()) -> list[str]:
    """``accuracy_<name>`` of every registered read-out that is not optional, the primary
    one first, and of each optional one whose column is in ``present`` (a table's columns
    or a run's metrics: the runs that were asked for it)."""
    present = set(present)
    return [accuracy_key(r) for r in readouts()
            if not r.optional or accuracy_key(r) in present]


def accuracies(metrics: dict) -> list[tuple[Readout, float]]:
    """``(read-out, accuracy)`` of every registered read-out that ``metrics`` reports."""
    return [(r, float(metrics[accuracy_key(r)])) for r in readouts()
            if accuracy_key(r) in metrics]
