"""Read-outs side by side: test accuracy against the number of labelled images."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from diehlsim.plots import _save
from diehlsim.plots.names import dataset_suffix

_MARKERS = "osD^vP*X"


def label_efficiency(table: pd.DataFrame, path_stem: Path, dataset: str = "") -> list[Path]:
    """One line per read-out (``title``): ``accuracy`` against ``labelled`` images, the
    rows of :func:`diehlsim.analysis.readouts_efficiency.label_efficiency`."""
    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.subplots()
    for k, (title, rows) in enumerate(table.groupby("title", sort=False)):
        rows = rows.sort_values("labelled")
        ax.plot(rows["labelled"], 100 * rows["accuracy"], marker=_MARKERS[k % len(_MARKERS)],
                lw=1.2, label=title)
    ax.set_xscale("log")
    ax.set_xlabel("labelled images")
    ax.set_ylabel("test accuracy (%)")
    n_test = int(table["n_test"].iloc[0]) if len(table) else 0
    ax.set_title(f"Read-outs against labels{dataset_suffix(dataset)} ({n_test} test images)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return _save.save(fig, path_stem)
