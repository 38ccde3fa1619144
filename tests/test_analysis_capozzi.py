"""Capozzi et al. Table 2 replica on a synthetic recording with known structure."""

import numpy as np
import pytest

from diehlsim.analysis import AnalysisInputError, TIDY_COLUMNS, binarised_raster, capozzi_analysis
from diehlsim.analysis import information as info
from diehlsim.analysis.capozzi import first_presentation_of_each_class
from diehlsim.analysis.synthetic import synthetic_recording
from diehlsim.analysis.tidy import parse_neuron_set

LABELS = np.array([1, 2, 0, 0, 1, 2, 2, 0, 1])


@pytest.fixture(scope="module")
def recording():
    return synthetic_recording(LABELS, seed=3)


@pytest.fixture(scope="module")
def result(recording):
    return capozzi_analysis(recording, n_classes=3)


def test_first_presentation_of_each_class():
    assert first_presentation_of_each_class(LABELS, 3) == {0: 2, 1: 0, 2: 1}


def test_table_sets(result, recording):
    table = result.table.set_index("class")
    assert list(table.index) == [0, 1, 2]
    assert table.loc[0, "presentation"] == 2 and table.loc[2, "image_index"] == 1
    # class 0: the copy neurons 0 and 3 and the independent neuron 2 spike; 1, 4, 5 do not
    np.testing.assert_array_equal(result.spiked[0], [0, 2, 3])
    np.testing.assert_array_equal(result.spiked[1], [0, 2, 4])
    np.testing.assert_array_equal(result.spiked[2], [0, 2])
    for label in range(3):
        raster = binarised_raster(recording, table.loc[label, "presentation"], "exc")
        np.testing.assert_array_equal(result.spiked[label], np.flatnonzero(raster.any(axis=0)))
        np.testing.assert_array_equal(parse_neuron_set(table.loc[label, "spiked"]),
                                      result.spiked[label])
        # a neuron that never spikes has zero entropy, hence zero MI: with_mi within spiked
        assert set(result.with_mi[label]) <= set(result.spiked[label])
        assert table.loc[label, "n_with_mi_nats_criterion"] <= table.loc[label, "n_with_mi"]
    assert {0, 3} <= set(result.with_mi[0])
    assert table.loc[0, "spiked"] == "0 2 3"


def test_mi_of_a_copy_is_the_input_entropy(result, recording):
    mi = result.mi
    entropy = result.entropy
    pair = mi[(mi["class"] == 0) & (mi.neuron == 0) & (mi.input == 0)
              & (mi.measure == "mutual_information")]
    input_entropy = entropy[(entropy["class"] == 0) & (entropy.input == 0)].bits.item()
    assert pair.bits.item() == pytest.approx(input_entropy)
    assert pair.p_value.item() < 1e-6 and pair.q_value.item() < 1e-6
    # the Bernoulli entropy of input 0 over the 350 bins
    raster = binarised_raster(recording, 2, "input")
    assert input_entropy == pytest.approx(info.entropy(raster[:, 0]).bits)


def test_mi_rows_match_direct_computation(result, recording):
    inputs = binarised_raster(recording, 0, "input")
    outputs = binarised_raster(recording, 0, "exc")
    mi = result.mi[(result.mi["class"] == 1) & (result.mi.measure == "mutual_information")]
    for row in mi.itertuples():
        expected = info.mutual_information(outputs[:, row.neuron], inputs[:, row.input]).bits
        assert row.bits == pytest.approx(expected, abs=1e-12)
    joint = result.mi[(result.mi["class"] == 1) & (result.mi.measure == "joint_entropy")]
    row = joint.iloc[0]
    assert row.bits == pytest.approx(
        info.joint_entropy(outputs[:, row.neuron], inputs[:, row.input]).bits)
    sums = result.mi[(result.mi["class"] == 1) & (result.mi.measure == "mutual_information_sum")]
    assert len(sums) == recording.n_exc
    assert sums.set_index("neuron").bits[2] == pytest.approx(mi[mi.neuron == 2].bits.sum())


def test_tidy_columns_and_silent_neurons(result):
    assert list(result.entropy.columns) == TIDY_COLUMNS
    assert list(result.mi.columns) == TIDY_COLUMNS
    outputs = result.entropy[result.entropy.measure == "output_entropy"]
    silent = outputs[(outputs["class"] == 0) & (outputs.neuron.isin([1, 4, 5]))]
    assert (silent.bits == 0).all() and (silent.input == -1).all()
    assert (result.mi.n_samples == 350).all()
    # pairs with a silent neuron are not listed (their MI is exactly 0)
    assert not result.mi[result.mi.measure == "mutual_information"].neuron.isin([1, 5]).any()


def test_missing_class_is_an_error(recording):
    with pytest.raises(AnalysisInputError, match=r"no presentation of class\(es\) \[5\]"):
        capozzi_analysis(recording, n_classes=10, classes=[0, 5])
