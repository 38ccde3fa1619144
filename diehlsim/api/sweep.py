"""Sweeps: a spec -> its points (settings x seeds) -> Dask futures -> results tables.

A spec (YAML, TOML, a dict, or ``--grid`` options) names a base configuration (the options
of ``diehlsim train``), a grid of parameters to vary (the names of ``--param`` and
``--stdp-param``: ``conn.w_inh_exc``, ``stdp.nu_post``, or a named axis whose levels set
several at once), seeds, the validation split and the evaluation options. Each point is
``train`` + ``evaluate`` into its own run directory, ``SWEEP/runs/NAME``, run as one Dask
task: on a ``LocalCluster`` (one single-threaded worker per core) or on an existing cluster
(``scheduler=``). :func:`check_spec` refuses a bad spec before anything runs.

A point whose ``metrics.json`` is there and whose ``sweep_point.json`` matches is finished
and never run again; an interrupted one resumes from its checkpoint; a failing one records
its error (``error.txt``, and the ``error`` column) while the others go on. See
``docs/sweeps.md``.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import numpy as np

from diehlsim import io
from diehlsim.analysis import sweep as tables
from diehlsim.api.sweep_points import check_spec, points_of
from diehlsim.api.sweep_results import SweepResult, write_results
from diehlsim.api.sweep_spec import SweepSpec, load_spec, spec_from_dict
from diehlsim.api.sweep_worker import (
    POINT_FILE,
    RUNS,
    failed_row,
    finished_row,
    read_json,
    run_point,
)
from diehlsim.api.training import BYTES_PER_SYNAPSE, input_size_of
from diehlsim.errors import ConfigurationError

__all__ = ["RUNS", "SweepResult", "SweepSpec", "check_spec", "load_spec", "points_of",
           "run_point", "spec_from_dict", "sweep", "worker_memory_limit"]


def sweep(spec, out, *, workers: int | None = None, scheduler: str | None = None,
          client=None, data_dir=None, build_root=None, progress: bool = True) -> SweepResult:
    """Run every point of ``spec`` (a :class:`SweepSpec`, a spec file or a dict) into
    ``out`` on Dask: ``client`` if given, else the cluster at ``scheduler``, else a
    ``LocalCluster`` of ``workers`` (default: one per core) single-threaded workers."""
    spec = _as_spec(spec)
    points = check_spec(spec, data_dir)
    sweep_dir = Path(out)
    _check_sweep_dir(sweep_dir, points)
    io.write_json(sweep_dir / "spec.json", spec.as_dict())
    rows = {p["name"]: finished_row(sweep_dir, p) for p in points}
    todo = [p for p in points if rows[p["name"]] is None]
    say = print if progress else (lambda *a, **k: None)
    say(f"sweep: {len(points)} points, {len(points) - len(todo)} finished before, "
        f"{len(todo)} to run; results in {sweep_dir}")
    if todo:
        with _DaskClient(client, scheduler, workers, points, say) as dask_client:
            rows.update(_run_points(dask_client, todo, spec, sweep_dir, data_dir, build_root,
                                    say, len(points) - len(todo), len(points)))
    return write_results(sweep_dir, spec, points, [rows[p["name"]] for p in points], say)


def _as_spec(spec) -> SweepSpec:
    if isinstance(spec, SweepSpec):
        return spec
    if isinstance(spec, dict):
        return spec_from_dict(spec)
    return load_spec(spec)


def _check_sweep_dir(sweep_dir: Path, points: list[dict]) -> None:
    """Refuse to mix two different sweeps in one directory."""
    other = []
    for point in points:
        path = sweep_dir / RUNS / point["name"] / POINT_FILE
        if path.exists() and read_json(path) != json.loads(json.dumps(point)):
            other.append(point["name"])
    if other:
        raise ConfigurationError(
            f"{sweep_dir} holds points of another sweep ({', '.join(other[:3])}"
            f"{' ...' if len(other) > 3 else ''} differ in their options): choose a new --out")
    try:
        (sweep_dir / RUNS).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the sweep directory {sweep_dir} ({exc.strerror})") from None


class _DaskClient:
    """The caller's client, one connected to ``scheduler``, or a new LocalCluster's."""

    def __init__(self, client, scheduler, workers, points, say):
        self.given, self.scheduler, self.workers = client, scheduler, workers
        self.points, self.say, self.cluster, self.client = points, say, None, None

    def __enter__(self):
        from distributed import Client, LocalCluster

        if self.given is not None:
            self.client = self.given
        elif self.scheduler:
            self.client = Client(self.scheduler)
        else:
            workers = self.workers or os.cpu_count() or 1
            self.cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                memory_limit=worker_memory_limit(self.points, workers),
                dashboard_address=":0", silence_logs=40)
            self.client = Client(self.cluster)
        self.say(f"sweep: Dask scheduler {self.client.scheduler.address}, "
                 f"{_threads(self.client)} worker threads; {_dashboard(self.client)}")
        return self.client

    def __exit__(self, *exc):
        if self.given is None:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


def _threads(client) -> int:
    return max(1, sum(w.get("nthreads", 1)
                      for w in client.scheduler_info()["workers"].values()))


def _dashboard(client) -> str:
    import importlib.util

    if "dashboard" not in client.scheduler_info().get("services", {}):
        return "no Dask dashboard"
    link = client.dashboard_link
    if importlib.util.find_spec("bokeh") is None:  # the server runs, its plots need bokeh
        info = link.rsplit("/", 1)[0] + "/info/main/workers.html"
        return f"Dask dashboard {info} (its live plots need bokeh: pip install bokeh)"
    return f"Dask dashboard {link}"


#: What a worker needs besides the network: Python, Brian2, the dataset, code generation.
WORKER_BASE_BYTES = 1536 * 2**20


def worker_memory_limit(points: list[dict], workers: int) -> int:
    """Bytes per worker for the largest network of the sweep; refused when the workers would
    not fit into this machine's memory together."""
    largest = max(p["train"]["neurons"] * input_size_of(p["train"]["dataset"]) for p in points)
    # the simulator's copy, the checkpoint's, and the state being written
    needed = WORKER_BASE_BYTES + 3 * largest * BYTES_PER_SYNAPSE
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if needed * workers > available:
        raise ConfigurationError(
            f"{workers} workers of {needed / 2**30:.1f} GiB each (the sweep's largest "
            f"network) need more than this machine's {available / 2**30:.1f} GiB: use "
            f"--workers {max(1, available // needed)}")
    return int(needed)


def _run_points(client, todo, spec, sweep_dir, data_dir, build_root, say, before, total):
    from distributed import as_completed

    build_root = str(build_root) if build_root else None
    futures = {}
    for point in todo:
        future = client.submit(run_point, point, str(sweep_dir), data_dir and str(data_dir),
                               build_root, key=f"sweep-{point['name']}-{time.time_ns()}",
                               retries=spec.retries, pure=False)
        futures[future] = point
    rows, started, durations = {}, time.perf_counter(), []
    for future in as_completed(list(futures)):
        point = futures[future]
        try:
            row = future.result()
        except Exception as exc:  # the task itself failed: e.g. its worker died too often
            row = failed_row(point, exc, sweep_dir)
        rows[point["name"]] = row
        if not row.get("skipped"):
            durations.append(row.get("point_s", time.perf_counter() - started))
        say(_progress_line(client, rows, before, total, durations, point, row))
    return rows


def _progress_line(client, rows, before, total, durations, point, row) -> str:
    failed = sum(r["status"] == tables.FAILED for r in rows.values())
    done = before + len(rows)  # finished, failed ones included
    try:  # a worker may hold more tasks than it runs: one runs per thread
        workers = client.scheduler_info()["workers"]
        running = sum(min(len(keys), workers.get(address, {}).get("nthreads", 1))
                      for address, keys in client.processing().items())
    except Exception:  # an unreachable scheduler: the count is only informative
        running = 0
    remaining = total - done
    eta = ""
    if durations and remaining:
        seconds = np.mean(durations) * remaining / _threads(client)
        eta = f", ETA {_duration(seconds)}"
    return (f"sweep: {point['name']} {row['status']}"
            f"{': ' + row['error'] if row['status'] == tables.FAILED else ''} "
            f"[{done}/{total} finished, {failed} failed, {running} running{eta}]")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(math.ceil(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


