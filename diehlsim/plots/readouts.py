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
    rows of :func:`diehlsim.analysis.readouts_efficiency.label_efficiency`. Rows of several
    runs (same sizes) are drawn as their mean, with +- one standard deviation as bars."""
    fig = Figure(figsize=(5.5, 3.8))
    ax = fig.subplots()
    for k, (title, rows) in enumerate(table.groupby("title", sort=False)):
        stats = rows.groupby("labelled")["accuracy"].agg(["mean", "std", "count"])
        ax.errorbar(stats.index, 100 * stats["mean"],
                    yerr=100 * stats["std"].where(stats["count"] > 1).fillna(0.0),
                    marker=_MARKERS[k % len(_MARKERS)], lw=1.2, capsize=3, label=title)
    ax.set_xscale("log")
    sizes = sorted(table["labelled"].unique()) if len(table) else []
    ax.set_xticks(sizes, [f"{int(n):,}" for n in sizes], minor=False)
    ax.minorticks_off()
    ax.set_xlabel("labelled images")
    ax.set_ylabel("test accuracy (%)")
    n_test = int(table["n_test"].iloc[0]) if len(table) else 0
    runs = int(table.groupby(["title", "labelled"]).size().max()) if len(table) else 0
    seeds = f", mean of {runs} runs" if runs > 1 else ""
    ax.set_title(f"Read-outs against labels{dataset_suffix(dataset)} ({n_test} test "
                 f"images{seeds})", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return _save.save(fig, path_stem)
