"""How many labelled images each read-out needs: accuracy against the size of the labelling
set, from one recorded labelling phase (no new simulation).

For each size ``n`` every registered read-out is fitted on the first ``n`` labelled
presentations (in dataset order, as ``evaluate --label-samples n`` takes them) and scored
on the same test presentations.
"""

from __future__ import annotations

import pandas as pd

from diehlsim.analysis import readouts
from diehlsim.analysis.metrics import evaluation_metrics
from diehlsim.analysis.validation import AnalysisInputError, as_labels


def label_efficiency(label: readouts.Responses, label_labels, test: readouts.Responses,
                     test_labels, sizes, n_classes: int = 10) -> pd.DataFrame:
    """One row per (labelled images, read-out): ``labelled``, ``readout`` (name),
    ``title``, ``accuracy`` on the test presentations, ``n_test``."""
    label = readouts.responses(label)
    labels = as_labels(label_labels, len(label.counts), n_classes, "label_labels")
    sizes = sorted({int(n) for n in sizes})
    if not sizes or sizes[0] < 1 or sizes[-1] > len(labels):
        raise AnalysisInputError(
            f"sizes must lie in [1, {len(labels)}] (the recorded labelling presentations), "
            f"got {sizes}: record a longer labelling phase or ask for fewer")
    test = readouts.responses(test)
    rows = []
    for n in sizes:
        first = None if label.first_spike_ms is None else label.first_spike_ms[:n]
        fitted = readouts.fit_all(label.counts[:n], labels[:n], n_classes,
                                  first_spike_ms=first)
        metrics = evaluation_metrics(test.counts, test_labels, fitted, n_classes,
                                     first_spike_ms=test.first_spike_ms)
        rows += [{"labelled": n, "readout": r.name, "title": r.title, "accuracy": a,
                  "n_test": metrics["n_test"]} for r, a in readouts.accuracies(metrics)]
    return pd.DataFrame(rows)
