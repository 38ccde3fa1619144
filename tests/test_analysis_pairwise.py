"""The vectorised all-pairs path equals a per-pair reference."""

import numpy as np
import pytest

from diehlsim.analysis import information as info
from diehlsim.analysis.estimators import (
    binary_miller_madow_mi_bias,
    binary_mutual_information,
    binary_pair_tables,
    miller_madow_mi_bias,
    plugin_mutual_information,
)
from diehlsim.analysis.informative import stratified_binary_information


def per_pair(x, y, function):
    return np.array([[function(x[:, a], y[:, b]) for b in range(y.shape[1])]
                     for a in range(x.shape[1])])


@pytest.fixture
def binary_data():
    rng = np.random.default_rng(0)
    x = (rng.random((500, 13)) < 0.1).astype(np.uint8)
    y = (rng.random((500, 7)) < 0.2).astype(np.uint8)
    y[:, 0] = x[:, 0]  # one dependent pair
    y[:, 1] = 0  # one constant output
    x[:, 2] = 1  # one constant input
    return x, y


def test_binary_counts_are_the_matrix_product(binary_data):
    x, y = binary_data
    n11, n_x, n_y, n = info.binary_pair_counts(x, y)
    np.testing.assert_array_equal(n11, per_pair(x, y, lambda a, b: np.sum(a * b)))
    tables = info.binary_pairwise_tables(x, y)
    np.testing.assert_array_equal(tables[4, 3], info.contingency_table(x[:, 4], y[:, 3]))
    assert tables.sum(axis=(-2, -1)).min() == n == 500


def test_binary_all_pairs_equal_per_pair_reference(binary_data):
    x, y = binary_data
    pairs = info.pairwise_information(x, y)
    for estimator, values in (("plugin", pairs.plugin), ("miller_madow", pairs.miller_madow),
                              ("panzeri_treves", pairs.panzeri_treves)):
        reference = per_pair(x, y, lambda a, b: info.mutual_information(a, b, estimator).bits)
        np.testing.assert_allclose(values, reference, atol=1e-13)
    np.testing.assert_allclose(
        pairs.joint_entropy, per_pair(x, y, lambda a, b: info.joint_entropy(a, b).bits),
        atol=1e-13)
    np.testing.assert_allclose(
        pairs.g_p_value, per_pair(x, y, lambda a, b: info.independence_g_test(a, b)[2]),
        atol=1e-12)
    np.testing.assert_allclose(pairs.entropy_x, [info.entropy(c).bits for c in x.T], atol=1e-13)
    assert pairs.plugin[0, 0] == pytest.approx(pairs.entropy_x[0])
    assert (pairs.plugin[:, 1] == 0).all() and (pairs.plugin[2] == 0).all()


def test_discrete_all_pairs_equal_per_pair_reference():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, (300, 6)) * 2.5 - 1  # non-integer codes are fine
    y = rng.integers(0, 3, (300, 5))
    y[:, 0] = (x[:, 1] > 0).astype(int)
    y[:, 4] = 7  # a constant column: filled in without computing its tables
    pairs = info.pairwise_information(x, y)
    np.testing.assert_allclose(
        pairs.joint_entropy, per_pair(x, y, lambda a, b: info.joint_entropy(a, b).bits),
        atol=1e-12)
    np.testing.assert_allclose(pairs.entropy_y, [info.entropy(c).bits for c in y.T], atol=1e-13)
    assert (pairs.g_p_value[:, 4] == 1).all() and (pairs.g_dof[:, 4] == 0).all()
    for estimator, values in (("plugin", pairs.plugin), ("miller_madow", pairs.miller_madow),
                              ("panzeri_treves", pairs.panzeri_treves)):
        reference = per_pair(x, y, lambda a, b: info.mutual_information(a, b, estimator).bits)
        np.testing.assert_allclose(values, reference, atol=1e-13)
    tables = info.pairwise_contingency(x, y)
    np.testing.assert_array_equal(tables[3, 2], info.contingency_table(x[:, 3], y[:, 2]))


def test_conditional_all_pairs_equal_per_pair_reference():
    rng = np.random.default_rng(2)
    strata = np.repeat(np.arange(4), 80)
    x = (rng.random((320, 5)) < 0.3).astype(np.uint8)
    y = (rng.random((320, 4)) < 0.3).astype(np.uint8)
    y[:, 0] = x[:, 0] * (strata < 2)
    pairs = info.pairwise_information(x, y, strata=strata)
    for estimator, values in (("plugin", pairs.plugin), ("miller_madow", pairs.miller_madow)):
        reference = per_pair(
            x, y, lambda a, b: info.conditional_mutual_information(a, b, strata, estimator).bits)
        np.testing.assert_allclose(values, reference, atol=1e-13)


def test_binary_lookup_equals_table_formulas():
    rng = np.random.default_rng(3)
    n = 350
    n_x = rng.integers(0, n + 1, 500)
    n_y = rng.integers(0, n + 1, 500)
    low = np.maximum(0, n_x + n_y - n)
    n11 = low + (rng.random(500) * (np.minimum(n_x, n_y) - low + 1)).astype(int)
    tables = binary_pair_tables(n11, n_x, n_y, n)
    assert tables.min() >= 0
    np.testing.assert_allclose(binary_mutual_information(n11, n_x, n_y, n),
                               plugin_mutual_information(tables), atol=1e-13)
    np.testing.assert_allclose(binary_miller_madow_mi_bias(n11, n_x, n_y, n),
                               miller_madow_mi_bias(tables), atol=1e-15)


def test_stratified_binary_information_equals_pairwise_conditional():
    rng = np.random.default_rng(4)
    inputs = (rng.random((3, 60, 6)) < 0.2).astype(np.uint8)
    outputs = (rng.random((3, 60, 4)) < 0.2).astype(np.uint8)
    outputs[:, :, 0] = inputs[:, :, 0]
    outputs[1, :, 3] = 0
    stats = stratified_binary_information(inputs, outputs, n_permutations=30, rng=0)
    strata = np.repeat(np.arange(3), 60)
    pairs = info.pairwise_information(inputs.reshape(-1, 6), outputs.reshape(-1, 4), strata)
    np.testing.assert_allclose(stats["plugin"], pairs.plugin, atol=1e-13)
    np.testing.assert_allclose(stats["plugin"] - stats["miller_madow_bias"],
                               pairs.miller_madow, atol=1e-13)
    np.testing.assert_allclose(stats["g_statistic"], pairs.g_statistic, atol=1e-9)
    np.testing.assert_array_equal(stats["g_dof"], pairs.g_dof)
    # the null of the copying output is far below its observed sum; the others overlap it
    observed = stats["plugin"].sum(axis=0)
    assert observed[0] > stats["null"][:, 0].max()
    assert stats["null"].shape == (30, 4)
