"""Diehl & Cook (2015): ``diehlsim reproduce diehlcook2015``.

MNIST with the paper's training schedule for 100, 400, 1600 or 6400 neurons; the test set is
presented ``--repeats`` times with the same labels, each time with another seed. Writes
``DIR/results.csv``, ``DIR/summary.json``, ``DIR/run/`` and the figures. ``--quick`` uses
small subsets (see ``docs/reproduce.md``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import api, figures, io, runs, seeds
from diehlsim.errors import ConfigurationError
from diehlsim.papers.common import RunOptions, Sizes, evaluate_run, train_or_reuse

MNIST_TRAIN_IMAGES = 60_000
#: Training images per network size in Diehl & Cook (2015): 100 neurons see 40,000 images,
#: the larger networks 3, 7 and 15 epochs of the 60,000 MNIST training images.
DIEHL_COOK_TRAIN_IMAGES: dict[int, int] = {
    100: 40_000,
    400: 3 * MNIST_TRAIN_IMAGES,
    1600: 7 * MNIST_TRAIN_IMAGES,
    6400: 15 * MNIST_TRAIN_IMAGES,
}
#: Test accuracy of Diehl & Cook (2015), Table 1 (triplet-like STDP, averaged over ten
#: presentations of the test set).
DIEHL_COOK_ACCURACY: dict[int, float] = {100: 0.829, 400: 0.870, 1600: 0.919, 6400: 0.950}
DIEHL_COOK_REPEATS = 10
DIEHL_COOK_LABEL = "Diehl & Cook 2015"
def results_columns(present=()) -> list[str]:
    """Columns of results.csv: an accuracy column per registered read-out (an optional one
    when ``present`` has it)."""
    return ["repeat", "seed", *api.accuracy_columns(present), "n_test", "sim_s"]

DIEHL_COOK_FULL = Sizes(train_images=None, label_samples=None, test_samples=None)
DIEHL_COOK_QUICK = Sizes(train_images=1000, label_samples=1000, test_samples=500)


def diehl_cook_train_images(neurons: int) -> int:
    """Training images of the paper's schedule for a network of ``neurons`` neurons."""
    try:
        return DIEHL_COOK_TRAIN_IMAGES[int(neurons)]
    except KeyError:
        sizes = ", ".join(str(n) for n in DIEHL_COOK_TRAIN_IMAGES)
        raise ConfigurationError(
            f"Diehl & Cook (2015) trained {sizes} neurons, not {neurons}: choose one of those "
            f"or give --train-images") from None


def reproduce_diehlcook2015(out_dir, neurons: int, *, repeats: int = DIEHL_COOK_REPEATS,
                            sizes: Sizes = DIEHL_COOK_FULL,
                            options: RunOptions = RunOptions()) -> dict:
    """Train on MNIST with the paper's schedule, label once, test ``repeats`` times; write
    ``results.csv`` (one row per test repeat), ``summary.json`` and the figures."""
    if repeats < 1:
        raise ConfigurationError(f"--repeats must be >= 1, got {repeats}")
    out_dir = Path(out_dir)
    run_dir = out_dir / "run"
    train_images = sizes.train_images or diehl_cook_train_images(neurons)
    started = time.perf_counter()
    print(f"== Diehl & Cook 2015: {neurons} neurons, {train_images:,} training images, "
          f"{repeats} test repeats")
    simulator = train_or_reuse(run_dir, "mnist", neurons, train_images, options)
    metrics = evaluate_run(run_dir, sizes, options, simulator)
    first = {"repeat": 0, "seed": seeds.test_repeat_seed(options.seed, 0),
             **{f"accuracy_{r.name}": a for r, a in api.accuracies(metrics)},
             "n_test": int(metrics["n_test"]), "sim_s": float(metrics["test_sim_s"])}
    later = api.repeat_test(run_dir, range(1, repeats), test_samples=sizes.test_samples,
                            simulator=simulator, progress=options.progress)
    results = pd.DataFrame([first] + [r.as_row() for r in later],
                           columns=results_columns(first))
    io.write_csv(out_dir / "results.csv", results)
    summary = diehl_cook_summary(results, neurons, train_images, int(metrics["n_label"]),
                                 sizes, options, time.perf_counter() - started)
    io.write_json(out_dir / "summary.json", summary)
    diehl_cook_figures(out_dir)
    print(f"accuracy over {repeats} test repeats: {100 * summary['mean']:.2f} "
          f"± {100 * (summary['std'] or 0):.2f} % (all vote); paper "
          f"{100 * DIEHL_COOK_ACCURACY.get(neurons, float('nan')):.1f} %")
    return summary


def _mean_std(values: np.ndarray) -> tuple[float, float | None]:
    """Mean and sample standard deviation (None with a single value)."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else None


def diehl_cook_summary(results: pd.DataFrame, neurons: int, train_images: int, n_label: int,
                       sizes: Sizes, options: RunOptions, wall_s: float) -> dict:
    """``summary.json``: ``mean``/``std`` of the primary read-out's accuracy (the all vote,
    the paper's) over the repeats, the same for each read-out, the schedule and the paper's
    value."""
    readouts = {}
    columns = [c for c in api.accuracy_columns(results.columns) if c in results]
    for column in columns:
        values = results[column].dropna()  # R-STDP: the first repeat only
        mean, std = _mean_std(values)
        readouts[column] = {"mean": mean, "std": std, "min": float(values.min()),
                            "max": float(values.max()), "n": int(len(values))}
    return {
        "paper": "diehlcook2015", "neurons": int(neurons), "train_images": int(train_images),
        "epochs": train_images / MNIST_TRAIN_IMAGES, "n_label": n_label,
        "n_test": int(results["n_test"].iloc[0]), "repeats": int(len(results)),
        "mean": readouts[columns[0]]["mean"], "std": readouts[columns[0]]["std"],
        **readouts,
        "paper_accuracy": DIEHL_COOK_ACCURACY.get(int(neurons)),
        "paper_sizes": sizes == DIEHL_COOK_FULL, "sizes": asdict(sizes), "options": asdict(options),
        "wall_s": round(wall_s, 1), "versions": runs.versions(),
    }


def diehl_cook_figures(out_dir: Path) -> list[Path]:
    """Receptive fields, thresholds, confusion, training log and the test repeats."""
    out_dir = Path(out_dir)
    summary = json.loads((out_dir / "summary.json").read_text())
    figure_dir = out_dir / "figures"
    paths = figures.run_figures(out_dir / "run", figure_dir, "mnist")
    log = pd.read_csv(out_dir / "run" / "train_log.csv")
    paths += figures.training_log({f"{summary['neurons']} neurons": log},
                                  figure_dir / "training_log")
    paths += figures.test_repeats(
        pd.read_csv(out_dir / "results.csv"), figure_dir / "test_repeats",
        paper=summary.get("paper_accuracy"), paper_label=DIEHL_COOK_LABEL,
        title=f"{summary['neurons']} neurons, {summary['train_images']:,} training images: "
              f"{summary['repeats']} test passes")
    return paths

