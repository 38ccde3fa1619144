"""An optional recurrent excitatory -> excitatory projection (SNNImageClassification's
"recurrence" ablation), off by default (``NetworkParameters.recurrent = "none"``).

``recurrent = "fixed"``: every excitatory neuron excites every other one (no autapse) by a
fixed conductance jump ``w_exc_exc`` (units of the leak, like every other weight here)
after ``delay``. The weights do not learn: the projection is an ablation of the lateral
structure (its own STDP would be a second learning problem, out of scope). All-to-all is
chosen over a random sparse pattern because standalone binaries re-run their connect code
in every chunk, and a pattern drawn from the chunk's seed would change from chunk to chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from brian2 import Quantity, Synapses, ms

from diehlsim.errors import ConfigurationError
from diehlsim.models.units import q

NAME = "exc_exc"
KINDS = ("none", "fixed")

# A spike of neuron i raises the excitatory conductance of every other neuron j.
ON_PRE = "ge_post += w_exc_exc  # conductance jump, in units of the leak"


@dataclass(frozen=True)
class RecurrentParameters:
    """Section ``rec``: read only when ``recurrent`` is not ``"none"``."""

    w_exc_exc: float = 0.1
    delay: Quantity = q(1 * ms)

    UNITS: ClassVar[dict] = {"delay": ms}
    RANGES: ClassVar[dict] = {"w_exc_exc": ">= 0", "delay": ">= 0"}


def check(params) -> None:
    """The kind is known, and ``rec`` is left at its defaults while the projection is off
    (values that would be silently ignored)."""
    if params.recurrent not in KINDS:
        raise ConfigurationError(f"recurrent = {params.recurrent!r} is unknown; choose one of "
                                 f"{', '.join(KINDS)}")
    if params.recurrent == "none" and params.rec != RecurrentParameters():
        raise ConfigurationError("rec.* parameters are set but the recurrent projection is off: "
                                 "add recurrent='fixed' (--recurrent fixed) or drop them")


def build(params, exc) -> list[Synapses]:
    """The projection of ``params.recurrent`` (none: no object)."""
    if params.recurrent == "none":
        return []
    rec = params.rec
    syn = Synapses(exc, exc, on_pre=ON_PRE, delay=rec.delay,
                   namespace={"w_exc_exc": rec.w_exc_exc}, name=NAME)
    syn.connect(condition="i != j")
    return [syn]
