"""State-monitor traces of one presentation, in the layout of Brian2's examples: input
raster on top, then membrane potential, conductances, threshold (and any other monitored
variable), and the output spikes at the bottom, all against time in ms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from diehlsim.plots import _save

# variable -> the panel it is drawn in; others get a panel of their own
PANELS = {"v": "membrane potential", "ge": "conductances", "gi": "conductances",
          "I_syn": "synaptic current", "theta": "adaptive threshold"}
# SI units drawn in a more readable unit: (factor, name)
DISPLAY_UNITS = {"V": (1e3, "mV"), "A": (1e12, "pA"), "s": (1e3, "ms")}


def presentation_traces(traces: dict, path_stem: Path) -> list[Path]:
    """Draw the arrays of :func:`diehlsim.run_traces.load_presentation_traces` for one
    presentation: ``t`` (s), ``LAYER.VARIABLE`` (neurons, steps) in ``units``, ``neurons``,
    and the spikes ``input_spike_*`` / ``exc_spike_*`` when saved."""
    t0 = float(traces["t"][0])
    t_ms = 1e3 * (np.asarray(traces["t"]) - t0)
    panels = _panels(traces["variables"])
    rasters = [layer for layer in ("input", "exc") if f"{layer}_spike_t" in traces]
    rows = len(panels) + len(rasters)
    fig = Figure(figsize=(7, 1.6 * rows + 0.8))
    axes = np.atleast_1d(fig.subplots(rows, 1, sharex=True))
    row = 0
    if "input" in rasters:
        _raster(axes[row], traces, "input", t0, "input neuron", "0.2", 2,
                int(traces["layer_sizes"][0]))
        row += 1
    units = dict(zip(traces["variables"], traces["units"]))
    for title, names in panels.items():
        ax = axes[row]
        for name in names:
            factor, unit = DISPLAY_UNITS.get(units[name], (1.0, units[name]))
            for k, neuron in enumerate(traces["neurons"]):
                ax.plot(t_ms, factor * traces[name][k], lw=0.8,
                        label=f"{name}[{neuron}]")
        ax.set_ylabel(f"{title}\n({unit})" if unit != "1" else title, fontsize=8)
        if sum(len(traces["neurons"]) for _ in names) <= 8:
            ax.legend(fontsize=6, loc="upper right", ncol=2)
        row += 1
    if "exc" in rasters:
        _raster(axes[row], traces, "exc", t0, "excitatory neuron", "#c0392b", 40,
                int(traces["layer_sizes"][1]))
    axes[-1].set_xlim(0, t_ms[-1] if len(t_ms) else 1)
    axes[-1].set_xlabel("time from the presentation's start (ms)")
    axes[0].set_title(
        f"presentation {int(traces['presentation'])}: image {int(traces['image'])}, "
        f"repeat {int(traces['repeats'])}, intensity {float(traces['intensity']):g}",
        fontsize=10)
    fig.tight_layout()
    return _save.save(fig, path_stem)


def _panels(variables) -> dict[str, list[str]]:
    """Panel title -> the variables it shows; one layer's and another's apart."""
    panels: dict[str, list[str]] = {}
    for name in variables:
        layer, variable = name.split(".", 1)
        panels.setdefault(f"{layer}: {PANELS.get(variable, variable)}", []).append(name)
    return panels


def _raster(ax, traces: dict, layer: str, t0: float, label: str, colour, size,
            n: int) -> None:
    times = 1e3 * (np.asarray(traces[f"{layer}_spike_t"]) - t0)
    neurons = traces[f"{layer}_spike_neuron"]
    ax.scatter(times, neurons, s=size, marker="|", color=colour, linewidths=0.8)
    ax.set_ylim(-0.5, n - 0.5)
    ax.set_ylabel(label, fontsize=8)
    ax.text(0.99, 0.95, f"{len(times)} spikes", transform=ax.transAxes, ha="right", va="top",
            fontsize=7, bbox=dict(facecolor="white", edgecolor="none", alpha=0.8))
