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

import copy
import json
import math
import os
import re
import time
import tomllib
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import datasets, io
from diehlsim.analysis import readouts
from diehlsim.analysis import sweep as tables
from diehlsim.api.evaluation import evaluate, validation_columns, validation_key
from diehlsim.api.options import model_overrides
from diehlsim.api.training import (
    BYTES_PER_SYNAPSE,
    _check_request,
    _total_images,
    input_size_of,
    make_simulator,
    resume,
    train,
)
from diehlsim.datasets.split import VALIDATION_SEED, validation_split
from diehlsim.devices import DEFAULT_SLOTS, check_device
from diehlsim.errors import ConfigurationError
from diehlsim.models.parameters import default_parameters, parameters_to_json
from diehlsim.runs import load_config
from diehlsim.simulation import default_build_name

#: Options of ``diehlsim train`` a spec's ``base`` may set; a grid axis may vary those in
#: AXIS_OPTIONS. One sweep runs on one dataset, device and validation split: its settings
#: are compared, and one is selected, on the same held-out images.
BASE_OPTIONS = {
    "dataset": str, "neurons": int, "epochs": float, "train_samples": int, "stdp": str,
    "lockout": float, "integration": str, "input_transform": str, "stdp_rate_final": float,
    "device": str, "chunk": int, "threads": int, "validation": int, "validation_seed": int,
    "param": None, "stdp_param": None,
}
AXIS_OPTIONS = ("neurons", "epochs", "train_samples", "stdp", "lockout",
                "integration", "input_transform", "stdp_rate_final")
EVALUATE_OPTIONS = ("label_samples", "test_samples", "validation_samples")
SPEC_KEYS = ("base", "grid", "seeds", "evaluate", "baseline", "select", "retries")
DEFAULT_BASE = {"epochs": 1.0, "stdp": "triplet", "device": "cpp_standalone",
                "chunk": DEFAULT_SLOTS, "threads": 0, "validation_seed": VALIDATION_SEED}
STDP_PREFIX = "stdp."
RUNS = "runs"
POINT_FILE = "sweep_point.json"
TIMING_FILE = "sweep_timing.json"
ERROR_FILE = "error.txt"
DEFAULT_RETRIES = 2


@dataclass(frozen=True)
class Level:
    """One value of a grid axis: its label and the parameters it sets (name -> text)."""

    label: str
    values: dict


@dataclass(frozen=True)
class Axis:
    name: str
    levels: tuple[Level, ...]


@dataclass
class SweepSpec:
    """A checked sweep: see :func:`spec_from_dict` for the format."""

    base: dict
    axes: list[Axis]
    seeds: list[int]
    evaluate: dict = field(default_factory=dict)
    baseline: dict = field(default_factory=dict)  # axis -> level label
    select: str = ""  # read-out whose validation accuracy selects; "" = the primary one
    retries: int = DEFAULT_RETRIES

    def as_dict(self) -> dict:
        """The spec as :func:`spec_from_dict` reads it (written to ``SWEEP/spec.json``)."""
        return {"base": self.base, "seeds": self.seeds, "evaluate": self.evaluate,
                "baseline": self.baseline, "select": self.select, "retries": self.retries,
                "grid": {a.name: {lv.label: lv.values for lv in a.levels} for a in self.axes}}


@dataclass
class SweepResult:
    sweep_dir: Path
    points: pd.DataFrame  # one row per point (points.csv)
    summary: pd.DataFrame  # one row per setting and metric (summary.csv)
    selection: dict  # which setting was selected, on what, and its test accuracy
    figure: list[Path]


# -- reading a spec ---------------------------------------------------------------------------

def load_spec(path) -> SweepSpec:
    """A spec file: ``.yaml``/``.yml`` or ``.toml``."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the sweep spec {path} ({exc.strerror})") from None
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise ConfigurationError(
                f"the sweep spec {path} must be a .yaml, .yml or .toml file")
    except (ValueError, ImportError) as exc:  # yaml.YAMLError and TOMLDecodeError are these
        raise ConfigurationError(f"the sweep spec {path} cannot be parsed: {exc}") from None
    except Exception as exc:  # yaml.YAMLError derives from Exception only
        if type(exc).__module__.startswith("yaml"):
            raise ConfigurationError(f"the sweep spec {path} cannot be parsed: {exc}") from None
        raise
    if not isinstance(data, dict):
        raise ConfigurationError(f"the sweep spec {path} must be a mapping (base:, grid:, "
                                 f"seeds: ...); see docs/sweeps.md")
    return spec_from_dict(data)


def spec_from_dict(data: dict) -> SweepSpec:
    """``{"base": {train options}, "grid": {axis: [values] or {label: {name: value}}},
    "seeds": "0-4" or [0, 1], "evaluate": {...}, "baseline": {axis: label}, "select":
    read-out, "retries": n}``; everything is checked (:func:`check_spec`)."""
    unknown = set(data) - set(SPEC_KEYS)
    if unknown:
        raise ConfigurationError(
            f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in the sweep spec; the "
            f"keys are {', '.join(SPEC_KEYS)}")
    base = _base_options(data.get("base") or {})
    axes = _axes(data.get("grid"))
    spec = SweepSpec(base=base, axes=axes, seeds=parse_seeds(data.get("seeds", [0])),
                     evaluate=_evaluate_options(data.get("evaluate") or {}),
                     baseline={}, select=str(data.get("select") or ""),
                     retries=_whole(data.get("retries", DEFAULT_RETRIES), "retries", 0))
    spec.baseline = _baseline(data.get("baseline") or {}, axes)
    check_spec(spec, data=False)
    return spec


def spec_from_grid(grid: list[str], seeds="0", *, base: dict | None = None,
                   evaluate: dict | None = None, baseline: list[str] = (),
                   select: str = "", retries: int = DEFAULT_RETRIES) -> SweepSpec:
    """The command-line form: ``grid=["conn.w_inh_exc=17,25"]``, ``seeds="0-4"``,
    ``baseline=["conn.w_inh_exc=17"]``."""
    axes = {}
    for text in grid:
        name, sep, values = text.partition("=")
        if not sep or not name.strip():
            raise ConfigurationError(
                f"--grid {text!r} is not NAME=V1,V2,..., e.g. conn.w_inh_exc=17,25")
        if name.strip() in axes:
            raise ConfigurationError(f"--grid {name.strip()} is given twice; give it once")
        axes[name.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    chosen = {}
    for text in baseline:
        name, sep, label = text.partition("=")
        if not sep:
            raise ConfigurationError(f"--baseline {text!r} is not NAME=VALUE of a --grid axis")
        chosen[name.strip()] = label.strip()
    return spec_from_dict({"base": base or {}, "grid": axes, "seeds": seeds,
                           "evaluate": evaluate or {}, "baseline": chosen, "select": select,
                           "retries": retries})


def parse_seeds(seeds) -> list[int]:
    """``"0-4"``, ``"0,2,5"``, ``3`` or ``[0, 1]`` -> a list of distinct seeds."""
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        values = [int(seeds)]
    elif isinstance(seeds, str):
        values = []
        for part in seeds.split(","):
            low, dash, high = part.strip().partition("-")
            try:
                values += (list(range(int(low), int(high) + 1)) if dash else [int(low)])
            except ValueError:
                raise ConfigurationError(
                    f"seeds {seeds!r} are not whole numbers or ranges such as 0-4 or 0,2,5"
                ) from None
    elif isinstance(seeds, (list, tuple)):
        values = [_whole(s, "a seed", 0) for s in seeds]
    else:
        raise ConfigurationError(f"seeds must be a range such as 0-4 or a list; got {seeds!r}")
    if not values:
        raise ConfigurationError(f"seeds {seeds!r} name no seed: give e.g. 0-4")
    if len(set(values)) != len(values):
        raise ConfigurationError(f"seeds {seeds!r} name a seed more than once")
    return values


def _whole(value, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConfigurationError(f"{what} must be a whole number >= {low}, got {value!r}")
    return int(value)


def _base_options(base: dict) -> dict:
    if not isinstance(base, dict):
        raise ConfigurationError("the spec's base must be a mapping of train options")
    unknown = set(base) - set(BASE_OPTIONS)
    if unknown:
        raise ConfigurationError(
            f"unknown base option(s) {', '.join(sorted(unknown))}; the options are "
            f"{', '.join(BASE_OPTIONS)}")
    options = {**DEFAULT_BASE, **{k: v for k, v in base.items() if v is not None}}
    options["param"] = _assignments(options.get("param", {}), "param")
    options["stdp_param"] = _assignments(options.get("stdp_param", {}), "stdp_param")
    for name, kind in BASE_OPTIONS.items():
        if kind is not None and name in options:
            options[name] = _option_value(name, options[name])
    return options


def _assignments(given, what: str) -> dict:
    """``{"conn.w_inh_exc": 25}`` or ``["conn.w_inh_exc=25"]`` -> name -> value text."""
    if isinstance(given, dict):
        return {str(k): _text(v) for k, v in given.items()}
    if isinstance(given, (list, tuple)):
        out = {}
        for text in given:
            name, sep, value = str(text).partition("=")
            if not sep:
                raise ConfigurationError(f"base {what} {text!r} is not NAME=VALUE")
            out[name.strip()] = value.strip()
        return out
    raise ConfigurationError(f"base {what} must be a mapping or a list of NAME=VALUE")


def _text(value) -> str:
    """A spec value as the text the parameter parser reads (YAML gives numbers)."""
    if isinstance(value, bool):
        raise ConfigurationError(f"{value!r} is not a parameter value (a number or a text)")
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value).strip()


def _option_value(name: str, value):
    kind = BASE_OPTIONS[name]
    try:
        if kind is int:
            number = float(value)
            if not number.is_integer():
                raise ValueError
            return int(number)
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"{name} must be {'a whole number' if kind is int else kind.__name__}, got "
            f"{value!r}") from None


def _axes(grid) -> list[Axis]:
    if not grid:
        raise ConfigurationError(
            "the sweep's grid is empty: give the parameters to vary, e.g. --grid "
            "conn.w_inh_exc=17,25 or grid: {conn.w_inh_exc: [17, 25]} in the spec")
    if not isinstance(grid, dict):
        raise ConfigurationError("the spec's grid must be a mapping: axis -> values")
    axes = []
    for name, values in grid.items():
        name = str(name)
        if isinstance(values, dict):  # a named axis: each level sets several parameters
            levels = [Level(str(label), {str(k): _text(v) for k, v in (sets or {}).items()})
                      for label, sets in values.items()]
        elif isinstance(values, (list, tuple)):
            levels = [Level(_text(v), {name: _text(v)}) for v in values]
        else:
            levels = [Level(_text(values), {name: _text(values)})]
        if not levels:
            raise ConfigurationError(
                f"the grid axis {name} has no values: give at least one, e.g. {name}=17,25")
        labels = [lv.label for lv in levels]
        if len(set(labels)) != len(labels):
            raise ConfigurationError(f"the grid axis {name} lists a value twice: {labels}")
        axes.append(Axis(name, tuple(levels)))
    return axes


def _evaluate_options(given: dict) -> dict:
    unknown = set(given) - set(EVALUATE_OPTIONS)
    if unknown:
        raise ConfigurationError(
            f"unknown evaluate option(s) {', '.join(sorted(unknown))}; the options are "
            f"{', '.join(EVALUATE_OPTIONS)}")
    return {k: _whole(v, k, 1) for k, v in given.items() if v is not None}


def _baseline(given: dict, axes: list[Axis]) -> dict:
    by_name = {a.name: a for a in axes}
    unknown = set(given) - set(by_name)
    if unknown:
        raise ConfigurationError(
            f"the baseline names {', '.join(sorted(unknown))}, which the grid does not vary; "
            f"the axes are {', '.join(by_name)}")
    chosen = {}
    for axis in axes:  # default: the first value of each axis
        label = _text(given[axis.name]) if axis.name in given else axis.levels[0].label
        if label not in [lv.label for lv in axis.levels]:
            raise ConfigurationError(
                f"the baseline's {axis.name}={label} is not one of the grid's values "
                f"{[lv.label for lv in axis.levels]}")
        chosen[axis.name] = label
    return chosen


# -- points -----------------------------------------------------------------------------------

def points_of(spec: SweepSpec) -> list[dict]:
    """Every point of the spec: seed 0 of every setting (in grid order), then seed 1 ...,
    so that workers running at the same time mostly build different networks."""
    settings = [{}]
    for axis in spec.axes:
        settings = [{**s, axis.name: lv} for s in settings for lv in axis.levels]
    points = []
    for seed in spec.seeds:
        for setting in settings:
            points.append(_point(spec, setting, seed))
    return points


def _point(spec: SweepSpec, setting: dict, seed: int) -> dict:
    options = copy.deepcopy(spec.base)
    set_by = {}
    for axis_name, level in setting.items():
        for name, text in level.values.items():
            if name in set_by:
                raise ConfigurationError(
                    f"the grid axes {set_by[name]} and {axis_name} both set {name}: vary "
                    f"it on one axis")
            set_by[name] = axis_name
            _apply(options, name, text, axis_name)
    labels = {a: lv.label for a, lv in setting.items()}
    return {"name": point_name(labels, seed), "setting": labels, "seed": int(seed),
            "train": options, "evaluate": dict(spec.evaluate)}


def _apply(options: dict, name: str, text: str, axis_name: str) -> None:
    if name in AXIS_OPTIONS:
        options[name] = _option_value(name, text)
    elif name in BASE_OPTIONS:
        raise ConfigurationError(
            f"the grid axis {axis_name} varies {name}, which is the same for the whole "
            f"sweep: set it in base")
    elif name.startswith(STDP_PREFIX):
        options["stdp_param"][name[len(STDP_PREFIX):]] = text
    elif "." in name:
        options["param"][name] = text
    else:
        raise ConfigurationError(
            f"the grid axis {axis_name}: unknown parameter {name!r}; vary a network parameter "
            f"SECTION.NAME as for --param (e.g. conn.w_inh_exc), an STDP parameter stdp.NAME "
            f"as for --stdp-param (e.g. stdp.nu_post), one of {', '.join(AXIS_OPTIONS)}, or "
            f"give the axis named levels ({axis_name}: {{label: {{NAME: VALUE}}}})")


def point_name(setting: dict, seed: int) -> str:
    """A directory name from the point's setting and seed, e.g. ``conn.w_inh_exc-25_seed-0``."""
    parts = [f"{axis}-{label}" for axis, label in setting.items()] + [f"seed-{seed}"]
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", "_".join(parts))


def resolve(point: dict):
    """The point's network parameters and its ``train`` keywords (checked)."""
    options = point["train"]
    overrides = model_overrides(
        options["stdp"], stdp_params=[f"{k}={v}" for k, v in options["stdp_param"].items()],
        lockout_ms=options.get("lockout"), integration=options.get("integration"),
        input_transform=options.get("input_transform"),
        stdp_rate_final=options.get("stdp_rate_final"),
        params=[f"{k}={v}" for k, v in options["param"].items()])
    neurons = options.get("neurons")
    if neurons is None or "dataset" not in options:
        raise ConfigurationError("a sweep needs a dataset and neurons (in base or the grid)")
    params = default_parameters(neurons, input_size_of(options["dataset"]), options["stdp"],
                                **overrides)
    epochs = None if options.get("train_samples") is not None else options.get("epochs")
    kwargs = dict(dataset=options["dataset"], n_exc=neurons, epochs=epochs,
                  train_samples=options.get("train_samples"), stdp_rule=options["stdp"],
                  device=options["device"], seed=point["seed"], slots=options["chunk"],
                  threads=options["threads"], overrides=overrides,
                  validation=options.get("validation"),
                  validation_seed=options["validation_seed"])
    return params, kwargs


def check_spec(spec: SweepSpec, data_dir=None, data: bool = True) -> list[dict]:
    """Every point's parameters, units, ranges and, with ``data``, its dataset's sizes (the
    validation split, the images to train on); duplicate points. Nothing runs before this
    passes. Returns the points."""
    points = points_of(spec)
    labels_of = {}
    seen = {}
    for point in points:
        params, kwargs = resolve(point)  # unknown parameters and wrong units fail here
        check_device(kwargs["device"])
        _check_request(kwargs["n_exc"], kwargs["seed"], kwargs["threads"], kwargs["slots"])
        dataset = kwargs["dataset"]
        if data:
            if dataset not in labels_of:
                labels_of[dataset] = datasets.load(dataset, "train", data_dir)[1]
            pool = _images_to_train_on(labels_of[dataset], kwargs)
            _total_images(pool, kwargs["epochs"], kwargs["train_samples"])
        key = json.dumps([parameters_to_json(params), {k: v for k, v in kwargs.items()
                                                      if k != "overrides"}],
                         sort_keys=True, default=str)
        if key in seen:
            raise ConfigurationError(
                f"the points {seen[key]} and {point['name']} are the same run (the same "
                f"parameters and seed): remove the duplicate value from the grid")
        seen[key] = point["name"]
    names = [p["name"] for p in points]
    if len(set(names)) != len(names):
        raise ConfigurationError(
            "two points get the same directory name: make the grid's values differ in more "
            "than punctuation")
    known = [r.name for r in readouts.readouts()]
    if spec.select and spec.select not in known:
        raise ConfigurationError(
            f"select {spec.select!r} is not a registered read-out; choose one of "
            f"{', '.join(known)}")
    return points


def _images_to_train_on(labels, kwargs) -> int:
    if kwargs["validation"] is None:
        return len(labels)
    return len(validation_split(labels, kwargs["validation"], kwargs["validation_seed"]).train)


# -- running ----------------------------------------------------------------------------------

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
        if path.exists() and _read_json(path) != json.loads(json.dumps(point)):
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


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


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
    if "dashboard" in client.scheduler_info().get("services", {}):
        return f"dashboard {client.dashboard_link}"
    return "no Dask dashboard (it needs bokeh: pip install bokeh)"


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


# -- one point, on a worker -------------------------------------------------------------------

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
        evaluate(run_dir, data_dir=data_dir, progress=False, simulator=sim,
                 **point["evaluate"])
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
    name = default_build_name(params, kwargs["device"], kwargs["slots"], False, None)
    sim = _SIMULATORS.pop(name, None)
    built_now = sim is None
    if sim is None:
        sim = make_simulator(params, kwargs["device"], kwargs["slots"], kwargs["threads"],
                             build_root=Path(build_root) if build_root else None)
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
    metrics = _read_json(run_dir / "metrics.json")
    recorded = _read_json(run_dir / POINT_FILE)
    if metrics is None or recorded != json.loads(json.dumps(point)):
        return None
    if point["train"].get("validation") and not set(validation_columns()) <= set(metrics):
        return None
    timing = _read_json(run_dir / "timing.json") or {}
    row = _base_row(point, "done")
    row.update({k: v for k, v in metrics.items() if _scalar(v)})
    row.update({f"train_{k}": v for k, v in timing.items() if _scalar(v)})
    row.update(_read_json(run_dir / TIMING_FILE) or {})
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


# -- results ----------------------------------------------------------------------------------

def write_results(sweep_dir: Path, spec: SweepSpec, points: list[dict], rows: list[dict],
                  say=print) -> SweepResult:
    """points.csv, summary.csv, selection.json and the figure, each written atomically."""
    frame = pd.DataFrame(rows)
    settings = [a.name for a in spec.axes]
    frame[settings] = frame[settings].astype(str)
    io.write_csv(sweep_dir / "points.csv", frame)
    metrics = [m for m in [*validation_columns(), *readouts.accuracy_columns()]
               if m in frame.columns]
    summary = tables.summary_table(frame, settings, metrics, spec.baseline)
    selection = _select(summary, spec, settings)
    summary = _hide_unselected_tests(summary, selection, settings)
    io.write_csv(sweep_dir / "summary.csv", summary)
    io.write_json(sweep_dir / "selection.json", selection)
    figure = _figure(sweep_dir, frame, summary, spec, settings, selection)
    say(f"sweep: {selection['text']}")
    drawn = f" and {figure[0].name}" if figure else ""
    say(f"sweep: points.csv, summary.csv, selection.json{drawn} in {sweep_dir}")
    return SweepResult(sweep_dir, frame, summary, selection, figure)


def _select(summary: pd.DataFrame, spec: SweepSpec, settings: list[str]) -> dict:
    readout = readouts.get(spec.select) if spec.select else readouts.readouts()[0]
    metric = validation_key(readout)
    baseline = {s: spec.baseline[s] for s in settings}
    if metric not in set(summary["metric"]):
        return {"selected": None, "metric": None, "baseline": baseline,
                "text": "nothing selected: the sweep has no validation split (--validation "
                        "K), and settings are never chosen on the test set; test accuracy "
                        "is reported for every setting"}
    best = tables.select_setting(summary, metric, settings).iloc[0]
    chosen = {s: best[s] for s in settings}
    test_key = readouts.accuracy_key(readout)
    tests = summary[summary["metric"] == test_key]
    chosen_test = _row_of(tests, chosen, settings)
    base_test = _row_of(tests, baseline, settings)
    text = (f"selected {_setting_text(chosen)}: the highest mean validation accuracy "
            f"({readout.title}), {100 * best['mean']:.2f} % over {int(best['n'])} seed(s); "
            f"its test accuracy {_pm(chosen_test)}; baseline {_setting_text(baseline)} test "
            f"accuracy {_pm(base_test)}")
    return {"selected": chosen, "metric": metric, "validation_mean": float(best["mean"]),
            "n": int(best["n"]), "test_metric": test_key,
            "test_mean": _value(chosen_test, "mean"), "test_sd": _value(chosen_test, "sd"),
            "baseline": baseline, "baseline_test_mean": _value(base_test, "mean"),
            "baseline_test_sd": _value(base_test, "sd"), "text": text}


def _row_of(frame, setting, settings):
    match = np.ones(len(frame), dtype=bool)
    for s in settings:
        match &= (frame[s] == setting[s]).to_numpy()
    rows = frame[match]
    return None if rows.empty else rows.iloc[0]


def _value(row, column):
    return None if row is None or pd.isna(row[column]) else float(row[column])


def _pm(row) -> str:
    if row is None:
        return "not measured"
    sd = "" if pd.isna(row["sd"]) else f" +- {100 * row['sd']:.2f}"
    return f"{100 * row['mean']:.2f}{sd} % (n = {int(row['n'])})"


def _setting_text(setting: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in setting.items())


def _hide_unselected_tests(summary, selection, settings) -> pd.DataFrame:
    """Test accuracy only for the selected setting and the baseline: it is reported once,
    after the choice, never compared across the settings the choice was made among."""
    summary = summary.copy()
    summary["role"] = ""
    if selection["selected"] is None:
        return summary
    chosen = np.ones(len(summary), dtype=bool)
    for s in settings:
        chosen &= (summary[s] == selection["selected"][s]).to_numpy()
    summary.loc[chosen, "role"] = "selected"
    summary.loc[summary["baseline"] & chosen, "role"] = "selected, baseline"
    summary.loc[summary["baseline"] & ~chosen, "role"] = "baseline"
    is_test = summary["metric"].isin(readouts.accuracy_columns())
    return summary[~is_test | (summary["role"] != "")].reset_index(drop=True)


def _figure(sweep_dir, frame, summary, spec, settings, selection) -> list[Path]:
    from diehlsim.plots.sweep import sweep_accuracy  # matplotlib: only when drawing

    labels = [_setting_text(dict(zip(settings, key))) for key in
              summary[settings].drop_duplicates().itertuples(index=False)]
    keys = summary[settings].drop_duplicates().to_dict("records")
    done = frame[frame["status"] == tables.DONE]
    metrics = [m for m in validation_columns() if m in set(summary["metric"])] or [
        m for m in readouts.accuracy_columns() if m in set(summary["metric"])]
    panels = []
    for metric in metrics:
        rows = [_row_of(summary[summary["metric"] == metric], k, settings) for k in keys]
        values = [done[np.logical_and.reduce([(done[s] == k[s]).to_numpy() for s in settings])
                       ][metric].dropna().to_numpy() for k in keys]
        marks = {i: r["role"] for i, r in enumerate(rows) if r is not None and r["role"]}
        panels.append({"title": metric.replace("_", " "), "settings": labels,
                       "values": values, "mean": [_nan(r, "mean") for r in rows],
                       "ci_low": [_nan(r, "ci_low") for r in rows],
                       "ci_high": [_nan(r, "ci_high") for r in rows], "marks": marks})
    if not panels:  # no point finished: nothing to draw
        return []
    return sweep_accuracy(panels, sweep_dir / "sweep_accuracy",
                          title=f"{len(frame)} points, {len(spec.seeds)} seed(s) per setting")


def _nan(row, column) -> float:
    return np.nan if row is None or pd.isna(row[column]) else float(row[column])
