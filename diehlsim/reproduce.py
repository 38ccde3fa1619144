"""One command per paper: ``diehlsim reproduce capozzi2023|diehlcook2015|figures``.

``capozzi2023``
    Capozzi et al. (RECPAD 2023): 100 excitatory neurons trained for one epoch on MNIST,
    Fashion-MNIST and CIFAR-10 (grayscale 32 x 32); each network is labelled on the training
    set and tested, the first test images of each class are recorded and the information
    analysis runs on them. Writes ``DIR/table1.csv`` (accuracy per dataset),
    ``DIR/<dataset>/table2.csv`` (and the other analysis tables), ``DIR/<dataset>/run/`` (the
    run directory), ``DIR/<dataset>/spikes.npz`` (the analysed recording) and the figures.
``diehlcook2015``
    Diehl & Cook (2015) on MNIST with the paper's training schedule for 100, 400, 1600 or 6400
    neurons; the test set is presented ``--repeats`` times with the same labels, each time
    with another seed. Writes ``DIR/results.csv``, ``DIR/summary.json``, ``DIR/run/`` and the
    figures.
``figures``
    Draws the figures again from a finished reproduction directory.

Re-running a command with the same ``--out`` continues an interrupted training run from its
checkpoint and reuses a finished one (labelling, testing and analysis run again);
``--force`` trains from scratch. ``--quick`` uses small subsets (see ``docs/reproduce.md``).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import api, datasets, figures, io, runs
from diehlsim.errors import ConfigurationError, RunDirectoryError
from diehlsim.models.parameters import INPUT_TRANSFORMS
from diehlsim.models.stdp import RULES
from diehlsim.simulation import DEVICES, Simulator

# -- the papers ------------------------------------------------------------------------------

CAPOZZI_DATASETS: tuple[str, ...] = ("mnist", "fashion-mnist", "cifar10")
CAPOZZI_NEURONS = 100
#: Test accuracy reported by Capozzi et al. (2023) for 100 neurons after one epoch.
CAPOZZI_ACCURACY: dict[str, float] = {"mnist": 0.72, "fashion-mnist": 0.46, "cifar10": 0.09}
CAPOZZI_LABEL = "Capozzi et al. 2023"

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

TABLE1_COLUMNS = ["dataset", "neurons", "images", "accuracy_all", "accuracy_proportion",
                  "input_transform"]
RESULTS_COLUMNS = ["repeat", "seed", "accuracy_all", "accuracy_proportion", "n_test", "sim_s"]


@dataclass(frozen=True)
class Sizes:
    """How much data each phase uses; ``None`` means the paper's amount (all of it)."""

    train_images: int | None
    label_samples: int | None
    test_samples: int | None
    analysis_samples: int = 10
    permutations: int = 200


CAPOZZI_FULL = Sizes(train_images=None, label_samples=None, test_samples=None)
CAPOZZI_QUICK = Sizes(train_images=300, label_samples=300, test_samples=200,
                      analysis_samples=2, permutations=20)
DIEHL_COOK_FULL = Sizes(train_images=None, label_samples=None, test_samples=None)
DIEHL_COOK_QUICK = Sizes(train_images=1000, label_samples=1000, test_samples=500)


@dataclass(frozen=True)
class RunOptions:
    """Settings shared by every training run of a reproduction."""

    device: str = "cpp_standalone"
    seed: int = 0
    stdp_rule: str = "triplet"
    input_transform: str = "none"  # encoding.INPUT_TRANSFORMS; the papers used "none"
    threads: int = 0
    force: bool = False
    progress: bool = True


def diehl_cook_train_images(neurons: int) -> int:
    """Training images of the paper's schedule for a network of ``neurons`` neurons."""
    try:
        return DIEHL_COOK_TRAIN_IMAGES[int(neurons)]
    except KeyError:
        sizes = ", ".join(str(n) for n in DIEHL_COOK_TRAIN_IMAGES)
        raise ConfigurationError(
            f"Diehl & Cook (2015) trained {sizes} neurons, not {neurons}: choose one of those "
            f"or give --train-images") from None


# -- training that continues or is reused ----------------------------------------------------


def train_or_reuse(run_dir: Path, dataset: str, neurons: int, train_images: int | None,
                   options: RunOptions) -> Simulator:
    """Train a network into ``run_dir`` (one epoch when ``train_images`` is None), continue an
    interrupted run from its checkpoint, or reuse a finished one; return a compiled simulator
    for the run's network."""
    run_dir = Path(run_dir)
    if options.force or not (run_dir / "config.json").exists():
        run = api.train(run_dir, dataset, neurons, epochs=1 if train_images is None else None,
                        train_samples=train_images, stdp_rule=options.stdp_rule,
                        device=options.device, seed=options.seed, threads=options.threads,
                        force=options.force, progress=options.progress,
                        overrides={"protocol__input_transform": options.input_transform})
        return run.simulator
    params, settings = runs.load_config(run_dir)
    expected_images = train_images or len(datasets.load(dataset, "train")[1])
    _check_same_run(run_dir, params, settings, dataset, neurons, expected_images, options)
    if runs.load_checkpoint(run_dir).position < int(settings["train_images"]):
        print(f"continuing the interrupted training run in {run_dir}")
        return api.resume(run_dir, progress=options.progress).simulator
    print(f"reusing the finished training run in {run_dir}")
    return api.make_simulator(params, settings["device"], int(settings["slots"]),
                              int(settings.get("threads", 0)))


def _check_same_run(run_dir, params, settings, dataset, neurons, train_images, options) -> None:
    wanted = {"dataset": dataset, "neurons": int(neurons), "train images": int(train_images),
              "seed": options.seed, "device": options.device, "stdp": options.stdp_rule,
              "input transform": options.input_transform}
    found = {"dataset": settings["dataset"], "neurons": params.n_exc,
             "train images": int(settings["train_images"]), "seed": int(settings["seed"]),
             "device": settings["device"], "stdp": params.stdp_rule,
             "input transform": params.protocol.input_transform}
    differ = [f"{key} {found[key]} (asked for {wanted[key]})" for key in wanted
              if found[key] != wanted[key]]
    if differ:
        raise RunDirectoryError(
            f"{run_dir} holds another training run: {', '.join(differ)}; pass --force to "
            f"train again or choose another --out")


def in_fresh_process(function, *args):
    """``function(*args)`` in a new Python process; its result or exception comes back.

    Brian2 names the code objects of a network after those still alive in the process
    (``normalise_scale_codeobject``, then ``..._1``, ``..._2``), so the second network made in
    one process gets other file names than the cached build of the same shape and compiles
    again. One process per dataset keeps the names, and so the cached builds, the same."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


# -- Capozzi et al. (2023) -------------------------------------------------------------------


def reproduce_capozzi2023(out_dir, *, sizes: Sizes = CAPOZZI_FULL,
                          options: RunOptions = RunOptions(), neurons: int = CAPOZZI_NEURONS,
                          dataset_names=CAPOZZI_DATASETS) -> pd.DataFrame:
    """Train, evaluate and analyse one network per dataset; write Table 1, per-dataset
    Table 2 and the figures into ``out_dir``; return Table 1."""
    out_dir = Path(out_dir)
    started = time.perf_counter()
    rows, wall = _kept_table1_rows(out_dir, dataset_names), {}
    for dataset in dataset_names:
        dataset_started = time.perf_counter()
        rows[dataset] = in_fresh_process(capozzi_dataset, out_dir / dataset, dataset, neurons,
                                         sizes, options)
        wall[dataset] = round(time.perf_counter() - dataset_started, 1)
        _write_table1(out_dir, rows)  # after each dataset: a partial table survives a crash
    table1 = _table1(rows)
    capozzi_summary_figures(out_dir, table1)
    this_call = {"paper_sizes": sizes == CAPOZZI_FULL, "sizes": asdict(sizes),
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


def _table1(rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(_in_paper_order(rows).values()), columns=TABLE1_COLUMNS)


def _write_table1(out_dir: Path, rows: dict) -> None:
    io.write_csv(out_dir / "table1.csv", _table1(rows))


def capozzi_dataset(dataset_dir: Path, dataset: str, neurons: int, sizes: Sizes,
                    options: RunOptions) -> dict:
    """One dataset of Capozzi et al.: train (or reuse), evaluate, record, analyse, draw.

    ``dataset_dir/run`` is the run directory; the analysis tables (``table2.csv`` ...) and
    ``spikes.npz`` go to ``dataset_dir``, the figures to ``dataset_dir/figures``.
    """
    from diehlsim.analysis.cli import load_assignments
    from diehlsim.analysis.report import analyze
    from diehlsim.commands import record_analysis_spikes

    dataset_dir = Path(dataset_dir)
    run_dir = dataset_dir / "run"
    print(f"== {dataset}: {neurons} neurons")
    simulator = train_or_reuse(run_dir, dataset, neurons, sizes.train_images, options)
    metrics = api.evaluate(run_dir, label_samples=sizes.label_samples,
                           test_samples=sizes.test_samples, simulator=simulator,
                           progress=options.progress)
    recording = record_analysis_spikes(run_dir, sizes.analysis_samples)
    recording.save(dataset_dir / "spikes.npz")
    analyze(recording, dataset_dir, assignments=load_assignments(run_dir, recording.n_exc),
            n_permutations=sizes.permutations, seed=options.seed)
    dataset_figures(dataset_dir, dataset)
    _, settings = runs.load_config(run_dir)
    print(f"{dataset}: accuracy {100 * metrics['accuracy_all']:.1f} % (all vote), "
          f"{100 * metrics['accuracy_proportion']:.1f} % (proportion vote)")
    return {"dataset": dataset, "neurons": neurons, "images": int(settings["train_images"]),
            "accuracy_all": float(metrics["accuracy_all"]),
            "accuracy_proportion": float(metrics["accuracy_proportion"]),
            "input_transform": options.input_transform}


def dataset_figures(dataset_dir: Path, dataset: str) -> list[Path]:
    """The run's and the analysis's figures of one Capozzi dataset directory."""
    dataset_dir = Path(dataset_dir)
    out = dataset_dir / "figures"
    paths = figures.run_figures(dataset_dir / "run", out, dataset)
    paths += figures.information_figures(dataset_dir, out, dataset, datasets.image_shape(dataset),
                                         dataset_dir / "spikes.npz")
    return paths


def capozzi_summary_figures(out_dir: Path, table1: pd.DataFrame) -> list[Path]:
    """Accuracy per dataset against the paper, and the training logs of all datasets."""
    out_dir = Path(out_dir)
    paths = figures.accuracy_vs_paper(table1, CAPOZZI_ACCURACY, out_dir / "figures" /
                                      "accuracy_vs_paper", CAPOZZI_LABEL)
    logs = {figures.dataset_title(d): pd.read_csv(out_dir / d / "run" / "train_log.csv")
            for d in table1["dataset"]}
    paths += figures.training_log(logs, out_dir / "figures" / "training_log")
    return paths


# -- Diehl & Cook (2015) ---------------------------------------------------------------------


def reproduce_diehlcook2015(out_dir, neurons: int, *, repeats: int = DIEHL_COOK_REPEATS,
                            sizes: Sizes = DIEHL_COOK_FULL,
                            options: RunOptions = RunOptions()) -> dict:
    """Train on MNIST with the paper's schedule, label once, test ``repeats`` times; write
    ``results.csv`` (one row per test repeat), ``summary.json`` and the figures."""
    from diehlsim.repeat_test import repeat_test
    from diehlsim.seeds import test_repeat_seed

    if repeats < 1:
        raise ConfigurationError(f"--repeats must be >= 1, got {repeats}")
    out_dir = Path(out_dir)
    run_dir = out_dir / "run"
    train_images = sizes.train_images or diehl_cook_train_images(neurons)
    started = time.perf_counter()
    print(f"== Diehl & Cook 2015: {neurons} neurons, {train_images:,} training images, "
          f"{repeats} test repeats")
    simulator = train_or_reuse(run_dir, "mnist", neurons, train_images, options)
    metrics = api.evaluate(run_dir, label_samples=sizes.label_samples,
                           test_samples=sizes.test_samples, simulator=simulator,
                           progress=options.progress)
    first = {"repeat": 0, "seed": test_repeat_seed(options.seed, 0),
             "accuracy_all": float(metrics["accuracy_all"]),
             "accuracy_proportion": float(metrics["accuracy_proportion"]),
             "n_test": int(metrics["n_test"]), "sim_s": float(metrics["test_sim_s"])}
    later = repeat_test(run_dir, range(1, repeats), test_samples=sizes.test_samples,
                        simulator=simulator, progress=options.progress)
    results = pd.DataFrame([first] + [r.as_row() for r in later], columns=RESULTS_COLUMNS)
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
    """``summary.json``: ``mean``/``std`` of the all-vote accuracy over the repeats (the
    paper's read-out), the same for each read-out, the schedule and the paper's value."""
    readouts = {}
    for column in ("accuracy_all", "accuracy_proportion"):
        mean, std = _mean_std(results[column])
        readouts[column] = {"mean": mean, "std": std, "min": float(results[column].min()),
                            "max": float(results[column].max())}
    return {
        "paper": "diehlcook2015", "neurons": int(neurons), "train_images": int(train_images),
        "epochs": train_images / MNIST_TRAIN_IMAGES, "n_label": n_label,
        "n_test": int(results["n_test"].iloc[0]), "repeats": int(len(results)),
        "mean": readouts["accuracy_all"]["mean"], "std": readouts["accuracy_all"]["std"],
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


# -- figures of a finished directory ---------------------------------------------------------


def make_figures(out_dir) -> list[Path]:
    """Draw every figure of a finished reproduction directory again (either paper)."""
    out_dir = Path(out_dir)
    if (out_dir / "table1.csv").exists():
        table1 = pd.read_csv(out_dir / "table1.csv")
        paths = []
        for dataset in table1["dataset"]:
            paths += dataset_figures(out_dir / dataset, dataset)
        return paths + capozzi_summary_figures(out_dir, table1)
    if (out_dir / "summary.json").exists() and (out_dir / "results.csv").exists():
        return diehl_cook_figures(out_dir)
    raise RunDirectoryError(
        f"{out_dir} holds no finished reproduction (no table1.csv, nor results.csv and "
        f"summary.json): run `diehlsim reproduce capozzi2023|diehlcook2015 --out {out_dir}`")


# -- command line ----------------------------------------------------------------------------


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "reproduce", help="reproduce a paper with one command (capozzi2023, diehlcook2015)",
        description="Reproduce a paper: train, evaluate, analyse and draw the figures.")
    papers = parser.add_subparsers(dest="paper", metavar="PAPER", required=True)
    _register_capozzi(papers)
    _register_diehl_cook(papers)
    _register_figures(papers)


def _add_common(parser, quick_help: str) -> None:
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--device", choices=DEVICES, default="cpp_standalone",
                        help="Brian2 device (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=0,
                        help="OpenMP threads for cpp_standalone (0 = none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stdp", choices=sorted(RULES), default="triplet",
                        help="STDP rule (default: %(default)s)")
    parser.add_argument("--train-images", type=int, default=None, metavar="N",
                        help="training images (default: the paper's)")
    parser.add_argument("--label-samples", type=int, default=None, metavar="N",
                        help="training images used to label the neurons (default: all)")
    parser.add_argument("--test-samples", type=int, default=None, metavar="N",
                        help="test images (default: all)")
    parser.add_argument("--force", action="store_true",
                        help="train again even when --out holds a finished training run")


def _register_capozzi(papers) -> None:
    p = papers.add_parser(
        "capozzi2023", help="Capozzi et al. 2023: MNIST, Fashion-MNIST, CIFAR-10, 100 neurons",
        description="Train 100 neurons for one epoch on MNIST, Fashion-MNIST and gray CIFAR-10; "
                    "evaluate; information analysis (Table 2); figures.")
    _add_common(p, "small subsets (300 training, 300 labelling, 200 test images, 2 analysed "
                   "images per class, 20 permutations): minutes instead of hours")
    p.add_argument("--neurons", type=int, default=CAPOZZI_NEURONS,
                   help="excitatory neurons (default: %(default)s, as in the paper)")
    p.add_argument("--analysis-samples", type=int, default=None, metavar="K",
                   help="test images per class recorded for the information analysis "
                        f"(default {CAPOZZI_FULL.analysis_samples})")
    p.add_argument("--permutations", type=int, default=None, metavar="N",
                   help=f"permutations per test (default {CAPOZZI_FULL.permutations})")
    p.add_argument("--datasets", nargs="+", choices=CAPOZZI_DATASETS, default=None,
                   help="a subset of the datasets (default: all three)")
    p.add_argument("--input-transform", choices=INPUT_TRANSFORMS, default="none",
                   help="per-image contrast transform of the grey levels (default: none, as "
                        "in the paper; 'standardise' for natural images, docs/model.md)")
    p.set_defaults(func=cmd_capozzi2023)


def _register_diehl_cook(papers) -> None:
    schedule = ", ".join(f"{n}: {images:,}" for n, images in DIEHL_COOK_TRAIN_IMAGES.items())
    p = papers.add_parser(
        "diehlcook2015", help="Diehl & Cook 2015: MNIST accuracy with the paper's schedule",
        description=f"Train on MNIST with the paper's schedule (neurons: training images; "
                    f"{schedule}), label on the training set, test --repeats times.")
    _add_common(p, "small subsets (1000 training, 1000 labelling, 500 test images)")
    p.add_argument("--neurons", type=int, required=True,
                   help=f"excitatory neurons: {', '.join(map(str, DIEHL_COOK_TRAIN_IMAGES))} "
                        "(other sizes need --train-images or --quick)")
    p.add_argument("--repeats", type=int, default=DIEHL_COOK_REPEATS,
                   help="presentations of the test set, each with its own seed "
                        "(default: %(default)s, as in the paper)")
    p.set_defaults(func=cmd_diehlcook2015)


def _register_figures(papers) -> None:
    p = papers.add_parser("figures", help="draw the figures of a finished reproduction again")
    p.add_argument("--out", required=True, type=Path, help="the reproduction's directory")
    p.set_defaults(func=cmd_figures)


def _options(args) -> RunOptions:
    return RunOptions(device=args.device, seed=args.seed, stdp_rule=args.stdp,
                      input_transform=getattr(args, "input_transform", "none"),
                      threads=args.threads, force=args.force)


def _sizes(args, base: Sizes) -> Sizes:
    """``base`` with every size given on the command line replacing its default."""
    given = {name: getattr(args, name, None) for name in
             ("train_images", "label_samples", "test_samples", "analysis_samples",
              "permutations")}
    for name, value in given.items():
        if value is not None and value < 1:
            raise ConfigurationError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    return replace(base, **{k: v for k, v in given.items() if v is not None})


def cmd_capozzi2023(args) -> int:
    started = time.perf_counter()
    sizes = _sizes(args, CAPOZZI_QUICK if args.quick else CAPOZZI_FULL)
    if args.neurons < 1:
        raise ConfigurationError(f"--neurons must be >= 1, got {args.neurons}")
    table1 = reproduce_capozzi2023(args.out, sizes=sizes, options=_options(args),
                                   neurons=args.neurons,
                                   dataset_names=tuple(args.datasets or CAPOZZI_DATASETS))
    print()
    print(table1.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"paper: {', '.join(f'{d} {100 * a:.0f} %' for d, a in CAPOZZI_ACCURACY.items())}")
    print(f"wrote {args.out}/table1.csv, {args.out}/<dataset>/table2.csv, figures in "
          f"{args.out}/figures and {args.out}/<dataset>/figures "
          f"({time.perf_counter() - started:.0f} s)")
    return 0


def cmd_diehlcook2015(args) -> int:
    started = time.perf_counter()
    sizes = _sizes(args, DIEHL_COOK_QUICK if args.quick else DIEHL_COOK_FULL)
    reproduce_diehlcook2015(args.out, args.neurons, repeats=args.repeats, sizes=sizes,
                            options=_options(args))
    print(f"wrote {args.out}/results.csv, {args.out}/summary.json, figures in "
          f"{args.out}/figures ({time.perf_counter() - started:.0f} s)")
    return 0


def cmd_figures(args) -> int:
    paths = make_figures(args.out)
    print(f"wrote {len(paths)} files:")
    for path in paths:
        print(f"  {path}")
    return 0
