"""One module per paper reproduced: :mod:`~diehlsim.papers.capozzi2023` and
:mod:`~diehlsim.papers.diehlcook2015` (what both share is in :mod:`~diehlsim.papers.common`).

The reproductions call :mod:`diehlsim.api` (and :mod:`diehlsim.figures` for the figures);
``diehlsim reproduce capozzi2023|diehlcook2015|figures`` runs them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from diehlsim.errors import RunDirectoryError
from diehlsim.papers import capozzi2023, diehlcook2015


def make_figures(out_dir) -> list[Path]:
    """Draw every figure of a finished reproduction directory again (either paper)."""
    out_dir = Path(out_dir)
    if (out_dir / "table1.csv").exists():
        table1 = pd.read_csv(out_dir / "table1.csv")
        paths = []
        for dataset in table1["dataset"]:
            paths += capozzi2023.dataset_figures(out_dir / dataset, dataset)
        return paths + capozzi2023.capozzi_summary_figures(out_dir, table1)
    if (out_dir / "summary.json").exists() and (out_dir / "results.csv").exists():
        return diehlcook2015.diehl_cook_figures(out_dir)
    raise RunDirectoryError(
        f"{out_dir} holds no finished reproduction (no table1.csv, nor results.csv and "
        f"summary.json): run `diehlsim reproduce capozzi2023|diehlcook2015 --out {out_dir}`")
