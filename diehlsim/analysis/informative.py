"""Which excitatory neurons carry information, bias-corrected and tested (FDR < alpha).

Two questions, each over *many* presentations per class instead of Capozzi et al.'s single
image:

(2) Information about the inputs, per class (:func:`input_information`). The binarised
    input and output spike trains of the ``K`` presentations of a class are analysed with
    the image as stratum: for every (input ``i``, output ``o``) pair the conditional MI
    ``I(X_i; O_o | image) = (1/K) sum_k I_k(X_i; O_o)`` (each image contributes its 1 ms
    bins, exactly Capozzi's per-image MI, averaged). An output neuron's statistic is the sum
    over inputs (Capozzi's criterion), reported plug-in, Miller-Madow corrected (per-stratum
    biases summed) and shuffle-corrected. Its p-value comes from permuting the output's time
    bins within each image: the Poisson input trains have a constant rate during an image,
    so their bins are exchangeable and this null is exact even though the output train is
    autocorrelated (refractoriness, adaptation). Benjamini-Hochberg over the output neurons
    that spiked in the class gives q-values; neurons with ``q < alpha`` are *informative*.
    Pairs get the stratified G-test (``G = sum_k 2 T I_k`` in nats, one degree of freedom
    per image where both neurons vary) with BH over the tested pairs.

(3) Information about the class (:func:`class_information`). For each neuron, the spike
    count per presentation (binned into at most ``count_bins`` equally populated bins, see
    :func:`discretise_counts`) against the class label: ``I(class; count)`` with plug-in,
    Miller-Madow, Panzeri-Treves and shuffle estimators and a label-permutation p-value;
    per class ``c`` the one-vs-rest ``I(1[class = c]; count)`` (also answering (2)'s "about
    the class"); the specific information ``i(c) = sum_r p(r|c) log2 [p(r|c) / p(r)]``
    (DeWeese & Meister 1999, Network 10:325, "specific surprise"; ``sum_c p(c) i(c) = I``),
    which says about *which* class the count is informative; and the information per spike
    ``I_shuffle / mean count``. The neuron summary compares the class a neuron is assigned to
    (highest mean response) with the class of its largest specific information.

Why one module: both questions share the binarised rasters, the stratified MI and the
FDR step, and the module reads as one analysis from top to bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from diehlsim.analysis.counts import binarised_rasters
from diehlsim.analysis.estimators import (
    LN2,
    binary_miller_madow_mi_bias,
    binary_mutual_information,
    miller_madow_mi_bias,
    panzeri_treves_mi_bias,
    plugin_mutual_information,
)
from diehlsim.analysis.labelling import assign_labels, class_mean_rates
from diehlsim.analysis.significance import (
    benjamini_hochberg,
    chi2_p_value,
    permutation_p_value,
)
from diehlsim.analysis.tidy import concat_tidy, tidy_frame
from diehlsim.analysis.validation import (
    AnalysisInputError,
    as_assignments,
    as_count_matrix,
    as_labels,
    check_n_classes,
    check_n_permutations,
)
from diehlsim.recordings import SpikeRecording

# Bound on the elements of one chunk of permuted co-occurrence counts (perms x inputs x
# outputs), so the null of a busy untrained network stays within a few hundred MB.
_NULL_CHUNK_ELEMENTS = 4_000_000


# ---------------------------------------------------------------------------------------
# (2) information about the inputs
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputInformationResult:
    """``neurons``: tidy rows per (class, output neuron), measure ``input_information``;
    ``pairs``: tidy rows per (class, output, input), measure ``pair_conditional_mi``;
    ``informative``: class -> sorted indices of the output neurons with ``q < alpha``."""

    neurons: pd.DataFrame
    pairs: pd.DataFrame
    informative: dict[int, np.ndarray]


def input_information(
    recording: SpikeRecording,
    n_classes: int = 10,
    n_permutations: int = 200,
    alpha: float = 0.05,
    rng=None,
    bin_size: float = 1e-3,
    all_pairs: bool = False,
) -> InputInformationResult:
    """Bias-corrected, permutation-tested information of each output neuron about its inputs.

    Pair rows are written for the pairs with ``q < alpha`` only, unless ``all_pairs``: a busy
    network has hundreds of thousands of tested pairs per class.
    """
    n_classes = check_n_classes(n_classes)
    n_permutations = check_n_permutations(n_permutations)
    labels = as_labels(recording.labels, recording.n_presentations, n_classes, "recording.labels")
    rng = np.random.default_rng(rng)
    neuron_frames, pair_frames, informative = [], [], {}
    for label in np.unique(labels):
        presentations = np.flatnonzero(labels == label)
        inputs = binarised_rasters(recording, presentations, "input", bin_size)
        outputs = binarised_rasters(recording, presentations, "exc", bin_size)
        stats = stratified_binary_information(inputs, outputs, n_permutations, rng)
        n_samples = inputs.shape[0] * inputs.shape[1]
        neurons, chosen = _input_neuron_frame(int(label), stats, alpha, n_samples)
        neuron_frames.append(neurons)
        pair_frames.append(_pair_frame(int(label), stats, alpha, n_samples, all_pairs))
        informative[int(label)] = chosen
    return InputInformationResult(
        neurons=concat_tidy(neuron_frames),
        pairs=concat_tidy(pair_frames),
        informative=informative,
    )


def stratified_binary_information(inputs, outputs, n_permutations: int, rng) -> dict:
    """Conditional MI of every (input, output) pair given the stratum, and a per-output null.

    Parameters
    ----------
    inputs : (K, T, A) binary rasters of K strata (presentations) of T bins.
    outputs : (K, T, B) binary rasters on the same strata and bins.

    Returns
    -------
    dict with (A, B) arrays ``plugin`` (``(1/K) sum_k I_k``), ``miller_madow_bias``,
    ``g_statistic`` and ``g_dof`` (stratified G-test), and ``null`` (n_permutations, B):
    ``sum_inputs I(X; O | stratum)`` with the output bins permuted within each stratum.
    Only neurons that vary within a stratum are computed there (the others have ``I_k = 0``
    whatever the permutation), which keeps the cost to the active part of each image.
    """
    rng = np.random.default_rng(rng)
    n_strata, n_bins, n_inputs = inputs.shape
    n_outputs = outputs.shape[2]
    stats = {
        "plugin": np.zeros((n_inputs, n_outputs)),
        "miller_madow_bias": np.zeros((n_inputs, n_outputs)),
        "g_statistic": np.zeros((n_inputs, n_outputs)),
        "g_dof": np.zeros((n_inputs, n_outputs), dtype=np.int64),
        "null": np.zeros((n_permutations, n_outputs)),
    }
    for k in range(n_strata):
        active_in = _varying_columns(inputs[k])
        active_out = _varying_columns(outputs[k])
        if len(active_in) == 0 or len(active_out) == 0:
            continue
        x = inputs[k][:, active_in].astype(np.float32)
        y = outputs[k][:, active_out].astype(np.float32)
        n_x = x.sum(axis=0).astype(np.int64)[:, None]
        n_y = y.sum(axis=0).astype(np.int64)[None, :]
        n11 = np.rint(x.T @ y).astype(np.int64)
        mi = binary_mutual_information(n11, n_x, n_y, n_bins)
        cell = np.ix_(active_in, active_out)
        stats["plugin"][cell] += mi / n_strata
        stats["miller_madow_bias"][cell] += (
            binary_miller_madow_mi_bias(n11, n_x, n_y, n_bins) / n_strata
        )
        stats["g_statistic"][cell] += 2.0 * n_bins * LN2 * mi
        stats["g_dof"][cell] += 1
        stats["null"][:, active_out] += (
            _permuted_input_sums(x, y, n_x, n_y, n_permutations, rng) / n_strata
        )
    return stats


def _permuted_input_sums(x, y, n_x, n_y, n_permutations: int, rng) -> np.ndarray:
    """(n_permutations, B) ``sum_inputs I`` of one stratum with the output bins permuted.

    Each replicate relabels the time bins of the outputs with one uniform random
    permutation ``pi`` (shared by the outputs; every marginal is unchanged). Output spike
    trains are sparse, so the permuted co-occurrence counts come from the spikes: output
    ``b``'s spikes move from bins ``S_b`` to ``pi(S_b)`` and
    ``n11[b, a] = sum_{t in pi(S_b)} x[t, a]``, a sparse (replicates * B, T) times dense
    (T, A) product costing (#output spikes x A) per replicate instead of T x A x B.
    """
    n_bins, n_outputs = y.shape
    spike_bins, spike_outputs = np.nonzero(y)
    n_x = n_x.reshape(1, 1, -1)
    n_y = n_y.reshape(1, -1, 1)
    sums = np.empty((n_permutations, n_outputs))
    chunk = max(1, _NULL_CHUNK_ELEMENTS // (x.shape[1] * n_outputs))
    for start in range(0, n_permutations, chunk):
        replicates = min(start + chunk, n_permutations) - start
        relabel = rng.permuted(np.tile(np.arange(n_bins), (replicates, 1)), axis=1)
        rows = (np.arange(replicates)[:, None] * n_outputs + spike_outputs[None, :]).ravel()
        moved = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, relabel[:, spike_bins].ravel())),
            shape=(replicates * n_outputs, n_bins),
        )
        n11 = np.rint(moved @ x).astype(np.int64).reshape(replicates, n_outputs, -1)
        sums[start:start + replicates] = (
            binary_mutual_information(n11, n_x, n_y, n_bins).sum(axis=2)
        )
    return sums


def _input_neuron_frame(label: int, stats: dict, alpha: float, n_samples: int):
    plugin = stats["plugin"].sum(axis=0)
    miller_madow = (stats["plugin"] - stats["miller_madow_bias"]).sum(axis=0)
    null = stats["null"]
    tested = np.flatnonzero(stats["g_dof"].sum(axis=0) > 0)
    p_values = permutation_p_value(plugin[tested], null[:, tested])
    q_values = benjamini_hochberg(p_values)
    common = dict(class_=label, neuron=tested, measure="input_information",
                  p_value=p_values, q_value=q_values, n_samples=n_samples)
    frame = concat_tidy([
        tidy_frame(estimator="plugin", bits=plugin[tested], **common),
        tidy_frame(estimator="miller_madow", bits=miller_madow[tested], **common),
        tidy_frame(estimator="shuffle", bits=plugin[tested] - null[:, tested].mean(axis=0),
                   **common),
    ])
    return frame, np.sort(tested[q_values < alpha])


def _pair_frame(label: int, stats: dict, alpha: float, n_samples: int, all_pairs: bool):
    pixel, neuron = np.nonzero(stats["g_dof"] > 0)
    p_values = chi2_p_value(stats["g_statistic"][pixel, neuron], stats["g_dof"][pixel, neuron])
    q_values = benjamini_hochberg(p_values)
    keep = np.ones(len(p_values), dtype=bool) if all_pairs else q_values < alpha
    pixel, neuron, p_values, q_values = pixel[keep], neuron[keep], p_values[keep], q_values[keep]
    plugin = stats["plugin"][pixel, neuron]
    common = dict(class_=label, neuron=neuron, input=pixel, measure="pair_conditional_mi",
                  p_value=p_values, q_value=q_values, n_samples=n_samples)
    return concat_tidy([
        tidy_frame(estimator="plugin", bits=plugin, **common),
        tidy_frame(estimator="miller_madow",
                   bits=plugin - stats["miller_madow_bias"][pixel, neuron], **common),
    ])


def _varying_columns(raster: np.ndarray) -> np.ndarray:
    ones = raster.sum(axis=0)
    return np.flatnonzero((ones > 0) & (ones < raster.shape[0]))


# ---------------------------------------------------------------------------------------
# (3) information about the class
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassInformationResult:
    """``frame``: tidy rows; ``summary``: one row per neuron; ``significant``: neurons whose
    ``I(class; count)`` has ``q < alpha``; ``indicator_significant``: class -> neurons whose
    ``I(1[class = c]; count)`` has ``q < alpha``."""

    frame: pd.DataFrame
    summary: pd.DataFrame
    significant: np.ndarray
    indicator_significant: dict[int, np.ndarray]


def discretise_counts(counts, n_bins: int | None = 4) -> tuple[np.ndarray, np.ndarray]:
    """Code each neuron's counts into at most ``n_bins`` equally populated bins.

    A neuron with at most ``n_bins`` distinct counts keeps them as they are. Otherwise the
    bin edges are its count quantiles at ``1/n_bins, ..., (n_bins-1)/n_bins`` (duplicates
    merged) and bin ``b`` holds the counts in ``(edge[b-1], edge[b]]``, so a frequent 0 keeps
    a bin of its own. ``n_bins=None`` keeps every distinct count. Fewer bins mean a smaller
    bias (``(C-1)(K-1)/(2N ln 2)`` bits) at the price of merging nearby counts.

    Returns
    -------
    codes : (P, N) int64 codes ``0 .. n_values[j]-1`` in increasing count order.
    n_values : (N,) number of distinct codes per neuron.
    """
    counts = as_count_matrix(counts)
    if n_bins is not None and (int(n_bins) != n_bins or n_bins < 2):
        raise AnalysisInputError(f"count_bins must be an integer >= 2 or None, got {n_bins!r}")
    codes = np.empty(counts.shape, dtype=np.int64)
    n_values = np.empty(counts.shape[1], dtype=np.int64)
    for neuron in range(counts.shape[1]):
        column = counts[:, neuron]
        if n_bins is not None and len(np.unique(column)) > n_bins:
            edges = np.unique(np.quantile(column, np.arange(1, n_bins) / n_bins))
            column = np.searchsorted(edges, column, side="left")
        values, codes[:, neuron] = np.unique(column, return_inverse=True)
        n_values[neuron] = len(values)
    return codes, n_values


def class_count_tables(codes, labels, n_classes: int, n_values: int) -> np.ndarray:
    """(N, C, K) histograms of each neuron's count code per class (one ``bincount``)."""
    n_neurons = codes.shape[1]
    flat = (np.arange(n_neurons)[None, :] * n_classes + labels[:, None]) * n_values + codes
    histogram = np.bincount(flat.ravel(), minlength=n_neurons * n_classes * n_values)
    return histogram.reshape(n_neurons, n_classes, n_values).astype(float)


def indicator_tables(tables) -> np.ndarray:
    """(N, C, 2, K) one-vs-rest tables: row 0 = other classes, row 1 = class ``c``."""
    tables = np.asarray(tables, dtype=float)
    total = tables.sum(axis=1, keepdims=True)
    return np.stack([total - tables, tables], axis=-2)


def specific_information(tables) -> np.ndarray:
    """(N, C) specific information ``i(c) = sum_r p(r|c) log2 [p(r|c) / p(r)]`` in bits.

    NaN for classes without presentations. ``sum_c p(c) i(c)`` equals the plug-in MI.
    """
    tables = np.asarray(tables, dtype=float)
    per_class = tables.sum(axis=-1, keepdims=True)
    response = tables.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        conditional = tables / per_class
        marginal = response / response.sum(axis=-1, keepdims=True)
        terms = np.where(tables > 0, conditional * np.log2(conditional / marginal), 0.0)
    values = terms.sum(axis=-1)
    values[per_class[..., 0] == 0] = np.nan
    return values


def class_information(
    counts,
    labels,
    n_classes: int = 10,
    n_permutations: int = 1000,
    alpha: float = 0.05,
    rng=None,
    count_bins: int | None = 4,
    assignments=None,
) -> ClassInformationResult:
    """``I(class; count)`` per neuron with bias corrections, permutation p-values and FDR.

    ``assignments`` (class per neuron, -1 unassigned) default to :func:`assign_labels` on
    these same counts, i.e. in-sample; pass the training assignments when available.
    """
    counts = as_count_matrix(counts)
    n_classes = check_n_classes(n_classes)
    labels = as_labels(labels, len(counts), n_classes)
    n_permutations = check_n_permutations(n_permutations)
    present = np.bincount(labels, minlength=n_classes) > 0
    if present.sum() < 2:
        raise AnalysisInputError(
            "I(class; count) needs presentations of at least two classes; the labels hold "
            f"only class {np.flatnonzero(present).tolist()}: record more classes"
        )
    if assignments is None:
        assignments = assign_labels(counts, labels, n_classes)
    assignments = as_assignments(assignments, counts.shape[1], n_classes)
    rng = np.random.default_rng(rng)
    codes, n_values = discretise_counts(counts, count_bins)
    k = int(n_values.max())
    tables = class_count_tables(codes, labels, n_classes, k)
    null_mi, null_indicator = _label_permutation_null(codes, labels, n_classes, k,
                                                      n_permutations, rng)
    tested = n_values >= 2
    stats = _class_statistics(tables, null_mi, null_indicator, tested, present)
    frame = _class_frame(stats, counts, present, len(labels))
    summary = _neuron_summary(stats, counts, labels, n_classes, assignments, alpha)
    indicator_significant = {
        int(c): np.flatnonzero(stats["indicator_q"][:, c] < alpha)
        for c in np.flatnonzero(present)
    }
    return ClassInformationResult(
        frame=frame,
        summary=summary,
        significant=np.flatnonzero(stats["q"] < alpha),
        indicator_significant=indicator_significant,
    )


def _label_permutation_null(codes, labels, n_classes, k, n_permutations, rng):
    null_mi = np.empty((n_permutations, codes.shape[1]))
    null_indicator = np.empty((n_permutations, codes.shape[1], n_classes))
    for r in range(n_permutations):
        shuffled = class_count_tables(codes, rng.permutation(labels), n_classes, k)
        null_mi[r] = plugin_mutual_information(shuffled)
        null_indicator[r] = plugin_mutual_information(indicator_tables(shuffled))
    return null_mi, null_indicator


def _class_statistics(tables, null_mi, null_indicator, tested, present) -> dict:
    indicator = indicator_tables(tables)
    plugin = plugin_mutual_information(tables)
    indicator_plugin = plugin_mutual_information(indicator)
    p = np.where(tested, permutation_p_value(plugin, null_mi), np.nan)
    # one-vs-rest tests exist for neurons that vary and classes that were presented
    indicator_tested = tested[:, None] & present[None, :]
    indicator_p = np.where(
        indicator_tested, permutation_p_value(indicator_plugin, null_indicator), np.nan
    )
    indicator_q = np.column_stack(
        [benjamini_hochberg(indicator_p[:, c]) for c in range(indicator_p.shape[1])]
    )
    return {
        "plugin": plugin,
        "miller_madow": plugin - miller_madow_mi_bias(tables),
        "panzeri_treves": plugin - panzeri_treves_mi_bias(tables),
        "shuffle": plugin - null_mi.mean(axis=0),
        "p": p,
        "q": benjamini_hochberg(p),
        "indicator_plugin": indicator_plugin,
        "indicator_miller_madow": indicator_plugin - miller_madow_mi_bias(indicator),
        "indicator_shuffle": indicator_plugin - null_indicator.mean(axis=0),
        "indicator_p": indicator_p,
        "indicator_q": indicator_q,
        "specific": specific_information(tables),
        "tested": tested,
    }


def _class_frame(stats: dict, counts, present, n_samples: int) -> pd.DataFrame:
    n_neurons = counts.shape[1]
    neurons = np.arange(n_neurons)
    frames = [
        tidy_frame(neuron=neurons, measure="class_information", estimator=estimator,
                   bits=stats[estimator], p_value=stats["p"], q_value=stats["q"],
                   n_samples=n_samples)
        for estimator in ("plugin", "miller_madow", "panzeri_treves", "shuffle")
    ]
    frames.append(tidy_frame(neuron=neurons, measure="information_per_spike",
                             estimator="shuffle", bits=_per_spike(stats, counts),
                             p_value=stats["p"], q_value=stats["q"], n_samples=n_samples))
    for c in np.flatnonzero(present):
        common = dict(class_=int(c), neuron=neurons, n_samples=n_samples)
        for estimator in ("plugin", "miller_madow", "shuffle"):
            frames.append(tidy_frame(
                measure="class_indicator_information", estimator=estimator,
                bits=stats[f"indicator_{estimator}"][:, c], p_value=stats["indicator_p"][:, c],
                q_value=stats["indicator_q"][:, c], **common))
        frames.append(tidy_frame(measure="specific_information", estimator="plugin",
                                 bits=stats["specific"][:, c], **common))
    return concat_tidy(frames)


def _per_spike(stats: dict, counts) -> np.ndarray:
    """Bits per spike: shuffle-corrected ``I(class; count)`` over the mean count (NaN if 0)."""
    mean_count = counts.mean(axis=0)
    return np.divide(stats["shuffle"], mean_count, out=np.full(len(mean_count), np.nan),
                     where=mean_count > 0)


def _neuron_summary(stats, counts, labels, n_classes, assignments, alpha) -> pd.DataFrame:
    rates = class_mean_rates(counts, labels, n_classes)
    tested = stats["tested"]
    specific = np.where(np.isnan(stats["specific"]), -np.inf, stats["specific"])
    indicator = stats["indicator_shuffle"].copy()
    indicator[np.isnan(stats["indicator_p"])] = -np.inf
    max_specific = np.where(tested, np.argmax(specific, axis=1), -1)
    max_indicator = np.where(tested, np.argmax(indicator, axis=1), -1)
    return pd.DataFrame({
        "neuron": np.arange(counts.shape[1]),
        "assigned_class": assignments,
        "max_rate_class": np.where(rates.max(axis=0) > 0, np.argmax(rates, axis=0), -1),
        "max_specific_information_class": max_specific,
        "max_indicator_information_class": max_indicator,
        "mean_count": counts.mean(axis=0),
        "class_information_bits": stats["shuffle"],
        "class_information_p": stats["p"],
        "class_information_q": stats["q"],
        "significant": stats["q"] < alpha,
        "information_per_spike": _per_spike(stats, counts),
        "assignment_matches_specific_information": (assignments >= 0)
        & (assignments == max_specific),
        "assignment_matches_indicator_information": (assignments >= 0)
        & (assignments == max_indicator),
    })


def assignment_agreement(summary: pd.DataFrame) -> dict:
    """Among significant, assigned neurons: how often the assignment is where the info lies."""
    chosen = summary[summary["significant"] & (summary["assigned_class"] >= 0)]
    n = len(chosen)
    return {
        "n_significant_assigned": int(n),
        "fraction_assignment_is_max_specific_information": (
            float(chosen["assignment_matches_specific_information"].mean()) if n else None),
        "fraction_assignment_is_max_indicator_information": (
            float(chosen["assignment_matches_indicator_information"].mean()) if n else None),
    }
