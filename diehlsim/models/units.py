"""Small helpers for parameters with Brian2 units: dataclass defaults, the units a
parameter is written in, and numbers with units as the command line gives them."""

from __future__ import annotations

import re
from dataclasses import field

from brian2 import Hz, Quantity, mV, ms, second

from diehlsim.errors import ConfigurationError

UNIT_BY_NAME = {"ms": ms, "mV": mV, "Hz": Hz, "s": second, "1": 1}


def q(value: Quantity):
    """A dataclass field defaulting to a quantity (quantities are arrays: not hashable)."""
    return field(default_factory=lambda: value)


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
    if unit not in UNIT_BY_NAME:
        raise ConfigurationError(f"{what}: unknown unit {unit!r} in {text!r}; use ms, s, mV or Hz")
    return number * UNIT_BY_NAME[unit]



def unit_of(value: Quantity):
    for unit in (mV, ms, Hz):
        if value.dim == unit.dim:
            return unit
    return second if value.dim == second.dim else 1
