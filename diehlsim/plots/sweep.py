"""A sweep's accuracy per setting: one dot per seed, the mean and its confidence interval."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from diehlsim.plots import _save


def sweep_accuracy(panels: list[dict], path_stem: Path, title: str = "") -> list[Path]:
    """One panel per metric. Each panel: ``title``, ``settings`` (tick labels), ``values``
    (per setting, the accuracy of each seed, 0..1), ``mean``, ``ci_low``, ``ci_high`` (per
    setting, NaN where there is none) and ``marks`` (setting index -> a note such as
    "baseline" or "selected")."""
    n_settings = max(len(p["settings"]) for p in panels)
    fig = Figure(figsize=(max(4.5, 0.8 * n_settings + 2.5), 3.2 * len(panels)))
    axes = np.atleast_1d(fig.subplots(len(panels), 1, squeeze=False)[:, 0])
    for ax, panel in zip(axes, panels):
        _panel(ax, panel)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save.save(fig, path_stem)


def _panel(ax, panel: dict) -> None:
    x = np.arange(len(panel["settings"]))
    rng = np.random.default_rng(0)  # a fixed horizontal jitter keeps seeds apart
    for k, values in enumerate(panel["values"]):
        values = 100 * np.asarray(values, dtype=float)
        ax.scatter(k + rng.uniform(-0.12, 0.12, len(values)), values, s=14, color="#9ecae1",
                   edgecolor="#3182bd", linewidth=0.5, zorder=2,
                   label="one seed" if k == 0 else None)
    mean = 100 * np.asarray(panel["mean"], dtype=float)
    low = 100 * np.asarray(panel["ci_low"], dtype=float)
    high = 100 * np.asarray(panel["ci_high"], dtype=float)
    has_ci = np.isfinite(low) & np.isfinite(high)
    ax.errorbar(x[has_ci], mean[has_ci], yerr=[mean[has_ci] - low[has_ci],
                                                high[has_ci] - mean[has_ci]],
                fmt="none", ecolor="#08519c", capsize=4, lw=1.2, zorder=3,
                label="95 % CI of the mean")
    ax.scatter(x, mean, marker="_", s=300, color="#08519c", linewidth=2, zorder=4,
               label="mean")
    for k, note in panel.get("marks", {}).items():
        ax.annotate(note, (k, np.nanmax([high[k], mean[k]])), xytext=(0, 6),
                    textcoords="offset points", ha="center", fontsize=7, color="#de2d26")
    ax.set_xticks(x, panel["settings"], rotation=20, ha="right", fontsize=7)
    ax.set_xlim(-0.6, len(x) - 0.4)
    ax.set_ylabel("accuracy (%)")
    ax.set_title(panel["title"], fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, frameon=False, loc="lower right")
