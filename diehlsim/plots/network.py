"""The trained network and its training: receptive fields, thresholds, confusion matrix,
accuracy during training and the training log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from diehlsim.plots import _save
from diehlsim.plots.names import class_names, dataset_suffix


def receptive_field_grid(weights: np.ndarray, max_neurons: int = 100,
                         channels: int = 1) -> np.ndarray:
    """Columns of ``weights`` (n_input x n_exc) as square images tiled row by row on a
    near-square canvas; cells without a neuron are NaN (drawn blank). With ``channels``
    inputs per pixel (an on/off filter) the first channel, the on-centre one, is drawn."""
    n_input, n_exc = weights.shape
    weights = weights[: n_input // channels]
    side = int(round(np.sqrt(n_input // channels)))
    shown = min(n_exc, max_neurons)
    cols = int(np.ceil(np.sqrt(shown)))
    rows = int(np.ceil(shown / cols))
    canvas = np.full((rows * side, cols * side), np.nan)
    for k in range(shown):
        r, c = divmod(k, cols)
        canvas[r * side:(r + 1) * side, c * side:(c + 1) * side] = weights[:, k].reshape(side, side)
    return canvas


def receptive_fields(weights: np.ndarray, path_stem: Path, dataset: str = "",
                     max_neurons: int = 100, channels: int = 1) -> list[Path]:
    """Input weights of (up to) ``max_neurons`` excitatory neurons as a grid of images
    (10 x 10 for the first 100); of the on-centre channel when ``channels`` is 2."""
    weights = np.asarray(weights)
    n_exc = weights.shape[1]
    shown = min(n_exc, max_neurons)
    canvas = receptive_field_grid(weights, max_neurons, channels)
    fig = Figure(figsize=(6, 6))
    ax = fig.subplots()
    image = ax.imshow(canvas, cmap="hot_r", vmin=0, vmax=max(1e-9, np.nanmax(canvas)))
    ax.set_xticks([])
    ax.set_yticks([])
    channel = ", on-centre channel" if channels > 1 else ""
    ax.set_title(f"Receptive fields{dataset_suffix(dataset)} ({shown} of {n_exc} "
                 f"neurons{channel})")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="weight")
    return _save.save(fig, path_stem)


def theta_distribution(theta_volts: np.ndarray, path_stem: Path) -> list[Path]:
    """Histogram of the adaptive thresholds after training."""
    fig = Figure(figsize=(5, 3.5))
    ax = fig.subplots()
    ax.hist(np.asarray(theta_volts) * 1e3, bins=30, color="0.3")
    ax.set_xlabel("adaptive threshold θ (mV)")
    ax.set_ylabel("neurons")
    ax.set_title("Threshold distribution after training")
    return _save.save(fig, path_stem)


def confusion_matrix(confusion, path_stem: Path, dataset: str = "",
                     readout: str = "all vote") -> list[Path]:
    """Test confusion matrix of a read-out (titled ``readout``; counts, shaded by the
    fraction of each true class)."""
    matrix = np.asarray(confusion, dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    n = len(matrix)
    names = _tick_names(dataset, n)
    fig = Figure(figsize=(5.5, 5))
    ax = fig.subplots()
    image = ax.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    for r in range(n):
        for c in range(n):
            ax.text(c, r, int(matrix[r, c]), ha="center", va="center", fontsize=7,
                    color="white" if normalised[r, c] > 0.5 else "black")
    ax.set_xticks(range(n), names, rotation=45, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix{dataset_suffix(dataset)}, {readout}")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    return _save.save(fig, path_stem)


def _tick_names(dataset: str, n_classes: int) -> list[str]:
    # A matrix of another size than the dataset's classes still gets one label per row.
    names = class_names(dataset)
    return names if len(names) == n_classes else [str(k) for k in range(n_classes)]


def accuracy_vs_images(seen: np.ndarray, accuracy: np.ndarray, window: int, path_stem: Path,
                       dataset: str = "", final: float | None = None) -> list[Path]:
    """Accuracy during training (the original code's "performance" plot): each block of
    ``window`` training images classified with the labels of the block before it."""
    fig = Figure(figsize=(5.2, 3.4))
    ax = fig.subplots()
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
    ax.set_title(f"Accuracy vs images seen{dataset_suffix(dataset)}")
    fig.tight_layout()
    return _save.save(fig, path_stem)


def training_log(logs: dict[str, pd.DataFrame], path_stem: Path) -> list[Path]:
    """Simulation speed (images/s) and mean excitatory spikes per presentation against the
    number of training images seen, one line per run (``logs``: name -> train_log.csv)."""
    fig = Figure(figsize=(9, 3.4))
    speed, spikes = fig.subplots(1, 2)
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
    return _save.save(fig, path_stem)
