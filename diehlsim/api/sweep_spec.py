"""A sweep's spec: read from YAML, TOML, a dict or ``--grid`` options, into a
:class:`SweepSpec` (base options, grid axes, seeds, evaluation options, baseline, the
read-out that selects). Its points and their checks are in :mod:`diehlsim.api.sweep_points`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from diehlsim.api.evaluation_rstdp import checked_assignments
from diehlsim.datasets.split import VALIDATION_SEED
from diehlsim.errors import ConfigurationError

#: Options of ``diehlsim train`` a spec's ``base`` may set; a grid axis may vary those in
#: AXIS_OPTIONS. One sweep runs on one dataset, device and validation split: its settings
#: are compared, and one is selected, on the same held-out images.
BASE_OPTIONS = {
    "dataset": str, "neurons": int, "epochs": float, "train_samples": int, "stdp": str,
    "lockout": float, "integration": str, "input_transform": str, "stdp_rate_final": float,
    "device": str, "chunk": int, "threads": int, "validation": int, "validation_seed": int,
    "param": None, "stdp_param": None, "excitatory_model": str, "inhibitory_model": str,
    "input_model": str, "recurrent": str,
}
AXIS_OPTIONS = ("neurons", "epochs", "train_samples", "stdp", "lockout",
                "integration", "input_transform", "stdp_rate_final", "excitatory_model",
                "inhibitory_model", "input_model", "recurrent")
WHOLE_EVALUATE_OPTIONS = ("label_samples", "test_samples", "validation_samples", "rstdp_epochs")
#: ``rstdp``: true, or a list of the layer's "NAME=VALUE" overrides (as ``--rstdp-param``)
EVALUATE_OPTIONS = (*WHOLE_EVALUATE_OPTIONS, "rstdp")
SPEC_KEYS = ("base", "grid", "seeds", "evaluate", "baseline", "select", "retries")
# no default chunk: each point takes default_slots of its own network size
DEFAULT_BASE = {"epochs": 1.0, "stdp": "triplet", "device": "cpp_standalone",
                "threads": 0, "validation_seed": VALIDATION_SEED}
STDP_PREFIX = "stdp."
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
    from diehlsim.api.sweep_points import check_spec  # the points need the model

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
            options[name] = option_value(name, options[name])
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


def option_value(name: str, value):
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
    options = {k: _whole(v, k, 1) for k, v in given.items()
               if v is not None and k in WHOLE_EVALUATE_OPTIONS}
    if given.get("rstdp") not in (None, False):
        options["rstdp"] = checked_assignments(given["rstdp"])
    if "rstdp_epochs" in options and "rstdp" not in options:
        raise ConfigurationError("the evaluate option rstdp_epochs trains the R-STDP layer: "
                                 "add rstdp: true (or its NAME=VALUE overrides)")
    return options


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


