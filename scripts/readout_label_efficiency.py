"""Accuracy of every read-out against the number of labelled images, from evaluated runs.

Refits the read-outs on the first N presentations of each run's recorded labelling phase
(``label_counts.npy``, ``label_first_spike.npy``) for each N, scores them on its recorded
test phase, and writes ``OUT.csv`` (a ``run`` column per run) and the figure ``OUT.png`` /
``OUT.pdf`` (the mean over the runs, +- sd). Nothing is simulated again.

    python scripts/readout_label_efficiency.py --run runs/a runs/b --sizes 100 1000 5000 \\
        --out runs/label_efficiency
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import plots
from diehlsim.analysis import readouts
from diehlsim.analysis.readouts_efficiency import label_efficiency


def _phase(run: Path, name: str) -> tuple[readouts.Responses, np.ndarray]:
    first = run / f"{name}_first_spike.npy"
    return (readouts.Responses(np.load(run / f"{name}_counts.npy"),
                               np.load(first) if first.exists() else None),
            np.load(run / f"{name}_labels.npy"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, nargs="+", required=True,
                        help="evaluated run directories (of one dataset)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--out", type=Path, default=None,
                        help="path stem (default RUN/figures/label_efficiency)")
    args = parser.parse_args()
    out = args.out or args.run[0] / "figures" / "label_efficiency"
    out.parent.mkdir(parents=True, exist_ok=True)
    tables = []
    for run in args.run:
        label, label_y = _phase(run, "label")
        test, test_y = _phase(run, "test")
        tables.append(label_efficiency(label, label_y, test, test_y, args.sizes).assign(
            run=str(run)))
    table = pd.concat(tables, ignore_index=True)
    table.to_csv(out.with_suffix(".csv"), index=False)
    dataset = json.loads((args.run[0] / "config.json").read_text()).get("settings", {}).get(
        "dataset", "")
    plots.label_efficiency(table, out, dataset)
    summary = table.groupby(["labelled", "title"], sort=False)["accuracy"].agg(["mean", "std"])
    print((100 * summary).round(2).unstack("title").to_string())
    print(f"wrote {out.with_suffix('.csv')} and {out}.png/.pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main())
