"""Parameters of the Diehl & Cook (2015) network, with Brian2 units.

Every default is the value of the original code (``peter-u-diehl/stdp-mnist``,
``Diehl&Cook_spiking_MNIST.py``) unless its comment says otherwise. Change any of them
with :func:`dataclasses.replace` or the keyword arguments of :func:`default_parameters`.

Why one module: the parameter set, its checks, its ``--param`` parsing and its JSON form
all read one table of sections (``_SECTIONS``, and which component owns each); split
apart, each part would need that table and the component lookup behind it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from brian2 import Quantity, have_same_dimensions
from brian2.units.fundamentalunits import DimensionMismatchError, fail_for_dimension_mismatch

from diehlsim.errors import ConfigurationError
from diehlsim.models import components, recurrent
from diehlsim.models.controller import ProtocolParameters
from diehlsim.models.encoding import INPUT_TRANSFORMS as ENCODING_TRANSFORMS
from diehlsim.models.excitatory import ExcitatoryParameters
from diehlsim.models.inhibitory import InhibitoryParameters
from diehlsim.models.input_synapses import INPUT_LAYOUTS
from diehlsim.models.network import ConnectionParameters
from diehlsim.models.recurrent import RecurrentParameters
from diehlsim.models.units import UNIT_BY_NAME, parse_quantity, unit_of

#: The component each network uses unless told otherwise.
DEFAULT_MODELS = {"excitatory_model": "diehl-cook", "inhibitory_model": "diehl-cook",
                  "input_model": "poisson"}


@dataclass(frozen=True)
class NetworkParameters:
    """Everything that defines a network, with units; the STDP rule is chosen by name."""

    n_input: int = 784
    n_exc: int = 100
    stdp_rule: str = "triplet"  # the plasticity component
    stdp: dict = field(default_factory=dict)  # overrides of the rule's own parameters
    exc: ExcitatoryParameters = field(default_factory=ExcitatoryParameters)
    inh: InhibitoryParameters = field(default_factory=InhibitoryParameters)
    conn: ConnectionParameters = field(default_factory=ConnectionParameters)
    protocol: ProtocolParameters = field(default_factory=ProtocolParameters)
    # The neuron and input components; ``exc`` and ``inh`` are their parameter classes.
    excitatory_model: str = DEFAULT_MODELS["excitatory_model"]
    inhibitory_model: str = DEFAULT_MODELS["inhibitory_model"]
    input_model: str = DEFAULT_MODELS["input_model"]
    # The input model's own parameters (latency, modulation, filter), and the optional
    # recurrent excitatory projection ("none" or "fixed") with its parameters.
    input: object = field(default_factory=components.NoParameters)
    recurrent: str = "none"
    rec: RecurrentParameters = field(default_factory=RecurrentParameters)
    # The R-STDP decision layer (models.rstdp.RSTDPParameters); None: no such layer.
    rstdp: object = None

    @property
    def components(self) -> dict:
        """The component of each kind (:data:`diehlsim.models.components.KINDS`) by name."""
        return {"excitatory": self.excitatory_model, "inhibitory": self.inhibitory_model,
                "input": self.input_model, "plasticity": self.stdp_rule}

    @property
    def pixels(self) -> int:
        """Pixels per image: ``n_input`` over the input model's channels per pixel."""
        return self.n_input // components.get("input", self.input_model).channels

    def normalisation_target(self) -> float:
        """Column sum of the input weights: ``weight_sum`` scaled by ``n_input / 784``.

        Keeping the mean weight per input synapse equal (0.0995) keeps the expected input
        conductance per presentation of a 32x32 image comparable to MNIST's; 1024 inputs
        give 101.9.
        """
        return self.conn.weight_sum * self.n_input / 784


# The parameter sections of NetworkParameters; "exc" and "inh" belong to the chosen neuron
# models (their classes replace these defaults), the others to the network and protocol.
_SECTIONS = {"exc": ExcitatoryParameters, "inh": InhibitoryParameters,
             "conn": ConnectionParameters, "protocol": ProtocolParameters,
             "input": components.NoParameters, "rec": RecurrentParameters}
_SECTION_MODELS = {"exc": ("excitatory", "excitatory_model"),
                   "inh": ("inhibitory", "inhibitory_model"), "input": ("input", "input_model")}
# Sections written to JSON only when they apply: a default network reads and hashes the same.
_WRITTEN_WHEN = {"input": lambda p: bool(dataclasses.fields(p.input)),
                 "rec": lambda p: p.recurrent != "none"}


def section_class(section: str, models: dict | None = None) -> type:
    """The parameter class of ``section`` for the components named in ``models``."""
    if section in _SECTION_MODELS:
        kind, field_name = _SECTION_MODELS[section]
        name = (models or {}).get(field_name, DEFAULT_MODELS[field_name])
        return components.get(kind, name).parameters
    return _SECTIONS[section]


def check_units(params: NetworkParameters) -> None:
    """Raise ConfigurationError naming any parameter whose units are wrong or missing."""
    for section_name in _SECTIONS:
        section = getattr(params, section_name)
        for name, unit in type(section).UNITS.items():
            value = getattr(section, name)
            try:
                fail_for_dimension_mismatch(value, unit)
            except DimensionMismatchError:
                raise ConfigurationError(
                    f"parameter {section_name}.{name} = {value!r} has the wrong units: "
                    f"give it in units of {unit!s} (for example {float(1)} * {unit!s})"
                ) from None
    _check_ranges(params)
    if params.n_exc <= 0:
        raise ConfigurationError(
            f"the number of excitatory neurons must be a positive integer, got {params.n_exc}")
    if params.n_input <= 0:
        raise ConfigurationError(f"n_input must be a positive integer, got {params.n_input}")
    components.check_channels(params.input_model, params.n_input)
    recurrent.check(params)
    if params.conn.input_layout not in INPUT_LAYOUTS:
        raise ConfigurationError(
            f"conn.input_layout = {params.conn.input_layout!r} is unknown; choose one of "
            f"{', '.join(INPUT_LAYOUTS)}")
    protocol = params.protocol
    for name, allowed in (("input_generator", INPUT_GENERATORS), ("integration", INTEGRATIONS),
                          ("input_transform", INPUT_TRANSFORMS)):
        if getattr(protocol, name) not in allowed:
            raise ConfigurationError(
                f"protocol.{name} = {getattr(protocol, name)!r} is unknown; choose one of "
                f"{', '.join(allowed)}")
    if not protocol.stdp_rate_final >= 0:
        raise ConfigurationError(
            f"protocol.stdp_rate_final must be >= 0 (1 = constant STDP rate, 0 = falling to "
            f"zero at the last training image), got {protocol.stdp_rate_final}")
    if not (_whole(protocol.slot_time / protocol.dt)
            and _whole(protocol.presentation_time / protocol.dt)):
        raise ConfigurationError(
            "presentation_time and rest_time must be whole multiples of dt "
            f"(dt = {protocol.dt}, presentation {protocol.presentation_time}, "
            f"rest {protocol.rest_time})"
        )


def _check_ranges(params: NetworkParameters) -> None:
    """Each section's ``RANGES`` (time constants positive, weights and counts not negative,
    ...), and the input weights' interval; the STDP rule's values must be numbers with
    positive time constants."""
    for section_name in _SECTIONS:
        section = getattr(params, section_name)
        for name, bound in getattr(type(section), "RANGES", {}).items():
            value = getattr(section, name)
            number = float(value / type(section).UNITS[name]) if name in type(
                section).UNITS else float(value)
            within = {"> 0": number > 0, ">= 0": number >= 0, "0..1": 0 <= number <= 1}[bound]
            if not within or not np.isfinite(number):
                raise ConfigurationError(
                    f"parameter {section_name}.{name} = {value!r} is out of range: it must be "
                    f"{bound}")
    if params.conn.w_input_min > params.conn.w_input_max:
        raise ConfigurationError(
            f"conn.w_input_min ({params.conn.w_input_min}) must not exceed conn.w_input_max "
            f"({params.conn.w_input_max})")
    for name, value in params.stdp.items():
        if not isinstance(value, (int, float, np.number, Quantity)) or isinstance(value, bool):
            raise ConfigurationError(
                f"STDP parameter {name} = {value!r} must be a number (with units for a time "
                f"constant)")
        if name.startswith("tau_") and not float(value) > 0:
            raise ConfigurationError(f"STDP parameter {name} = {value!r} must be > 0")


INPUT_GENERATORS = ("geometric", "bernoulli")
INTEGRATIONS = ("exponential_euler", "euler")
INPUT_TRANSFORMS = tuple(ENCODING_TRANSFORMS)


def _whole(ratio) -> bool:
    """Whether a step count is whole up to rounding (50 ms + 25 ms is 75.00000000000001 ms)."""
    ratio = float(ratio)
    return abs(ratio - round(ratio)) <= 1e-9 * max(1.0, abs(ratio))


def default_parameters(n_exc: int = 100, n_input: int = 784, stdp_rule: str = "triplet",
                       *, pixels: int | None = None, **overrides) -> NetworkParameters:
    """The original parameters; ``overrides`` are ``section__name=value`` or top-level names.
    ``pixels`` (per image) sets ``n_input`` to pixels x the input model's channels.

    Example: ``default_parameters(400, exc__spike_lockout=50 * ms)``.
    """
    models = {k: overrides.pop(k) for k in DEFAULT_MODELS if k in overrides}
    components.get("plasticity", stdp_rule)  # an unknown rule fails here, naming the known
    if pixels is not None:
        name = models.get("input_model", DEFAULT_MODELS["input_model"])
        n_input = int(pixels) * components.get("input", name).channels
    params = NetworkParameters(
        n_input=n_input, n_exc=n_exc, stdp_rule=stdp_rule, **models,
        **{s: section_class(s, models)() for s in _SECTION_MODELS})
    return with_overrides(params, **overrides)


def with_overrides(params: NetworkParameters, **overrides) -> NetworkParameters:
    top_level = {}
    sections: dict[str, dict] = {}
    for key, value in overrides.items():
        if "__" in key:
            section, name = key.split("__", 1)
            if section not in _SECTIONS:
                raise ConfigurationError(f"unknown parameter section {section!r} in {key!r}")
            sections.setdefault(section, {})[name] = value
        else:
            top_level[key] = value
    for section, values in sections.items():
        current = getattr(params, section)
        unknown = set(values) - {f.name for f in dataclasses.fields(current)}
        if unknown:
            raise ConfigurationError(
                f"unknown parameter(s) {sorted(unknown)} in section {section!r}; known: "
                f"{sorted(f.name for f in dataclasses.fields(current))}"
            )
        top_level[section] = dataclasses.replace(current, **values)
    params = dataclasses.replace(params, **top_level)
    check_units(params)
    return params


def parse_parameter(assignment: str, models: dict | None = None) -> tuple[str, object]:
    """``"conn.w_inh_exc=25"`` -> ``("conn__w_inh_exc", 25.0)``, a ``default_parameters``
    keyword. The value must match the type and units of the parameter's default (of the
    neuron models named in ``models``, default the built-in ones)."""
    what = f"--param {assignment!r}"
    target, sep, text = assignment.partition("=")
    section, dot, name = target.strip().partition(".")
    if not sep or not dot:
        raise ConfigurationError(
            f"{what} is not SECTION.NAME=VALUE, e.g. conn.w_inh_exc=25 or exc.theta_plus=0.1mV")
    if section not in _SECTIONS:
        raise ConfigurationError(
            f"{what}: unknown section {section!r}; choose one of {', '.join(_SECTIONS)}")
    defaults = section_class(section, models)()
    if not dataclasses.fields(defaults):
        raise ConfigurationError(
            f"{what}: the chosen component has no {section} parameters; select the one they "
            f"belong to (e.g. --input-model latency for input.max_latency)")
    if name not in {f.name for f in dataclasses.fields(defaults)}:
        raise ConfigurationError(
            f"{what}: {section} has no parameter {name!r}; known: "
            f"{', '.join(f.name for f in dataclasses.fields(defaults))}")
    default = getattr(defaults, name)
    key = f"{section}__{name}"
    if isinstance(default, str):
        return key, text.strip()
    value = parse_quantity(text, what)
    if isinstance(default, Quantity):
        if not have_same_dimensions(value, default):
            raise ConfigurationError(
                f"{what}: give {section}.{name} in units of {unit_of(default)} "
                f"(its default is {default!r})")
        return key, value
    if isinstance(value, Quantity):
        raise ConfigurationError(f"{what}: {section}.{name} is a plain number, without units")
    if isinstance(default, bool):
        if value not in (0, 1):
            raise ConfigurationError(f"{what}: {section}.{name} is a switch: give 0 or 1")
        return key, bool(value)
    if isinstance(default, int):
        if value != int(value):
            raise ConfigurationError(f"{what}: {section}.{name} must be a whole number")
        return key, int(value)
    return key, value


def parameters_to_json(params: NetworkParameters) -> dict:
    """A JSON-able description: quantities as ``{"value": float, "unit": str}``."""

    def encode(value):
        if isinstance(value, Quantity):
            return {"value": float(value / unit_of(value)), "unit": str(unit_of(value))}
        return value

    out = {"n_input": params.n_input, "n_exc": params.n_exc, "stdp_rule": params.stdp_rule,
           "stdp": {k: encode(v) for k, v in params.stdp.items()},
           "normalisation_target": params.normalisation_target()}
    models = {k: getattr(params, k) for k in DEFAULT_MODELS}
    if models != DEFAULT_MODELS:  # written only when chosen: older runs read the same
        out.update(models)
    if params.recurrent != "none":
        out["recurrent"] = params.recurrent
    for section in _SECTIONS:
        if section in _WRITTEN_WHEN and not _WRITTEN_WHEN[section](params):
            continue
        out[section] = {f.name: encode(getattr(getattr(params, section), f.name))
                        for f in dataclasses.fields(getattr(params, section))}
    if params.conn.input_layout == "one":  # written only when chosen: older runs hash the same
        del out["conn"]["input_layout"]
    if params.rstdp is not None:  # written only when present: older runs read the same
        out["rstdp"] = {f.name: encode(getattr(params.rstdp, f.name))
                        for f in dataclasses.fields(params.rstdp)}
    return out


def parameters_from_json(data: dict) -> NetworkParameters:
    def decode(value):
        if isinstance(value, dict) and set(value) == {"value", "unit"}:
            return value["value"] * UNIT_BY_NAME[value["unit"]]
        return value

    models = {k: data[k] for k in DEFAULT_MODELS if k in data}
    sections = {section: section_class(section, models)(
        **{k: decode(v) for k, v in data.get(section, {}).items()}) for section in _SECTIONS}
    if "rstdp" in data:
        from diehlsim.models.rstdp import RSTDPParameters

        sections["rstdp"] = RSTDPParameters(**{k: decode(v) for k, v in data["rstdp"].items()})
    return NetworkParameters(
        n_input=int(data["n_input"]), n_exc=int(data["n_exc"]), stdp_rule=data["stdp_rule"],
        stdp={k: decode(v) for k, v in data.get("stdp", {}).items()}, **models, **sections,
        recurrent=data.get("recurrent", "none"))
