"""Parameters of the R-STDP decision layer (:mod:`diehlsim.models.rstdp`), with units."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from brian2 import Quantity, mV, ms
from brian2.units.fundamentalunits import have_same_dimensions

from diehlsim.errors import ConfigurationError
from diehlsim.models.units import q


@dataclass(frozen=True)
class RSTDPParameters:
    """The decision layer: output neurons, pair STDP, eligibility, reward scaling."""

    neurons_per_class: int = 1  # k
    n_classes: int = 10
    # Output neurons: leaky integrate-and-fire, a presynaptic spike raises v by w * w_psp.
    tau_m: Quantity = q(100 * ms)
    v_rest: Quantity = q(-65 * mV)
    v_reset: Quantity = q(-65 * mV)
    v_thresh: Quantity = q(-52 * mV)
    refractory: Quantity = q(5 * ms)
    w_psp: Quantity = q(12 * mV)  # chosen on a validation split (docs/readouts.md)
    # Pair windows and the eligibility decay (Izhikevich 2007: 20 ms, 20 ms, 1 s).
    tau_plus: Quantity = q(20 * ms)
    tau_minus: Quantity = q(20 * ms)
    tau_c: Quantity = q(1000 * ms)
    # Mozafari et al. (2018) learning rates as magnitudes: reward (a_r+, a_r-) and
    # punishment (a_p+, a_p-). Ten times their MNIST network's values (0.004, 0.003,
    # 0.0005, 0.004): this layer sees a few thousand images for a few epochs, not tens of
    # epochs of 60,000; chosen on a validation split (docs/readouts.md).
    a_r_plus: float = 0.04
    a_r_minus: float = 0.03
    a_p_plus: float = 0.005
    a_p_minus: float = 0.04
    # Reward x (adaptive_min + adaptive_int * miss rate), punishment x (... hit rate).
    adaptive_min: float = 0.2
    adaptive_int: float = 0.8
    # Presentations over which the running hit and miss rates average (Mozafari et al.
    # use the previous epoch; here an exponential running mean in generated code).
    rate_window: float = 500.0
    w_max: float = 1.0
    w_init_min: float = 0.4
    w_init_max: float = 0.6

    UNITS: ClassVar[dict] = {"tau_m": ms, "v_rest": mV, "v_reset": mV, "v_thresh": mV,
                             "refractory": ms, "w_psp": mV, "tau_plus": ms,
                             "tau_minus": ms, "tau_c": ms}

    @property
    def n_out(self) -> int:
        return self.neurons_per_class * self.n_classes


def parameters(**overrides) -> RSTDPParameters:
    """Checked parameters: units, ranges; ``overrides`` are field names."""
    fields = {f.name for f in dataclasses.fields(RSTDPParameters)}
    unknown = set(overrides) - fields
    if unknown:
        raise ConfigurationError(
            f"unknown R-STDP parameter(s) {sorted(unknown)}; known: {sorted(fields)}")
    params = RSTDPParameters(**overrides)
    check(params)
    return params


def check(p: RSTDPParameters) -> None:
    """Raise ConfigurationError naming a parameter with wrong units or out of range."""
    for name, unit in RSTDPParameters.UNITS.items():
        if not have_same_dimensions(getattr(p, name), unit):
            raise ConfigurationError(
                f"R-STDP parameter {name} = {getattr(p, name)!r} has the wrong units: give "
                f"it in {unit!s}, e.g. {name}=20{unit!s}")
    for name in ("tau_m", "tau_plus", "tau_minus", "tau_c", "w_psp", "w_max", "rate_window"):
        if not float(getattr(p, name)) > 0:
            raise ConfigurationError(f"R-STDP parameter {name} must be > 0, got "
                                     f"{getattr(p, name)!r}")
    for name in ("a_r_plus", "a_r_minus", "a_p_plus", "a_p_minus", "adaptive_min",
                 "adaptive_int", "w_init_min", "refractory"):
        if not float(getattr(p, name)) >= 0:
            raise ConfigurationError(
                f"R-STDP parameter {name} must be >= 0 (the rates are magnitudes; the "
                f"equations give the signs), got {getattr(p, name)!r}")
    for name in ("neurons_per_class", "n_classes"):
        if int(getattr(p, name)) != getattr(p, name) or getattr(p, name) < 1:
            raise ConfigurationError(f"R-STDP parameter {name} must be a whole number >= "
                                     f"1, got {getattr(p, name)!r}")
    if not p.w_init_min <= p.w_init_max <= p.w_max:
        raise ConfigurationError(
            f"R-STDP initial weights need w_init_min <= w_init_max <= w_max, got "
            f"{p.w_init_min}, {p.w_init_max}, {p.w_max}")
    if not p.v_reset < p.v_thresh:
        raise ConfigurationError(f"R-STDP v_reset ({p.v_reset}) must be below v_thresh "
                                 f"({p.v_thresh})")
