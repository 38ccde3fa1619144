"""The thin scripts of Capozzi et al.'s workflow, run as a user runs them (standalone device)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import shared_data_dir

REPO_ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = REPO_ROOT / "scripts"




needs_cifar = pytest.mark.skipif(not (shared_data_dir() / "cifar10-gray").is_dir(),
                                 reason=f"gray CIFAR-10 is needed under {shared_data_dir()}")


def _script(name: str, *args: str, env: dict) -> str:
    done = subprocess.run([sys.executable, str(SCRIPTS / name), *args], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
@needs_cifar
def test_cifar10_workflow_scripts_with_the_standardise_transform(tmp_path):
    """train -> test -> information metrics -> figures, on 100 CIFAR-10 images with the
    ``standardise`` input transform: every step finds the run and its transform."""
    env = {**os.environ, "DIEHLSIM_DATA": str(shared_data_dir()),
           "DIEHLSIM_BUILD_DIR": str(tmp_path / "builds")}
    run = tmp_path / "cifar10"
    _script("train_cifar10.py", "--out", str(run), "--neurons", "10", "--epochs", "0.002",
            "--input-transform", "standardise", env=env)
    config = json.loads((run / "config.json").read_text())
    assert config["network"]["protocol"]["input_transform"] == "standardise"
    assert config["settings"]["train_images"] == 100

    printed = _script("test_cifar10.py", "--run", str(run), "--label-samples", "60",
                      "--test-samples", "40", env=env)
    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["n_label"], metrics["n_test"]) == (60, 40)
    assert f"{100 * metrics['accuracy_all']:.2f} %" in printed

    _script("compute_it_metrics.py", "--run", str(run), "--samples", "2", "--permutations",
            "10", env=env)
    table2 = pd.read_csv(run / "information" / "table2.csv")
    assert list(table2["class"]) == list(range(10))

    _script("create_figures.py", "--out", str(run), env=env)
    for name in ("receptive_fields", "confusion", "entropy_maps", "mi_heatmaps"):
        found = list((run / "figures").glob(f"{name}.png")) + list(
            (run / "information" / "figures").glob(f"{name}.png"))
        assert found and found[0].stat().st_size > 5000, name


def _peers_variants():
    import importlib.util

    spec = importlib.util.spec_from_file_location("peers_variants",
                                                  SCRIPTS / "peers_variants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_peers_table_of_a_kept_sweep_is_the_table_it_wrote(tmp_path):
    # docs/runs/ keeps a sweep's points.csv, summary.csv and table_points.csv, not every
    # run's test_presentations.csv: the table reads the activity from table_points.csv
    kept = REPO_ROOT / "docs" / "runs" / "peers" / "full_epoch_mnist"
    text = _peers_variants().table([kept], tmp_path / "again")
    assert text == (kept / "table_table.md").read_text()


def test_peers_table_without_activity_names_the_missing_file(tmp_path):
    kept = REPO_ROOT / "docs" / "runs" / "peers" / "full_epoch_mnist"
    for name in ("points.csv", "summary.csv"):
        (tmp_path / name).write_text((kept / name).read_text())
    with pytest.raises(SystemExit, match="test_presentations.csv"):
        _peers_variants().table([tmp_path], tmp_path / "out")


PEERS = REPO_ROOT / "docs" / "runs" / "peers"
CAPOZZI_SUMMARY = REPO_ROOT / "docs" / "runs" / "capozzi2023_published" / "summary.csv"


def test_peers_grid_rows_are_the_kept_points_and_the_published_runs(tmp_path):
    import pandas as pd

    mnist = [PEERS / "full_epoch_mnist" / "table_points.csv",
             PEERS / "full_epoch_mnist_periodic" / "table_points.csv"]  # repeats the baseline
    _peers_variants().grid([("mnist", mnist)], CAPOZZI_SUMMARY, tmp_path / "grid")
    table = pd.read_csv(tmp_path / "grid_table.csv")
    kept = pd.read_csv(mnist[0])
    baseline = 100 * kept.loc[kept["variant"] == "baseline", "accuracy_all"]
    row = table[table["protocol"] == "Diehl & Cook"].iloc[0]
    assert row["n"] == 3  # the baseline once, though both files list it
    assert row["all vote (%)"] == f"{baseline.mean():.2f} +- {baseline.std(ddof=1):.2f}"
    assert (table["encoder"] == "Poisson, rate x (1 + 0.5 sin(2 pi 10 Hz t))").sum() == 1
    # theirs: the mean of the three seeds' full-test-set accuracy, and Welch's t against ours
    theirs = pd.read_csv(CAPOZZI_SUMMARY).query("dataset == 'mnist'")["all"] * 100
    row = table[table["protocol"] == "Capozzi et al. as published"].iloc[0]
    assert row["all vote (%)"].startswith(f"{theirs.mean():.2f} +- ")
    from scipy import stats
    t = stats.ttest_ind(theirs, baseline, equal_var=False).statistic
    assert f"Welch t = {t:.2f}" in row["all vote: diff vs Diehl & Cook baseline"]
    assert (tmp_path / "grid_table.md").read_text().count("\n| mnist |") == len(table)


def test_peers_grid_refuses_a_variant_it_cannot_describe(tmp_path):
    points = (PEERS / "full_epoch_mnist" / "table_points.csv").read_text()
    (tmp_path / "points.csv").write_text(points.replace("dog-poisson", "dog-mystery"))
    with pytest.raises(SystemExit, match="dog-mystery.*COMPONENTS"):
        _peers_variants().grid([("mnist", [tmp_path / "points.csv"])], CAPOZZI_SUMMARY,
                               tmp_path / "grid")
