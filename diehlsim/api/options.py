"""Model choices as the command line gives them, turned into checked parameter overrides."""

from __future__ import annotations

import numpy as np
from brian2 import have_same_dimensions, ms

from diehlsim.devices import default_input_layout
from diehlsim.errors import ConfigurationError
from diehlsim.models import components, monitors
from diehlsim.models.network import state_table
from diehlsim.models.parameters import parse_parameter, parse_quantity
from diehlsim.models.stdp import get_rule


def stdp_parameters(rule: str, assignments: list[str]) -> dict:
    """``["nu_post=0.02", "tau_pre=25ms"]`` -> overrides of ``rule``'s parameters, checked."""
    values = {}
    for text in assignments:
        name, sep, value = text.partition("=")
        if not name.strip() or not sep:
            raise ConfigurationError(
                f"--stdp-param {text!r} is not NAME=VALUE with a number (and ms or s for a "
                f"time constant), e.g. nu_post=0.02 or tau_pre=25ms")
        values[name.strip()] = parse_quantity(value, f"--stdp-param {text!r}")
    chosen = get_rule(rule)
    chosen.parameters(values)  # unknown names fail here, naming the rule's own
    for name, value in values.items():
        if not have_same_dimensions(value, chosen.defaults[name]):
            raise ConfigurationError(
                f"--stdp-param {name}: give it in the units of its default "
                f"({chosen.defaults[name]!r}): a plain number, or a number with ms or s for a "
                f"time constant")
    return values


def model_overrides(stdp_rule: str = "triplet", *, stdp_params=(), lockout_ms=None,
                    integration=None, input_transform=None, stdp_rate_final=None,
                    params=(), excitatory_model=None, inhibitory_model=None,
                    input_model=None, recurrent=None) -> dict:
    """Parameter overrides (``default_parameters`` keywords) for the model options of
    ``diehlsim train`` and ``diehlsim build``: the components by name (None: the default
    one), and ``params``, ``SECTION.NAME=VALUE`` texts checked against the parameters of
    the chosen components."""
    models = {k: v for k, v in (("excitatory_model", excitatory_model),
                                ("inhibitory_model", inhibitory_model),
                                ("input_model", input_model)) if v is not None}
    for option, name in models.items():
        components.get(option.removesuffix("_model"), name)  # unknown: fails, naming the known
    overrides = dict(models)
    if recurrent is not None:
        overrides["recurrent"] = recurrent
    if stdp_params:
        overrides["stdp"] = stdp_parameters(stdp_rule, stdp_params)
    if lockout_ms is not None:
        overrides["exc__spike_lockout"] = lockout_ms * ms
    if integration is not None:
        overrides["protocol__integration"] = integration
    if input_transform is not None:
        overrides["protocol__input_transform"] = input_transform
    if stdp_rate_final is not None:
        overrides["protocol__stdp_rate_final"] = stdp_rate_final
    for assignment in params:
        key, value = parse_parameter(assignment, models)
        if key in overrides:
            raise ConfigurationError(
                f"--param {assignment!r} sets {key.replace('__', '.')}, which another option "
                f"(or an earlier --param) already sets; give it once")
        overrides[key] = value
    return overrides


LAYOUT_OVERRIDE = "conn__input_layout"


def with_default_layout(overrides: dict | None, n_exc, device: str) -> dict:
    """``overrides`` with the size's and device's default input layout
    (:func:`diehlsim.devices.default_input_layout`) when they choose none. The default
    ``one`` adds nothing, so the configurations of such runs stay as they were."""
    overrides = dict(overrides or {})
    if LAYOUT_OVERRIDE not in overrides:
        layout = default_input_layout(n_exc, device)
        if layout != "one":
            overrides[LAYOUT_OVERRIDE] = layout
    return overrides


def parse_indices(value, option: str) -> tuple[int, ...]:
    """``"0-4"``, ``"0,3,7-9"``, an int or a sequence of ints -> sorted distinct indices
    >= 0; anything else fails naming ``option`` and the accepted form."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = [int(value)]
    parts = ([p.strip() for p in value.split(",")] if isinstance(value, str)
             else list(value))
    indices = set()
    for part in parts:
        indices.update(_index_part(part, option))
    if not indices:
        raise ConfigurationError(f"{option} is empty; give indices like 0-4 or 0,2,5-7")
    return tuple(sorted(indices))


def _index_part(part, option: str) -> range:
    bad = ConfigurationError(
        f"{option} {part!r} is not an index range: give whole numbers >= 0 like 3, 0-4 or "
        f"0,2,5-7 (first-last, both included)")
    if isinstance(part, (int, np.integer)) and not isinstance(part, bool):
        if part < 0:
            raise bad
        return range(int(part), int(part) + 1)
    if not isinstance(part, str):
        raise bad
    first, dash, last = part.partition("-")
    if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
        raise bad
    low, high = int(first), int(last) if dash else int(first)
    if high < low:
        raise ConfigurationError(f"{option} {part!r} runs backwards: write {high}-{low}")
    return range(low, high + 1)


def monitor_request(params, monitor=None, neurons=None,
                    presentations=None) -> monitors.MonitorRequest | None:
    """``--monitor exc.v,exc.ge --monitor-neurons 0-4 --monitor-presentations 0-9`` (or
    the same as sequences) -> a checked :class:`~diehlsim.models.monitors.MonitorRequest`
    for the network ``params``; None when no variable is monitored. Neurons and
    presentations default to 0."""
    if monitor is None or monitor == "" or (not isinstance(monitor, str) and not monitor):
        for option, value in (("--monitor-neurons", neurons),
                              ("--monitor-presentations", presentations)):
            if value is not None:
                raise ConfigurationError(f"{option} needs --monitor (the variables to "
                                         f"record), e.g. --monitor exc.v,exc.ge")
        return None
    names = monitor.split(",") if isinstance(monitor, str) else list(monitor)
    request = monitors.MonitorRequest(
        variables=tuple(str(n).strip() for n in names),
        neurons=parse_indices(0 if neurons is None else neurons, "--monitor-neurons"),
        presentations=parse_indices(0 if presentations is None else presentations,
                                    "--monitor-presentations"))
    monitors.check(request, state_table(params), params.n_exc)
    return request
