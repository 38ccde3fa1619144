"""One call that runs every information analysis on a recording and writes the results.

Files written into ``out_dir`` (all atomically):

``table2.csv``
    Per class: ``class, spiked, with_mi, informative`` (space-separated sorted neuron
    indices): the neurons that spiked on the first image of the class, those with summed
    plug-in MI > 1e-6 bits on it (Capozzi et al. 2023, Table 2), and those whose
    bias-corrected information about their inputs over all of the class's images is
    significant (FDR < alpha; :func:`~diehlsim.analysis.informative.input_information`).
``capozzi_entropy.csv``, ``capozzi_mi.csv``
    Tidy per-neuron entropies and per-pair MI / joint entropies of the Capozzi replica.
``pairs_information.csv``
    Tidy input-information results (per output neuron, and significant pairs).
``class_information.csv``
    Tidy ``I(class; count)``, one-vs-rest and specific information, information per spike.
``neuron_summary.csv``
    Per neuron: assigned class vs the class its information is about.
``summary.json``
    Set sizes per class, agreement of assignments with information, parameters.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import io
from diehlsim.analysis.capozzi import MI_THRESHOLD_BITS, capozzi_analysis
from diehlsim.analysis.counts import counts_from_recording
from diehlsim.analysis.informative import (
    assignment_agreement,
    class_information,
    input_information,
)
from diehlsim.analysis.tidy import format_neuron_set
from diehlsim.analysis.validation import as_assignments, as_labels, check_n_classes
from diehlsim.recordings import SpikeRecording

TABLE2_COLUMNS = ["class", "spiked", "with_mi", "informative"]
#: The tables that need the input spikes: left out (and named in ``summary.json``
#: ``skipped``) for a recording of the analysed layer alone.
INPUT_TABLES = ("table2", "capozzi_table", "capozzi_entropy", "capozzi_mi",
                "pairs_information")
NO_INPUT_SPIKES = ("input information needs input spikes, and the recording has none: "
                   "record the inputs too (an NWB Units table with layer 'input' units)")


def has_input_spikes(recording: SpikeRecording) -> bool:
    """Whether the recording holds input spikes, which the input information needs."""
    return recording.n_input > 0 and len(recording.input_neuron) > 0


def analyze(
    recording: SpikeRecording,
    out_dir,
    assignments=None,
    n_classes: int = 10,
    n_permutations: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    count_bins: int | None = 4,
    bin_size: float = 1e-3,
) -> dict[str, pd.DataFrame]:
    """Run the Capozzi replica and the bias-corrected analyses; write CSVs into ``out_dir``.

    Parameters
    ----------
    recording : spikes of the analysed presentations, in test-set order (the Capozzi
        replica takes the first presentation of each class).
    out_dir : output directory (created if needed).
    assignments : (n_exc,) class of each neuron from training (-1 unassigned); default:
        assigned in-sample from the recording's own counts.
    n_permutations : permutations of every permutation test (the smallest possible p-value
        is ``1 / (n_permutations + 1)``).
    alpha : FDR level of the "informative"/"significant" sets.
    seed : seed of the permutations, so that results are reproducible.

    Returns
    -------
    dict of DataFrames keyed ``table2``, ``capozzi_table``, ``capozzi_entropy``,
    ``capozzi_mi``, ``pairs_information``, ``class_information``, ``neuron_summary``.
    Without input spikes the input information (``INPUT_TABLES``) is skipped: only the
    class information is computed and ``summary.json`` says what was skipped and why.
    """
    started = time.perf_counter()
    n_classes = check_n_classes(n_classes)
    labels = as_labels(recording.labels, recording.n_presentations, n_classes, "recording.labels")
    if assignments is not None:
        # checked before the (slow) analyses rather than when they are first used
        assignments = as_assignments(assignments, recording.n_exc, n_classes)
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    # the class analysis is the cheapest and rejects unusable labels (a single class)
    # before the slower spike-train analyses run
    counts = counts_from_recording(recording, "exc")
    classes = class_information(counts, labels, n_classes, n_permutations, alpha, rng,
                                count_bins, assignments)
    frames = {"class_information": classes.frame, "neuron_summary": classes.summary}
    skipped = {}
    table2 = None
    if has_input_spikes(recording):
        capozzi = capozzi_analysis(recording, n_classes, bin_size, MI_THRESHOLD_BITS)
        inputs = input_information(recording, n_classes, n_permutations, alpha, rng, bin_size)
        table2 = table2_frame(capozzi.table, inputs.informative)
        frames = {
            "table2": table2,
            "capozzi_table": capozzi.table,
            "capozzi_entropy": capozzi.entropy,
            "capozzi_mi": capozzi.mi,
            "pairs_information": pd.concat([inputs.neurons, inputs.pairs], ignore_index=True),
            **frames,
        }
    else:
        skipped = {name: NO_INPUT_SPIKES for name in INPUT_TABLES}
        for name in INPUT_TABLES:  # of an earlier analysis here, which would now mislead
            (out_dir / f"{name}.csv").unlink(missing_ok=True)
    for name, frame in frames.items():
        io.write_csv(out_dir / f"{name}.csv", frame)
    summary = {
        "n_presentations": recording.n_presentations,
        "presentations_per_class": np.bincount(labels, minlength=n_classes).tolist(),
        "classes": _class_set_sizes(table2) if table2 is not None else None,
        "skipped": skipped,
        "n_significant_class_information": int(len(classes.significant)),
        "assignment_agreement": assignment_agreement(classes.summary),
        "assignments_source": "given" if assignments is not None else "in-sample",
        "parameters": {
            "n_permutations": n_permutations, "alpha": alpha, "seed": seed,
            "count_bins": count_bins, "bin_size_s": bin_size,
            "mi_threshold_bits": MI_THRESHOLD_BITS,
        },
        "runtime_s": round(time.perf_counter() - started, 3),
    }
    io.write_json(out_dir / "summary.json", summary)
    return frames


def table2_frame(capozzi_table: pd.DataFrame, informative: dict) -> pd.DataFrame:
    """Capozzi Table 2 with the bias-corrected ``informative`` set added per class."""
    rows = [
        {
            "class": int(row["class"]),
            "spiked": row["spiked"],
            "with_mi": row["with_mi"],
            "informative": format_neuron_set(informative.get(int(row["class"]), [])),
        }
        for _, row in capozzi_table.iterrows()
    ]
    return pd.DataFrame(rows, columns=TABLE2_COLUMNS)


def _class_set_sizes(table2: pd.DataFrame) -> dict:
    return {
        str(row["class"]): {
            name: len(row[name].split()) for name in ("spiked", "with_mi", "informative")
        }
        for _, row in table2.iterrows()
    }
