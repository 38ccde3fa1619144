"""Entropy / MI estimators: exact values, bias behaviour, significance, bad input."""

import dit
import numpy as np
import pytest
from scipy.stats import chi2_contingency, false_discovery_control, kstest
from scipy.stats import entropy as scipy_entropy
from sklearn.metrics import mutual_info_score

from diehlsim.analysis import information as info
from diehlsim.analysis.estimators import (
    LN2,
    bayesian_relevant_bins,
    miller_madow_mi_bias,
    panzeri_treves_mi_bias,
    plugin_entropy,
)
from diehlsim.analysis.validation import AnalysisInputError

# A known joint distribution of (x, y, z) with rational probabilities, realised exactly by
# repeating each outcome, so the plug-in values equal the true ones.
OUTCOMES = {(0, 0, 0): 3, (0, 1, 0): 1, (1, 0, 1): 2, (1, 1, 1): 2, (2, 1, 0): 1, (2, 2, 1): 3}


def exact_samples():
    rows = [outcome for outcome, count in OUTCOMES.items() for _ in range(count)]
    x, y, z = np.array(rows).T
    return x, y, z


def dit_distribution():
    total = sum(OUTCOMES.values())
    outcomes = ["".join(map(str, outcome)) for outcome in OUTCOMES]
    return dit.Distribution(outcomes, [count / total for count in OUTCOMES.values()])


# --------------------------------------------------------------------------------------
# exact values
# --------------------------------------------------------------------------------------


def test_entropy_matches_scipy():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 7, 1000)
    expected = scipy_entropy(np.bincount(x), base=2)
    assert info.entropy(x).bits == pytest.approx(expected, abs=1e-12)
    assert plugin_entropy(np.bincount(x)) == pytest.approx(expected, abs=1e-12)


def test_mi_matches_sklearn_in_bits():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, 2000)
    y = (x + rng.integers(0, 3, 2000)) % 6
    expected = mutual_info_score(x, y) / np.log(2)
    assert info.mutual_information(x, y).bits == pytest.approx(expected, abs=1e-12)


def test_values_match_dit_on_known_distribution():
    x, y, z = exact_samples()
    d = dit_distribution()
    assert info.entropy(x).bits == pytest.approx(dit.shannon.entropy(d, [0]), abs=1e-12)
    assert info.joint_entropy(x, y).bits == pytest.approx(dit.shannon.entropy(d, [0, 1]),
                                                          abs=1e-12)
    assert info.mutual_information(x, y).bits == pytest.approx(
        dit.shannon.mutual_information(d, [0], [1]), abs=1e-12)
    assert info.conditional_entropy(x, y).bits == pytest.approx(
        dit.shannon.conditional_entropy(d, [0], [1]), abs=1e-12)
    assert info.conditional_mutual_information(x, y, z).bits == pytest.approx(
        dit.multivariate.coinformation(d, [[0], [1]], [2]), abs=1e-12)


def test_identities():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 4, 500)
    y = rng.integers(0, 3, 500)
    h_x = info.entropy(x).bits
    assert info.mutual_information(x, x).bits == pytest.approx(h_x, abs=1e-12)
    assert info.mutual_information(x, np.full(500, 7)).bits == 0.0
    assert info.entropy(np.ones(10)).bits == 0.0
    mi = info.mutual_information(x, y).bits
    assert mi == pytest.approx(
        h_x + info.entropy(y).bits - info.joint_entropy(x, y).bits, abs=1e-12)
    assert info.conditional_entropy(x, y).bits == pytest.approx(h_x - mi, abs=1e-12)
    # values of the variables do not matter, only their partition
    assert info.mutual_information(x * 10 - 3.5, y).bits == pytest.approx(mi, abs=1e-12)


def test_every_estimator_returns_corrected_and_plugin():
    x, y, _ = exact_samples()
    x, y = np.tile(x, 3), np.tile(y, 3)
    plugin = info.mutual_information(x, y).bits
    estimates = info.mutual_information_estimates(x, y, n_permutations=50, rng=0)
    assert set(estimates) == set(info.MI_ESTIMATORS)
    for name, estimate in estimates.items():
        assert estimate.estimator == name and estimate.plugin == pytest.approx(plugin)
        assert estimate.bias == pytest.approx(estimate.plugin - estimate.bits)
    assert 0 < estimates["shuffle"].p_value <= 1


def test_g_test_matches_scipy_likelihood_ratio():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, 400)
    y = (x + (rng.random(400) < 0.3)) % 3
    statistic, dof, p_value = info.independence_g_test(x, y)
    expected = chi2_contingency(info.contingency_table(x, y), correction=False,
                                lambda_="log-likelihood")
    assert statistic == pytest.approx(expected.statistic)
    assert dof == expected.dof
    assert p_value == pytest.approx(expected.pvalue)
    assert statistic == pytest.approx(2 * 400 * LN2 * info.mutual_information(x, y).bits)


def test_chi2_p_value_matches_scipy_chi2_sf():
    from scipy.stats import chi2

    from diehlsim.analysis.significance import chi2_p_value

    statistic = np.concatenate([np.random.default_rng(12).exponential(3, 500), [0, 40, 150]])
    for dof in (1, 2, 5):
        expected = chi2.sf(statistic, dof)
        np.testing.assert_allclose(chi2_p_value(statistic, np.full(len(statistic), dof)),
                                   expected, rtol=1e-12, atol=1e-300)
    assert chi2_p_value(3.0, 0) == 1.0


def test_benjamini_hochberg_matches_scipy_and_keeps_nan():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.5])
    q = info.benjamini_hochberg(p)
    np.testing.assert_allclose(q[~np.isnan(p)], false_discovery_control(p[~np.isnan(p)]))
    assert np.isnan(q[2])
    with pytest.raises(AnalysisInputError, match="p-values must lie"):
        info.benjamini_hochberg([0.5, 1.5])


def test_permutation_p_value_formula():
    null = np.array([[0.1], [0.3], [0.5], [0.3]])
    np.testing.assert_allclose(info.permutation_p_value(np.array([0.3]), null), [(1 + 3) / 5])
    assert info.permutation_p_value(np.array(9.0), np.zeros(99)) == pytest.approx(0.01)


# --------------------------------------------------------------------------------------
# bias and bias correction on independent samples
# --------------------------------------------------------------------------------------


def test_plugin_bias_matches_miller_madow_formula_and_correction_is_centred():
    # 20,000 independent (x, y) pairs of columns: Kx = 3, Ky = 4, N = 400.
    n, k_x, k_y = 400, 3, 4
    rng = np.random.default_rng(4)
    x = rng.integers(0, k_x, (n, 200))
    y = rng.integers(0, k_y, (n, 100))
    pairs = info.pairwise_information(x, y)
    expected_bias = (k_x - 1) * (k_y - 1) / (2 * n * LN2)
    assert pairs.plugin.mean() == pytest.approx(expected_bias, rel=0.03)
    assert abs(pairs.miller_madow.mean()) < 0.03 * expected_bias
    assert abs(pairs.panzeri_treves.mean()) < 0.03 * expected_bias


def test_shuffle_and_extrapolation_are_centred_on_zero():
    n, seeds = 200, 150
    rng = np.random.default_rng(5)
    shuffle, extrapolated, plugin = [], [], []
    for _ in range(seeds):
        x = rng.integers(0, 3, n)
        y = rng.integers(0, 3, n)
        shuffle.append(info.mutual_information(x, y, "shuffle", 40, rng).bits)
        estimate = info.mutual_information(x, y, "quadratic_extrapolation", rng=rng)
        extrapolated.append(estimate.bits)
        plugin.append(estimate.plugin)
    bias = np.mean(plugin)
    assert bias == pytest.approx(4 / (2 * n * LN2), rel=0.15)
    assert abs(np.mean(shuffle)) < 0.1 * bias
    assert abs(np.mean(extrapolated)) < 0.15 * bias


def test_entropy_corrections_move_towards_the_truth():
    rng = np.random.default_rng(6)
    true_entropy = np.log2(8)
    plugin, miller_madow = [], []
    for _ in range(200):
        x = rng.integers(0, 8, 60)
        plugin.append(info.entropy(x).bits)
        miller_madow.append(info.entropy(x, "miller_madow").bits)
    assert np.mean(plugin) < true_entropy
    assert abs(np.mean(miller_madow) - true_entropy) < abs(np.mean(plugin) - true_entropy) / 3


def test_conditional_mi_bias_correction():
    rng = np.random.default_rng(7)
    values = {"plugin": [], "miller_madow": [], "shuffle": []}
    for _ in range(100):
        x, y, z = rng.integers(0, 2, (3, 300))
        for name in values:
            values[name].append(
                info.conditional_mutual_information(x, y, z, name, 30, rng).bits)
    bias = np.mean(values["plugin"])
    assert bias == pytest.approx(2 * 1 / (2 * 300 * LN2), rel=0.25)  # two strata, 1 dof each
    assert abs(np.mean(values["miller_madow"])) < 0.2 * bias
    assert abs(np.mean(values["shuffle"])) < 0.2 * bias


# --------------------------------------------------------------------------------------
# Panzeri-Treves relevant bins
# --------------------------------------------------------------------------------------


def test_bayesian_relevant_bins():
    # fully occupied: nothing to add; one occupied bin of a binary variable: stays 1
    assert bayesian_relevant_bins([5, 3, 2]) == 3
    assert bayesian_relevant_bins([10, 0]) == 1
    # many unseen bins with few trials: the Bayesian count adds some, but never beyond n_values
    sparse = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    estimate = bayesian_relevant_bins(sparse)
    assert 5 < estimate <= 15
    assert bayesian_relevant_bins(sparse, n_values=6) <= 6
    assert bayesian_relevant_bins([0, 0]) == 0
    # vectorised over a stack
    np.testing.assert_array_equal(bayesian_relevant_bins([[5, 3, 2], [10, 0, 0]]) >= [3, 1],
                                  [True, True])


def scalar_relevant_bins(counts, n_values):
    """Loop form of the Panzeri-Treves Bayesian count, one histogram at a time."""
    counts = np.asarray(counts, dtype=float)
    n = counts.sum()
    seen = counts[counts > 0]
    r0 = len(seen)
    if r0 == n_values:
        return r0
    best_extra, best_delta = 0, abs(r0 - np.sum(1 - (1 - seen / n) ** n))
    for extra in range(1, n_values - r0 + 1):
        gamma = extra * (1 - (n / (n + r0)) ** (1 / n))
        q = (1 - gamma) * (seen + 1) / (n + r0)
        expected = np.sum(1 - (1 - q) ** n) + extra * (1 - (1 - gamma / extra) ** n)
        delta = abs(r0 - expected)
        if delta >= best_delta:
            break
        best_extra, best_delta = extra, delta
    return r0 + best_extra


def test_vectorised_relevant_bins_match_loop():
    rng = np.random.default_rng(11)
    probabilities = rng.dirichlet(np.full(12, 0.3), size=300)
    histograms = np.array([rng.multinomial(rng.integers(3, 40), p) for p in probabilities])
    expected = [scalar_relevant_bins(h, 12) for h in histograms]
    np.testing.assert_array_equal(bayesian_relevant_bins(histograms), expected)
    assert np.mean(np.array(expected) > (histograms > 0).sum(axis=1)) > 0.2


def test_panzeri_treves_with_naive_counts_is_miller_madow():
    table = np.array([[10, 5, 0], [2, 8, 6], [7, 7, 7]])
    # all conditional distributions occupy all observed columns or are densely sampled
    assert panzeri_treves_mi_bias(table) >= miller_madow_mi_bias(table)
    binary = np.array([[30, 0], [12, 18]])
    assert panzeri_treves_mi_bias(binary) == pytest.approx(miller_madow_mi_bias(binary))


# --------------------------------------------------------------------------------------
# significance
# --------------------------------------------------------------------------------------


def test_permutation_p_values_uniform_under_independence():
    rng = np.random.default_rng(8)
    p_values = np.array([
        info.permutation_test(rng.integers(0, 2, 100), rng.integers(0, 3, 100), 99, rng).p_value
        for _ in range(300)
    ])
    assert 0.02 <= np.mean(p_values < 0.05) <= 0.10
    assert kstest(p_values, "uniform").pvalue > 0.001


def test_permutation_p_value_small_under_dependence():
    rng = np.random.default_rng(9)
    x = rng.integers(0, 2, 200)
    y = np.where(rng.random(200) < 0.8, x, 1 - x)
    result = info.permutation_test(x, y, 199, rng)
    assert result.p_value == pytest.approx(1 / 200)
    assert result.observed > result.null.max()


def test_stratified_permutation_keeps_strata():
    rng = np.random.default_rng(10)
    strata = np.repeat([0, 1, 2], 50)
    index = info.permutation_within(strata, rng)
    np.testing.assert_array_equal(strata[index], strata)
    assert sorted(index) == list(range(150))
    # X and Y both depend on the stratum only: marginally dependent, conditionally not
    x = (rng.random(150) < np.array([0.1, 0.5, 0.9])[strata]).astype(int)
    y = (rng.random(150) < np.array([0.1, 0.5, 0.9])[strata]).astype(int)
    assert info.permutation_test(x, y, 199, rng).p_value < 0.01
    assert info.permutation_test(x, y, 199, rng, strata=strata).p_value > 0.01


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: info.mutual_information([0, 1, 1], [0, 1]), "y has length 2"),
        (lambda: info.mutual_information([0.0, np.nan], [0, 1]), "NaN"),
        (lambda: info.entropy([]), "empty"),
        (lambda: info.entropy([[0, 1]]), "1-dimensional"),
        (lambda: info.entropy(["a", "b"]), "numeric"),
        (lambda: info.entropy([0, 1], "shuffle"), "mutual information only"),
        (lambda: info.mutual_information([0, 1], [0, 1], "jackknife"), "choose one of"),
        (lambda: info.mutual_information([0, 1], [1, 0], "quadratic_extrapolation"), ">= 8"),
        (lambda: info.mutual_information([0, 1], [1, 0], "shuffle", 0), "n_permutations"),
        (lambda: info.conditional_mutual_information([0, 1], [1, 0], [0]), "z has length 1"),
        (lambda: info.entropy([0, 1, 2], "panzeri_treves", n_values=2), "n_values=2"),
        (lambda: info.pairwise_information(np.zeros((5, 2)), np.zeros((4, 2))), "y has length 4"),
        (lambda: info.binary_pair_counts(np.full((3, 2), 2), np.zeros((3, 2))), "only 0 and 1"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(AnalysisInputError, match=message):
        call()
