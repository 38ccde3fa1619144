"""The state-monitor traces of a run: ``RUN/traces/PHASE/chunk_NNNNN.npz``.

With ``--monitor``, each chunk of a phase writes the traces (with their units), input and
output spikes of the requested presentations it ran; :func:`load_presentation_traces`
reads one presentation back for the trace figure. Files are written atomically.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from diehlsim import io
from diehlsim.errors import RunDirectoryError
from diehlsim.runs import DAMAGED_FILE_ERRORS, describe_damage

TRACES = "traces"


def trace_writer(run_dir: Path, phase: str):
    """``on_traces(chunk, arrays)`` for :func:`diehlsim.protocol.run_phase`: one file per
    chunk under ``RUN/traces/PHASE``. Traces an earlier pass of the phase left are removed
    first, so the folder holds exactly the presentations this pass was asked to keep."""
    folder = Path(run_dir) / TRACES / phase
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    def save(chunk: int, arrays: dict) -> None:
        io.write_npz(folder / f"chunk_{chunk:05d}.npz", **arrays)

    return save


def trace_phases(run_dir: Path) -> list[str]:
    folder = Path(run_dir) / TRACES
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.exists() else []


def load_presentation_traces(run_dir: Path, phase: str, presentation: int) -> dict:
    """The saved traces of one presentation of a phase: the chunk file's arrays with the
    presentation axis removed (spikes: only this presentation's)."""
    folder = Path(run_dir) / TRACES / phase
    if not folder.exists():
        phases = trace_phases(run_dir)
        raise RunDirectoryError(
            f"{run_dir} has no traces of the {phase} phase "
            + (f"(it has {', '.join(phases)}); " if phases else "; ")
            + "train or evaluate with --monitor exc.v,... --monitor-presentations ... first")
    kept = []
    for path in sorted(folder.glob("chunk_*.npz")):
        try:
            with np.load(path, allow_pickle=False) as data:
                numbers = data["presentation"]
                if presentation in numbers:
                    return _one_presentation(dict(data), int(np.flatnonzero(
                        numbers == presentation)[0]), presentation)
                kept.extend(int(n) for n in numbers)
        except DAMAGED_FILE_ERRORS as exc:
            raise RunDirectoryError(f"{path} is damaged ({describe_damage(exc)}); train or evaluate "
                                    f"again with --monitor to record it anew") from None
    raise RunDirectoryError(
        f"presentation {presentation} of the {phase} phase was not recorded in {run_dir}; "
        f"recorded: {_ranges(sorted(kept)) or 'none'}")


def _one_presentation(data: dict, row: int, presentation: int) -> dict:
    out = {"variables": [str(v) for v in data["variables"]],
           "units": [str(u) for u in data["units"]], "neurons": data["neurons"],
           "layer_sizes": data["layer_sizes"]}
    for name in ("presentation", "image", "repeats", "intensity", "accepted", "t",
                 *out["variables"]):
        out[name] = data[name][row]
    for layer in ("exc", "input"):
        key = f"{layer}_spike_presentation"
        if key in data:
            mine = data[key] == presentation
            out[f"{layer}_spike_neuron"] = data[f"{layer}_spike_neuron"][mine]
            out[f"{layer}_spike_t"] = data[f"{layer}_spike_t"][mine]
    return out


def _ranges(numbers: list[int]) -> str:
    """``[0, 1, 2, 5]`` -> ``"0-2, 5"``."""
    parts, start = [], None
    for k, n in enumerate(numbers):
        if start is None:
            start = n
        if k + 1 == len(numbers) or numbers[k + 1] != n + 1:
            parts.append(str(start) if start == n else f"{start}-{n}")
            start = None
    return ", ".join(parts)
