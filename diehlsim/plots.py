"""Figures (matplotlib, PNG and PDF): receptive fields, theta, confusion matrix."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from diehlsim import io  # noqa: E402


def save(fig, path_stem: Path) -> list[Path]:
    paths = []
    for suffix in (".png", ".pdf"):
        path = Path(path_stem).with_suffix(suffix)
        io.save_figure(fig, path, dpi=200, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths


def receptive_fields(weights: np.ndarray, path_stem: Path, max_neurons: int = 100,
                     title: str = "Learned receptive fields") -> list[Path]:
    """Weights (n_input x n_exc) as a grid of square images (up to 10 x 10 neurons)."""
    n_input, n_exc = weights.shape
    side = int(round(np.sqrt(n_input)))
    shown = min(n_exc, max_neurons)
    cols = int(np.ceil(np.sqrt(shown)))
    rows = int(np.ceil(shown / cols))
    canvas = np.full((rows * side, cols * side), np.nan)
    for k in range(shown):
        r, c = divmod(k, cols)
        canvas[r * side:(r + 1) * side, c * side:(c + 1) * side] = weights[:, k].reshape(side, side)
    fig, ax = plt.subplots(figsize=(6, 6))
    image = ax.imshow(canvas, cmap="hot_r", vmin=0, vmax=max(1e-9, np.nanmax(canvas)))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{title} ({shown} of {n_exc} neurons)")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="weight")
    return save(fig, path_stem)


def theta_distribution(theta_volts: np.ndarray, path_stem: Path) -> list[Path]:
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist(np.asarray(theta_volts) * 1e3, bins=30, color="0.3")
    ax.set_xlabel("adaptive threshold θ (mV)")
    ax.set_ylabel("neurons")
    ax.set_title("Threshold distribution after training")
    return save(fig, path_stem)


def confusion_matrix(confusion, path_stem: Path, class_names=None,
                     title: str = "Confusion matrix (all vote)") -> list[Path]:
    matrix = np.asarray(confusion, dtype=float)
    rows = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    n = len(matrix)
    names = class_names or [str(k) for k in range(n)]
    fig, ax = plt.subplots(figsize=(5.5, 5))
    image = ax.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    for r in range(n):
        for c in range(n):
            ax.text(c, r, int(matrix[r, c]), ha="center", va="center", fontsize=7,
                    color="white" if normalised[r, c] > 0.5 else "black")
    ax.set_xticks(range(n), names, rotation=45, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    return save(fig, path_stem)
