"""Writing a figure as PNG and PDF, atomically, through :func:`diehlsim.io.save_figure`."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from diehlsim import io

SUFFIXES = (".png", ".pdf")


def save(fig: Figure, path_stem: Path) -> list[Path]:
    """Write ``fig`` as ``path_stem.png`` and ``path_stem.pdf``; return both paths."""
    paths = []
    for suffix in SUFFIXES:
        path = Path(path_stem).with_suffix(suffix)
        io.save_figure(fig, path, dpi=200, bbox_inches="tight")
        paths.append(path)
    return paths
