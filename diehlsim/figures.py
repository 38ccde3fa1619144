"""Figures of a run directory or an analysis directory (every figure as PNG and PDF).

This module only finds and loads what training, evaluation and the information analysis
wrote (run directory files, the analysis CSVs of :func:`diehlsim.analysis.report.analyze`, a
saved :class:`~diehlsim.recordings.SpikeRecording`) and hands the arrays and frames to
:mod:`diehlsim.plots`, which draws them. The drawing functions are re-exported here under
their old names, so that callers of ``diehlsim.figures`` keep working.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from diehlsim import plots
from diehlsim.analysis import readouts
from diehlsim.plots import (  # noqa: F401  (re-exported API)
    CLASS_NAMES,
    DATASET_TITLES,
    accuracy_vs_images,
    accuracy_vs_paper,
    class_names,
    confusion_matrix,
    dataset_title,
    entropy_maps,
    informative_neurons,
    mi_heatmaps,
    mi_pixel_maps,
    receptive_fields,
    spike_raster,
    test_repeats,
    theta_distribution,
    training_log,
)
from diehlsim.recordings import SpikeRecording


def read_table2(path: Path) -> pd.DataFrame:
    """``table2.csv`` with the neuron sets as strings (an empty set stays ``""``)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def run_figures(run_dir: Path, out_dir: Path, dataset: str, data_dir=None) -> list[Path]:
    """Receptive fields, thresholds, accuracy during training and (when evaluated) the
    confusion matrix of every read-out of a run (``confusion`` for the primary one,
    ``confusion_<name>`` for the others); ``data_dir`` is searched first for the dataset's
    labels."""
    # diehlsim.runs imports the simulation (Brian2); only this function needs it.
    from diehlsim import runs

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    state = runs.load_state(run_dir)
    params, _ = runs.load_config(run_dir)
    channels = params.n_input // params.pixels  # 2 for the on/off-centre DoG input
    paths = plots.receptive_fields(state.weights, out_dir / "receptive_fields", dataset,
                                   channels=channels)
    paths += plots.theta_distribution(state.theta, out_dir / "theta")
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else None
    if metrics is not None:
        paths += _confusions(metrics, out_dir, dataset)
    paths += _accuracy_during_training(run_dir, out_dir, dataset, metrics, data_dir)
    return paths


def _confusions(metrics: dict, out_dir: Path, dataset: str) -> list[Path]:
    # metrics.json written before the per-read-out matrices holds the primary one only
    matrices = metrics.get("confusions") or {readouts.readouts()[0].name: metrics["confusion"]}
    primary = next(iter(matrices))
    paths = []
    for readout in readouts.readouts():
        if readout.name in matrices:
            stem = "confusion" if readout.name == primary else f"confusion_{readout.name}"
            paths += plots.confusion_matrix(matrices[readout.name], out_dir / stem, dataset,
                                            readout.title)
    return paths


def _accuracy_during_training(run_dir: Path, out_dir: Path, dataset: str, metrics,
                              data_dir=None, window: int = 10_000) -> list[Path]:
    from diehlsim import datasets, runs
    from diehlsim.analysis.labelling import online_accuracy

    responses = runs.load_train_responses(run_dir)
    if responses is None:
        return []  # trained before the responses were saved
    counts, image_index = responses
    _, labels = datasets.load(dataset, "train", data_dir)
    window = min(window, max(1, len(counts) // 4))  # short runs still get a few points
    seen, accuracy = online_accuracy(counts, labels[image_index], window)
    if len(seen) == 0:
        return []
    final = metrics[readouts.accuracy_columns()[0]] if metrics else None
    return plots.accuracy_vs_images(seen, accuracy, window, out_dir / "accuracy_vs_images",
                                    dataset, final)


def information_figures(analysis_dir: Path, out_dir: Path, dataset: str,
                        image_shape: tuple[int, int] | None, recording_path: Path | None = None
                        ) -> list[Path]:
    """Entropy maps, MI heatmaps and pixel maps, informative neurons and (with a recording)
    a spike raster, from the files :func:`diehlsim.analysis.report.analyze` wrote.

    Without an ``image_shape`` (inputs that are not the pixels of an image) the maps over
    the image are left out; without the input information (an analysis of output spikes
    alone has no ``table2.csv``) only the raster is drawn."""
    analysis_dir, out_dir = Path(analysis_dir), Path(out_dir)
    paths = []
    if (analysis_dir / "table2.csv").exists():
        entropy = pd.read_csv(analysis_dir / "capozzi_entropy.csv")
        mi = pd.read_csv(analysis_dir / "capozzi_mi.csv")
        table2 = read_table2(analysis_dir / "table2.csv")
        outputs = entropy[entropy["measure"] == "output_entropy"]
        n_exc = int(outputs["neuron"].max()) + 1
        n_input = int(entropy[entropy["measure"] == "input_entropy"]["input"].max()) + 1 \
            if image_shape is None else image_shape[0] * image_shape[1]
        if image_shape is not None:
            paths += plots.entropy_maps(entropy, image_shape, out_dir / "entropy_maps",
                                        dataset)
        paths += plots.mi_heatmaps(mi, n_exc, n_input, out_dir / "mi_heatmaps", dataset)
        if image_shape is not None:
            paths += plots.mi_pixel_maps(mi, image_shape, out_dir / "mi_pixel_maps", dataset)
        paths += plots.informative_neurons(table2, n_exc, out_dir / "informative_neurons",
                                           dataset)
    if recording_path is not None and Path(recording_path).exists():
        recording = SpikeRecording.load(recording_path)
        paths += plots.spike_raster(recording, 0, out_dir / "spike_raster", dataset)
    return paths
