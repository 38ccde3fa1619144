"""Significance of information estimates: permutation p-values, G-test, Benjamini-Hochberg.

Permutation p-value (Phipson & Smyth 2010, Stat. Appl. Genet. Mol. Biol. 9:39)::

    p = (1 + #{null >= observed}) / (1 + n_permutations)

which counts the observed statistic as one member of the null and is never 0.

G-test (likelihood-ratio test of independence; Sokal & Rohlf, *Biometry*): with the
plug-in mutual information in nats, ``G = 2 N I_nats = 2 N ln(2) I_bits``, asymptotically
chi-square with ``(Kx - 1)(Ky - 1)`` degrees of freedom (``Kx``, ``Ky``: observed values).
For conditional MI (strata ``z``) the statistics and degrees of freedom add over strata.
The approximation needs a few expected counts per cell; for sparse spike data prefer the
permutation test.

False discovery rate: Benjamini & Hochberg (1995) adjusted p-values (q-values) from
:func:`scipy.stats.false_discovery_control`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfc
from scipy.stats import chi2, false_discovery_control

from diehlsim.analysis.estimators import (
    LN2,
    occupied_bins,
    plugin_mutual_information,
)
from diehlsim.analysis.validation import AnalysisInputError, as_count_table


def permutation_p_value(observed, null) -> np.ndarray:
    """``(1 + #{null >= observed}) / (1 + n_perm)``; ``null`` has the permutations on axis 0.

    A small relative tolerance counts null values equal to the observed one up to rounding
    as ">=" (permuting can reproduce the observed table exactly, and the sums that produce
    the statistic then differ only in the last bits).
    """
    observed = np.asarray(observed, dtype=float)
    null = np.asarray(null, dtype=float)
    if null.ndim == 0 or null.shape[1:] != observed.shape:
        raise AnalysisInputError(
            f"null must have shape (n_permutations, *observed.shape) = (n, {observed.shape}), "
            f"got {null.shape}"
        )
    tolerance = 1e-12 * np.maximum(np.abs(observed), 1e-300) + 1e-15
    exceed = (null >= observed - tolerance).sum(axis=0)
    return (1.0 + exceed) / (1.0 + null.shape[0])


def g_test(table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """G statistic, degrees of freedom and p-value of independence for tables ``(..., Kx, Ky)``.

    ``G = 2 N ln(2) I_bits``, ``dof = (Kx_obs - 1)(Ky_obs - 1)`` with the observed (non-empty)
    rows and columns; tables with ``dof = 0`` (a constant variable) get ``p = 1``.
    """
    table = as_count_table(table)
    total = table.sum(axis=(-2, -1))
    statistic = 2.0 * total * LN2 * plugin_mutual_information(table)
    dof = _independence_dof(table)
    return statistic, dof, chi2_p_value(statistic, dof)


def stratified_g_test(table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """G-test of conditional independence ``X _|_ Y | Z`` for tables ``(..., Kz, Kx, Ky)``.

    ``G = sum_z 2 N_z ln(2) I_bits(X;Y|z)`` and ``dof = sum_z (Kx_z - 1)(Ky_z - 1)``.
    """
    statistic, dof, _ = g_test(table)
    statistic = statistic.sum(axis=-1)
    dof = dof.sum(axis=-1)
    return statistic, dof, chi2_p_value(statistic, dof)


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) of any shape; NaN entries stay NaN.

    NaN marks a test that was not performed (e.g. a silent neuron); it is left out of the
    family rather than counted as a non-discovery.
    """
    p_values = np.asarray(p_values, dtype=float)
    tested = ~np.isnan(p_values)
    if ((p_values[tested] < 0) | (p_values[tested] > 1)).any():
        raise AnalysisInputError("p-values must lie in [0, 1] (NaN for tests not performed)")
    q_values = np.full(p_values.shape, np.nan)
    if tested.any():
        q_values[tested] = false_discovery_control(p_values[tested], method="bh")
    return q_values


def _independence_dof(table: np.ndarray) -> np.ndarray:
    rows = occupied_bins(table.sum(axis=-1))
    columns = occupied_bins(table.sum(axis=-2))
    return np.maximum(rows - 1, 0) * np.maximum(columns - 1, 0)


def chi2_p_value(statistic, dof) -> np.ndarray:
    """Upper tail ``P(chi2_dof >= statistic)``; 1 where ``dof = 0`` (nothing to test).

    ``scipy.stats.chi2.sf``, except for one degree of freedom (every binary pair), where the
    identical closed form ``erfc(sqrt(G / 2))`` is used because it is several times faster
    than the incomplete gamma function on hundreds of thousands of pairs.
    """
    statistic = np.asarray(statistic, dtype=float)
    dof = np.asarray(dof)
    statistic, dof = np.broadcast_arrays(statistic, dof)
    p_value = np.ones(statistic.shape)
    one = dof == 1
    p_value[one] = erfc(np.sqrt(np.maximum(statistic[one], 0.0) / 2.0))
    more = dof > 1
    p_value[more] = chi2.sf(statistic[more], dof[more])
    return p_value if p_value.ndim else float(p_value)
