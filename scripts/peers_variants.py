"""The peers' components (issue 20), reduced protocol: run a sweep of variants and write the
table of docs/results.md ("Peers' components").

    python scripts/peers_variants.py run docs/runs/peers/mnist_variants.yaml \\
        --out runs/peers/mnist --workers 1
    python scripts/peers_variants.py table runs/peers/mnist --out docs/runs/peers/mnist

``run`` is ``diehlsim sweep`` (``api.sweep``). ``table`` reads the sweep's ``points.csv``
and ``summary.csv`` and every point's test phase (``test_presentations.csv``) and writes
``OUT_table.md`` and ``OUT_points.csv``: per setting the test accuracy of the all and
proportion votes (mean +- sd over seeds), the validation accuracy, the excitatory spikes per
test image (all its presentations) and the presentations per image, and the paired
difference from the baseline seed by seed (mean, t, p) of the sweep summary.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from diehlsim import api

METRICS = ("accuracy_all", "accuracy_proportion", "validation_accuracy_all",
           "validation_accuracy_proportion")


def _activity(run: Path) -> tuple[float, float]:
    """Excitatory spikes per test image (summed over its presentations), presentations per
    image."""
    table = pd.read_csv(run / "test_presentations.csv")
    images = table["image"].nunique()
    return float(table["spikes"].sum() / images), float(len(table) / images)


def table(sweep_dir: Path, out: Path) -> str:
    points = pd.read_csv(sweep_dir / "points.csv")
    points = points[points["status"] == "done"].copy()
    activity = [_activity(sweep_dir / "runs" / name) for name in points["point"]]
    points["spikes_per_image"] = [a[0] for a in activity]
    points["presentations_per_image"] = [a[1] for a in activity]
    summary = pd.read_csv(sweep_dir / "summary.csv")
    axis = summary.columns[0]  # the sweep's one axis (the columns before "metric")
    if list(summary.columns).index("metric") != 1:
        raise SystemExit(f"{sweep_dir}: the table is for a sweep with one grid axis")
    lines = ["| setting | n | all vote (%) | proportion (%) | validation all (%) | spikes / "
             "test image | presentations / image | all: diff vs baseline (t, p) | "
             "proportion: diff (t, p) |", "|---" * 9 + "|"]
    for setting, rows in points.groupby(axis, sort=False):
        def mean_sd(column, scale=100.0):
            values = rows[column] * scale
            return f"{values.mean():.2f} +- {values.std(ddof=1):.2f}"

        def diff(metric):
            row = summary[(summary[axis] == setting) & (summary["metric"] == metric)]
            if row.empty or pd.isna(row["diff_mean"].iloc[0]):
                return "(baseline)"
            r = row.iloc[0]
            return (f"{100 * r['diff_mean']:+.2f} (t = {r['diff_t']:.2f}, p = "
                    f"{r['diff_p']:.3f}, n = {int(r['n_pairs'])})")

        lines.append(f"| {setting} | {len(rows)} | {mean_sd('accuracy_all')} | "
                     f"{mean_sd('accuracy_proportion')} | "
                     f"{mean_sd('validation_accuracy_all')} | "
                     f"{mean_sd('spikes_per_image', 1.0)} | "
                     f"{mean_sd('presentations_per_image', 1.0)} | "
                     f"{diff('accuracy_all')} | {diff('accuracy_proportion')} |")
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{out}_table.md").write_text(text)
    keep = ["point", axis, "seed", *METRICS, "spikes_per_image", "presentations_per_image",
            "train_images_per_s"]
    points[[c for c in keep if c in points]].to_csv(f"{out}_points.csv", index=False)
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the sweep (diehlsim sweep)")
    run.add_argument("spec", type=Path)
    run.add_argument("--out", type=Path, required=True)
    run.add_argument("--workers", type=int, default=1)
    tab = commands.add_parser("table", help="the results table of a finished sweep")
    tab.add_argument("sweep", type=Path)
    tab.add_argument("--out", type=Path, required=True, help="prefix of the written files")
    args = parser.parse_args(argv)
    if args.command == "run":
        result = api.sweep(args.spec, args.out, workers=args.workers)
        return 0 if not getattr(result, "failed", None) else 1
    print(table(args.sweep, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
