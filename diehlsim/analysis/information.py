"""Entropy, mutual information and their bias-corrected estimators on samples, in bits.

Quantities (all in bits; ``X``, ``Y``, ``Z`` discrete, given as equally long 1-D samples)::

    H(X)       = -sum_x p(x) log2 p(x)
    H(X,Y)     = -sum_xy p(x,y) log2 p(x,y)
    H(X|Y)     = H(X,Y) - H(Y)
    I(X;Y)     = H(X) + H(Y) - H(X,Y)
    I(X;Y|Z)   = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) = sum_z p(z) I(X;Y|Z=z)

Estimators (every one returns the corrected value *and* the plug-in value, see
:class:`Estimate`):

``plugin``
    Maximum-likelihood: probabilities are the observed frequencies. Entropies are biased
    down and mutual information up, by ``O(1/N)``.
``miller_madow``
    Plug-in minus the first-order bias (Miller 1955): ``+(K-1)/(2N ln 2)`` per entropy with
    ``K`` occupied bins; for MI ``-(Kxy - Kx - Ky + 1)/(2N ln 2)``, i.e.
    ``-(Kx-1)(Ky-1)/(2N ln 2)`` with all cells occupied.
``panzeri_treves``
    The same first-order correction with the number of *relevant* bins of each conditional
    response distribution estimated by Panzeri & Treves' (1996) Bayesian count
    (:func:`~diehlsim.analysis.estimators.bayesian_relevant_bins`); ``x`` is the stimulus and
    ``y`` the response. For entropies pass ``n_values`` (size of the response space) for the
    Bayesian count to have unseen bins to add; otherwise it equals Miller-Madow.
``shuffle``
    Plug-in minus the mean plug-in MI over ``n_permutations`` random permutations of ``y``
    (within strata of ``z`` for conditional MI), which estimates the bias under independence
    (e.g. Panzeri et al. 2007, J. Neurophysiol. 98:1064). MI only; also gives a p-value.
``quadratic_extrapolation``
    Strong et al. (1998, Phys. Rev. Lett. 80:197): the plug-in on the whole data, on halves
    and on quarters (averaged over ``n_repeats`` random splits) is fitted as
    ``a + b/N + c/N^2``; the estimate is the intercept ``a`` (infinite-data limit).

Significance and all-pairs (vectorised) versions are re-exported from
:mod:`~diehlsim.analysis.significance` and :mod:`~diehlsim.analysis.pairwise`.

Why one module: every estimator is built on the same joint counts of the same
samples, and the tests cross-check them against each other; split, each file would need
the formulas above anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from diehlsim.analysis.estimators import (
    LN2,
    miller_madow_cmi_bias,
    miller_madow_entropy_bias,
    miller_madow_mi_bias,
    panzeri_treves_entropy_bias,
    panzeri_treves_mi_bias,
    plugin_conditional_mutual_information,
    plugin_entropy,
    plugin_mutual_information,
)
from diehlsim.analysis.pairwise import (  # noqa: F401  (re-exported API)
    PairwiseInformation,
    binary_pair_counts,
    binary_pairwise_tables,
    pairwise_contingency,
    pairwise_information,
    pairwise_tables,
)
from diehlsim.analysis.significance import (  # noqa: F401  (re-exported API)
    benjamini_hochberg,
    g_test,
    permutation_p_value,
    stratified_g_test,
)
from diehlsim.analysis.validation import (
    AnalysisInputError,
    as_array,
    check_length,
    check_n_permutations,
)

ENTROPY_ESTIMATORS = ("plugin", "miller_madow", "panzeri_treves", "quadratic_extrapolation")
MI_ESTIMATORS = ENTROPY_ESTIMATORS + ("shuffle",)


@dataclass(frozen=True)
class Estimate:
    """One estimate in bits: ``bits`` (bias-corrected) and ``plugin`` (uncorrected).

    ``null_mean``, ``null_std`` and ``p_value`` come from the permutation null of the
    ``shuffle`` estimator and are NaN for the others.
    """

    bits: float
    plugin: float
    estimator: str
    n_samples: int
    null_mean: float = float("nan")
    null_std: float = float("nan")
    p_value: float = float("nan")

    @property
    def bias(self) -> float:
        """Estimated bias ``plugin - bits``."""
        return self.plugin - self.bits


@dataclass(frozen=True)
class PermutationResult:
    """Plug-in MI of the data, its permutation null and the permutation p-value."""

    observed: float
    null: np.ndarray
    p_value: float

    @property
    def null_mean(self) -> float:
        return float(self.null.mean())


# ---------------------------------------------------------------------------------------
# Coding samples into tables
# ---------------------------------------------------------------------------------------


def discretise(values, name: str = "x") -> tuple[np.ndarray, int]:
    """Codes ``0 .. K-1`` of a 1-D discrete sample (by sorted distinct value) and ``K``."""
    array = as_array(values, name, 1)
    distinct, codes = np.unique(array, return_inverse=True)
    return codes.astype(np.int64), len(distinct)


def contingency_table(x, y) -> np.ndarray:
    """(Kx, Ky) joint histogram of two equally long discrete samples."""
    x_codes, k_x, y_codes, k_y = _paired_codes(x, y)
    return _table(x_codes, k_x, y_codes, k_y)


# ---------------------------------------------------------------------------------------
# Entropies
# ---------------------------------------------------------------------------------------


def entropy(x, estimator: str = "plugin", n_values: int | None = None, rng=None) -> Estimate:
    """``H(X)`` in bits. ``n_values``: size of X's value space (Panzeri-Treves only)."""
    codes, k = discretise(x)
    _check_estimator(estimator, ENTROPY_ESTIMATORS, "entropy")
    if n_values is not None and n_values < k:
        raise AnalysisInputError(
            f"n_values={n_values} is below the {k} distinct values observed in x"
        )

    def histogram(rows):
        return np.bincount(codes[rows], minlength=k)

    return _entropy_estimate(histogram, len(codes), estimator, n_values, rng)


def joint_entropy(x, y, estimator: str = "plugin", rng=None) -> Estimate:
    """``H(X,Y)`` in bits (the entropy of the pair; PT response space ``Kx * Ky``)."""
    x_codes, k_x, y_codes, k_y = _paired_codes(x, y)
    _check_estimator(estimator, ENTROPY_ESTIMATORS, "joint entropy")
    pair = x_codes * k_y + y_codes

    def histogram(rows):
        return np.bincount(pair[rows], minlength=k_x * k_y)

    return _entropy_estimate(histogram, len(pair), estimator, k_x * k_y, rng)


def conditional_entropy(x, y, estimator: str = "plugin", rng=None) -> Estimate:
    """``H(X|Y) = H(X,Y) - H(Y) = sum_y p(y) H(X|Y=y)`` in bits.

    Bias: Miller-Madow ``-(Kxy - Ky)/(2N ln 2)``; Panzeri-Treves
    ``-sum_y (R_{x|y} - 1)/(2N ln 2)`` with Bayesian counts over the observed X values.
    """
    x_codes, k_x, y_codes, k_y = _paired_codes(x, y)
    _check_estimator(estimator, ENTROPY_ESTIMATORS, "conditional entropy")

    def table(rows):
        # conditioned variable Y on the rows, X along the columns
        return _table(y_codes[rows], k_y, x_codes[rows], k_x)

    def plugin(rows):
        counts = table(rows)
        weights = counts.sum(axis=1) / counts.sum()
        return float((weights * plugin_entropy(counts)).sum())

    def bias(counts):
        n = counts.sum()
        if estimator == "miller_madow":
            per_row = miller_madow_entropy_bias(counts)
        else:
            per_row = panzeri_treves_entropy_bias(counts, (counts.sum(axis=0) > 0).sum())
        return float((counts.sum(axis=1) / n * per_row).sum())

    return _corrected(plugin, lambda rows: bias(table(rows)), len(x_codes), estimator, rng)


# ---------------------------------------------------------------------------------------
# Mutual information
# ---------------------------------------------------------------------------------------


def mutual_information(
    x, y, estimator: str = "plugin", n_permutations: int = 200, rng=None
) -> Estimate:
    """``I(X;Y)`` in bits with the chosen estimator (``x``: stimulus, ``y``: response for PT)."""
    x_codes, k_x, y_codes, k_y = _paired_codes(x, y)
    _check_estimator(estimator, MI_ESTIMATORS, "mutual information")

    def table(rows):
        return _table(x_codes[rows], k_x, y_codes[rows], k_y)

    if estimator == "shuffle":
        return _shuffle_estimate(x_codes, k_x, y_codes, k_y, None, n_permutations, rng)
    bias = miller_madow_mi_bias if estimator == "miller_madow" else panzeri_treves_mi_bias
    return _corrected(
        lambda rows: float(plugin_mutual_information(table(rows))),
        lambda rows: float(bias(table(rows))),
        len(x_codes), estimator, rng,
    )


def conditional_mutual_information(
    x, y, z, estimator: str = "plugin", n_permutations: int = 200, rng=None
) -> Estimate:
    """``I(X;Y|Z) = sum_z p(z) I(X;Y|Z=z)`` in bits.

    Biases are the ``p(z)``-weighted per-stratum biases; ``shuffle`` permutes ``y`` within
    each stratum of ``z``, which keeps every ``p(x|z)`` and ``p(y|z)`` and destroys only the
    dependence of X and Y given Z.
    """
    x_codes, k_x, y_codes, k_y = _paired_codes(x, y)
    z_codes, k_z = discretise(z, "z")
    check_length(z_codes, len(x_codes), "z")
    _check_estimator(estimator, MI_ESTIMATORS, "conditional mutual information")
    if estimator == "shuffle":
        return _shuffle_estimate(x_codes, k_x, y_codes, k_y, z_codes, n_permutations, rng)

    def table(rows):
        flat = (z_codes[rows] * k_x + x_codes[rows]) * k_y + y_codes[rows]
        return np.bincount(flat, minlength=k_z * k_x * k_y).reshape(k_z, k_x, k_y)

    def bias(rows):
        counts = table(rows)
        if estimator == "miller_madow":
            return float(miller_madow_cmi_bias(counts))
        weights = counts.sum(axis=(1, 2)) / counts.sum()
        return float((weights * panzeri_treves_mi_bias(counts)).sum())

    return _corrected(
        lambda rows: float(plugin_conditional_mutual_information(table(rows))),
        bias, len(x_codes), estimator, rng,
    )


def mutual_information_estimates(
    x, y, n_permutations: int = 200, rng=None
) -> dict[str, Estimate]:
    """``I(X;Y)`` with every estimator, keyed by estimator name (one shared ``rng``)."""
    rng = np.random.default_rng(rng)
    return {
        name: mutual_information(x, y, name, n_permutations, rng) for name in MI_ESTIMATORS
    }


def permutation_test(
    x, y, n_permutations: int = 1000, rng=None, strata=None
) -> PermutationResult:
    """Permutation test of independence with the plug-in MI as statistic.

    ``y`` is permuted (within the strata when given, testing conditional independence);
    ``p = (1 + #{null >= observed}) / (1 + n_permutations)``.
    """
    x_codes, k_x, y_codes, k_y = _paired_codes(x, y)
    z_codes = None
    if strata is not None:
        z_codes, _ = discretise(strata, "strata")
        check_length(z_codes, len(x_codes), "strata")
    observed, null = _mi_null(x_codes, k_x, y_codes, k_y, z_codes, n_permutations, rng)
    return PermutationResult(observed, null, float(permutation_p_value(observed, null)))


def independence_g_test(x, y) -> tuple[float, int, float]:
    """G-test of independence of two samples: ``(G, dof, p)`` with ``G = 2 N I_nats``."""
    statistic, dof, p_value = g_test(contingency_table(x, y))
    return float(statistic), int(dof), float(p_value)


def bits_to_nats(bits):
    """Convert information from bits to nats (``* ln 2``)."""
    return np.asarray(bits) * LN2


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


def _paired_codes(x, y) -> tuple[np.ndarray, int, np.ndarray, int]:
    x_codes, k_x = discretise(x, "x")
    y_codes, k_y = discretise(y, "y")
    check_length(y_codes, len(x_codes), "y", "samples (entries of x)")
    return x_codes, k_x, y_codes, k_y


def _table(row_codes, n_rows: int, column_codes, n_columns: int) -> np.ndarray:
    flat = row_codes * n_columns + column_codes
    return np.bincount(flat, minlength=n_rows * n_columns).reshape(n_rows, n_columns)


def _check_estimator(estimator: str, allowed: tuple[str, ...], quantity: str) -> None:
    if estimator not in allowed:
        hint = " (shuffle subtraction applies to mutual information only)" if (
            estimator == "shuffle") else ""
        raise AnalysisInputError(
            f"estimator {estimator!r} is not available for {quantity}{hint}: choose one of "
            f"{allowed}"
        )


def _entropy_estimate(histogram, n, estimator, n_values, rng) -> Estimate:
    def bias(rows):
        counts = histogram(rows)
        if estimator == "miller_madow":
            return float(miller_madow_entropy_bias(counts))
        return float(panzeri_treves_entropy_bias(counts, n_values))

    return _corrected(lambda rows: float(plugin_entropy(histogram(rows))), bias, n, estimator, rng)


def _corrected(
    plugin: Callable[[np.ndarray], float],
    bias: Callable[[np.ndarray], float],
    n: int,
    estimator: str,
    rng,
) -> Estimate:
    """Apply a plug-in/analytic-bias/extrapolation estimator given functions of row subsets."""
    every_row = np.arange(n)
    plugin_value = plugin(every_row)
    if estimator == "plugin":
        corrected = plugin_value
    elif estimator == "quadratic_extrapolation":
        corrected = quadratic_extrapolation(plugin, n, rng)
    else:
        corrected = plugin_value - bias(every_row)
    return Estimate(bits=float(corrected), plugin=float(plugin_value), estimator=estimator,
                    n_samples=n)


def quadratic_extrapolation(
    statistic: Callable[[np.ndarray], float], n: int, rng=None, n_repeats: int = 10
) -> float:
    """Strong et al. (1998) infinite-data limit of a plug-in statistic.

    ``statistic(rows)`` is evaluated on all ``n`` rows, on both halves and on all four
    quarters of ``n_repeats`` random orderings; the means ``S(N), S(N/2), S(N/4)`` are fitted
    exactly by ``a + b/N + c/N^2`` and ``a`` is returned.
    """
    if n < 8:
        raise AnalysisInputError(
            f"quadratic extrapolation splits the data into quarters and needs >= 8 samples, "
            f"got {n}: use miller_madow or collect more samples"
        )
    rng = np.random.default_rng(rng)
    sizes, values = [float(n)], [statistic(np.arange(n))]
    for parts in (2, 4):
        subsets = [
            subset for _ in range(n_repeats) for subset in np.array_split(rng.permutation(n), parts)
        ]
        sizes.append(float(np.mean([len(subset) for subset in subsets])))
        values.append(float(np.mean([statistic(subset) for subset in subsets])))
    coefficients = np.polyfit(1.0 / np.asarray(sizes), np.asarray(values), 2)
    return float(coefficients[-1])


def _shuffle_estimate(x_codes, k_x, y_codes, k_y, z_codes, n_permutations, rng) -> Estimate:
    observed, null = _mi_null(x_codes, k_x, y_codes, k_y, z_codes, n_permutations, rng)
    return Estimate(
        bits=float(observed - null.mean()),
        plugin=float(observed),
        estimator="shuffle",
        n_samples=len(x_codes),
        null_mean=float(null.mean()),
        null_std=float(null.std()),
        p_value=float(permutation_p_value(observed, null)),
    )


def _mi_null(x_codes, k_x, y_codes, k_y, z_codes, n_permutations, rng):
    """Observed plug-in (conditional) MI and its values with ``y`` permuted (within strata)."""
    n_permutations = check_n_permutations(n_permutations)
    rng = np.random.default_rng(rng)
    n = len(x_codes)
    if z_codes is None:
        z_codes = np.zeros(n, dtype=np.int64)
    k_z = int(z_codes.max()) + 1

    def statistic(y_values):
        flat = (z_codes * k_x + x_codes) * k_y + y_values
        table = np.bincount(flat, minlength=k_z * k_x * k_y).reshape(k_z, k_x, k_y)
        return float(plugin_conditional_mutual_information(table))

    null = np.array([
        statistic(y_codes[permutation_within(z_codes, rng)]) for _ in range(n_permutations)
    ])
    return statistic(y_codes), null


def permutation_within(strata, rng) -> np.ndarray:
    """Index array that permutes rows at random within each stratum (rows keep their stratum).

    ``grouped`` lists the rows stratum by stratum in their original order, ``shuffled`` lists
    them stratum by stratum in random order; row ``grouped[i]`` takes ``shuffled[i]``.
    """
    strata = np.asarray(strata)
    grouped = np.argsort(strata, kind="stable")
    shuffled = np.lexsort((rng.random(len(strata)), strata))
    index = np.empty(len(strata), dtype=np.int64)
    index[grouped] = shuffled
    return index
