"""Comparisons with the papers: accuracy per dataset next to a paper's numbers, and the
spread of repeated test passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from diehlsim.analysis import readouts
from diehlsim.plots import _save
from diehlsim.plots.names import dataset_title


def accuracy_vs_paper(table1: pd.DataFrame, paper: dict[str, float], path_stem: Path,
                      paper_label: str = "paper") -> list[Path]:
    """Grouped bars per dataset: accuracy of each read-out in the table and the paper's
    value."""
    datasets = list(table1["dataset"])
    x = np.arange(len(datasets))
    bars = [(f"this run, {title}", table1[column].to_numpy(), colour)
            for (column, title), colour in zip(_readout_columns(table1), _BLUES)]
    bars.append((paper_label, np.array([paper.get(d, np.nan) for d in datasets]), "#e6550d"))
    width = 0.8 / len(bars)
    fig = Figure(figsize=(max(6.0, 1.9 * len(datasets)), 3.6))
    ax = fig.subplots()
    for k, (label, values, colour) in enumerate(bars):
        positions = x + (k - (len(bars) - 1) / 2) * width
        ax.bar(positions, 100 * values, width, label=label, color=colour)
        for position, value in zip(positions, values):
            if np.isfinite(value):
                ax.text(position, 100 * value + 1, f"{100 * value:.0f}", ha="center",
                        va="bottom", fontsize=7)
    ax.axhline(10, color="0.4", ls=":", lw=1, label="chance (10 classes)")
    ax.set_xticks(x, _dataset_ticks(table1), fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.set_title(f"Accuracy, {int(table1['neurons'].iloc[0])} excitatory neurons")
    ax.legend(fontsize=7, frameon=False, loc="upper right", ncols=2)
    fig.tight_layout()
    return _save.save(fig, path_stem)


_BLUES = ("#3182bd", "#9ecae1", "#08519c", "#c6dbef", "#6baed6")
_REPEAT_COLOURS = ("#3182bd", "#6baed6", "#08519c", "#9ecae1", "#c6dbef")
_MARKERS = "osD^v"


def _readout_columns(table: pd.DataFrame) -> list[tuple[str, str]]:
    """``(accuracy column, read-out title)`` of every registered read-out in ``table``."""
    return [(readouts.accuracy_key(r), r.title) for r in readouts.readouts()
            if readouts.accuracy_key(r) in table]


def _dataset_ticks(table1: pd.DataFrame) -> list[str]:
    # a table1.csv written before the column existed has raw-pixel rows only
    transforms = table1.get("input_transform", pd.Series("none", index=table1.index))
    transforms = transforms.fillna("none")
    return [f"{dataset_title(d)}{'' if t == 'none' else f'\n{t} input'}\n{n:,} training images"
            for d, n, t in zip(table1["dataset"], table1["images"].to_numpy(), transforms)]


def test_repeats(results: pd.DataFrame, path_stem: Path, paper: float | None = None,
                 title: str = "Repeated test passes", paper_label: str = "paper") -> list[Path]:
    """Accuracy of every repeated test pass (``results.csv``), with mean and +/- 1 std."""
    fig = Figure(figsize=(5.5, 3.4))
    ax = fig.subplots()
    columns = _readout_columns(results)
    shifts = 0.16 * (np.arange(len(columns)) - (len(columns) - 1) / 2)
    for (column, label), colour, marker, shift in zip(columns, _REPEAT_COLOURS, _MARKERS,
                                                        shifts):
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
    return _save.save(fig, path_stem)
