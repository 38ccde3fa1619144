"""STDP rules for the input -> excitatory weights, selectable by name.

All rules use nearest-spike traces (a trace is set to 1 on a spike, not incremented) and
clip ``w`` to ``[0, w_max]``. Trace storage is chosen for speed without changing the maths:

* ``x_pre`` (per synapse, because input delays differ per synapse) is computed on demand
  from the time step of the last presynaptic *arrival*, ``exp(-(now - last)*dt/tau_pre)``:
  identical to an event-driven trace that is set to 1 on arrival, but an arrival costs a
  store instead of two exponentials.
* ``post1``/``post2`` depend only on the postsynaptic neuron (no delay on that side), so
  they live in the excitatory group. The pre/post pathways run before the group's reset,
  so ``post2_post`` in ``on_post`` is the value just *before* the spike ("post2before").

Learning is gated by the excitatory group's shared ``learning`` flag (0 while labelling
and testing), so the same compiled code trains and tests. Every weight change is also scaled
by the group's shared ``stdp_rate`` (1 in the original; set per chunk from the training
schedule, ``protocol.stdp_rate_final``).
"""

from __future__ import annotations

from dataclasses import dataclass

from brian2 import ms

from diehlsim.errors import ConfigurationError
from diehlsim.models import components

# Input -> excitatory synapses. xpre is the nearest-spike presynaptic trace at the synapse
# (arrival after the delay), computed from the absolute time step of the last arrival.
SYNAPSE = """
w : 1  # weight: the jump of the target's ge on an arrival
lastpre : 1  # absolute time step of the last presynaptic arrival
step_offset : 1 (shared)  # absolute time step at which this run started
xpre = exp(-(t_in_timesteps + step_offset - lastpre) * dt / tau_pre) : 1
"""
SYNAPSE_ON_PRE = """
ge_post += w
lastpre = t_in_timesteps + step_offset
"""

CLIP = "w = clip(w + learning_post * stdp_rate_post * ({dw}), 0, w_max)"


@dataclass(frozen=True)
class STDPRule:
    name: str
    description: str
    defaults: dict  # parameter -> default value (with units where they have them)
    sources: dict  # parameter -> where the default comes from
    on_pre: str  # weight change on a presynaptic arrival ('' for none)
    on_post: str  # weight change on a postsynaptic spike
    # Apply the on_pre change before the arrival is transmitted (BindsNET: a spike's current
    # reaches the target one step later, through the weight after that step's update).
    learn_before_transmit: bool = False

    def parameters(self, overrides: dict | None = None) -> dict:
        overrides = dict(overrides or {})
        unknown = set(overrides) - set(self.defaults)
        if unknown:
            raise ConfigurationError(
                f"unknown parameter(s) {sorted(unknown)} for STDP rule {self.name!r}; "
                f"it takes {sorted(self.defaults)}"
            )
        return {**self.defaults, **overrides}

    def pre_code(self) -> str:
        return CLIP.format(dw=self.on_pre) if self.on_pre else ""

    def post_code(self) -> str:
        return CLIP.format(dw=self.on_post)


_TRACE_TAUS = {"tau_pre": 20 * ms, "tau_post1": 20 * ms, "tau_post2": 40 * ms}
_TRACE_SOURCES = {
    "tau_pre": "original code tc_pre_ee = 20 ms",
    "tau_post1": "original code tc_post_1_ee = 20 ms",
    "tau_post2": "original code tc_post_2_ee = 40 ms",
}

# The weight dependence sees w clipped to [0, w_max]. The normalisation before each
# presentation can scale a weight above w_max, and (w_max - w)**mu of a negative base is NaN:
# it would spread through the column sums to every weight. A weight at or above w_max has no
# room left to grow, as the clip of the update says anyway.
W_IN_RANGE = "clip(w, 0, w_max)"

RULES = {
    "triplet": STDPRule(
        name="triplet",
        description="The rule the original code runs: depression on pre (by post1), "
        "potentiation on post (by pre * post2 before the spike).",
        defaults={"nu_pre": 1e-4, "nu_post": 1e-2, **_TRACE_TAUS},
        sources={"nu_pre": "original code nu_ee_pre = 0.0001",
                 "nu_post": "original code nu_ee_post = 0.01", **_TRACE_SOURCES},
        on_pre="-nu_pre * post1_post",
        on_post="nu_post * xpre * post2_post",
    ),
    "power-law": STDPRule(
        name="power-law",
        description="Paper Eq. 3: dw = eta (xpre - x_tar)(w_max - w)^mu on each post spike.",
        defaults={"eta": 0.01, "x_tar": 0.4, "mu": 0.2, **_TRACE_TAUS},
        sources={"eta": "original code nu_ee_post = 0.01",
                 "x_tar": "original code STDP_offset = 0.4 (defined, unused)",
                 "mu": "original code exp_ee_post = 0.2 (defined, unused)", **_TRACE_SOURCES},
        on_pre="",
        on_post=f"eta * (xpre - x_tar) * (w_max - {W_IN_RANGE})**mu",
    ),
    "exponential": STDPRule(
        name="exponential",
        description="Paper Eq. 4: dw = eta_post (x_pre exp(-beta w) - x_tar exp(-beta (w_max - w))).",
        defaults={"eta_post": 0.01, "x_tar": 0.4, "beta": 1.0, **_TRACE_TAUS},
        sources={"eta_post": "original code nu_ee_post = 0.01",
                 "x_tar": "original code STDP_offset = 0.4",
                 "beta": "not given in the paper or the code; 1.0 is our choice", **_TRACE_SOURCES},
        on_pre="",
        on_post="eta_post * (xpre * exp(-beta * w) - x_tar * exp(-beta * (w_max - w)))",
    ),
    "pre-post": STDPRule(
        name="pre-post",
        description="Paper Eq. 5-6: depression on pre by the post trace (weight-dependent), "
        "power-law potentiation on post.",
        defaults={"eta_pre": 1e-4, "eta_post": 0.01, "x_tar": 0.4, "mu": 0.2, **_TRACE_TAUS},
        sources={"eta_pre": "original code nu_ee_pre = 0.0001",
                 "eta_post": "original code nu_ee_post = 0.01",
                 "x_tar": "original code STDP_offset = 0.4",
                 "mu": "original code exp_ee_pre = exp_ee_post = 0.2", **_TRACE_SOURCES},
        on_pre=f"-eta_pre * post1_post * {W_IN_RANGE}**mu",
        on_post=f"eta_post * (xpre - x_tar) * (w_max - {W_IN_RANGE})**mu",
    ),
    "bindsnet-postpre": STDPRule(
        name="bindsnet-postpre",
        description="BindsNET PostPre (Capozzi et al. 2023): depression by nu_pre * the post "
        "trace on a pre spike, potentiation by nu_post * the pre trace on a post spike; "
        "nearest-spike traces, clipped to [0, w_max].",
        defaults={"nu_pre": 1e-4, "nu_post": 1e-2, "tau_pre": 20 * ms, "tau_post1": 20 * ms,
                  "tau_post2": 20 * ms},
        sources={"nu_pre": "BindsNET DiehlAndCook2015 nu=(1e-4, 1e-2)",
                 "nu_post": "BindsNET DiehlAndCook2015 nu=(1e-4, 1e-2)",
                 "tau_pre": "BindsNET Input(tc_trace=20.0)",
                 "tau_post1": "BindsNET DiehlAndCookNodes(tc_trace=20.0)",
                 "tau_post2": "unused by the rule (the layer keeps the trace)"},
        on_pre="-nu_pre * post1_post",
        on_post="nu_post * xpre",
        learn_before_transmit=True,
    ),
}


for _rule in RULES.values():
    components.register("plasticity", _rule)


def get_rule(name: str) -> STDPRule:
    """A registered learning rule (the built-in :data:`RULES` or one registered later)."""
    return components.get("plasticity", name)


def rule_names() -> list[str]:
    return components.names("plasticity")
