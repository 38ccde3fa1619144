"""The information analysis of any NWB file (one diehlsim did not write, too), and the
figures of an analysis directory."""

from __future__ import annotations

import math
from pathlib import Path

from diehlsim import datasets
from diehlsim.analysis import report, sources
from diehlsim.api.recording import DEFAULT_PERMUTATIONS, Analysis
from diehlsim.errors import ConfigurationError

NWB_ANALYSIS_SUFFIX = "_information"


def analyze_nwb(path, *, out_dir=None, permutations: int = DEFAULT_PERMUTATIONS,
                seed: int = 0, intervals: str | None = None, label_column: str = "label",
                n_classes: int = 10) -> Analysis:
    """Run :func:`diehlsim.analysis.report.analyze` on the spikes of the NWB file ``path``
    (see :func:`diehlsim.analysis.sources.from_nwb` for the tables it reads) and write its
    tables and the recording (``spikes.npz``) into ``out_dir`` (default: ``FILE_information``
    beside the file). The units' ``assigned_label`` column, when present, gives the
    assignments; else they are assigned from the file's own counts."""
    path = Path(path)
    if permutations < 1:
        raise ConfigurationError(f"permutations must be >= 1, got {permutations}")
    out_dir = Path(out_dir) if out_dir is not None else path.with_name(
        path.stem + NWB_ANALYSIS_SUFFIX)
    recording = sources.read_nwb(path, intervals=intervals, label_column=label_column)
    recording.save(out_dir / "spikes.npz")
    tables = report.analyze(recording, out_dir, assignments=_assignments(path),
                            n_classes=n_classes, n_permutations=permutations, seed=seed)
    return Analysis(out_dir, tables)


def analysis_figures(analysis_dir, dataset: str | None = None) -> list[Path]:
    """The figures of an analysis directory (``spikes.npz``, ``table2.csv`` ...) in
    ``DIR/figures``: with ``dataset`` its image shape; without, a square one when the
    inputs are a square number (maps over the image are left out otherwise)."""
    from diehlsim import figures as run_figures  # matplotlib: only when drawing
    from diehlsim.recordings import SpikeRecording

    analysis_dir = Path(analysis_dir)
    recording_path = analysis_dir / "spikes.npz"
    if dataset is not None:
        shape = datasets.image_shape(dataset)
    else:
        n_input = SpikeRecording.load(recording_path).n_input if recording_path.exists() else 0
        side = math.isqrt(n_input)
        shape = (side, side) if n_input > 0 and side * side == n_input else None
    return run_figures.information_figures(analysis_dir, analysis_dir / "figures",
                                           dataset or "", shape, recording_path)


def _assignments(path: Path):
    """The ``assigned_label`` of the file's excitatory units (diehlsim's exports have it)."""
    from diehlsim import nwb

    with nwb.open_file(path) as nwbfile:
        units = nwbfile.units.to_dataframe()
    if "assigned_label" not in units:
        return None
    if "layer" in units:
        units = units[units["layer"].astype(str) == "exc"]
    if "neuron" in units:
        units = units.sort_values("neuron")
    return units["assigned_label"].to_numpy()
