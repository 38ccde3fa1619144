"""Publication figures of the reproductions (matplotlib; every figure as PNG and PDF).

Each function reads what training, evaluation and the information analysis wrote (run
directory files, the analysis CSVs of :func:`diehlsim.analysis.report.analyze`, a saved
:class:`~diehlsim.recordings.SpikeRecording`) and writes one figure through
:func:`diehlsim.plots.save`, returning the written paths.

* :func:`receptive_fields`, :func:`theta_distribution`, :func:`confusion_matrix` — the
  trained network and its test predictions;
* :func:`training_log` — images/s and mean excitatory spikes per training chunk;
* :func:`accuracy_vs_paper` — measured accuracy per dataset next to a paper's numbers;
* :func:`test_repeats` — accuracy of each repeated test pass with mean and standard deviation;
* :func:`entropy_maps` — per-pixel Bernoulli entropy of the input layer, one panel per class;
* :func:`mi_heatmaps`, :func:`mi_pixel_maps` — plug-in MI of (output, input) pairs per class;
* :func:`informative_neurons` — class x neuron matrix: spiked / with MI / informative;
* :func:`spike_raster` — input and excitatory spikes of one presentation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import plots
from diehlsim.plots import plt
from diehlsim.recordings import SpikeRecording

#: Class names of the datasets, in label order.
CLASS_NAMES: dict[str, list[str]] = {
    "mnist": [str(k) for k in range(10)],
    "mnist-sample": [str(k) for k in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                      "Sneaker", "Bag", "Ankle boot"],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                "truck"],
}

#: Readable dataset names for titles.
DATASET_TITLES = {"mnist": "MNIST", "mnist-sample": "MNIST sample",
                  "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10 (gray)"}

# Categories of :func:`informative_neurons` (value in the matrix -> legend entry and colour).
_NEURON_CATEGORIES = [
    (0, "silent", "#f2f2f2"),
    (1, "spiked (no MI)", "#9ecae1"),
    (2, "spiked, MI > 1e-6 bit", "#3182bd"),
    (3, "informative (FDR < 0.05)", "#e6550d"),
]


def class_names(dataset: str) -> list[str]:
    return CLASS_NAMES.get(dataset, [str(k) for k in range(10)])


def dataset_title(dataset: str) -> str:
    return DATASET_TITLES.get(dataset, dataset)


# -- trained network and predictions ------------------------------------------------------


def receptive_fields(weights: np.ndarray, path_stem: Path, dataset: str = "") -> list[Path]:
    """Input weights of (up to) 100 excitatory neurons as a 10 x 10 grid of images."""
    title = f"Receptive fields, {dataset_title(dataset)}" if dataset else "Receptive fields"
    return plots.receptive_fields(np.asarray(weights), path_stem, title=title)


def accuracy_vs_images(seen: np.ndarray, accuracy: np.ndarray, window: int, path_stem: Path,
                       dataset: str = "", final: float | None = None) -> list[Path]:
    """Accuracy during training (the original code's "performance" plot): each block of
    ``window`` training images classified with the labels of the block before it."""
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    ax.plot(seen, 100 * np.asarray(accuracy), marker="o", markersize=3, lw=1.2,
            color="#3182bd", label=f"training stream, blocks of {window:,} images")
    if final is not None:
        ax.axhline(100 * final, color="#de2d26", ls="--", lw=1,
                   label=f"test set after training ({100 * final:.1f} %)")
    ax.set_xlabel("training images seen")
    ax.set_ylabel("accuracy (%)")
    ax.set_xlim(left=0)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.set_title(f"Accuracy vs images seen{', ' + dataset_title(dataset) if dataset else ''}")
    fig.tight_layout()
    return plots.save(fig, path_stem)


def theta_distribution(theta_volts: np.ndarray, path_stem: Path) -> list[Path]:
    """Histogram of the adaptive thresholds after training."""
    return plots.theta_distribution(theta_volts, path_stem)


def confusion_matrix(confusion, path_stem: Path, dataset: str = "") -> list[Path]:
    """Test confusion matrix (counts, shaded by the fraction of each true class)."""
    title = f"Confusion matrix, {dataset_title(dataset)}" if dataset else "Confusion matrix"
    return plots.confusion_matrix(confusion, path_stem, class_names=class_names(dataset),
                                  title=f"{title}, all vote")


def training_log(logs: dict[str, pd.DataFrame], path_stem: Path) -> list[Path]:
    """Simulation speed (images/s) and mean excitatory spikes per presentation against the
    number of training images seen, one line per run (``logs``: name -> train_log.csv)."""
    fig, (speed, spikes) = plt.subplots(1, 2, figsize=(9, 3.4))
    for name, log in logs.items():
        seen = np.cumsum(log["images"].to_numpy())
        style = dict(marker="o" if len(log) < 30 else None, markersize=3, lw=1.2, label=name)
        speed.plot(seen, log["images_per_s"], **style)
        spikes.plot(seen, log["mean_spikes"], **style)
    speed.set_ylabel("images / s (per chunk)")
    spikes.set_ylabel("excitatory spikes per presentation")
    spikes.axhline(5, color="0.5", ls=":", lw=1)
    spikes.text(0.99, 5, " re-presentation threshold", color="0.4", fontsize=7,
                ha="right", va="bottom", transform=spikes.get_yaxis_transform())
    for ax in (speed, spikes):
        ax.set_xlabel("training images seen (end of chunk)")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    speed.set_title("Simulation speed")
    spikes.set_title("Activity during training")
    speed.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return plots.save(fig, path_stem)


def accuracy_vs_paper(table1: pd.DataFrame, paper: dict[str, float], path_stem: Path,
                      paper_label: str = "paper") -> list[Path]:
    """Grouped bars per dataset: accuracy (all vote, proportion vote) and the paper's value."""
    datasets = list(table1["dataset"])
    x = np.arange(len(datasets))
    bars = [("this run, all vote", table1["accuracy_all"].to_numpy(), "#3182bd"),
            ("this run, proportion vote", table1["accuracy_proportion"].to_numpy(), "#9ecae1"),
            (paper_label, np.array([paper.get(d, np.nan) for d in datasets]), "#e6550d")]
    width = 0.8 / len(bars)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.9 * len(datasets)), 3.6))
    for k, (label, values, colour) in enumerate(bars):
        positions = x + (k - (len(bars) - 1) / 2) * width
        ax.bar(positions, 100 * values, width, label=label, color=colour)
        for position, value in zip(positions, values):
            if np.isfinite(value):
                ax.text(position, 100 * value + 1, f"{100 * value:.0f}", ha="center",
                        va="bottom", fontsize=7)
    ax.axhline(10, color="0.4", ls=":", lw=1, label="chance (10 classes)")
    images = table1["images"].to_numpy()
    # a table1.csv written before the column existed has raw-pixel rows only
    transforms = table1.get("input_transform", pd.Series("none", index=table1.index))
    transforms = transforms.fillna("none")
    ax.set_xticks(x, [f"{dataset_title(d)}{'' if t == 'none' else f'\n{t} input'}\n{n:,} "
                      "training images" for d, n, t in zip(datasets, images, transforms)],
                  fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.set_title(f"Accuracy, {int(table1['neurons'].iloc[0])} excitatory neurons")
    ax.legend(fontsize=7, frameon=False, loc="upper right", ncols=2)
    fig.tight_layout()
    return plots.save(fig, path_stem)


def test_repeats(results: pd.DataFrame, path_stem: Path, paper: float | None = None,
                 title: str = "Repeated test passes", paper_label: str = "paper") -> list[Path]:
    """Accuracy of every repeated test pass (``results.csv``), with mean and +/- 1 std."""
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    styles = (("accuracy_all", "#3182bd", "o", -0.08, "all vote"),
              ("accuracy_proportion", "#6baed6", "s", 0.08, "proportion vote"))
    for column, colour, marker, shift, label in styles:
        values = 100 * results[column].to_numpy()
        mean, std = values.mean(), values.std(ddof=1) if len(values) > 1 else 0.0
        ax.plot(results["repeat"] + shift, values, marker, color=colour, ls="none",
                label=f"{label}: {mean:.2f} ± {std:.2f} %")
        ax.axhline(mean, color=colour, lw=1)
        ax.axhspan(mean - std, mean + std, color=colour, alpha=0.15, lw=0)
    if paper is not None:
        ax.axhline(100 * paper, color="#e6550d", ls="--", lw=1.2,
                   label=f"{paper_label}: {100 * paper:.1f} %")
    ax.set_xlabel("test repeat (seed)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_xticks(results["repeat"])
    ax.set_title(title)
    ax.legend(fontsize=7, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return plots.save(fig, path_stem)


# -- information analysis ------------------------------------------------------------------


def read_table2(path: Path) -> pd.DataFrame:
    """``table2.csv`` with the neuron sets as strings (an empty set stays ``""``)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def parse_neuron_set(text: str) -> np.ndarray:
    return np.array([int(v) for v in str(text).split()], dtype=np.int64)


def _class_grid(n_panels: int, panel_size: tuple[float, float], cols: int = 5):
    rows = int(np.ceil(n_panels / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(panel_size[0] * cols, panel_size[1] * rows),
                             squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, axes.flat[:n_panels]


def entropy_maps(entropy: pd.DataFrame, image_shape: tuple[int, int], path_stem: Path,
                 dataset: str = "") -> list[Path]:
    """Per-pixel Bernoulli entropy of the input spike trains (``capozzi_entropy.csv``,
    measure ``input_entropy``) on the analysed image of each class, as images."""
    rows = entropy[entropy["measure"] == "input_entropy"]
    classes = sorted(rows["class"].unique())
    maps = {c: _pixel_image(rows[rows["class"] == c], image_shape) for c in classes}
    vmax = max(1e-9, max(float(m.max()) for m in maps.values()))
    fig, axes = _class_grid(len(classes), (2.0, 2.15))
    names = class_names(dataset)
    for ax, c in zip(axes, classes):
        image = ax.imshow(maps[c], cmap="magma", vmin=0, vmax=vmax)
        ax.set_title(f"{names[c]}  (Σ {maps[c].sum():.1f} bit)", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=list(axes), fraction=0.02, pad=0.02, label="entropy (bit / 1 ms bin)")
    fig.suptitle(f"Input-layer entropy per pixel, first test image of each class"
                 f"{', ' + dataset_title(dataset) if dataset else ''}", fontsize=10)
    return plots.save(fig, path_stem)


def _pixel_image(rows: pd.DataFrame, image_shape: tuple[int, int]) -> np.ndarray:
    values = np.zeros(image_shape[0] * image_shape[1])
    values[rows["input"].to_numpy()] = rows["bits"].to_numpy()
    return values.reshape(image_shape)


def mi_heatmaps(mi: pd.DataFrame, n_exc: int, n_input: int, path_stem: Path,
                dataset: str = "") -> list[Path]:
    """Plug-in MI of every (output neuron, input pixel) pair per class (``capozzi_mi.csv``,
    measure ``mutual_information``), one panel per class. Only the output neurons with
    non-zero MI are drawn (every other row is exactly 0); pairs with MI 0 are white and the
    colour scale is logarithmic, shared by the panels."""
    from matplotlib.colors import LogNorm

    rows = mi[mi["measure"] == "mutual_information"]
    classes = sorted(mi["class"].unique())
    matrices = {c: _pair_matrix(rows[rows["class"] == c], n_exc, n_input) for c in classes}
    positive = np.concatenate([m[m > 0] for m in matrices.values()] + [np.zeros(0)])
    vmax = float(np.percentile(positive, 99.5)) if len(positive) else 1.0
    vmin = float(max(np.percentile(positive, 1), vmax * 1e-3)) if len(positive) else 1e-3
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("white")
    fig, axes = plt.subplots(int(np.ceil(len(classes) / 2)), 2, squeeze=False,
                             figsize=(11, 1.9 * np.ceil(len(classes) / 2) + 0.6),
                             layout="constrained")
    for ax in axes.flat[len(classes):]:
        ax.set_visible(False)
    names = class_names(dataset)
    image = None
    for ax, c in zip(axes.flat, classes):
        active = np.flatnonzero((matrices[c] > 0).any(axis=1))
        shown = np.ma.masked_less_equal(matrices[c][active], 0)
        ax.set_title(f"{names[c]}: {len(active)} neurons with MI", fontsize=8, loc="left")
        ax.set_xlim(-0.5, n_input - 0.5)
        ax.tick_params(labelsize=6)
        if len(active) == 0:
            ax.set_yticks([])
            ax.text(0.5, 0.5, "no output spikes", transform=ax.transAxes, ha="center",
                    va="center", fontsize=8, color="0.4")
            continue
        image = ax.imshow(shown, cmap=cmap, norm=LogNorm(vmin=vmin, vmax=vmax), aspect="auto",
                          interpolation="nearest")
        step = max(1, int(np.ceil(len(active) / 8)))
        ax.set_yticks(range(0, len(active), step), active[::step])
        ax.set_ylabel("neuron", fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("input pixel (row-major)", fontsize=7)
    if image is not None:
        fig.colorbar(image, ax=axes, fraction=0.03, pad=0.01, extend="both",
                     label="I(output; input) (bit)")
    fig.suptitle("Mutual information of output-input pairs (plug-in, 1 ms bins), first test "
                 f"image of each class{', ' + dataset_title(dataset) if dataset else ''}",
                 fontsize=10)
    return plots.save(fig, path_stem)


def _pair_matrix(rows: pd.DataFrame, n_exc: int, n_input: int) -> np.ndarray:
    matrix = np.zeros((n_exc, n_input))
    matrix[rows["neuron"].to_numpy(), rows["input"].to_numpy()] = rows["bits"].to_numpy()
    return matrix


def mi_pixel_maps(mi: pd.DataFrame, image_shape: tuple[int, int], path_stem: Path,
                  dataset: str = "") -> list[Path]:
    """MI of each input pixel summed over the excitatory neurons, as images per class: where
    in the image the output spikes carry information about the input spikes."""
    rows = mi[mi["measure"] == "mutual_information"]
    classes = sorted(mi["class"].unique())
    maps = {}
    for c in classes:
        per_pixel = rows[rows["class"] == c].groupby("input")["bits"].sum()
        frame = pd.DataFrame({"input": per_pixel.index, "bits": per_pixel.to_numpy()})
        maps[c] = _pixel_image(frame, image_shape)
    vmax = max(1e-9, max(float(m.max()) for m in maps.values()))
    fig, axes = _class_grid(len(classes), (2.0, 2.15))
    names = class_names(dataset)
    for ax, c in zip(axes, classes):
        image = ax.imshow(maps[c], cmap="viridis", vmin=0, vmax=vmax)
        ax.set_title(names[c], fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=list(axes), fraction=0.02, pad=0.02,
                 label="Σ over outputs of I(output; pixel) (bit)")
    fig.suptitle("Mutual information per input pixel, summed over excitatory neurons"
                 f"{', ' + dataset_title(dataset) if dataset else ''}", fontsize=10)
    return plots.save(fig, path_stem)


def informative_neurons(table2: pd.DataFrame, n_exc: int, path_stem: Path,
                        dataset: str = "") -> list[Path]:
    """Class x neuron matrix: silent, spiked, spiked with MI (first image of the class,
    Capozzi Table 2) and informative (bias-corrected test over all analysed images)."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    classes = [int(c) for c in table2["class"]]
    matrix = np.zeros((len(classes), n_exc), dtype=int)
    for row, (_, entry) in enumerate(table2.iterrows()):
        for code, column in ((1, "spiked"), (2, "with_mi"), (3, "informative")):
            matrix[row, parse_neuron_set(entry[column])] = code
    colours = [colour for _, _, colour in _NEURON_CATEGORIES]
    cmap = ListedColormap(colours)
    norm = BoundaryNorm(np.arange(len(colours) + 1) - 0.5, len(colours))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.06 * n_exc + 2), 3.6))
    ax.imshow(matrix, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
    if n_exc <= 200:  # cell borders, so that neighbouring neurons stay apart
        ax.vlines(np.arange(n_exc - 1) + 0.5, -0.5, len(classes) - 0.5, colors="white", lw=0.4)
    ax.hlines(np.arange(len(classes) - 1) + 0.5, -0.5, n_exc - 0.5, colors="white", lw=1.5)
    names = class_names(dataset)
    counts = [f"{names[c]}  ({(matrix[r] >= 1).sum()}/{(matrix[r] >= 2).sum()}/"
              f"{(matrix[r] == 3).sum()})" for r, c in enumerate(classes)]
    ax.set_yticks(range(len(classes)), counts, fontsize=7)
    ax.set_xlabel("excitatory neuron")
    ax.set_title("Neurons per class: spiked / with MI / informative"
                 f"{', ' + dataset_title(dataset) if dataset else ''}", fontsize=10)
    handles = [Patch(facecolor=colour, edgecolor="0.6", label=label)
               for _, label, colour in _NEURON_CATEGORIES]
    ax.legend(handles=handles, fontsize=7, frameon=False, ncols=4, loc="upper center",
              bbox_to_anchor=(0.5, -0.18))
    return plots.save(fig, path_stem)


def spike_raster(recording: SpikeRecording, presentation: int, path_stem: Path,
                 dataset: str = "") -> list[Path]:
    """Input (top) and excitatory (bottom) spikes of one presentation."""
    label = int(recording.labels[presentation])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 5.2), sharex=True,
                                      gridspec_kw={"height_ratios": [2, 1]})
    for ax, name, n, colour in ((top, "input", recording.n_input, "0.2"),
                                (bottom, "exc", recording.n_exc, "#c0392b")):
        chosen = getattr(recording, f"{name}_presentation") == presentation
        times = 1e3 * getattr(recording, f"{name}_time")[chosen]
        neurons = getattr(recording, f"{name}_neuron")[chosen]
        ax.scatter(times, neurons, s=3 if name == "input" else 60, marker="|", color=colour,
                   linewidths=0.7 if name == "input" else 1.5)
        ax.set_ylim(-0.5, n - 0.5)
        ax.set_ylabel(f"{'input pixel' if name == 'input' else 'excitatory neuron'}")
        ax.text(0.99, 0.97, f"{int(chosen.sum())} spikes", transform=ax.transAxes,
                ha="right", va="top", fontsize=7,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
    bottom.set_xlim(0, 1e3 * recording.duration)
    bottom.set_xlabel("time from image onset (ms)")
    title = f"Spikes during one presentation: class {class_names(dataset)[label]}"
    top.set_title(f"{title}, test image {int(recording.image_index[presentation])}"
                  f"{', ' + dataset_title(dataset) if dataset else ''}", fontsize=10)
    fig.tight_layout()
    return plots.save(fig, path_stem)


# -- whole directories ---------------------------------------------------------------------


def run_figures(run_dir: Path, out_dir: Path, dataset: str) -> list[Path]:
    """Receptive fields, thresholds and (when evaluated) the confusion matrix of a run."""
    from diehlsim import runs

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    state = runs.load_state(run_dir)
    paths = receptive_fields(state.weights, out_dir / "receptive_fields", dataset)
    paths += theta_distribution(state.theta, out_dir / "theta")
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else None
    if metrics is not None:
        paths += confusion_matrix(metrics["confusion"], out_dir / "confusion", dataset)
    paths += _accuracy_during_training(run_dir, out_dir, dataset, metrics)
    return paths


def _accuracy_during_training(run_dir: Path, out_dir: Path, dataset: str, metrics,
                              window: int = 10_000) -> list[Path]:
    from diehlsim import datasets, runs
    from diehlsim.analysis.labelling import online_accuracy

    responses = runs.load_train_responses(run_dir)
    if responses is None:
        return []  # trained before the responses were saved
    counts, image_index = responses
    _, labels = datasets.load(dataset, "train")
    window = min(window, max(1, len(counts) // 4))  # short runs still get a few points
    seen, accuracy = online_accuracy(counts, labels[image_index], window)
    if len(seen) == 0:
        return []
    final = metrics["accuracy_all"] if metrics else None
    return accuracy_vs_images(seen, accuracy, window, out_dir / "accuracy_vs_images", dataset,
                              final)


def information_figures(analysis_dir: Path, out_dir: Path, dataset: str,
                        image_shape: tuple[int, int], recording_path: Path | None = None
                        ) -> list[Path]:
    """Entropy maps, MI heatmaps and pixel maps, informative neurons and (with a recording)
    a spike raster, from the files :func:`diehlsim.analysis.report.analyze` wrote."""
    analysis_dir, out_dir = Path(analysis_dir), Path(out_dir)
    entropy = pd.read_csv(analysis_dir / "capozzi_entropy.csv")
    mi = pd.read_csv(analysis_dir / "capozzi_mi.csv")
    table2 = read_table2(analysis_dir / "table2.csv")
    n_input = image_shape[0] * image_shape[1]
    outputs = entropy[entropy["measure"] == "output_entropy"]
    n_exc = int(outputs["neuron"].max()) + 1
    paths = entropy_maps(entropy, image_shape, out_dir / "entropy_maps", dataset)
    paths += mi_heatmaps(mi, n_exc, n_input, out_dir / "mi_heatmaps", dataset)
    paths += mi_pixel_maps(mi, image_shape, out_dir / "mi_pixel_maps", dataset)
    paths += informative_neurons(table2, n_exc, out_dir / "informative_neurons", dataset)
    if recording_path is not None and Path(recording_path).exists():
        recording = SpikeRecording.load(recording_path)
        paths += spike_raster(recording, 0, out_dir / "spike_raster", dataset)
    return paths
