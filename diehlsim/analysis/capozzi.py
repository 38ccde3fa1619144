"""Replica of the per-image information analysis of Capozzi et al. (RECPAD 2023).

For each class, the first test image of that class is presented to the trained network; the
input (Poisson) and output (excitatory) spike trains are binarised in 1 ms bins over the
presentation (their 250 ms -> 250 bins; the Diehl & Cook protocol's 350 ms -> 350 bins).
Treating the bins as samples of per-neuron binary variables, the analysis computes:

* the Bernoulli entropy of every input and output neuron,
  ``H = -p log2 p - (1-p) log2 (1-p)`` with ``p`` the fraction of bins with a spike;
* the plug-in mutual information of every (output, input) pair over the bins,
  ``I(O;X) = H(O) + H(X) - H(O,X)``, and the joint entropies ``H(O,X)``;
* "an output neuron has mutual information" when ``sum_inputs I(O;X) > 1e-6``.

Table 2 of the paper lists, per class, the output neurons that spiked and those with mutual
information. Differences from the authors' code, kept visible here on purpose:

* the network and protocol that produce the recording: theirs is BindsNET's
  ``DiehlAndCook2015`` (current-based neurons, one spike per step, PostPre, 250 ms at
  128 Hz, one presentation per image); ``reproduce capozzi2023 --as-published`` records
  that model (``docs/capozzi2023.md``), the default protocol the Diehl & Cook one (350 ms,
  conductance-based neurons, and an image that drew fewer than 5 spikes presented again at
  a higher intensity: the analysed presentation is then the last one, which their
  protocol never has; that is why their Table 2 can have classes with no spike at all);
* the analysed presentation is a separate presentation of the same test image (its own
  Poisson draw), not the test pass itself;

* their code computed entropies in bits but the mutual information in nats (natural log);
  here everything is in bits and the 1e-6 threshold is applied to bits. Their criterion,
  ``sum I_nats > 1e-6``, is ``sum I_bits > 1e-6 / ln 2 = 1.44e-6``, so their set is a subset
  of ours and differs only by neurons whose sum lies in ``(1e-6, 1.44e-6]`` bits; the
  per-class table reports the size of their set too (``n_with_mi_nats_criterion``);
* their code never computed the joint entropy; here it is reported for every pair;
* every MI here also carries a G-test p-value (``G = 2 N I_nats``, 1 degree of freedom) and a
  Benjamini-Hochberg q-value over the pairs of the image, which the paper did not have:
  plug-in MI is positive for almost every pair where both neurons spike, so "has MI" is
  nearly the same set as "spiked". :mod:`diehlsim.analysis.informative` gives the
  bias-corrected, tested counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from diehlsim.analysis.counts import binarised_rasters
from diehlsim.analysis.estimators import LN2
from diehlsim.analysis.pairwise import pairwise_information
from diehlsim.analysis.significance import benjamini_hochberg
from diehlsim.analysis.tidy import concat_tidy, format_neuron_set, tidy_frame
from diehlsim.analysis.validation import AnalysisInputError, as_labels, check_n_classes
from diehlsim.recordings import SpikeRecording

MI_THRESHOLD_BITS = 1e-6


@dataclass(frozen=True)
class CapozziResult:
    """Per-class sets (``spiked``, ``with_mi``: class -> sorted neuron indices) and tables.

    ``table``: one row per class (``class, presentation, image_index, n_spiked, n_with_mi,
    n_with_mi_nats_criterion, spiked, with_mi``); ``entropy`` and ``mi``: tidy frames.
    """

    table: pd.DataFrame
    entropy: pd.DataFrame
    mi: pd.DataFrame
    spiked: dict[int, np.ndarray]
    with_mi: dict[int, np.ndarray]


def first_presentation_of_each_class(labels, n_classes: int = 10) -> dict[int, int]:
    """``{class: index of its first presentation}`` for the classes present in ``labels``."""
    labels = np.asarray(labels)
    labels = as_labels(labels, len(labels), check_n_classes(n_classes))
    classes, first = np.unique(labels, return_index=True)
    return {int(c): int(p) for c, p in zip(classes, first)}


def capozzi_analysis(
    recording: SpikeRecording,
    n_classes: int = 10,
    bin_size: float = 1e-3,
    threshold_bits: float = MI_THRESHOLD_BITS,
    classes=None,
) -> CapozziResult:
    """Run the Capozzi et al. analysis on the first presentation of each class.

    ``classes`` restricts the analysis to some classes (default: every class present in the
    recording); asking for a class the recording does not contain is an error.
    """
    first = first_presentation_of_each_class(recording.labels, n_classes)
    if classes is None:
        classes = sorted(first)
    missing = [int(c) for c in classes if int(c) not in first]
    if missing:
        raise AnalysisInputError(
            f"the recording has no presentation of class(es) {missing}: record at least one "
            f"image of each class to analyse (classes present: {sorted(first)})"
        )
    rows, entropy_frames, mi_frames, spiked, with_mi = [], [], [], {}, {}
    for label in classes:
        presentation = first[int(label)]
        inputs = binarised_rasters(recording, [presentation], "input", bin_size)[0]
        outputs = binarised_rasters(recording, [presentation], "exc", bin_size)[0]
        image = _analyse_image(inputs, outputs, threshold_bits)
        spiked[int(label)] = image["spiked"]
        with_mi[int(label)] = image["with_mi"]
        entropy_frames.append(_entropy_frame(int(label), image, len(inputs)))
        mi_frames.append(_mi_frame(int(label), image, len(inputs)))
        rows.append({
            "class": int(label),
            "presentation": presentation,
            "image_index": int(np.asarray(recording.image_index)[presentation]),
            "n_spiked": len(image["spiked"]),
            "n_with_mi": len(image["with_mi"]),
            "n_with_mi_nats_criterion": int((image["mi_sum"] * LN2 > threshold_bits).sum()),
            "spiked": format_neuron_set(image["spiked"]),
            "with_mi": format_neuron_set(image["with_mi"]),
        })
    return CapozziResult(
        table=pd.DataFrame(rows),
        entropy=concat_tidy(entropy_frames),
        mi=concat_tidy(mi_frames),
        spiked=spiked,
        with_mi=with_mi,
    )


def _analyse_image(inputs: np.ndarray, outputs: np.ndarray, threshold_bits: float) -> dict:
    """Entropies, pairwise MI (outputs x inputs) and the two neuron sets of one image."""
    info = pairwise_information(outputs, inputs)
    mi_sum = info.plugin.sum(axis=1)
    # A pair can only share information when both neurons vary over the bins (dof = 1);
    # the G-test family for the q-values is exactly those pairs.
    varying = info.g_dof > 0
    q_values = np.full(info.plugin.shape, np.nan)
    q_values[varying] = benjamini_hochberg(info.g_p_value[varying])
    return {
        "info": info,
        "mi_sum": mi_sum,
        "varying": varying,
        "q_values": q_values,
        "spiked": np.flatnonzero(outputs.any(axis=0)),
        "with_mi": np.flatnonzero(mi_sum > threshold_bits),
    }


def _entropy_frame(label: int, image: dict, n_bins: int) -> pd.DataFrame:
    info = image["info"]
    return concat_tidy([
        tidy_frame(class_=label, neuron=np.arange(len(info.entropy_x)), measure="output_entropy",
                   estimator="plugin", bits=info.entropy_x, n_samples=n_bins),
        tidy_frame(class_=label, input=np.arange(len(info.entropy_y)), measure="input_entropy",
                   estimator="plugin", bits=info.entropy_y, n_samples=n_bins),
    ])


def _mi_frame(label: int, image: dict, n_bins: int) -> pd.DataFrame:
    """Pair rows only where both neurons spike: elsewhere MI is exactly 0 and the joint
    entropy is the entropy of the neuron that varies, so the rows would carry no information
    while making the table 784 x 400 per class."""
    info = image["info"]
    neuron, pixel = np.nonzero(image["varying"])
    pair = dict(class_=label, neuron=neuron, input=pixel, estimator="plugin", n_samples=n_bins)
    return concat_tidy([
        tidy_frame(measure="mutual_information", bits=info.plugin[neuron, pixel],
                   p_value=info.g_p_value[neuron, pixel],
                   q_value=image["q_values"][neuron, pixel], **pair),
        tidy_frame(measure="joint_entropy", bits=info.joint_entropy[neuron, pixel], **pair),
        tidy_frame(class_=label, neuron=np.arange(len(image["mi_sum"])),
                   measure="mutual_information_sum", estimator="plugin", bits=image["mi_sum"],
                   n_samples=n_bins),
    ])
