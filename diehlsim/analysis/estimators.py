"""Entropy and mutual information of count tables, in bits, with analytic bias corrections.

All functions take histograms (counts, not probabilities) and work on stacks of tables: the
last axis (entropy) or the last two axes (``(..., Kx, Ky)`` joint tables) hold one table,
every leading axis is a batch, so all (input, output) pairs are handled in one call.

Definitions (``n_i`` counts, ``N = sum_i n_i``, ``p_i = n_i / N``, logs base 2)::

    H        = -sum_i p_i log2 p_i = (N log2 N - sum_i n_i log2 n_i) / N
    I(X;Y)   = H(X) + H(Y) - H(X,Y)
    H(X|Y)   = H(X,Y) - H(Y)
    I(X;Y|Z) = sum_z p(z) I(X;Y | Z=z)

Bias ``b`` is ``E[plug-in] - true value``, so every corrected estimate is ``plug-in - b``.

Miller-Madow (Miller 1955): to first order in 1/N, ``b(H) = -(K - 1) / (2 N ln 2)`` with
``K`` the number of occupied bins. Applied to each entropy of ``I = H(X) + H(Y) - H(X,Y)``:
``b(I) = (Kxy - Kx - Ky + 1) / (2 N ln 2)``, which is ``(Kx-1)(Ky-1) / (2 N ln 2)`` when all
cells are occupied.

Panzeri-Treves (Panzeri & Treves 1996, Network 7:87-107): the same first-order expression for
``I(S;R) = H(R) - H(R|S)`` written per stimulus,
``b(I) = [sum_s (R_s - 1) - (R - 1)] / (2 N ln 2)``, where ``R_s`` is the number of *relevant*
response bins for stimulus ``s`` (bins with non-zero true probability), estimated with their
Bayesian procedure from the occupied bins (:func:`bayesian_relevant_bins`). With the naive
count of occupied bins in place of ``R_s`` the expression is exactly Miller-Madow; the
Bayesian count only adds bins that are probably occupied but were not sampled.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

LN2 = float(np.log(2.0))


def plugin_entropy(counts, axis: int = -1) -> np.ndarray:
    """Plug-in (maximum-likelihood) entropy of histograms along ``axis``; 0 for empty ones."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum(axis=axis)
    weighted = xlogy(total, total) - xlogy(counts, counts).sum(axis=axis)
    return _divide(weighted, total * LN2)


def plugin_mutual_information(table) -> np.ndarray:
    """Plug-in ``I(X;Y)`` of joint count tables ``(..., Kx, Ky)`` (rows X, columns Y).

    ``I = [sum n_xy log n_xy - sum n_x log n_x - sum n_y log n_y + N log N] / (N ln 2)``;
    tiny negative values from floating-point cancellation are clipped to 0.
    """
    table = np.asarray(table, dtype=float)
    total = table.sum(axis=(-2, -1))
    terms = (
        xlogy(table, table).sum(axis=(-2, -1))
        - _xlogx_sum(table.sum(axis=-1))
        - _xlogx_sum(table.sum(axis=-2))
        + xlogy(total, total)
    )
    return np.maximum(_divide(terms, total * LN2), 0.0)


def plugin_joint_entropy(table) -> np.ndarray:
    """Plug-in ``H(X,Y)`` of joint count tables ``(..., Kx, Ky)``."""
    table = np.asarray(table, dtype=float)
    return plugin_entropy(table.reshape(*table.shape[:-2], -1))


def plugin_conditional_mutual_information(table) -> np.ndarray:
    """Plug-in ``I(X;Y|Z) = sum_z p(z) I(X;Y|z)`` of tables ``(..., Kz, Kx, Ky)``."""
    table = np.asarray(table, dtype=float)
    stratum_total = table.sum(axis=(-2, -1))
    weights = _divide(stratum_total, stratum_total.sum(axis=-1, keepdims=True))
    return (weights * plugin_mutual_information(table)).sum(axis=-1)


def occupied_bins(counts, axis=-1) -> np.ndarray:
    """Number of non-zero bins along ``axis`` (the ``K`` of Miller-Madow)."""
    return (np.asarray(counts) > 0).sum(axis=axis)


def miller_madow_entropy_bias(counts, axis: int = -1) -> np.ndarray:
    """``b(H) = -(K - 1) / (2 N ln 2)`` with ``K`` occupied bins; 0 for empty histograms."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum(axis=axis)
    return -_divide(np.maximum(occupied_bins(counts, axis) - 1, 0), 2.0 * total * LN2)


def miller_madow_mi_bias(table) -> np.ndarray:
    """``b(I) = (Kxy - Kx - Ky + 1) / (2 N ln 2)`` of tables ``(..., Kx, Ky)``.

    ``Kxy``, ``Kx``, ``Ky``: occupied cells, rows and columns. Tables with ``N = 0`` get 0.
    """
    table = np.asarray(table, dtype=float)
    total = table.sum(axis=(-2, -1))
    k_xy = occupied_bins(table, axis=(-2, -1))
    k_x = occupied_bins(table.sum(axis=-1))
    k_y = occupied_bins(table.sum(axis=-2))
    excess = np.where(total > 0, k_xy - k_x - k_y + 1, 0)
    return _divide(excess, 2.0 * total * LN2)


def miller_madow_cmi_bias(table) -> np.ndarray:
    """``b(I(X;Y|Z)) = sum_z p(z) b(I(X;Y|z))`` of tables ``(..., Kz, Kx, Ky)``.

    Each stratum's bias has ``N_z`` in its denominator, so the weighted sum is
    ``sum_z (Kxy_z - Kx_z - Ky_z + 1) / (2 N ln 2)``.
    """
    table = np.asarray(table, dtype=float)
    stratum_total = table.sum(axis=(-2, -1))
    weights = _divide(stratum_total, stratum_total.sum(axis=-1, keepdims=True))
    return (weights * miller_madow_mi_bias(table)).sum(axis=-1)


def bayesian_relevant_bins(counts, n_values=None) -> np.ndarray:
    """Panzeri & Treves (1996) Bayesian estimate of the number of relevant bins.

    For a histogram with ``R0`` occupied bins out of ``n_values`` possible ones, the number
    of extra, unsampled-but-relevant bins ``x`` is chosen so that the *expected* number of
    occupied bins after ``N`` trials matches the observed ``R0``. Under the hypothesis of
    ``x`` extra bins, the unseen bins share probability
    ``gamma = x * (1 - (N / (N + R0)) ** (1 / N))`` equally and occupied bin ``i`` has
    ``q_i = (1 - gamma) * (n_i + 1) / (N + R0)`` (a Laplace-smoothed estimate), so::

        E[occupied | x] = sum_i [1 - (1 - q_i)^N] + x * [1 - (1 - gamma / x)^N]

    Starting from ``x = 0`` (where ``q_i = n_i / N``), ``x`` grows while
    ``|R0 - E[occupied | x]|`` keeps decreasing and ``R0 + x <= n_values``; the estimate is
    ``R0 + x``. This follows the procedure of the Panzeri-Treves correction as implemented in
    the Information Breakdown ToolBox (Magri et al. 2009, BMC Neurosci. 10:81).

    Parameters
    ----------
    counts : (..., K) histograms.
    n_values : number of possible response values of each histogram (broadcastable to the
        leading shape); default ``K``.

    Returns
    -------
    (...,) float array of relevant-bin counts (0 for empty histograms).
    """
    counts = np.asarray(counts, dtype=float)
    n_values = np.broadcast_to(
        counts.shape[-1] if n_values is None else np.asarray(n_values), counts.shape[:-1]
    )
    total = counts.sum(axis=-1)
    n = np.where(total > 0, total, 1.0)[..., None]
    occupied = counts > 0
    r_naive = occupied.sum(axis=-1).astype(float)

    def expected_occupied(probabilities, extra_mass, extra_bins):
        # 1 - (1 - q)^N, written with log1p/expm1 to stay accurate for small q and large N
        with np.errstate(divide="ignore"):
            hit = -np.expm1(n * np.log1p(-np.minimum(probabilities, 1.0)))
        seen = np.where(occupied, hit, 0.0).sum(axis=-1)
        if extra_bins == 0:
            return seen
        unseen_one = -np.expm1(n[..., 0] * np.log1p(-extra_mass / extra_bins))
        return seen + extra_bins * unseen_one

    delta = np.abs(r_naive - expected_occupied(counts / n, 0.0, 0))
    best_extra = np.zeros_like(r_naive)
    searching = (r_naive < n_values) & (total > 0)
    max_extra = int(np.max(n_values - r_naive, initial=0))
    for extra in range(1, max_extra + 1):
        searching &= r_naive + extra <= n_values
        if not searching.any():
            break
        gamma = extra * (1.0 - (n[..., 0] / (n[..., 0] + r_naive)) ** (1.0 / n[..., 0]))
        q = (1.0 - gamma)[..., None] * (counts + 1.0) / (n + r_naive[..., None])
        new_delta = np.abs(r_naive - expected_occupied(q, gamma, extra))
        improved = searching & (new_delta < delta)
        best_extra = np.where(improved, extra, best_extra)
        delta = np.where(improved, new_delta, delta)
        searching = improved
    return np.where(total > 0, r_naive + best_extra, 0.0)


def panzeri_treves_entropy_bias(counts, n_values=None) -> np.ndarray:
    """``b(H) = -(R - 1) / (2 N ln 2)`` with ``R`` the Bayesian count of relevant bins."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum(axis=-1)
    relevant = bayesian_relevant_bins(counts, n_values)
    return -_divide(np.maximum(relevant - 1.0, 0.0), 2.0 * total * LN2)


def panzeri_treves_mi_bias(table) -> np.ndarray:
    """Panzeri-Treves bias of ``I(X;Y)`` for tables ``(..., Kx, Ky)``, X = stimulus, Y = response.

    ``b(I) = [sum_{s: N_s > 0} (R_s - 1) - (R - 1)] / (2 N ln 2)``. The response space of
    each table is the set of columns observed anywhere in it, so ``R`` of the marginal
    response distribution equals that number and only the per-stimulus counts ``R_s`` can
    grow beyond the occupied bins.
    """
    table = np.asarray(table, dtype=float)
    total = table.sum(axis=(-2, -1))
    response_values = occupied_bins(table.sum(axis=-2))
    per_stimulus = bayesian_relevant_bins(table, response_values[..., None])
    stimulus_present = table.sum(axis=-1) > 0
    stimulus_sum = np.where(stimulus_present, per_stimulus - 1.0, 0.0).sum(axis=-1)
    excess = np.where(total > 0, stimulus_sum - (response_values - 1.0), 0.0)
    return _divide(excess, 2.0 * total * LN2)


def binary_pair_tables(n11, n_x, n_y, n) -> np.ndarray:
    """Joint tables ``(..., 2, 2)`` of binary pairs from co-occurrence and marginal counts.

    ``n11`` = #(x=1, y=1), ``n_x`` = #(x=1), ``n_y`` = #(y=1), ``n`` samples (all
    broadcastable); rows are x = 0, 1 and columns y = 0, 1.
    """
    n11 = np.asarray(n11, dtype=float)
    n10 = n_x - n11
    n01 = n_y - n11
    n00 = n - n_x - n_y + n11
    return np.stack([np.stack([n00, n01], axis=-1), np.stack([n10, n11], axis=-1)], axis=-2)


def binary_mutual_information(n11, n_x, n_y, n: int) -> np.ndarray:
    """Plug-in MI (bits) of binary pairs from integer ``n11``, ``n_x``, ``n_y`` and scalar ``n``.

    Same value as ``plugin_mutual_information(binary_pair_tables(...))``, but every
    ``c log c`` is looked up in a table of the ``n + 1`` possible counts instead of computed,
    which makes the permutation nulls (thousands of evaluations) cheap.
    """
    n = int(n)
    n11 = np.asarray(n11, dtype=np.int64)
    n_x = np.asarray(n_x, dtype=np.int64)
    n_y = np.asarray(n_y, dtype=np.int64)
    c_log_c = _xlogx_lookup(n)
    joint = (
        c_log_c[n11] + c_log_c[n_x - n11] + c_log_c[n_y - n11] + c_log_c[n - n_x - n_y + n11]
    )
    marginal = c_log_c[n_x] + c_log_c[n - n_x] + c_log_c[n_y] + c_log_c[n - n_y]
    return np.maximum((joint - marginal + c_log_c[n]) / (n * LN2), 0.0)


def binary_miller_madow_mi_bias(n11, n_x, n_y, n: int) -> np.ndarray:
    """Miller-Madow bias of binary pairs, ``(Kxy - Kx - Ky + 1) / (2 n ln 2)``, from counts."""
    n11 = np.asarray(n11, dtype=np.int64)
    n_x = np.asarray(n_x, dtype=np.int64)
    n_y = np.asarray(n_y, dtype=np.int64)
    cells = (n11 > 0).astype(np.int64) + (n_x - n11 > 0) + (n_y - n11 > 0) + (
        n - n_x - n_y + n11 > 0
    )
    k_x = 1 + ((n_x > 0) & (n_x < n))
    k_y = 1 + ((n_y > 0) & (n_y < n))
    return (cells - k_x - k_y + 1) / (2.0 * n * LN2)


def _xlogx_lookup(n: int) -> np.ndarray:
    values = np.arange(n + 1, dtype=float)
    return xlogy(values, values)


def _xlogx_sum(counts) -> np.ndarray:
    return xlogy(counts, counts).sum(axis=-1)


def _divide(numerator, denominator) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    numerator, denominator = np.broadcast_arrays(numerator, denominator)
    return np.divide(
        numerator, denominator, out=np.zeros(numerator.shape), where=denominator != 0
    )
