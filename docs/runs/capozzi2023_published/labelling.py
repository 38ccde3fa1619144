"""Offline: the same trained networks and test responses, labelled three ways from the
training responses (no new simulation): their block sums over the epoch; the mean per class
over the last 10,000 training images only; the last complete 250-image block only."""
import json, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, "/work/wt-capozzi")
from diehlsim import datasets, runs
from diehlsim.analysis import bindsnet_labels as bl
rows = []
for seed_dir in sorted(Path("/work/runs-capozzi").glob("s[0-9]")):
    for ds in ("mnist", "fashion-mnist", "cifar10"):
        run = seed_dir / ds / "run"
        if not (run / "metrics.json").exists():
            continue
        counts, index = runs.load_train_responses(run)
        _, ytrain = datasets.load(ds, "train")
        y = ytrain[index]
        tc, tl = np.load(run / "test_counts.npy"), np.load(run / "test_labels.npy")
        n = json.loads((run / "metrics.json").read_text())["published_n"]
        def score(rates):
            a, _ = bl.assignments_from_rates(rates)
            p = bl.all_activity(tc, a)
            return 100 * np.mean(p == tl), 100 * np.mean(p[:n] == tl[:n])
        ends = range(250, len(counts), 250)
        last = ends[-1]
        variants = {
            "their block sums": bl.block_rates(counts, y),
            "last 10k (mean per class)": np.stack(
                [counts[last - 10000:last][y[last - 10000:last] == c].mean(0) for c in range(10)], 1),
            "last block of 250": bl.block_rates(counts[last - 250:last + 1], y[last - 250:last + 1]),
        }
        for name, rates in variants.items():
            full, first = score(rates)
            rows.append((ds, seed_dir.name, name, round(full, 2), round(first, 2)))
for r in rows:
    print(*r, sep="\t")
