"""The information analysis: input entropy maps, MI of (output, input) pairs, informative
neurons per class, and the spikes of one presentation."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from diehlsim.analysis.tidy import parse_neuron_set
from diehlsim.plots import _save
from diehlsim.plots.names import class_names, dataset_suffix
from diehlsim.recordings import SpikeRecording

# Categories of :func:`informative_neurons` (value in the matrix -> legend entry and colour).
NEURON_CATEGORIES = [
    (0, "silent", "#f2f2f2"),
    (1, "spiked (no MI)", "#9ecae1"),
    (2, "spiked, MI > 1e-6 bit", "#3182bd"),
    (3, "informative (FDR < 0.05)", "#e6550d"),
]


def _class_grid(n_panels: int, panel_size: tuple[float, float], cols: int = 5):
    rows = int(np.ceil(n_panels / cols))
    fig = Figure(figsize=(panel_size[0] * cols, panel_size[1] * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, axes.flat[:n_panels]


def _pixel_image(rows: pd.DataFrame, image_shape: tuple[int, int]) -> np.ndarray:
    values = np.zeros(image_shape[0] * image_shape[1])
    values[rows["input"].to_numpy()] = rows["bits"].to_numpy()
    return values.reshape(image_shape)


def _pair_matrix(rows: pd.DataFrame, n_exc: int, n_input: int) -> np.ndarray:
    matrix = np.zeros((n_exc, n_input))
    matrix[rows["neuron"].to_numpy(), rows["input"].to_numpy()] = rows["bits"].to_numpy()
    return matrix


def _class_images(maps: dict[int, np.ndarray], cmap: str, titles: dict[int, str],
                  colour_label: str, suptitle: str, path_stem: Path) -> list[Path]:
    # One image per class on a shared colour scale, so that the panels compare.
    vmax = max(1e-9, max(float(m.max()) for m in maps.values()))
    fig, axes = _class_grid(len(maps), (2.0, 2.15))
    for ax, (c, image_values) in zip(axes, maps.items()):
        image = ax.imshow(image_values, cmap=cmap, vmin=0, vmax=vmax)
        ax.set_title(titles[c], fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=list(axes), fraction=0.02, pad=0.02, label=colour_label)
    fig.suptitle(suptitle, fontsize=10)
    return _save.save(fig, path_stem)


def entropy_maps(entropy: pd.DataFrame, image_shape: tuple[int, int], path_stem: Path,
                 dataset: str = "") -> list[Path]:
    """Per-pixel Bernoulli entropy of the input spike trains (``capozzi_entropy.csv``,
    measure ``input_entropy``) on the analysed image of each class, as images."""
    rows = entropy[entropy["measure"] == "input_entropy"]
    classes = sorted(rows["class"].unique())
    maps = {c: _pixel_image(rows[rows["class"] == c], image_shape) for c in classes}
    names = class_names(dataset)
    titles = {c: f"{names[c]}  (Σ {maps[c].sum():.1f} bit)" for c in classes}
    return _class_images(maps, "magma", titles, "entropy (bit / 1 ms bin)",
                         "Input-layer entropy per pixel, first test image of each class"
                         f"{dataset_suffix(dataset)}", path_stem)


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
    names = class_names(dataset)
    return _class_images(maps, "viridis", {c: names[c] for c in classes},
                         "Σ over outputs of I(output; pixel) (bit)",
                         "Mutual information per input pixel, summed over excitatory neurons"
                         f"{dataset_suffix(dataset)}", path_stem)


def mi_heatmaps(mi: pd.DataFrame, n_exc: int, n_input: int, path_stem: Path,
                dataset: str = "") -> list[Path]:
    """Plug-in MI of every (output neuron, input pixel) pair per class (``capozzi_mi.csv``,
    measure ``mutual_information``), one panel per class. Only the output neurons with
    non-zero MI are drawn (every other row is exactly 0); pairs with MI 0 are white and the
    colour scale is logarithmic, shared by the panels."""
    rows = mi[mi["measure"] == "mutual_information"]
    classes = sorted(mi["class"].unique())
    matrices = {c: _pair_matrix(rows[rows["class"] == c], n_exc, n_input) for c in classes}
    norm = _shared_log_norm(matrices.values())
    cmap = matplotlib.colormaps["viridis"].copy()
    cmap.set_bad("white")
    n_rows = int(np.ceil(len(classes) / 2))
    fig = Figure(figsize=(11, 1.9 * n_rows + 0.6), layout="constrained")
    axes = fig.subplots(n_rows, 2, squeeze=False)
    for ax in axes.flat[len(classes):]:
        ax.set_visible(False)
    names = class_names(dataset)
    image = None
    for ax, c in zip(axes.flat, classes):
        active = np.flatnonzero((matrices[c] > 0).any(axis=1))
        ax.set_title(f"{names[c]}: {len(active)} neurons with MI", fontsize=8, loc="left")
        ax.set_xlim(-0.5, n_input - 0.5)
        ax.tick_params(labelsize=6)
        if len(active) == 0:
            ax.set_yticks([])
            ax.text(0.5, 0.5, "no output spikes", transform=ax.transAxes, ha="center",
                    va="center", fontsize=8, color="0.4")
            continue
        shown = np.ma.masked_less_equal(matrices[c][active], 0)
        image = ax.imshow(shown, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
        step = max(1, int(np.ceil(len(active) / 8)))
        ax.set_yticks(range(0, len(active), step), active[::step])
        ax.set_ylabel("neuron", fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("input pixel (row-major)", fontsize=7)
    if image is not None:
        fig.colorbar(image, ax=axes, fraction=0.03, pad=0.01, extend="both",
                     label="I(output; input) (bit)")
    fig.suptitle("Mutual information of output-input pairs (plug-in, 1 ms bins), first test "
                 f"image of each class{dataset_suffix(dataset)}", fontsize=10)
    return _save.save(fig, path_stem)


def _shared_log_norm(matrices) -> LogNorm:
    # Clip at the 99.5th percentile and three decades below it, so that a few large pairs
    # do not wash out the rest.
    positive = np.concatenate([m[m > 0] for m in matrices] + [np.zeros(0)])
    vmax = float(np.percentile(positive, 99.5)) if len(positive) else 1.0
    vmin = float(max(np.percentile(positive, 1), vmax * 1e-3)) if len(positive) else 1e-3
    return LogNorm(vmin=vmin, vmax=vmax)


def neuron_categories(table2: pd.DataFrame, n_exc: int) -> np.ndarray:
    """Class x neuron matrix of the codes of :data:`NEURON_CATEGORIES` from ``table2``;
    each later category overrides the one before (informative neurons also spiked)."""
    matrix = np.zeros((len(table2), n_exc), dtype=int)
    for row, (_, entry) in enumerate(table2.iterrows()):
        for code, column in ((1, "spiked"), (2, "with_mi"), (3, "informative")):
            matrix[row, parse_neuron_set(entry[column])] = code
    return matrix


def informative_neurons(table2: pd.DataFrame, n_exc: int, path_stem: Path,
                        dataset: str = "") -> list[Path]:
    """Class x neuron matrix: silent, spiked, spiked with MI (first image of the class,
    Capozzi Table 2) and informative (bias-corrected test over all analysed images)."""
    classes = [int(c) for c in table2["class"]]
    matrix = neuron_categories(table2, n_exc)
    colours = [colour for _, _, colour in NEURON_CATEGORIES]
    norm = BoundaryNorm(np.arange(len(colours) + 1) - 0.5, len(colours))
    fig = Figure(figsize=(max(6.0, 0.06 * n_exc + 2), 3.6))
    ax = fig.subplots()
    ax.imshow(matrix, cmap=ListedColormap(colours), norm=norm, aspect="auto",
              interpolation="nearest")
    if n_exc <= 200:  # cell borders, so that neighbouring neurons stay apart
        ax.vlines(np.arange(n_exc - 1) + 0.5, -0.5, len(classes) - 0.5, colors="white", lw=0.4)
    ax.hlines(np.arange(len(classes) - 1) + 0.5, -0.5, n_exc - 0.5, colors="white", lw=1.5)
    names = class_names(dataset)
    counts = [f"{names[c]}  ({(matrix[r] >= 1).sum()}/{(matrix[r] >= 2).sum()}/"
              f"{(matrix[r] == 3).sum()})" for r, c in enumerate(classes)]
    ax.set_yticks(range(len(classes)), counts, fontsize=7)
    ax.set_xlabel("excitatory neuron")
    ax.set_title(f"Neurons per class: spiked / with MI / informative{dataset_suffix(dataset)}",
                 fontsize=10)
    handles = [Patch(facecolor=colour, edgecolor="0.6", label=label)
               for _, label, colour in NEURON_CATEGORIES]
    ax.legend(handles=handles, fontsize=7, frameon=False, ncols=4, loc="upper center",
              bbox_to_anchor=(0.5, -0.18))
    return _save.save(fig, path_stem)


def spike_raster(recording: SpikeRecording, presentation: int, path_stem: Path,
                 dataset: str = "") -> list[Path]:
    """Input (top) and excitatory (bottom) spikes of one presentation."""
    label = int(recording.labels[presentation])
    fig = Figure(figsize=(6.5, 5.2))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    for ax, name, n, colour in ((top, "input", recording.n_input, "0.2"),
                                (bottom, "exc", recording.n_exc, "#c0392b")):
        chosen = getattr(recording, f"{name}_presentation") == presentation
        times = 1e3 * getattr(recording, f"{name}_time")[chosen]
        neurons = getattr(recording, f"{name}_neuron")[chosen]
        ax.scatter(times, neurons, s=3 if name == "input" else 60, marker="|", color=colour,
                   linewidths=0.7 if name == "input" else 1.5)
        ax.set_ylim(-0.5, n - 0.5)
        ax.set_ylabel("input pixel" if name == "input" else "excitatory neuron")
        ax.text(0.99, 0.97, f"{int(chosen.sum())} spikes", transform=ax.transAxes,
                ha="right", va="top", fontsize=7,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
    bottom.set_xlim(0, 1e3 * recording.duration)
    bottom.set_xlabel("time from image onset (ms)")
    title = f"Spikes during one presentation: class {class_names(dataset)[label]}"
    top.set_title(f"{title}, test image {int(recording.image_index[presentation])}"
                  f"{dataset_suffix(dataset)}", fontsize=10)
    fig.tight_layout()
    return _save.save(fig, path_stem)
