"""Standalone projects, figures and datasets: the API's doors to ``build``, ``figures`` and
``datasets``."""

from __future__ import annotations

from pathlib import Path

from diehlsim import datasets, runs
from diehlsim.build import BuildResult, build_project


def build(out, device: str = "cpp_standalone", n_exc: int = 100, input_size: int = 784,
          **options) -> BuildResult:
    """Write (and compile) the standalone project of the network; see
    :func:`diehlsim.build.build_project` for ``options``."""
    return build_project(out, device, n_exc, input_size, **options)


def figures(run_dir) -> Path:
    """Receptive fields, thresholds, confusion matrix (after evaluate) and accuracy vs
    images seen, in ``RUN/figures``."""
    from diehlsim import figures as run_figures  # matplotlib: only when drawing

    out = Path(run_dir) / "figures"
    _, settings = runs.load_config(Path(run_dir))
    run_figures.run_figures(Path(run_dir), out, settings["dataset"])
    return out


def information_figures(analysis_dir, dataset: str) -> list[Path]:
    """The figures of an analysis directory (``spikes.npz``, ``table2.csv`` ...) in
    ``DIR/figures``."""
    from diehlsim import figures as run_figures  # matplotlib: only when drawing

    analysis_dir = Path(analysis_dir)
    return run_figures.information_figures(analysis_dir, analysis_dir / "figures", dataset,
                                           datasets.image_shape(dataset),
                                           analysis_dir / "spikes.npz")
