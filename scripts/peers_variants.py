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

``grid`` puts the one-epoch tables of both datasets and the Capozzi et al. as-published runs
into one table, encoder x excitatory neuron x E->E connection x protocol (the issue's
"Report"):

    python scripts/peers_variants.py grid \
        --dataset mnist docs/runs/peers/full_epoch_mnist/table_points.csv ... \
        --dataset fashion-mnist docs/runs/peers/full_epoch_fashion/table_points.csv ... \
        --capozzi docs/runs/capozzi2023_published/summary.csv --out docs/runs/peers/one_epoch
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from scipy import stats

from diehlsim import api, io

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


def _mean_sd(values: pd.Series) -> str:
    return f"{values.mean():.2f} +- {values.std(ddof=1):.2f}"


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
        def diff(metric):
            return _paired(points, axis, setting, baseline, metric)

        lines.append(f"| {setting} | {len(rows)} | {_mean_sd(100 * rows['accuracy_all'])} | "
                     f"{_mean_sd(100 * rows['accuracy_proportion'])} | "
                     f"{_mean_sd(100 * rows['validation_accuracy_all'])} | "
                     f"{_mean_sd(rows['spikes_per_image'])} | "
                     f"{_mean_sd(rows['presentations_per_image'])} | "
                     f"{diff('accuracy_all')} | {diff('accuracy_proportion')} |")
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{out}_table.md").write_text(text)
    keep = ["point", axis, "seed", *METRICS, "spikes_per_image", "presentations_per_image",
            "train_images_per_s"]
    points[[c for c in keep if c in points]].to_csv(f"{out}_points.csv", index=False)
    return text


# What each variant of the sweeps is made of (docs/model.md, "The peers' variants").
DIEHL_COOK = "Diehl & Cook"
COMPONENTS = {
    "baseline": ("Poisson", "adaptive threshold", "none"),
    "lif": ("Poisson", "fixed threshold (LIF)", "none"),
    "recurrent-w0.5": ("Poisson", "adaptive threshold", "fixed, 0.5"),
    "dog-poisson": ("DoG on/off, Poisson", "adaptive threshold", "none"),
    "periodic": ("Poisson, rate x (1 + 0.5 sin(2 pi 10 Hz t))", "adaptive threshold", "none"),
    "latency": ("latency", "adaptive threshold", "none"),
    "dog-latency": ("DoG on/off, latency", "adaptive threshold", "none"),
}
# Their network and protocol (docs/capozzi2023.md): one row per dataset, from its summary.
CAPOZZI = ("Poisson, 128 Hz, 250 ms", "current-based, adaptive threshold, one spike per step",
           "none", "Capozzi et al. as published")
GRID_COLUMNS = ("dataset", "encoder", "excitatory neurons", "E->E", "protocol", "n",
                "all vote (%)", "proportion (%)", "spikes / test image",
                "all vote: diff vs Diehl & Cook baseline")


def _dataset_points(tables: list[Path]) -> pd.DataFrame:
    """The points of a dataset's kept tables (``table`` wrote them), each (variant, seed) once."""
    points = pd.concat([pd.read_csv(t) for t in tables], ignore_index=True)
    unknown = sorted(set(points["variant"]) - set(COMPONENTS))
    if unknown:
        raise SystemExit(f"no components listed for variant(s) {', '.join(unknown)}: add them "
                         f"to COMPONENTS in {Path(__file__).name}")
    if "baseline" not in set(points["variant"]):
        raise SystemExit(f"{', '.join(map(str, tables))}: no baseline points to compare with")
    return points.drop_duplicates(["variant", "seed"], keep="first")


def _unpaired(values: pd.Series, baseline: pd.Series) -> str:
    """A different network: nothing is shared between seeds of the same number (Welch's t)."""
    t, p = stats.ttest_ind(values, baseline, equal_var=False)
    return (f"{values.mean() - baseline.mean():+.2f} (unpaired, Welch t = {t:.2f}, p = "
            f"{p:.3f}, n = {len(values)} and {len(baseline)})")


def grid(datasets: list[tuple[str, list[Path]]], capozzi: Path, out: Path) -> str:
    """One table of every one-epoch setting: the variants of the kept sweeps under the Diehl &
    Cook protocol, and the Capozzi et al. network and protocol as published."""
    published = pd.read_csv(capozzi)
    rows = []
    for dataset, tables in datasets:
        points = _dataset_points(tables)
        baseline = 100 * points.loc[points["variant"] == "baseline", "accuracy_all"]
        for variant, group in points.groupby("variant", sort=False):
            rows.append((dataset, *COMPONENTS[variant], DIEHL_COOK, len(group),
                         _mean_sd(100 * group["accuracy_all"]),
                         _mean_sd(100 * group["accuracy_proportion"]),
                         _mean_sd(group["spikes_per_image"]),
                         _paired(points, "variant", variant, "baseline", "accuracy_all")))
        theirs = published[published["dataset"] == dataset]
        if len(theirs):
            rows.append((dataset, *CAPOZZI, len(theirs), _mean_sd(100 * theirs["all"]),
                         _mean_sd(100 * theirs["prop"]), _mean_sd(theirs["spikes"]),
                         _unpaired(100 * theirs["all"], baseline)))
    table = pd.DataFrame(rows, columns=GRID_COLUMNS)
    lines = ["| " + " | ".join(GRID_COLUMNS) + " |", "|---" * len(GRID_COLUMNS) + "|"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    text = "\n".join(lines) + "\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    io.write_text(f"{out}_table.md", text)
    io.write_csv(f"{out}_table.csv", table)
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
    both = commands.add_parser("grid", help="one table of the one-epoch settings of both "
                                            "datasets and the Capozzi et al. as-published runs")
    both.add_argument("--dataset", nargs="+", action="append", required=True,
                      metavar=("NAME", "TABLE_POINTS"),
                      help="a dataset and the table_points.csv files of its sweeps")
    both.add_argument("--capozzi", type=Path, required=True,
                      help="docs/runs/capozzi2023_published/summary.csv")
    both.add_argument("--out", type=Path, required=True, help="prefix of the written files")
    args = parser.parse_args(argv)
    if args.command == "grid":
        print(grid([(name, [Path(t) for t in tables]) for name, *tables in args.dataset],
                   args.capozzi, args.out))
        return 0
    if args.command == "run":
        result = api.sweep(args.spec, args.out, workers=args.workers)
        return 0 if not getattr(result, "failed", None) else 1
    print(table(args.sweep, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
