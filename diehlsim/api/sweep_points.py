"""The points of a sweep spec (settings x seeds) as JSON-able dicts, their run options and
network parameters, and the checks of the whole spec before anything runs."""

from __future__ import annotations

import copy
import json
import re

from diehlsim import datasets
from diehlsim.analysis import readouts
from diehlsim.api.options import model_overrides, with_default_layout
from diehlsim.api.sweep_spec import AXIS_OPTIONS, BASE_OPTIONS, STDP_PREFIX, SweepSpec, option_value
from diehlsim.api.training import _check_request, _total_images, input_size_of
from diehlsim.datasets.split import validation_split
from diehlsim.devices import check_device, default_slots
from diehlsim.errors import ConfigurationError
from diehlsim.models.parameters import default_parameters, parameters_to_json

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
    if "chunk" not in options and "neurons" in options:  # chunk length by size
        options["chunk"] = default_slots(options["neurons"])
    labels = {a: lv.label for a, lv in setting.items()}
    return {"name": point_name(labels, seed), "setting": labels, "seed": int(seed),
            "train": options, "evaluate": dict(spec.evaluate)}


def _apply(options: dict, name: str, text: str, axis_name: str) -> None:
    if name in AXIS_OPTIONS:
        options[name] = option_value(name, text)
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
        params=[f"{k}={v}" for k, v in options["param"].items()],
        **{key: options.get(key) for key in
           ("excitatory_model", "inhibitory_model", "input_model", "recurrent")})
    neurons = options.get("neurons")
    if neurons is None or "dataset" not in options:
        raise ConfigurationError("a sweep needs a dataset and neurons (in base or the grid)")
    _check_request(neurons, point["seed"], options["threads"], options["chunk"])
    check_device(options["device"])
    overrides = with_default_layout(overrides, neurons, options["device"])
    params = default_parameters(neurons, stdp_rule=options["stdp"],
                                pixels=input_size_of(options["dataset"]), **overrides)
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
        # unknown parameters, wrong units, devices and sizes fail here
        params, kwargs = resolve(point)
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


