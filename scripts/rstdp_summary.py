"""Per-seed accuracy of every read-out of evaluated runs, mean +- sd, and one read-out's
paired differences from each other read-out (by seed, with the paired t where n >= 2):
the R-STDP layer's unless ``--reference NAME``.

    python scripts/rstdp_summary.py runs/r100_mnist_s0 runs/r100_mnist_s1 runs/r100_mnist_s2
    python scripts/rstdp_summary.py --reference all runs/r100_1ep_mnist_s*
"""

import argparse
import json
from pathlib import Path

import numpy as np
from scipy import stats

from diehlsim.analysis import readouts


def main(paths, reference: str = "rstdp") -> None:
    metrics = [json.loads((Path(p) / "metrics.json").read_text()) for p in paths]
    names = [r.name for r in readouts.readouts()
             if all(f"accuracy_{r.name}" in m for m in metrics)]
    table = np.array([[100 * m[f"accuracy_{n}"] for n in names] for m in metrics])
    print("run | " + " | ".join(names) + " | R-STDP train accuracy per epoch | undecided")
    for path, row, m in zip(paths, table, metrics):
        epochs = " / ".join(f"{100 * a:.2f}" for a in m.get("rstdp", {}).get(
            "train_accuracy_per_epoch", []))
        print(f"{Path(path).name} | " + " | ".join(f"{a:.2f} %" for a in row)
              + f" | {epochs} | {m['undecided'].get('rstdp')}")
    sd = table.std(axis=0, ddof=1) if len(table) > 1 else np.full(len(names), np.nan)
    print("mean +- sd | " + " | ".join(f"{a:.2f} +- {s:.2f} %"
                                       for a, s in zip(table.mean(axis=0), sd)))
    if reference not in names:
        return
    r = table[:, names.index(reference)]
    for j, name in enumerate(names):
        if name == reference:
            continue
        diff = r - table[:, j]
        line = f"{reference} - {name}: " + " / ".join(f"{d:+.2f}" for d in diff)
        if len(diff) >= 2:
            t, p = stats.ttest_rel(r, table[:, j])
            line += (f"; mean {diff.mean():+.2f} +- {diff.std(ddof=1):.2f} points, "
                     f"t({len(diff) - 1}) = {t:.2f}, p = {p:.3f}")
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="evaluated run directories")
    parser.add_argument("--reference", default="rstdp",
                        help="the read-out compared with each other one (default: rstdp)")
    args = parser.parse_args()
    main(args.runs, args.reference)
