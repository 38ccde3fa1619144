"""``diehlsim sweep``: the statistics of its tables, its spec checks, and sweeps on a 2-worker
Dask LocalCluster (tiny networks on the embedded MNIST sample, runtime device): the summary
against the runs' metrics.json, a failing point, a killed worker and a re-run."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from diehlsim import api, cli
from diehlsim.analysis import sweep as tables
from diehlsim.api.sweep import RUNS, check_spec, points_of, run_point
from diehlsim.api.evaluation_rstdp import layer_parameters
from diehlsim.cli import sweep as sweep_cli
from diehlsim.errors import ConfigurationError

# -- the statistics, against hand-computed values -------------------------------------------

TABLE = pd.DataFrame({
    "w": ["17", "17", "17", "25", "25", "25"],
    "seed": [0, 1, 2, 0, 1, 2],
    "status": ["done"] * 6,
    "acc": [0.80, 0.82, 0.84, 0.83, 0.86, 0.86],
})


def test_mean_sd_and_ci_by_hand():
    mean, sd, low, high = tables.mean_ci([0.80, 0.82, 0.84])
    assert mean == pytest.approx(0.82)
    assert sd == pytest.approx(0.02)  # deviations -0.02, 0, 0.02: sqrt(0.0008 / 2)
    half = 4.302652729911275 * 0.02 / np.sqrt(3)  # t(0.975, 2 dof)
    assert (low, high) == pytest.approx((0.82 - half, 0.82 + half))


def test_paired_difference_by_hand_and_against_scipy():
    out = tables.paired_difference([0.83, 0.86, 0.86], [0.80, 0.82, 0.84])
    # differences 0.03, 0.04, 0.02: mean 0.03, sd 0.01, t = 0.03 / (0.01 / sqrt 3)
    assert out["n_pairs"] == 3
    assert out["diff_mean"] == pytest.approx(0.03)
    assert out["diff_sd"] == pytest.approx(0.01)
    assert out["diff_t"] == pytest.approx(0.03 / (0.01 / np.sqrt(3)))
    reference = stats.ttest_rel([0.83, 0.86, 0.86], [0.80, 0.82, 0.84])
    assert (out["diff_t"], out["diff_p"]) == pytest.approx((reference.statistic,
                                                            reference.pvalue))
    half = 4.302652729911275 * 0.01 / np.sqrt(3)
    assert (out["diff_ci_low"], out["diff_ci_high"]) == pytest.approx((0.03 - half,
                                                                       0.03 + half))


def test_summary_pairs_by_seed_and_skips_failed_points():
    table = TABLE.copy()
    # seed 2 of w=25 failed: only seeds 0 and 1 pair, differences 0.03 and 0.04
    table.loc[5, "status"] = "failed"
    table = pd.concat([table, pd.DataFrame({"w": ["25"], "seed": [7], "status": ["done"],
                                            "acc": [0.5]})])  # no baseline seed 7
    summary = tables.summary_table(table, ["w"], ["acc"], {"w": "17"})
    base, other = summary.iloc[0], summary.iloc[1]
    assert (base["w"], base["baseline"], base["n"], base["n_pairs"]) == ("17", True, 3, 0)
    assert (other["w"], other["n"], other["n_pairs"]) == ("25", 3, 2)
    assert other["mean"] == pytest.approx(np.mean([0.83, 0.86, 0.5]))
    assert other["diff_mean"] == pytest.approx(0.035)
    reference = stats.ttest_rel([0.83, 0.86], [0.80, 0.82])
    assert other["diff_t"] == pytest.approx(reference.statistic)


def test_selection_takes_the_highest_mean():
    summary = tables.summary_table(TABLE, ["w"], ["acc"], {"w": "17"})
    assert tables.select_setting(summary, "acc", ["w"]).iloc[0]["w"] == "25"


# -- specs, checked before anything runs ------------------------------------------------------

BASE = {"dataset": "mnist-sample", "neurons": 10, "train_samples": 20, "device": "runtime",
        "chunk": 10, "validation": 10}
EVALUATE = {"label_samples": 20, "test_samples": 10}


@pytest.mark.parametrize(("grid", "message"), [
    (["conn.w_nothing=1,2"], "conn has no parameter 'w_nothing'"),
    (["stdp.nu_nothing=1,2"], "nu_nothing"),
    (["w_inh_exc=17,25"], "unknown parameter 'w_inh_exc'"),
    (["conn.w_inh_exc=17ms,25"], "plain number, without units"),
    (["exc.tau_ge=1,2"], "give exc.tau_ge in units of ms"),
    (["stdp.tau_pre=20mV"], "units of its default"),
    (["conn.w_inh_exc="], "has no values"),
    ([], "grid is empty"),
    (["conn.w_inh_exc=17,17.0"], "are the same run"),
    (["conn.w_inh_exc=17,25", "conn.w_inh_exc=30"], "given twice"),
    (["dataset=mnist,mnist-sample"], "set it in base"),
    (["conn.w_inh_exc=-1"], "w_inh_exc"),
])
def test_bad_grids_are_refused_before_anything_runs(tmp_path, grid, message):
    with pytest.raises(ConfigurationError, match=message):
        spec = api.sweep_spec_from_grid(grid, "0-1", base=BASE, evaluate=EVALUATE)
        api.sweep(spec, tmp_path / "sweep", progress=False)
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize(("change", "message"), [
    ({"seeds": "0,0"}, "more than once"),
    ({"seeds": "a-b"}, "not whole numbers"),
    ({"base": {**BASE, "validation": 5}}, "fewer images than the 10 classes"),
    ({"base": {**BASE, "neurons": 0}}, "number of excitatory neurons,? must be a positive"),
    ({"base": {**BASE, "cores": 3}}, "unknown base option"),
    ({"baseline": {"conn.w_inh_exc": "99"}}, "not one of the grid's values"),
    ({"select": "nothing"}, "nothing"),
    ({"colour": 1}, "unknown key"),
    ({"evaluate": {"rstdp": ["tau_nothing=1ms"]}}, "tau_nothing"),
    ({"evaluate": {"rstdp": 3}}, "true or a list of NAME=VALUE"),
    ({"evaluate": {"rstdp_epochs": 2}}, "add rstdp: true"),
])
def test_bad_specs_are_refused_before_anything_runs(tmp_path, change, message):
    spec = {"base": BASE, "grid": {"conn.w_inh_exc": [17, 25]}, "seeds": "0-1", **change}
    with pytest.raises(ConfigurationError, match=message):
        api.sweep(spec, tmp_path / "sweep", progress=False)
    assert not (tmp_path / "sweep").exists()


def test_the_cli_says_what_is_wrong_in_one_line(tmp_path, capsys):
    code = cli.main(["sweep", "--grid", "conn.w_inh_exc=17ms", "--dataset", "mnist-sample",
                     "--neurons", "10", "--out", str(tmp_path / "sweep")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("diehlsim sweep: error: ") and "plain number" in err
    assert not (tmp_path / "sweep").exists()


def test_yaml_toml_and_grid_give_the_same_points(tmp_path):
    import yaml

    (tmp_path / "s.yaml").write_text(yaml.safe_dump({
        "base": BASE, "grid": {"conn.w_inh_exc": [17, 25], "stdp.nu_post": [0.01]},
        "seeds": "0-1", "evaluate": EVALUATE}))
    toml = lambda d: "\n".join(f"{k} = {json.dumps(v)}" for k, v in d.items())  # noqa: E731
    (tmp_path / "s.toml").write_text(
        f'seeds = "0-1"\n[base]\n{toml(BASE)}\n[grid]\n"conn.w_inh_exc" = [17, 25]\n'
        f'"stdp.nu_post" = [0.01]\n[evaluate]\n{toml(EVALUATE)}\n')
    grid = api.sweep_spec_from_grid(["conn.w_inh_exc=17,25", "stdp.nu_post=0.01"], "0-1",
                                    base=BASE, evaluate=EVALUATE)
    expected = points_of(grid)
    assert len(expected) == 4
    assert points_of(api.load_sweep_spec(tmp_path / "s.yaml")) == expected
    assert points_of(api.load_sweep_spec(tmp_path / "s.toml")) == expected


def test_a_named_axis_sets_several_parameters_and_the_issue_spec_is_valid():
    spec = api.sweep_spec_from_dict({
        "base": BASE, "seeds": [0],
        "grid": {"rates": {"original": {}, "x4": {"stdp.nu_pre": "4e-4",
                                                   "stdp.nu_post": 0.04}}}})
    original, x4 = points_of(spec)
    assert original["train"]["stdp_param"] == {}
    assert x4["train"]["stdp_param"] == {"nu_pre": "4e-4", "nu_post": "0.04"}
    assert x4["name"] == "rates-x4_seed-0"
    from pathlib import Path

    issue = api.load_sweep_spec(Path(__file__).parents[1] / "docs" / "sweeps" /
                                "hyperparameter_search.yaml")
    points = check_spec(issue, data=False)
    assert len(points) == 2 * 2 * 2 * 5
    assert issue.base["validation"] == 10_000 and issue.base["neurons"] == 100


def test_each_point_takes_the_chunk_length_of_its_own_network_size_unless_told():
    by_size = api.sweep_spec_from_dict({"base": {k: v for k, v in BASE.items()
                                                 if k not in ("neurons", "chunk")},
                                        "grid": {"neurons": [100, 1600, 1601, 6400]},
                                        "seeds": [0]})
    assert [p["train"]["chunk"] for p in points_of(by_size)] == [250, 250, 500, 1000]
    told = api.sweep_spec_from_dict({"base": {**BASE, "chunk": 40}, "seeds": [0],
                                     "grid": {"neurons": [100, 6400]}})
    assert [p["train"]["chunk"] for p in points_of(told)] == [40, 40]


# -- sweeps on a 2-worker LocalCluster --------------------------------------------------------


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two single-process, single-thread workers; the build cache in a temporary folder."""
    from distributed import Client, LocalCluster

    root = tmp_path_factory.mktemp("sweep")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIEHLSIM_BUILD_DIR", str(root / "builds"))  # the workers inherit it
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=":0", silence_logs=40) as local, \
                Client(local) as client:
            yield client, root


@pytest.fixture(scope="module")
def finished(cluster):
    client, root = cluster
    spec = api.sweep_spec_from_grid(["conn.w_inh_exc=17,25"], "0-1", base=BASE,
                                    evaluate=EVALUATE)
    result = api.sweep(spec, root / "sweep", client=client, progress=False)
    return spec, result


@pytest.mark.slow
def test_the_summary_equals_the_runs_metrics(finished):
    spec, result = finished
    assert list(result.points["status"]) == ["done"] * 4
    for _, row in result.points.iterrows():
        metrics = json.loads((result.sweep_dir / RUNS / row["point"] / "metrics.json")
                             .read_text())
        for key in [*api.validation_columns(), *api.accuracy_columns()]:
            assert row[key] == metrics[key]
    csv = pd.read_csv(result.sweep_dir / "summary.csv", dtype={"conn.w_inh_exc": str})
    for _, row in csv.iterrows():
        runs = [json.loads((result.sweep_dir / RUNS / f"conn.w_inh_exc-{row['conn.w_inh_exc']}"
                            f"_seed-{seed}" / "metrics.json").read_text()) for seed in (0, 1)]
        values = [m[row["metric"]] for m in runs]
        assert row["n"] == 2
        assert row["mean"] == pytest.approx(np.mean(values))
        assert row["sd"] == pytest.approx(np.std(values, ddof=1))


@pytest.mark.slow
def test_selection_is_on_validation_and_reports_test_accuracy_only_for_it(finished):
    _, result = finished
    summary, selection = result.summary, result.selection
    validation = summary[summary["metric"] == "validation_accuracy_all"]
    best = validation.loc[validation["mean"].idxmax(), "conn.w_inh_exc"]
    assert selection["selected"] == {"conn.w_inh_exc": best}
    assert selection["metric"] == "validation_accuracy_all"
    tested = summary[summary["metric"].isin(api.accuracy_columns())]
    assert set(tested["conn.w_inh_exc"]) == {best, "17"}  # the selected and the baseline
    assert selection["test_mean"] == pytest.approx(np.mean(
        result.points[result.points["conn.w_inh_exc"] == best]["accuracy_all"]))
    assert (result.sweep_dir / "sweep_accuracy.png").stat().st_size > 0
    assert json.loads((result.sweep_dir / "selection.json").read_text()) == selection


def test_the_rstdp_option_is_kept_as_written_and_parsed_for_evaluate():
    spec = api.sweep_spec_from_grid(["conn.w_inh_exc=17"], "0", base=BASE, evaluate={
        **EVALUATE, "rstdp": ["tau_c=500ms"], "rstdp_epochs": 2})
    point = points_of(spec)[0]
    assert point["evaluate"]["rstdp"] == ["tau_c=500ms"]  # JSON, as in sweep_point.json
    assert point["evaluate"]["rstdp_epochs"] == 2
    assert float(layer_parameters(point["evaluate"]["rstdp"]).tau_c) == pytest.approx(0.5)


def test_the_cli_rstdp_options_reach_the_spec():
    args = cli.build_parser().parse_args([
        "sweep", "--grid", "conn.w_inh_exc=17", "--dataset", "mnist-sample", "--neurons",
        "10", "--rstdp-param", "w_psp=8mV", "--rstdp-epochs", "3", "--out", "x"])
    spec = sweep_cli._spec(args)
    assert spec.evaluate["rstdp"] == ["w_psp=8mV"] and spec.evaluate["rstdp_epochs"] == 3
    plain = cli.build_parser().parse_args([
        "sweep", "--grid", "conn.w_inh_exc=17", "--dataset", "mnist-sample", "--neurons",
        "10", "--out", "x"])
    assert "rstdp" not in sweep_cli._spec(plain).evaluate


@pytest.mark.slow
def test_an_rstdp_sweep_reports_the_layer_in_its_tables(cluster):
    client, root = cluster
    spec = api.sweep_spec_from_grid(["conn.w_inh_exc=17"], "0", base=BASE, evaluate={
        **EVALUATE, "rstdp": True, "rstdp_epochs": 2})
    result = api.sweep(spec, root / "sweep_rstdp", client=client, progress=False)
    row = result.points.iloc[0]
    assert row["status"] == "done"
    metrics = json.loads((result.sweep_dir / RUNS / row["point"] / "metrics.json").read_text())
    for key in ("accuracy_rstdp", "validation_accuracy_rstdp"):
        assert row[key] == metrics[key]
        assert set(result.summary[result.summary["metric"] == key]["mean"]) == {metrics[key]}
    assert metrics["rstdp"]["epochs"] == 2


@pytest.mark.slow
def test_build_dir_locks_hold_across_worker_processes(cluster):
    client, root = cluster
    from diehlsim import devices

    def claim(path, dask_worker):  # each worker keeps its lock: both hold one at once
        import diehlsim.devices as d

        directory, lock = d.claim_build_dir(path, "shape")
        dask_worker.test_build_lock = lock
        return str(directory)

    claimed = client.run(claim, root / "locks")
    assert len(set(claimed.values())) == 2  # shape and shape-2: never the same directory
    assert {os.path.basename(p) for p in claimed.values()} == {"shape", "shape-2"}
    directory, lock = devices.claim_build_dir(root / "locks", "shape")
    assert directory.name == "shape-3"
    lock.close()
    client.run(lambda dask_worker: dask_worker.test_build_lock.close())


@pytest.mark.slow
def test_a_failing_point_is_recorded_and_the_others_go_on(cluster, finished):
    client, root = cluster
    spec = api.sweep_spec_from_grid(["conn.w_inh_exc=17,25"], "5", base=BASE,
                                    evaluate=EVALUATE)
    broken = points_of(spec)[0]
    run_dir = root / "failing" / RUNS / broken["name"]
    run_dir.mkdir(parents=True)
    (run_dir / "sweep_point.json").write_text(json.dumps(broken))
    (run_dir / "config.json").write_text("{ damaged")
    (run_dir / "checkpoint.npz").write_bytes(b"damaged")
    result = api.sweep(spec, root / "failing", client=client, progress=False)
    rows = result.points.set_index("point")
    assert rows.loc[broken["name"], "status"] == "failed"
    assert "damaged" in rows.loc[broken["name"], "error"]
    assert "damaged" in (run_dir / "error.txt").read_text()
    (other,) = [p for p in rows.index if p != broken["name"]]
    assert rows.loc[other, "status"] == "done"


@pytest.mark.slow
def test_a_killed_worker_loses_nothing_and_a_rerun_redoes_nothing(cluster, finished):
    client, root = cluster
    spec = api.sweep_spec_from_grid(["conn.w_inh_exc=17,25"], "2-3",
                                    base={**BASE, "train_samples": 40}, evaluate=EVALUATE)
    sweep_dir = root / "killed"
    killed = {}
    watcher = threading.Thread(target=_kill_a_worker_mid_training,
                               args=(client, sweep_dir, killed), daemon=True)
    watcher.start()
    result = api.sweep(spec, sweep_dir, client=client, progress=False)
    watcher.join(timeout=5)
    assert killed.get("point"), "no worker was killed mid-training"
    rows = result.points.set_index("point")
    assert list(rows["status"]) == ["done"] * 4
    assert bool(rows.loc[killed["point"], "resumed"])  # continued from its checkpoint
    # the points finished before the kill kept their results
    for name, mtime in killed["finished"].items():
        assert (sweep_dir / RUNS / name / "metrics.json").stat().st_mtime_ns == mtime
    before = {p: (sweep_dir / RUNS / p / "metrics.json").stat().st_mtime_ns for p in rows.index}
    again = api.sweep(spec, sweep_dir, client=client, progress=False)
    assert all(again.points["skipped"])
    assert {p: (sweep_dir / RUNS / p / "metrics.json").stat().st_mtime_ns
            for p in rows.index} == before
    pd.testing.assert_frame_equal(
        again.points.drop(columns="skipped").reset_index(drop=True),
        result.points.drop(columns="skipped").reset_index(drop=True), check_dtype=False)


def _kill_a_worker_mid_training(client, sweep_dir, killed, timeout=240):
    """SIGKILL the worker of the first point seen with a checkpointed chunk and no state."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run_dir in sorted((sweep_dir / RUNS).glob("*")) if sweep_dir.exists() else []:
            chunks = list((run_dir / "train_responses").glob("chunk_*.npz"))
            if chunks and not (run_dir / "state.npz").exists():
                pid = _worker_running(client, run_dir.name)
                if pid is None:
                    continue
                killed["finished"] = {
                    d.name: (d / "metrics.json").stat().st_mtime_ns
                    for d in (sweep_dir / RUNS).glob("*") if (d / "metrics.json").exists()}
                os.kill(pid, signal.SIGKILL)
                killed["point"] = run_dir.name
                return
        time.sleep(0.05)


def _worker_running(client, name):
    pids = client.run(os.getpid)
    for address, keys in client.processing().items():
        if any(f"sweep-{name}-" in str(key) for key in keys) and address in pids:
            return pids[address]
    return None


def test_run_point_is_a_plain_function_for_dask():
    assert run_point.__module__ == "diehlsim.api.sweep_worker"


def test_a_sweep_directory_of_another_spec_is_refused(tmp_path):
    spec = api.sweep_spec_from_grid(["conn.w_inh_exc=17,25"], "0", base=BASE,
                                    evaluate=EVALUATE)
    point = points_of(spec)[0]
    other = {**point, "evaluate": {"test_samples": 999}}
    (tmp_path / RUNS / point["name"]).mkdir(parents=True)
    (tmp_path / RUNS / point["name"] / "sweep_point.json").write_text(json.dumps(other))
    with pytest.raises(ConfigurationError, match="holds points of another sweep"):
        api.sweep(spec, tmp_path, progress=False)
    assert not (tmp_path / "spec.json").exists()
