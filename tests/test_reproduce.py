"""``diehlsim reproduce``: the Capozzi et al. (2023) and Diehl & Cook (2015) workflows.

The commands run in a subprocess (as a user runs them) on small subsets of the real datasets
(``$DIEHLSIM_DATA``, else ``../shared/data``).

Compiled networks are cached in a build root of these tests (``$DIEHLSIM_TEST_BUILD_DIR``,
else ``~/.cache/diehlsim/test-builds/reproduce``), held under an exclusive lock while the
tests run: a standalone binary writes its results into its build directory, so two processes
running the same build at once would read each other's results. With a cold cache the four
builds (784 and 1024 inputs, training and recording) take a few minutes to compile; with a
warm one the file takes about five minutes on two busy cores.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diehlsim.analysis.report import TABLE2_COLUMNS
from diehlsim.cli import build_parser
from diehlsim.cli import reproduce as reproduce_cli
from diehlsim.errors import ConfigurationError, RunDirectoryError
from diehlsim.models.parameters import default_parameters
from diehlsim.papers import capozzi2023, common, diehlcook2015
from diehlsim.seeds import test_repeat_seed as repeat_seed
from conftest import shared_data_dir

REPO_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 1800




DATA = shared_data_dir()
needs_data = pytest.mark.skipif(
    not all((DATA / d).is_dir() for d in ("mnist", "fashion-mnist", "cifar10-gray")),
    reason=f"MNIST, Fashion-MNIST and gray CIFAR-10 are needed under {DATA}")

CAPOZZI_FIGURES = ["receptive_fields", "theta", "confusion", "accuracy_vs_images",
                   "entropy_maps", "mi_heatmaps", "mi_pixel_maps", "informative_neurons",
                   "spike_raster"]


def _build_root() -> Path:
    configured = os.environ.get("DIEHLSIM_TEST_BUILD_DIR")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "diehlsim" / "test-builds" / "reproduce"


@pytest.fixture(scope="module")
def build_root():
    """This file's build root, locked against concurrent runs of these tests."""
    root = _build_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _reproduce(build_root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DIEHLSIM_DATA=str(DATA), DIEHLSIM_BUILD_DIR=str(build_root),
               PYTHONUNBUFFERED="1", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "diehlsim", "reproduce", *args],
                          capture_output=True, text=True, timeout=TIMEOUT_S, env=env,
                          cwd=REPO_ROOT)


def _check_ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout[-3000:]}\nstderr:\n" \
                                   f"{result.stderr[-3000:]}"


def _assert_figure(stem: Path) -> None:
    for suffix in (".png", ".pdf"):
        path = stem.with_suffix(suffix)
        assert path.is_file() and path.stat().st_size > 1000, path


# -- Capozzi et al. (2023) ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def capozzi_dir(tmp_path_factory, build_root) -> Path:
    """``reproduce capozzi2023 --quick`` with even smaller subsets (same code path)."""
    out = tmp_path_factory.mktemp("capozzi") / "out"
    result = _reproduce(build_root, "capozzi2023", "--quick", "--out", str(out),
                        "--train-images", "60", "--label-samples", "60",
                        "--test-samples", "60")
    _check_ok(result)
    return out


@pytest.mark.slow
@needs_data
def test_capozzi_table1(capozzi_dir):
    table1 = pd.read_csv(capozzi_dir / "table1.csv")
    assert list(table1.columns) == capozzi2023.table1_columns()
    assert list(table1["dataset"]) == list(capozzi2023.CAPOZZI_DATASETS)
    assert (table1["neurons"] == 100).all()
    assert (table1["images"] == 60).all()
    assert (table1["input_transform"] == "none").all()  # the paper's raw pixels
    for column in ("accuracy_all", "accuracy_proportion"):
        assert table1[column].between(0, 1).all(), table1[column]
    # the numbers in table1 are the evaluations' own
    for _, row in table1.iterrows():
        metrics = json.loads((capozzi_dir / row["dataset"] / "run" / "metrics.json").read_text())
        assert row["accuracy_all"] == pytest.approx(metrics["accuracy_all"])
        assert metrics["n_test"] == 60 and metrics["n_label"] == 60


@pytest.mark.slow
@needs_data
def test_capozzi_table2_per_dataset(capozzi_dir):
    for dataset in capozzi2023.CAPOZZI_DATASETS:
        table2 = pd.read_csv(capozzi_dir / dataset / "table2.csv", dtype=str,
                             keep_default_na=False)
        assert list(table2.columns) == TABLE2_COLUMNS
        assert sorted(int(c) for c in table2["class"]) == list(range(10))
        for _, row in table2.iterrows():
            spiked = {int(v) for v in row["spiked"].split()}
            with_mi = {int(v) for v in row["with_mi"].split()}
            assert with_mi <= spiked  # MI needs output spikes
            assert all(0 <= n < 100 for n in spiked)
        spikes = np.load(capozzi_dir / dataset / "spikes.npz")
        assert int(spikes["n_input"]) == (1024 if dataset == "cifar10" else 784)
        assert np.bincount(spikes["labels"], minlength=10).tolist() == [2] * 10


@pytest.mark.slow
@needs_data
def test_capozzi_figures(capozzi_dir):
    _assert_figure(capozzi_dir / "figures" / "accuracy_vs_paper")
    _assert_figure(capozzi_dir / "figures" / "training_log")
    for dataset in capozzi2023.CAPOZZI_DATASETS:
        for name in CAPOZZI_FIGURES:
            _assert_figure(capozzi_dir / dataset / "figures" / name)
    summary = json.loads((capozzi_dir / "reproduce.json").read_text())
    assert summary["paper_sizes"] is False
    assert summary["sizes"]["analysis_samples"] == 2


# -- Diehl & Cook (2015) -----------------------------------------------------------------------


def test_diehl_cook_schedule():
    assert diehlcook2015.diehl_cook_train_images(100) == 40_000
    assert diehlcook2015.diehl_cook_train_images(400) == 3 * 60_000
    assert diehlcook2015.diehl_cook_train_images(1600) == 7 * 60_000
    assert diehlcook2015.diehl_cook_train_images(6400) == 15 * 60_000
    with pytest.raises(ConfigurationError, match="--train-images"):
        diehlcook2015.diehl_cook_train_images(10)


def test_quick_and_explicit_sizes():
    parser = build_parser()
    args = parser.parse_args(["reproduce", "diehlcook2015", "--neurons", "400", "--out", "x"])
    assert args.repeats == 10
    full = diehlcook2015.DIEHL_COOK_FULL
    assert reproduce_cli._sizes(args, full) == full
    args = parser.parse_args(["reproduce", "capozzi2023", "--quick", "--out", "x",
                              "--test-samples", "50"])
    sizes = reproduce_cli._sizes(args, capozzi2023.CAPOZZI_QUICK)
    assert sizes.test_samples == 50
    assert sizes.train_images == capozzi2023.CAPOZZI_QUICK.train_images
    args = parser.parse_args(["reproduce", "capozzi2023", "--out", "x", "--permutations", "0"])
    with pytest.raises(ConfigurationError, match="--permutations"):
        reproduce_cli._sizes(args, capozzi2023.CAPOZZI_FULL)


def test_repeat_seeds_are_distinct_and_repeat_zero_is_evaluate():
    assert repeat_seed(7, 0) == 7 + 2  # api.evaluate's test seed
    seeds = [repeat_seed(7, r) for r in range(10)]
    assert len(set(seeds)) == 10
    assert repeat_seed(8, 3) != repeat_seed(7, 3)
    with pytest.raises(ConfigurationError):
        repeat_seed(0, -1)


@pytest.mark.slow
@needs_data
def test_diehl_cook_repeats_are_averaged(tmp_path, build_root):
    out = tmp_path / "dc"
    args = ["diehlcook2015", "--quick", "--neurons", "100", "--repeats", "3", "--out", str(out),
            "--train-images", "60", "--label-samples", "60", "--test-samples", "40"]
    _check_ok(_reproduce(build_root, *args))
    results = pd.read_csv(out / "results.csv")
    assert list(results.columns) == diehlcook2015.results_columns()
    assert list(results["repeat"]) == [0, 1, 2]
    assert results["seed"].nunique() == 3
    assert (results["n_test"] == 40).all()
    assert results["accuracy_all"].between(0, 1).all()
    metrics = json.loads((out / "run" / "metrics.json").read_text())
    assert results["accuracy_all"].iloc[0] == pytest.approx(metrics["accuracy_all"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["train_images"] == 60 and summary["repeats"] == 3
    assert summary["mean"] == pytest.approx(results["accuracy_all"].mean())
    assert summary["std"] == pytest.approx(results["accuracy_all"].std(ddof=1))
    assert summary["accuracy_proportion"]["mean"] == pytest.approx(
        results["accuracy_proportion"].mean())
    assert summary["paper_accuracy"] == diehlcook2015.DIEHL_COOK_ACCURACY[100]
    for name in ("receptive_fields", "theta", "confusion", "accuracy_vs_images", "training_log",
                 "test_repeats"):
        _assert_figure(out / "figures" / name)

    # The figures command draws them again from the files.
    (out / "figures" / "test_repeats.png").unlink()
    _check_ok(_reproduce(build_root, "figures", "--out", str(out)))
    _assert_figure(out / "figures" / "test_repeats")

    # Same command again: the finished training run is reused, the results are the same.
    again = _reproduce(build_root, *args)
    _check_ok(again)
    assert "reusing the finished training run" in again.stdout
    pd.testing.assert_frame_equal(pd.read_csv(out / "results.csv").drop(columns="sim_s"),
                                  results.drop(columns="sim_s"))

    # Another seed does not silently reuse the run trained with seed 0.
    other = _reproduce(build_root, *args, "--seed", "1")
    assert other.returncode == 2
    assert "--force" in other.stderr and "seed 0" in other.stderr

    # --rstdp adds the decision layer's column; the layer does not feed back, so every other
    # read-out of every repeat is what it was without it. Only the first repeat has it.
    layered = _reproduce(build_root, *args, "--rstdp", "--rstdp-epochs", "2")
    _check_ok(layered)
    with_layer = pd.read_csv(out / "results.csv")
    assert list(with_layer.columns) == diehlcook2015.results_columns(["accuracy_rstdp"])
    pd.testing.assert_frame_equal(with_layer.drop(columns=["sim_s", "accuracy_rstdp"]),
                                  results.drop(columns="sim_s"))
    assert with_layer["accuracy_rstdp"].notna().tolist() == [True, False, False]
    metrics = json.loads((out / "run" / "metrics.json").read_text())
    assert with_layer["accuracy_rstdp"].iloc[0] == pytest.approx(metrics["accuracy_rstdp"])
    assert metrics["rstdp"]["epochs"] == 2
    summary = json.loads((out / "summary.json").read_text())
    assert summary["accuracy_rstdp"]["n"] == 1
    assert summary["accuracy_rstdp"]["mean"] == pytest.approx(metrics["accuracy_rstdp"])
    assert summary["accuracy_all"]["n"] == 3


def test_rerunning_some_datasets_keeps_the_other_table1_rows(tmp_path):
    row = {"neurons": 100, "images": 60000, "accuracy_all": 0.8, "accuracy_proportion": 0.81}
    capozzi2023._write_table1(tmp_path, {d: {"dataset": d, **row} for d in
                                       ("mnist", "fashion-mnist", "cifar10")})
    kept = capozzi2023._kept_table1_rows(tmp_path, ["cifar10"])
    assert list(kept) == ["mnist", "fashion-mnist"]
    kept["cifar10"] = {"dataset": "cifar10", **row, "accuracy_all": 0.3}
    capozzi2023._write_table1(tmp_path, {"cifar10": kept.pop("cifar10"), **kept})
    table = pd.read_csv(tmp_path / "table1.csv")
    assert list(table["dataset"]) == ["mnist", "fashion-mnist", "cifar10"]  # paper order
    assert list(table["accuracy_all"]) == [0.8, 0.8, 0.3]
    assert capozzi2023._kept_table1_rows(tmp_path / "none", ["mnist"]) == {}


def test_a_table1_without_the_transform_column_keeps_its_rows_as_untransformed(tmp_path):
    old = pd.DataFrame([{"dataset": "mnist", "neurons": 100, "images": 60000,
                         "accuracy_all": 0.8, "accuracy_proportion": 0.81}])
    old.to_csv(tmp_path / "table1.csv", index=False)
    kept = capozzi2023._kept_table1_rows(tmp_path, ["cifar10"])
    assert kept["mnist"]["input_transform"] == "none"
    capozzi2023._write_table1(tmp_path, kept)
    assert list(pd.read_csv(tmp_path / "table1.csv").columns) == capozzi2023.table1_columns()


def test_a_finished_run_with_another_input_transform_is_not_reused(tmp_path):
    params = default_parameters(100, 1024, protocol__input_transform="standardise")
    settings = {"dataset": "cifar10", "train_images": 50000, "seed": 0,
                "device": "cpp_standalone"}
    same = common.RunOptions(input_transform="standardise")
    common._check_same_run(tmp_path, params, settings, "cifar10", 100, 50000, same)
    with pytest.raises(RunDirectoryError, match="input transform standardise.*asked for none"):
        common._check_same_run(tmp_path, params, settings, "cifar10", 100, 50000,
                               common.RunOptions())


def test_rerunning_some_datasets_keeps_how_the_other_rows_were_made(tmp_path):
    full = {"paper_sizes": True, "sizes": {"label_samples": None}}
    first = capozzi2023._per_dataset_record(tmp_path, ["mnist", "fashion-mnist"], full,
                                          {"mnist": 10.0, "fashion-mnist": 20.0})
    (tmp_path / "reproduce.json").write_text(json.dumps({"per_dataset": first}))
    smaller = {"paper_sizes": False, "sizes": {"label_samples": 10000}}
    record = capozzi2023._per_dataset_record(tmp_path, ["cifar10"], smaller, {"cifar10": 30.0})
    assert list(record) == ["mnist", "fashion-mnist", "cifar10"]  # paper order
    assert record["mnist"] == {**full, "wall_s": 10.0}
    assert record["cifar10"] == {**smaller, "wall_s": 30.0}
    rerun = capozzi2023._per_dataset_record(tmp_path, ["mnist"], smaller, {"mnist": 5.0})
    assert rerun["mnist"]["paper_sizes"] is False and rerun["fashion-mnist"]["wall_s"] == 20.0


def test_accuracy_figure_names_the_input_transform_of_a_row(tmp_path, monkeypatch):
    from diehlsim import figures
    from diehlsim.plots import _save

    table = pd.DataFrame([
        {"dataset": "mnist", "neurons": 100, "images": 60000, "accuracy_all": 0.81,
         "accuracy_proportion": 0.82, "input_transform": "none"},
        {"dataset": "cifar10", "neurons": 100, "images": 50000, "accuracy_all": 0.24,
         "accuracy_proportion": 0.25, "input_transform": "standardise"}])
    ticks = []
    save = _save.save

    def save_and_keep_ticks(fig, stem):
        ticks.extend(t.get_text() for t in fig.axes[0].get_xticklabels())
        return save(fig, stem)

    monkeypatch.setattr(_save, "save", save_and_keep_ticks)
    paths = figures.accuracy_vs_paper(table, capozzi2023.CAPOZZI_ACCURACY,
                                      tmp_path / "accuracy")
    assert {p.suffix for p in paths} == {".png", ".pdf"}
    assert "standardise" not in ticks[0]
    assert ticks[1].startswith("CIFAR-10 (gray)\nstandardise input")
