"""Input checks shared by the analysis modules.

Every check raises :class:`AnalysisInputError` with a message that names the argument, what
is wrong with it and how to fix it, so a bad call fails at its boundary instead of deep inside
a matrix product with an opaque numpy error.
"""

from __future__ import annotations

import numpy as np

from diehlsim.errors import DiehlsimError


class AnalysisInputError(DiehlsimError, ValueError):
    """Arrays given to an analysis function have the wrong shape, length, type or values."""


def as_array(values, name: str, ndim: int) -> np.ndarray:
    """``values`` as a non-empty numeric array with ``ndim`` dimensions and no NaN/inf."""
    array = np.asarray(values)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise AnalysisInputError(
            f"{name} must be numeric, got dtype {array.dtype}: pass a numpy array of numbers"
        )
    if array.ndim != ndim:
        raise AnalysisInputError(
            f"{name} must be {ndim}-dimensional, got shape {array.shape}: reshape it "
            f"({'samples' if ndim == 1 else 'samples x variables'})"
        )
    if array.size == 0:
        raise AnalysisInputError(f"{name} is empty (shape {array.shape}): pass at least one sample")
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        raise AnalysisInputError(
            f"{name} contains NaN or infinite values: drop or fill them before the analysis"
        )
    return array


def as_integer_array(values, name: str, ndim: int) -> np.ndarray:
    """``values`` as an int64 array; floats are accepted only when they are whole numbers."""
    array = as_array(values, name, ndim)
    if np.issubdtype(array.dtype, np.floating) and not np.all(array == np.round(array)):
        raise AnalysisInputError(f"{name} must hold whole numbers, got fractional values")
    return array.astype(np.int64)


def as_count_matrix(counts, name: str = "counts") -> np.ndarray:
    """A (presentations, neurons) matrix of non-negative whole spike counts, as int64."""
    array = as_integer_array(counts, name, 2)
    if (array < 0).any():
        raise AnalysisInputError(
            f"{name} contains negative values (min {array.min()}): spike counts are >= 0"
        )
    return array


def as_count_table(table, name: str = "table") -> np.ndarray:
    """A contingency table (..., rows, columns) of non-negative whole counts, as float."""
    array = np.asarray(table)
    if array.ndim < 2:
        raise AnalysisInputError(
            f"{name} must have at least 2 dimensions (..., rows, columns), got shape "
            f"{array.shape}")
    counts = as_integer_array(array.reshape(-1, array.shape[-1]), name, 2)
    if (counts < 0).any():
        raise AnalysisInputError(f"{name} contains negative counts (min {counts.min()})")
    return counts.reshape(array.shape).astype(float)


def as_class_labels(values, n_classes: int, name: str) -> np.ndarray:
    """Class labels in ``[0, n_classes)`` (a -1 "unassigned" is not a class)."""
    labels = as_integer_array(values, name, 1)
    if labels.min() < 0 or labels.max() >= n_classes:
        raise AnalysisInputError(
            f"{name} must be classes 0..{n_classes - 1}, got values {labels.min()}.."
            f"{labels.max()}")
    return labels


def as_labels(labels, n_samples: int, n_classes: int, name: str = "labels") -> np.ndarray:
    """Class labels of ``n_samples`` samples, each in ``[0, n_classes)``, as int64."""
    array = as_integer_array(labels, name, 1)
    check_length(array, n_samples, name)
    if array.min() < 0 or array.max() >= n_classes:
        raise AnalysisInputError(
            f"{name} must lie in [0, {n_classes}), got values in [{array.min()}, {array.max()}]: "
            f"check the labels or pass the right n_classes"
        )
    return array


def as_assignments(assignments, n_neurons: int, n_classes: int) -> np.ndarray:
    """Class assigned to each neuron, in ``[-1, n_classes)`` (-1: never fired), as int64."""
    array = as_integer_array(assignments, "assignments", 1)
    check_length(array, n_neurons, "assignments", "neurons (columns of counts)")
    if array.min() < -1 or array.max() >= n_classes:
        raise AnalysisInputError(
            f"assignments must lie in [-1, {n_classes}), got [{array.min()}, {array.max()}]: "
            f"use assign_labels() output or pass the right n_classes"
        )
    return array


def as_binary_matrix(values, name: str) -> np.ndarray:
    """A (samples, variables) matrix of 0/1 values, as uint8."""
    array = as_array(values, name, 2)
    if not is_binary(array):
        raise AnalysisInputError(
            f"{name} must hold only 0 and 1 (binarised spikes); use pairwise_contingency() "
            f"for variables with more values"
        )
    return array.astype(np.uint8)


def is_binary(array: np.ndarray) -> bool:
    """True when every entry is 0 or 1 (two comparisons: much faster than ``np.isin``)."""
    return bool(((array == 0) | (array == 1)).all())


def check_length(array: np.ndarray, expected: int, name: str, what: str = "samples") -> None:
    if len(array) != expected:
        raise AnalysisInputError(
            f"{name} has length {len(array)} but there are {expected} {what}: "
            f"the arrays must describe the same {what}"
        )


def check_n_classes(n_classes: int) -> int:
    if int(n_classes) != n_classes or n_classes < 2:
        raise AnalysisInputError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    return int(n_classes)


def check_n_permutations(n_permutations: int) -> int:
    if int(n_permutations) != n_permutations or n_permutations < 1:
        raise AnalysisInputError(
            f"n_permutations must be a positive integer, got {n_permutations!r}"
        )
    return int(n_permutations)
