"""Parameters of the Diehl & Cook (2015) network, with Brian2 units.

Every default is the value of the original code (``peter-u-diehl/stdp-mnist``,
``Diehl&Cook_spiking_MNIST.py``) unless its comment says otherwise. Change any of them
with :func:`dataclasses.replace` or the keyword arguments of :func:`default_parameters`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from brian2 import Hz, Quantity, have_same_dimensions, mV, ms, second
from brian2.units.fundamentalunits import DimensionMismatchError, fail_for_dimension_mismatch

from diehlsim.encoding import INPUT_TRANSFORMS as ENCODING_TRANSFORMS
from diehlsim.errors import ConfigurationError


def _q(value: Quantity):
    """A dataclass field defaulting to a quantity (quantities are arrays: not hashable)."""
    return field(default_factory=lambda: value)


@dataclass(frozen=True)
class ExcitatoryParameters:
    """Conductance-based LIF neurons with an adaptive threshold (layer 'Ae')."""

    tau_m: Quantity = _q(100 * ms)
    v_rest: Quantity = _q(-65 * mV)
    v_reset: Quantity = _q(-65 * mV)
    v_thresh: Quantity = _q(-52 * mV)
    E_exc: Quantity = _q(0 * mV)
    E_inh: Quantity = _q(-100 * mV)
    tau_ge: Quantity = _q(1 * ms)
    tau_gi: Quantity = _q(2 * ms)
    refractory: Quantity = _q(5 * ms)
    # Brian2 ports gate spikes with `dtimer/dt = 0.1` and `timer > 5 ms`: a 50 ms lockout.
    # The Brian 1 original has only the 5 ms refractory clamp (lockout = refractory).
    spike_lockout: Quantity = _q(5 * ms)
    # The threshold is v_thresh + theta - theta_offset; theta starts at theta_init.
    theta_init: Quantity = _q(20 * mV)
    theta_offset: Quantity = _q(20 * mV)
    theta_plus: Quantity = _q(0.05 * mV)
    tau_theta: Quantity = _q(1e7 * ms)
    # Initial membrane potential, relative to v_rest (the original starts at v_rest - 40 mV).
    v_init_offset: Quantity = _q(-40 * mV)


@dataclass(frozen=True)
class InhibitoryParameters:
    """Conductance-based LIF neurons that provide lateral inhibition (layer 'Ai')."""

    tau_m: Quantity = _q(10 * ms)
    v_rest: Quantity = _q(-60 * mV)
    v_reset: Quantity = _q(-45 * mV)
    v_thresh: Quantity = _q(-40 * mV)
    E_exc: Quantity = _q(0 * mV)
    E_inh: Quantity = _q(-85 * mV)
    tau_ge: Quantity = _q(1 * ms)
    tau_gi: Quantity = _q(2 * ms)
    refractory: Quantity = _q(2 * ms)
    v_init_offset: Quantity = _q(-40 * mV)


@dataclass(frozen=True)
class ConnectionParameters:
    """Weights and delays of the three projections (conductances in units of the leak)."""

    w_input_min: float = 0.003  # the original initial weights are U(0, 0.3) + 0.003
    w_input_max: float = 0.303
    w_max: float = 1.0
    delay_input_min: Quantity = _q(0 * ms)
    delay_input_max: Quantity = _q(10 * ms)
    w_exc_inh: float = 10.4
    w_inh_exc: float = 17.0
    # Column sum of every excitatory neuron's input weights at the start of each presentation.
    # 78 is the original's value for 784 inputs (0.1 per input); see normalisation_target().
    weight_sum: float = 78.0


@dataclass(frozen=True)
class ProtocolParameters:
    """Presentation protocol (run inside the generated code by the controller group)."""

    dt: Quantity = _q(0.5 * ms)
    presentation_time: Quantity = _q(350 * ms)
    rest_time: Quantity = _q(150 * ms)
    # rate = pixel / 8 * intensity, so intensity 2 gives at most 63.75 Hz.
    rate_per_pixel: Quantity = _q((1 / 8) * Hz)
    start_intensity: float = 2.0
    intensity_step: float = 1.0
    min_spikes: int = 5
    # The original loops until 5 spikes come; a cap keeps a silent network from stalling.
    # At intensity 2 + 20 = 22 (max 701 Hz per pixel) every trained network we saw responds.
    max_repeats: int = 20
    # How input spikes are drawn: "geometric" (one random number per spike) or "bernoulli"
    # (one per active pixel per step). Both are the same per-step Bernoulli process.
    input_generator: str = "geometric"
    # Numerical method of both layers. "exponential_euler": exact decays, but the membrane sees
    # each step's starting conductance for the whole step, which at dt/tau_ge = 0.5 gives 27 %
    # more synaptic charge per spike than the continuous model (13 % for gi). "euler": forward
    # Euler (Brian2's example; Brian 1's non-linear updater): ge halves per step, and the
    # charge per spike, dt * sum(ge), equals the continuous w * tau_ge. It learned far worse
    # here (65 % against 81 %, docs/results.md).
    integration: str = "exponential_euler"
    # Grey levels the rates are computed from: "none" (the pixels, as in the paper) or a
    # per-image contrast transform for dense natural images (encoding.INPUT_TRANSFORMS).
    input_transform: str = "none"
    # Factor on every STDP weight change, falling linearly over the training images from 1 at
    # the first to stdp_rate_final at the last (per chunk). 1 = a constant rate (the original).
    stdp_rate_final: float = 1.0

    @property
    def slot_time(self) -> Quantity:
        return self.presentation_time + self.rest_time


@dataclass(frozen=True)
class NetworkParameters:
    """Everything that defines a network, with units; the STDP rule is chosen by name."""

    n_input: int = 784
    n_exc: int = 100
    stdp_rule: str = "triplet"
    stdp: dict = field(default_factory=dict)  # overrides of the rule's own parameters
    exc: ExcitatoryParameters = field(default_factory=ExcitatoryParameters)
    inh: InhibitoryParameters = field(default_factory=InhibitoryParameters)
    conn: ConnectionParameters = field(default_factory=ConnectionParameters)
    protocol: ProtocolParameters = field(default_factory=ProtocolParameters)

    def normalisation_target(self) -> float:
        """Column sum of the input weights: ``weight_sum`` scaled by ``n_input / 784``.

        Keeping the mean weight per input synapse equal (0.0995) keeps the expected input
        conductance per presentation of a 32x32 image comparable to MNIST's; 1024 inputs
        give 101.9.
        """
        return self.conn.weight_sum * self.n_input / 784


# The sections of NetworkParameters: attribute name -> dataclass.
_SECTIONS = {"exc": ExcitatoryParameters, "inh": InhibitoryParameters,
             "conn": ConnectionParameters, "protocol": ProtocolParameters}

_UNITS = {
    ExcitatoryParameters: {
        "tau_m": ms, "v_rest": mV, "v_reset": mV, "v_thresh": mV, "E_exc": mV, "E_inh": mV,
        "tau_ge": ms, "tau_gi": ms, "refractory": ms, "spike_lockout": ms, "theta_init": mV,
        "theta_offset": mV, "theta_plus": mV, "tau_theta": ms, "v_init_offset": mV,
    },
    InhibitoryParameters: {
        "tau_m": ms, "v_rest": mV, "v_reset": mV, "v_thresh": mV, "E_exc": mV, "E_inh": mV,
        "tau_ge": ms, "tau_gi": ms, "refractory": ms, "v_init_offset": mV,
    },
    ConnectionParameters: {"delay_input_min": ms, "delay_input_max": ms},
    ProtocolParameters: {
        "dt": ms, "presentation_time": ms, "rest_time": ms, "rate_per_pixel": Hz,
    },
}


def check_units(params: NetworkParameters) -> None:
    """Raise ConfigurationError naming any parameter whose units are wrong or missing."""
    for section_name in _SECTIONS:
        section = getattr(params, section_name)
        for name, unit in _UNITS[type(section)].items():
            value = getattr(section, name)
            try:
                fail_for_dimension_mismatch(value, unit)
            except DimensionMismatchError:
                raise ConfigurationError(
                    f"parameter {section_name}.{name} = {value!r} has the wrong units: "
                    f"give it in units of {unit!s} (for example {float(1)} * {unit!s})"
                ) from None
    if params.n_exc <= 0:
        raise ConfigurationError(
            f"the number of excitatory neurons must be a positive integer, got {params.n_exc}"
        )
    if params.n_input <= 0:
        raise ConfigurationError(f"n_input must be a positive integer, got {params.n_input}")
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


INPUT_GENERATORS = ("geometric", "bernoulli")
INTEGRATIONS = ("exponential_euler", "euler")
INPUT_TRANSFORMS = tuple(ENCODING_TRANSFORMS)


def _whole(ratio) -> bool:
    """Whether a step count is whole up to rounding (50 ms + 25 ms is 75.00000000000001 ms)."""
    ratio = float(ratio)
    return abs(ratio - round(ratio)) <= 1e-9 * max(1.0, abs(ratio))


def default_parameters(n_exc: int = 100, n_input: int = 784, stdp_rule: str = "triplet",
                       **overrides) -> NetworkParameters:
    """The original parameters; ``overrides`` are ``section__name=value`` or top-level names.

    Example: ``default_parameters(400, exc__spike_lockout=50 * ms)``.
    """
    params = NetworkParameters(n_input=n_input, n_exc=n_exc, stdp_rule=stdp_rule)
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


_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]+)?\s*$")


def parse_quantity(text: str, what: str):
    """``"25ms"`` -> 25 * ms, ``"0.02"`` -> 0.02 (units: ms, s, mV, Hz); ``what`` names the
    option in the error."""
    match = _NUMBER.match(text)
    if match is None:
        raise ConfigurationError(
            f"{what}: {text!r} is not a number, optionally followed by a unit "
            f"(ms, s, mV or Hz), e.g. 25ms or 0.02")
    number, unit = float(match.group(1)), match.group(2)
    if unit is None:
        return number
    if unit not in _UNIT_BY_NAME:
        raise ConfigurationError(f"{what}: unknown unit {unit!r} in {text!r}; use ms, s, mV or Hz")
    return number * _UNIT_BY_NAME[unit]


def parse_parameter(assignment: str) -> tuple[str, object]:
    """``"conn.w_inh_exc=25"`` -> ``("conn__w_inh_exc", 25.0)``, a ``default_parameters``
    keyword. The value must match the type and units of the parameter's default."""
    what = f"--param {assignment!r}"
    target, sep, text = assignment.partition("=")
    section, dot, name = target.strip().partition(".")
    if not sep or not dot:
        raise ConfigurationError(
            f"{what} is not SECTION.NAME=VALUE, e.g. conn.w_inh_exc=25 or exc.theta_plus=0.1mV")
    if section not in _SECTIONS:
        raise ConfigurationError(
            f"{what}: unknown section {section!r}; choose one of {', '.join(_SECTIONS)}")
    defaults = _SECTIONS[section]()
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
                f"{what}: give {section}.{name} in units of {_unit_of(default)} "
                f"(its default is {default!r})")
        return key, value
    if isinstance(value, Quantity):
        raise ConfigurationError(f"{what}: {section}.{name} is a plain number, without units")
    if isinstance(default, int):
        if value != int(value):
            raise ConfigurationError(f"{what}: {section}.{name} must be a whole number")
        return key, int(value)
    return key, value


def parameters_to_json(params: NetworkParameters) -> dict:
    """A JSON-able description: quantities as ``{"value": float, "unit": str}``."""

    def encode(value):
        if isinstance(value, Quantity):
            return {"value": float(value / _unit_of(value)), "unit": str(_unit_of(value))}
        return value

    out = {"n_input": params.n_input, "n_exc": params.n_exc, "stdp_rule": params.stdp_rule,
           "stdp": {k: encode(v) for k, v in params.stdp.items()},
           "normalisation_target": params.normalisation_target()}
    for section in _SECTIONS:
        out[section] = {f.name: encode(getattr(getattr(params, section), f.name))
                        for f in dataclasses.fields(getattr(params, section))}
    return out


def parameters_from_json(data: dict) -> NetworkParameters:
    def decode(value):
        if isinstance(value, dict) and set(value) == {"value", "unit"}:
            return value["value"] * _UNIT_BY_NAME[value["unit"]]
        return value

    sections = {section: cls(**{k: decode(v) for k, v in data[section].items()})
                for section, cls in _SECTIONS.items()}
    return NetworkParameters(
        n_input=int(data["n_input"]), n_exc=int(data["n_exc"]), stdp_rule=data["stdp_rule"],
        stdp={k: decode(v) for k, v in data.get("stdp", {}).items()}, **sections)


_UNIT_BY_NAME = {"ms": ms, "mV": mV, "Hz": Hz, "s": second, "1": 1}


def _unit_of(value: Quantity):
    for unit in (mV, ms, Hz):
        if value.dim == unit.dim:
            return unit
    return second if value.dim == second.dim else 1
