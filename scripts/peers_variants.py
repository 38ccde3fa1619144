"""The peers' components (issue 20), reduced protocol: run a sweep of variants and write the
table of docs/results.md ("Peers' components").

    python scripts/peers_variants.py run docs/runs/peers/mnist_variants.yaml \\
        --out runs/peers/mnist --workers 1
    python scripts/peers_variants.py table runs/peers/mnist runs/peers/mnist_rec05 \
        --out docs/runs/peers/mnist

``run`` is ``diehlsim sweep`` (``api.sweep``). ``table`` reads the sweep's ``points.csv``
and ``summary.csv`` and every point's test phase (``test_presentations.csv``) and writes
``OUT_table.md`` and ``OUT_points.csv``: per setting the test accuracy of the all and
proportion votes (mean +- sd over seeds), the validation accuracy, the excitatory spikes in
a test image's accepted presentation and the presentations per image, and the difference
from the baseline paired by seed (mean +- sd, t and p of scipy.stats.ttest_rel). The sweep
itself reports test accuracy only for its selected setting and the baseline; this table
reads every point's test accuracy from points.csv.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from scipy import stats

from diehlsim import api

METRICS = ("accuracy_all", "accuracy_proportion", "validation_accuracy_all",
           "validation_accuracy_proportion")


def _activity(run: Path, recorded: pd.DataFrame | None) -> tuple[float, float]:
    """Excitatory spikes in a test image's accepted presentation, and presentations per test
    image (the accepted one and the repeats before it), both averaged over the test set.

    From the run's ``test_presentations.csv``; for a sweep kept in docs/runs/ without those
    files, from the ``table_points.csv`` that the table wrote when the sweep was whole."""
    path = run / "test_presentations.csv"
    if path.exists():
        table = pd.read_csv(path)  # one row per test image
        return float(table["spikes"].mean()), float((table["repeats"] + 1).mean())
    if recorded is not None and run.name in recorded.index:
        row = recorded.loc[run.name]
        return float(row["spikes_per_image"]), float(row["presentations_per_image"])
    raise SystemExit(f"{run}: no test_presentations.csv, and no table_points.csv beside its "
                     f"sweep lists the point; give the sweep directory the runs came from")


def _paired(points: pd.DataFrame, axis: str, setting, baseline, metric: str) -> str:
    """Mean difference from the baseline over the seeds both have, with the paired t."""
    both = points[points[axis].isin([setting, baseline])].pivot(
        index="seed", columns=axis, values=metric).dropna()
    if setting == baseline or len(both) < 2:
        return "(baseline)" if setting == baseline else "n < 2"
    diff = 100 * (both[setting] - both[baseline])
    t, p = stats.ttest_rel(both[setting], both[baseline])
    return f"{diff.mean():+.2f} +- {diff.std(ddof=1):.2f} (t = {t:.2f}, p = {p:.3f}, n = {len(diff)})"


def _points(sweep_dir: Path) -> pd.DataFrame:
    points = pd.read_csv(sweep_dir / "points.csv")
    points = points[points["status"] == "done"].copy()
    points["run"] = [sweep_dir / "runs" / name for name in points["point"]]
    kept = sweep_dir / "table_points.csv"
    recorded = pd.read_csv(kept).set_index("point") if kept.exists() else None
    activity = [_activity(run, recorded) for run in points["run"]]
    points["spikes_per_image"] = [a[0] for a in activity]
    points["presentations_per_image"] = [a[1] for a in activity]
    return points


def table(sweep_dirs: list[Path], out: Path) -> str:
    """The table of one or more sweeps with the same axis; the first one's baseline."""
    sweep_dir = sweep_dirs[0]
    points = pd.concat([_points(d) for d in sweep_dirs], ignore_index=True)
    summary = pd.read_csv(sweep_dir / "summary.csv")
    axis = summary.columns[0]  # the sweep's one axis (the columns before "metric")
    if list(summary.columns).index("metric") != 1:
        raise SystemExit(f"{sweep_dir}: the table is for a sweep with one grid axis")
    baseline = summary.loc[summary["baseline"].astype(bool), axis].iloc[0]
    lines = ["| setting | n | all vote (%) | proportion (%) | validation all (%) | spikes / "
             "test image | presentations / image | all: diff vs baseline (t, p) | "
             "proportion: diff (t, p) |", "|---" * 9 + "|"]
    for setting, rows in points.groupby(axis, sort=False):
        def mean_sd(column, scale=100.0):
            values = rows[column] * scale
            return f"{values.mean():.2f} +- {values.std(ddof=1):.2f}"

        def diff(metric):
            return _paired(points, axis, setting, baseline, metric)

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
    tab.add_argument("sweep", type=Path, nargs="+",
                     help="sweep directories with the same grid axis; the first has the baseline")
    tab.add_argument("--out", type=Path, required=True, help="prefix of the written files")
    args = parser.parse_args(argv)
    if args.command == "run":
        result = api.sweep(args.spec, args.out, workers=args.workers)
        return 0 if not getattr(result, "failed", None) else 1
    print(table(args.sweep, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
