"""Information of every (x, y) variable pair at once, from matrix products.

For ``A`` variables ``X`` and ``B`` variables ``Y`` observed on the same ``N`` samples, the
joint histogram of every pair comes out of one matrix product:

* binary variables (0/1 columns): ``n11 = X^T Y`` (A x B) counts the samples where both are
  1; with the marginals ``n_x = sum X``, ``n_y = sum Y`` the other cells follow,
  ``n10 = n_x - n11``, ``n01 = n_y - n11``, ``n00 = N - n_x - n_y + n11``;
* discrete variables with ``Kx``, ``Ky`` values: one-hot encode ``X`` to ``N x (A Kx)`` and
  ``Y`` to ``N x (B Ky)``; ``OX^T OY`` reshaped to ``(A, B, Kx, Ky)`` holds every table.

The products are done in float32 when ``N < 2**24``: every partial sum is a whole number
below 2**24, which float32 represents exactly, so the counts are exact and the product is
about twice as fast as in float64. All estimators then run on the stacked tables
(:mod:`diehlsim.analysis.estimators`), so 784 x 400 pairs on 10,000 samples take about a
second instead of the minutes a per-pair loop needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diehlsim.analysis.estimators import (
    binary_pair_tables,
    miller_madow_mi_bias,
    panzeri_treves_mi_bias,
    plugin_entropy,
    plugin_joint_entropy,
    plugin_mutual_information,
)
from diehlsim.analysis.significance import chi2_p_value, g_test
from diehlsim.analysis.validation import (
    AnalysisInputError,
    as_array,
    as_binary_matrix,
    check_length,
    is_binary,
)

_EXACT_FLOAT32_LIMIT = 2**24


@dataclass(frozen=True)
class PairwiseInformation:
    """Information measures of all (x, y) pairs, in bits; arrays are (A, B) unless noted.

    With ``strata`` every measure is conditional on the stratum (e.g. the presentation):
    ``plugin = I(X;Y|Z)``, ``joint_entropy = H(X,Y|Z)``, ``entropy_x = H(X|Z)``, and the
    G-test is the stratified one.
    """

    plugin: np.ndarray
    miller_madow: np.ndarray
    panzeri_treves: np.ndarray
    joint_entropy: np.ndarray
    entropy_x: np.ndarray  # (A,)
    entropy_y: np.ndarray  # (B,)
    g_statistic: np.ndarray
    g_dof: np.ndarray
    g_p_value: np.ndarray
    n_samples: int


def binary_pair_counts(x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(n11, n_x, n_y, N)`` of binary matrices ``x`` (N, A) and ``y`` (N, B).

    ``n11[a, b] = sum_t x[t, a] y[t, b]`` (one matrix product), ``n_x``, ``n_y``: ones per column.
    """
    x = as_binary_matrix(x, "x")
    y = as_binary_matrix(y, "y")
    check_length(y, len(x), "y", "samples (rows of x)")
    dtype = _product_dtype(len(x))
    x_float = x.astype(dtype)
    y_float = y.astype(dtype)
    n11 = np.rint(x_float.T @ y_float).astype(np.int64)
    return n11, x.sum(axis=0, dtype=np.int64), y.sum(axis=0, dtype=np.int64), len(x)


def binary_pairwise_tables(x, y) -> np.ndarray:
    """(A, B, 2, 2) joint tables of all pairs of binary columns (rows x = 0/1, columns y = 0/1)."""
    n11, n_x, n_y, n = binary_pair_counts(x, y)
    return binary_pair_tables(n11, n_x[:, None], n_y[None, :], n)


def pairwise_contingency(x, y) -> np.ndarray:
    """(A, B, Kx, Ky) joint tables of all pairs of discrete columns, via one-hot products.

    Each column is coded separately by its sorted distinct values (code ``k`` = k-th
    smallest value); ``Kx``, ``Ky`` are the largest numbers of distinct values of a column, and
    columns with fewer values have empty trailing rows/columns, which every estimator ignores.
    """
    x = as_array(x, "x", 2)
    y = as_array(y, "y", 2)
    check_length(y, len(x), "y", "samples (rows of x)")
    x_codes, k_x = _column_codes(x)
    y_codes, k_y = _column_codes(y)
    dtype = _product_dtype(len(x))
    product = _one_hot(x_codes, k_x, dtype).T @ _one_hot(y_codes, k_y, dtype)
    tables = product.reshape(x.shape[1], k_x, y.shape[1], k_y).transpose(0, 2, 1, 3)
    return np.rint(tables).astype(np.int64)


def pairwise_tables(x, y) -> np.ndarray:
    """Joint tables of all pairs: the binary fast path when both matrices are 0/1."""
    x = as_array(x, "x", 2)
    y = as_array(y, "y", 2)
    if is_binary(x) and is_binary(y):
        return binary_pairwise_tables(x, y)
    return pairwise_contingency(x, y)


def pairwise_information(x, y, strata=None) -> PairwiseInformation:
    """Plug-in, Miller-Madow and Panzeri-Treves MI, joint entropy and G-test of all pairs.

    Parameters
    ----------
    x : (N, A) discrete samples (columns are variables, e.g. input neurons per time bin).
    y : (N, B) discrete samples on the same N rows (e.g. output neurons).
    strata : optional (N,) stratum of each row (e.g. the presentation); the measures are
        then conditional on the stratum, ``I(X;Y|Z) = sum_z p(z) I(X;Y|z)``.

    The Panzeri-Treves correction treats ``x`` as the stimulus and ``y`` as the response.
    """
    x = as_array(x, "x", 2)
    y = as_array(y, "y", 2)
    check_length(y, len(x), "y", "samples (rows of x)")
    if strata is None:
        return _unconditional(x, y)
    strata = as_array(strata, "strata", 1)
    check_length(strata, len(x), "strata")
    return _conditional(x, y, strata)


def _unconditional(x: np.ndarray, y: np.ndarray) -> PairwiseInformation:
    """All measures, computed on the pairs of varying columns only.

    A pair with a constant variable has I = 0, both biases 0 (its table has one occupied
    row or column, so ``Kxy - Kx - Ky + 1 = 0``), ``H(X,Y) = H(X) + H(Y)``, G = 0 with no
    degree of freedom and p = 1; these are filled in directly. Spike rasters are mostly
    silent neurons, so this skips most of the work.
    """
    entropy_x, entropy_y = column_entropies(x), column_entropies(y)
    shape = (x.shape[1], y.shape[1])
    result = {
        "plugin": np.zeros(shape),
        "miller_madow": np.zeros(shape),
        "panzeri_treves": np.zeros(shape),
        "joint_entropy": entropy_x[:, None] + entropy_y[None, :],
        "g_statistic": np.zeros(shape),
        "g_dof": np.zeros(shape, dtype=np.int64),
        "g_p_value": np.ones(shape),
    }
    varying_x, varying_y = _varying_columns(x), _varying_columns(y)
    if len(varying_x) and len(varying_y):
        tables = pairwise_tables(x[:, varying_x], y[:, varying_y])
        plugin = plugin_mutual_information(tables)
        statistic, dof, p_value = g_test(tables)
        computed = {
            "plugin": plugin,
            "miller_madow": plugin - miller_madow_mi_bias(tables),
            "panzeri_treves": plugin - panzeri_treves_mi_bias(tables),
            "joint_entropy": plugin_joint_entropy(tables),
            "g_statistic": statistic,
            "g_dof": dof,
            "g_p_value": p_value,
        }
        cell = np.ix_(varying_x, varying_y)
        for name, values in computed.items():
            result[name][cell] = values
    return PairwiseInformation(**result, entropy_x=entropy_x, entropy_y=entropy_y,
                               n_samples=len(x))


def _conditional(x: np.ndarray, y: np.ndarray, strata: np.ndarray) -> PairwiseInformation:
    # Accumulate p(z)-weighted per-stratum measures: I(X;Y|Z) = sum_z p(z) I(X;Y|z), and the
    # same for the biases and entropies; G statistics and degrees of freedom simply add.
    n = len(x)
    totals: dict[str, np.ndarray] = {}
    for stratum in np.unique(strata):
        rows = strata == stratum
        weight = rows.sum() / n
        parts = _unconditional(x[rows], y[rows])
        for name in ("plugin", "miller_madow", "panzeri_treves", "joint_entropy",
                     "entropy_x", "entropy_y"):
            totals[name] = totals.get(name, 0.0) + weight * getattr(parts, name)
        totals["g_statistic"] = totals.get("g_statistic", 0.0) + parts.g_statistic
        totals["g_dof"] = totals.get("g_dof", 0) + parts.g_dof
    return PairwiseInformation(
        **totals,
        g_p_value=chi2_p_value(totals["g_statistic"], totals["g_dof"]),
        n_samples=n,
    )


def column_entropies(matrix: np.ndarray) -> np.ndarray:
    """Plug-in entropy (bits) of each column of a (N, A) discrete matrix."""
    if is_binary(matrix):
        ones = matrix.sum(axis=0, dtype=np.float64)
        return plugin_entropy(np.stack([len(matrix) - ones, ones], axis=-1))
    return np.array([
        float(plugin_entropy(np.unique(column, return_counts=True)[1])) for column in matrix.T
    ])


def _varying_columns(matrix: np.ndarray) -> np.ndarray:
    return np.flatnonzero((matrix != matrix[:1]).any(axis=0))


def _product_dtype(n_samples: int):
    return np.float32 if n_samples < _EXACT_FLOAT32_LIMIT else np.float64


def _column_codes(matrix: np.ndarray) -> tuple[np.ndarray, int]:
    codes = np.empty(matrix.shape, dtype=np.int64)
    n_values = 1
    for column in range(matrix.shape[1]):
        values, codes[:, column] = np.unique(matrix[:, column], return_inverse=True)
        n_values = max(n_values, len(values))
    return codes, n_values


def _one_hot(codes: np.ndarray, n_values: int, dtype) -> np.ndarray:
    n, n_columns = codes.shape
    n_bytes = n * n_columns * n_values * np.dtype(dtype).itemsize
    if n_bytes > 8 * 2**30:
        raise AnalysisInputError(
            f"the one-hot encoding needs {n_bytes / 2**30:.1f} GiB: bin the variables "
            f"into fewer values or analyse fewer columns at a time"
        )
    encoded = np.zeros((n, n_columns, n_values), dtype=dtype)
    encoded[np.arange(n)[:, None], np.arange(n_columns)[None, :], codes] = 1
    return encoded.reshape(n, n_columns * n_values)
