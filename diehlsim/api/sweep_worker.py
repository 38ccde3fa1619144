"""One point of a sweep, as a Dask task on a worker: train + evaluate into its run directory,
resuming an interrupted run, recording an error instead of raising it; the results row of a
point."""

from __future__ import annotations

import json
import os
import time
import traceback
from dataclasses import replace
from pathlib import Path

from diehlsim import io
from diehlsim.analysis import sweep as tables
from diehlsim.api.evaluation import evaluate, validation_columns
from diehlsim.api.evaluation_rstdp import layer_parameters
from diehlsim.api.sweep_points import resolve
from diehlsim.api.training import make_simulator, resume, train
from diehlsim.models.network import initial_state
from diehlsim.runs import load_config
from diehlsim.simulation import default_build_name

RUNS = "runs"
POINT_FILE = "sweep_point.json"
TIMING_FILE = "sweep_timing.json"
ERROR_FILE = "error.txt"


def run_point(point: dict, sweep_dir: str, data_dir=None, build_root=None) -> dict:
    """Train and evaluate one point (a Dask task): finished points are returned as they are,
    interrupted ones resumed; an error is recorded, not raised."""
    run_dir = Path(sweep_dir) / RUNS / point["name"]
    row = finished_row(Path(sweep_dir), point)
    if row is not None:
        return row
    start = time.perf_counter()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        io.write_json(run_dir / POINT_FILE, point)
        (run_dir / ERROR_FILE).unlink(missing_ok=True)
        timing = _train_and_evaluate(point, run_dir, data_dir, build_root)
        timing["point_s"] = time.perf_counter() - start
        io.write_json(run_dir / TIMING_FILE, timing)
    except Exception as exc:
        io.write_text(run_dir / ERROR_FILE, traceback.format_exc())
        return failed_row(point, exc, Path(sweep_dir), time.perf_counter() - start)
    row = finished_row(Path(sweep_dir), point)
    row["skipped"] = False
    return row


def _train_and_evaluate(point, run_dir: Path, data_dir, build_root) -> dict:
    params, kwargs = resolve(point)
    trained = (run_dir / "state.npz").exists()
    interrupted = not trained and (run_dir / "checkpoint.npz").exists() and (
        run_dir / "config.json").exists()
    if trained or interrupted:
        params, _ = load_config(run_dir)  # the network the run was started with
    sim, built_now = _simulator(params, kwargs, build_root)
    try:
        start = time.perf_counter()
        if interrupted:
            resume(run_dir, data_dir=data_dir, progress=False, simulator=sim)
        elif not trained:
            train(run_dir, data_dir=data_dir, force=True, progress=False, simulator=sim,
                  **kwargs)
        train_s = time.perf_counter() - start
        start = time.perf_counter()
        options = point["evaluate"]
        if options.get("rstdp"):  # its own network: the plain one has no decision layer
            layered = replace(params, rstdp=layer_parameters(options["rstdp"]))
            sim, _ = _simulator(layered, kwargs, build_root)
        evaluate(run_dir, data_dir=data_dir, progress=False, simulator=sim, **options)
    except BaseException:
        _forget_simulator(sim)  # its state after a failure is not to be trusted
        raise
    return {"build_s": sim.build_s if built_now else 0.0, "train_s": train_s,
            "evaluate_s": time.perf_counter() - start, "resumed": interrupted,
            "worker_pid": os.getpid(), "build_dir": str(sim.build_dir)}


#: The compiled simulators of this worker process, by build name, most recently used last.
#: Brian2 names the code objects of a process's second network differently (``_1``), so a
#: new simulator of a shape built before would recompile everything: a worker keeps them.
_SIMULATORS: dict = {}
MAX_SIMULATORS = 4


def _simulator(params, kwargs, build_root):
    """This worker's simulator for the network of ``params`` (built now when new)."""
    # split input synapses are built for the point's delays: those of its seed
    delays = (initial_state(params, kwargs["seed"]).delays
              if params.conn.input_layout == "by-delay" else None)
    name = default_build_name(params, kwargs["device"], kwargs["slots"], False, None, None,
                              delays)
    sim = _SIMULATORS.pop(name, None)
    built_now = sim is None
    if sim is None:
        # Configuring a standalone device for a new build clears the arrays of the builds
        # before it (device.reinit), so their simulators could not read a chunk back
        if kwargs["device"] != "runtime":
            for cached in list(_SIMULATORS.values()):
                _forget_simulator(cached)
        sim = make_simulator(params, kwargs["device"], kwargs["slots"], kwargs["threads"],
                             build_root=Path(build_root) if build_root else None,
                             delays=delays)
    # the driver's parameters (input transform, rate schedule) may differ between points of
    # one build: they are applied from Python, so the point's own are set
    sim.params = params
    _SIMULATORS[name] = sim
    while len(_SIMULATORS) > MAX_SIMULATORS:
        _forget_simulator(next(iter(_SIMULATORS.values())))
    return sim, built_now


def _forget_simulator(sim) -> None:
    for name, cached in list(_SIMULATORS.items()):
        if cached is sim:
            del _SIMULATORS[name]
    sim.build_lock.close()  # another process may use (and rebuild) this build directory now


def finished_row(sweep_dir: Path, point: dict) -> dict | None:
    """The results row of a finished point (``metrics.json`` there, ``sweep_point.json``
    the same point), else None."""
    run_dir = Path(sweep_dir) / RUNS / point["name"]
    metrics = read_json(run_dir / "metrics.json")
    recorded = read_json(run_dir / POINT_FILE)
    if metrics is None or recorded != json.loads(json.dumps(point)):
        return None
    if point["train"].get("validation") and not set(validation_columns()) <= set(metrics):
        return None
    if point["evaluate"].get("rstdp") and "accuracy_rstdp" not in metrics:
        return None  # evaluated before the point asked for the layer
    timing = read_json(run_dir / "timing.json") or {}
    row = _base_row(point, "done")
    row.update({k: v for k, v in metrics.items() if _scalar(v)})
    row.update({f"train_{k}": v for k, v in timing.items() if _scalar(v)})
    row.update(read_json(run_dir / TIMING_FILE) or {})
    images, sim_s = timing.get("images"), timing.get("sim_s")
    if images and sim_s:
        row["train_images_per_s"] = images / sim_s
    row["skipped"] = True
    return row


def failed_row(point: dict, exc: BaseException, sweep_dir: Path, point_s=None) -> dict:
    row = _base_row(point, tables.FAILED)
    row["error"] = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    row["error_file"] = str(Path(sweep_dir) / RUNS / point["name"] / ERROR_FILE)
    row["skipped"] = False
    if point_s is not None:
        row["point_s"] = point_s
    return row


def _base_row(point: dict, status: str) -> dict:
    options = point["train"]
    return {"point": point["name"], **point["setting"], "seed": point["seed"],
            "status": status, "error": "", "dataset": options.get("dataset"),
            "neurons": options.get("neurons")}


def _scalar(value) -> bool:
    return isinstance(value, (int, float, str, bool)) or value is None


def read_json(path: Path):
    """A JSON file's content, or None when it is missing or damaged."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
