"""Capozzi et al. (RECPAD 2023): ``diehlsim reproduce capozzi2023``.

100 excitatory neurons trained for one epoch on MNIST, Fashion-MNIST and CIFAR-10 (grayscale
32 x 32); each network is labelled on the training set and tested, the first test images of
each class are recorded and the information analysis runs on them. Writes ``DIR/table1.csv``
(accuracy per dataset), ``DIR/<dataset>/table2.csv`` (and the other analysis tables),
``DIR/<dataset>/run/`` (the run directory), ``DIR/<dataset>/spikes.npz`` (the analysed
recording) and the figures. ``--quick`` uses small subsets (see ``docs/reproduce.md``).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from diehlsim import api, figures, io, runs
from diehlsim.papers.capozzi2023_published import published_dataset
from diehlsim.papers.common import (RunOptions, Sizes, evaluate_run, in_fresh_process,
                                    train_or_reuse)

CAPOZZI_DATASETS: tuple[str, ...] = ("mnist", "fashion-mnist", "cifar10")
CAPOZZI_NEURONS = 100
#: Test accuracy reported by Capozzi et al. (2023) for 100 neurons after one epoch.
CAPOZZI_ACCURACY: dict[str, float] = {"mnist": 0.72, "fashion-mnist": 0.46, "cifar10": 0.09}
CAPOZZI_LABEL = "Capozzi et al. 2023"

def table1_columns(as_published: bool = False, present=()) -> list[str]:
    """Columns of table1.csv: an accuracy column per registered read-out, an optional one
    when ``present`` has it (as published: their two votes, and the all-activity vote on
    the test images their logs cover)."""
    if as_published:
        return ["dataset", "neurons", "images", "accuracy_all", "accuracy_proportion",
                "accuracy_all_published_n", "published_n", "input_transform"]
    return ["dataset", "neurons", "images", *api.accuracy_columns(present), "input_transform"]

CAPOZZI_FULL = Sizes(train_images=None, label_samples=None, test_samples=None)
CAPOZZI_QUICK = Sizes(train_images=300, label_samples=300, test_samples=200,
                      analysis_samples=2, permutations=20)


def reproduce_capozzi2023(out_dir, *, sizes: Sizes = CAPOZZI_FULL,
                          options: RunOptions = RunOptions(), neurons: int = CAPOZZI_NEURONS,
                          dataset_names=CAPOZZI_DATASETS, as_published: bool = False
                          ) -> pd.DataFrame:
    """Train, evaluate and analyse one network per dataset; write Table 1, per-dataset
    Table 2 and the figures into ``out_dir``; return Table 1.

    ``as_published``: their network and protocol (BindsNET's DiehlAndCook2015,
    :mod:`diehlsim.papers.capozzi2023_published`) instead of the Diehl & Cook one."""
    out_dir = Path(out_dir)
    started = time.perf_counter()
    rows, wall = _kept_table1_rows(out_dir, dataset_names), {}
    for dataset in dataset_names:
        dataset_started = time.perf_counter()
        one_dataset = published_dataset if as_published else capozzi_dataset
        rows[dataset] = in_fresh_process(one_dataset, out_dir / dataset, dataset, neurons,
                                         sizes, options)
        wall[dataset] = round(time.perf_counter() - dataset_started, 1)
        # after each dataset: a partial table survives a crash
        _write_table1(out_dir, rows, as_published)
    table1 = _table1(rows, as_published)
    capozzi_summary_figures(out_dir, table1)
    this_call = {"as_published": as_published, "paper_sizes": sizes == CAPOZZI_FULL,
                 "sizes": asdict(sizes),
                 "options": asdict(options), "versions": runs.versions()}
    io.write_json(out_dir / "reproduce.json", {
        "paper": "capozzi2023", "neurons": neurons, "datasets": list(dataset_names),
        **this_call, "paper_accuracy": CAPOZZI_ACCURACY,
        "wall_s": {**wall, "total": round(time.perf_counter() - started, 1)},
        "per_dataset": _per_dataset_record(out_dir, dataset_names, this_call, wall)})
    return table1


def _per_dataset_record(out_dir: Path, dataset_names, this_call: dict, wall: dict) -> dict:
    """How each Table 1 row was made: this call's settings for the datasets it ran, and the
    earlier ``reproduce.json``'s for the rows it kept."""
    path = out_dir / "reproduce.json"
    earlier = json.loads(path.read_text()).get("per_dataset", {}) if path.exists() else {}
    record = {name: entry for name, entry in earlier.items() if name not in dataset_names}
    for name in dataset_names:
        record[name] = {**this_call, "wall_s": wall[name]}
    return _in_paper_order(record)


def _kept_table1_rows(out_dir: Path, dataset_names) -> dict:
    """Rows of an existing table1.csv for the datasets not run now: rerunning one dataset
    (``--datasets cifar10``) updates its row and keeps the others."""
    path = out_dir / "table1.csv"
    if not path.exists():
        return {}
    kept = pd.read_csv(path)
    kept = kept[~kept["dataset"].isin(list(dataset_names))]
    if "input_transform" not in kept:  # a table written before the column existed
        kept = kept.assign(input_transform="none")
    if len(kept):
        print(f"keeping the table1.csv rows of {', '.join(kept['dataset'])}")
    return {row["dataset"]: row for row in kept.to_dict("records")}


def _in_paper_order(by_dataset: dict) -> dict:
    """``by_dataset`` with the paper's datasets first, in the paper's order."""
    order = [d for d in CAPOZZI_DATASETS if d in by_dataset]
    order += [d for d in by_dataset if d not in CAPOZZI_DATASETS]
    return {d: by_dataset[d] for d in order}


def _table1(rows: dict, as_published: bool = False) -> pd.DataFrame:
    present = {key for row in rows.values() for key in row}
    return pd.DataFrame(list(_in_paper_order(rows).values()),
                        columns=table1_columns(as_published, present))


def _write_table1(out_dir: Path, rows: dict, as_published: bool = False) -> None:
    io.write_csv(out_dir / "table1.csv", _table1(rows, as_published))


def capozzi_dataset(dataset_dir: Path, dataset: str, neurons: int, sizes: Sizes,
                    options: RunOptions) -> dict:
    """One dataset of Capozzi et al.: train (or reuse), evaluate, record, analyse, draw.

    ``dataset_dir/run`` is the run directory; the analysis tables (``table2.csv`` ...) and
    ``spikes.npz`` go to ``dataset_dir``, the figures to ``dataset_dir/figures``.
    """
    dataset_dir = Path(dataset_dir)
    run_dir = dataset_dir / "run"
    print(f"== {dataset}: {neurons} neurons")
    simulator = train_or_reuse(run_dir, dataset, neurons, sizes.train_images, options)
    metrics = evaluate_run(run_dir, sizes, options, simulator)
    api.analyze(run_dir, sizes.analysis_samples, sizes.permutations, options.seed,
                out_dir=dataset_dir)
    dataset_figures(dataset_dir, dataset)
    _, settings = runs.load_config(run_dir)
    accuracies = api.accuracies(metrics)
    print(f"{dataset}: accuracy " + ", ".join(f"{100 * a:.1f} % ({r.title})"
                                              for r, a in accuracies))
    return {"dataset": dataset, "neurons": neurons, "images": int(settings["train_images"]),
            **{f"accuracy_{r.name}": a for r, a in accuracies},
            "input_transform": options.input_transform}


def dataset_figures(dataset_dir: Path, dataset: str) -> list[Path]:
    """The run's and the analysis's figures of one Capozzi dataset directory."""
    dataset_dir = Path(dataset_dir)
    paths = figures.run_figures(dataset_dir / "run", dataset_dir / "figures", dataset)
    return paths + api.information_figures(dataset_dir, dataset)


def capozzi_summary_figures(out_dir: Path, table1: pd.DataFrame) -> list[Path]:
    """Accuracy per dataset against the paper, and the training logs of all datasets."""
    out_dir = Path(out_dir)
    paths = figures.accuracy_vs_paper(table1, CAPOZZI_ACCURACY, out_dir / "figures" /
                                      "accuracy_vs_paper", CAPOZZI_LABEL)
    logs = {figures.dataset_title(d): pd.read_csv(out_dir / d / "run" / "train_log.csv")
            for d in table1["dataset"]}
    paths += figures.training_log(logs, out_dir / "figures" / "training_log")
    return paths

