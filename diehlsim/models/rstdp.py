"""A reward-modulated STDP decision layer on the excitatory layer (issue 21, item 3).

``k`` output neurons per class (:attr:`RSTDPParameters.neurons_per_class`), fully
connected from the excitatory layer, learn with R-STDP after Izhikevich (2007) and
Mozafari et al. (2018), all in generated code:

* **Eligibility.** Each synapse sums its STDP pairings (all-to-all, exponential pair
  windows ``tau_plus``/``tau_minus``) into two traces that decay with ``tau_c``: ``c_ltp``
  (pre before post) and ``c_ltd`` (post before pre). They are cleared at every slot start,
  so a reward credits only the pairings of its own presentation.
* **Decision.** The first output neuron to fire in the presentation window (Mozafari et
  al.'s earliest spike; Brian2 has no maximum over neurons, so "most active" could not be
  decided in generated code). Its class is ``neuron // k``. Neurons that fire in the same
  step go to the lowest index on the C++ devices; on CUDA any of them may win.
* **Reward.** At the presentation's end the controller compares the decision with the
  label (a run-time ``TimedArray``, like the images): reward ``+1`` when right, ``-1``
  when wrong, nothing when no output neuron fired. As in Mozafari et al. the reward is
  scaled by the running miss rate and the punishment by the running hit rate
  (``adaptive_min + adaptive_int * rate``), and only the deciding neuron's synapses
  change: ``dw = r * c`` with ``c = a_r_plus c_ltp - a_r_minus c_ltd`` for a reward and
  ``c = a_p_minus c_ltp - a_p_plus c_ltd`` for a punishment (so a punished causal pairing
  is depressed, an anti-causal one potentiated), ``w`` clipped to ``[0, w_max]``. Every
  presentation is rewarded, a re-presentation of a weak image included.

The reward reaches the synapses through two events: the controller's presentation-end
spike crosses the ``rstdp_reward`` synapses one step later and sets ``r`` of the deciding
neuron; the step after, that neuron's ``rewarded`` event runs the synapses' reward pathway.
Pairings in those two steps (1 ms of the rest) still count.

Learning is gated by the output group's ``learning`` flag, set per chunk: the same compiled
project trains the layer (on a frozen excitatory layer) and tests it.
"""

from __future__ import annotations

import numpy as np
from brian2 import NeuronGroup, SpikeMonitor, Synapses, TimedArray, second

from diehlsim.errors import ConfigurationError
from diehlsim.models import controller
from diehlsim.models.components import section_namespace
from diehlsim.models.rstdp_parameters import RSTDPParameters, check, parameters
from diehlsim.models.state import ONE, StateVariable, constant, setting

__all__ = ["RSTDPParameters", "build", "check", "parameters", "state", "chunk_settings",
           "initial_rows", "controller_extension", "labels_array", "output_group",
           "plastic_synapses"]

OUTPUT, SYNAPSES_NAME, LABELS = "rstdp_out", "rstdp_syn", "rstdp_labels"


# -- equations ----------------------------------------------------------------------------
OUTPUT_EQUATIONS = """
dv/dt = (v_rest - v) / tau_m : volt (unless refractory)  # membrane potential
r : 1  # reward for this neuron's synapses (+-scale; 0: none), set at a presentation's end
learning : 1 (shared)  # 1 while the decision layer learns, 0 while it is tested
neuron : integer (constant)  # this neuron's index (its class is neuron // k)
"""
OUTPUT_SLOT_START = "v = v_rest"  # every presentation's race starts level

SYNAPSE = """
w : 1  # weight: a presynaptic spike raises v_post by w * w_psp
dapre/dt = -apre / tau_plus : 1 (event-driven)  # sum of exp(-(t - t_pre)/tau_plus)
dapost/dt = -apost / tau_minus : 1 (event-driven)  # sum of exp(-(t - t_post)/tau_minus)
dc_ltp/dt = -c_ltp / tau_c : 1 (event-driven)  # eligibility: pre-before-post pairings
dc_ltd/dt = -c_ltd / tau_c : 1 (event-driven)  # eligibility: post-before-pre pairings
"""
ON_PRE = """
v_post += w * w_psp
apre += 1
c_ltd += apost  # this pre spike pairs with every earlier post spike
"""
ON_POST = """
apost += 1
c_ltp += apre  # this post spike pairs with every earlier pre spike
"""
# dw = r * c, where c is the eligibility as a reward (r > 0) or a punishment (r < 0) sees it
ON_REWARD = """
w = clip(w + r_post * (int(r_post > 0) * (a_r_plus * c_ltp - a_r_minus * c_ltd) + int(r_post < 0) * (a_p_minus * c_ltp - a_p_plus * c_ltd)), 0, w_max)
"""
CLEAR = """
c_ltp = 0
c_ltd = 0
apre = 0
apost = 0
"""

# The first output neuron to fire while the image is on becomes the decision.
# An assignment, not +=: where two neurons fire in the same step and the device runs them
# in parallel (CUDA), one of them wins instead of a sum of both.
ON_DECISION = ("rstdp_winner_post = rstdp_winner_post + int(rstdp_winner_post < 0 and "
               "input_on_post > 0) * (neuron_pre - rstdp_winner_post)")

CONTROLLER_EQUATIONS = """
rstdp_winner : integer  # first output neuron to fire in this presentation (-1: none yet)
rstdp_decided : integer  # the decision of the presentation that just ended (-1: none)
rstdp_label : integer  # the label of the image presented (-1: no image)
rstdp_reward : 1  # +1 right, -1 wrong, 0 undecided, times the adaptive scale
rstdp_hit_rate : 1  # running fraction of presentations decided right
rstdp_miss_rate : 1  # running fraction of presentations decided wrong
"""
# Run at the presentation's end, before the controller moves on to the next image. The
# running rates count only labelled presentations (a test pass gives no labels).
CONTROLLER_DECIDE = """
rstdp_decided = rstdp_winner
rstdp_winner = -1
rstdp_label = int(rstdp_labels(image_index * second) + 0.5) - 1
hit = int(rstdp_decided >= 0 and rstdp_label >= 0) * int(rstdp_decided // k_per_class == rstdp_label)
miss = int(rstdp_decided >= 0 and rstdp_label >= 0) - hit
rstdp_reward = hit * (adaptive_min + adaptive_int * rstdp_miss_rate) - miss * (adaptive_min + adaptive_int * rstdp_hit_rate)
rstdp_hit_rate += int(rstdp_label >= 0) * (hit - rstdp_hit_rate) / rate_window
rstdp_miss_rate += int(rstdp_label >= 0) * (miss - rstdp_miss_rate) / rate_window
"""
# The presentation-end spike carries the reward to the deciding neuron only.
ON_REWARD_SIGNAL = ("r_post = learning_post * rstdp_reward_pre * "
                    "int(neuron_post == rstdp_decided_pre)")


def labels_array(capacity: int) -> TimedArray:
    """Label + 1 of each slot's image (0: none), set per chunk like the stimulus."""
    return TimedArray(np.zeros(capacity), dt=1 * second, name=LABELS)


def controller_extension(p: RSTDPParameters, labels: TimedArray) -> controller.Extension:
    return controller.Extension(CONTROLLER_EQUATIONS, CONTROLLER_DECIDE, {
        "rstdp_labels": labels, "k_per_class": int(p.neurons_per_class),
        "adaptive_min": p.adaptive_min, "adaptive_int": p.adaptive_int,
        "rate_window": float(p.rate_window)})


def output_group(p: RSTDPParameters, slot) -> NeuronGroup:
    """The output neurons; each slot (of duration ``slot``) starts them at rest."""
    out = NeuronGroup(p.n_out, OUTPUT_EQUATIONS, threshold="v > v_thresh",
                      reset="v = v_reset", refractory=p.refractory, method="exact",
                      events={"rewarded": "r != 0"}, namespace=section_namespace(p),
                      name=OUTPUT)
    out.v = p.v_rest
    out.neuron = np.arange(p.n_out)
    out.run_on_event("rewarded", "r = 0")
    out.run_regularly(OUTPUT_SLOT_START, dt=slot, when="start", order=-1,
                      name="rstdp_out_slot_start")
    return out


def plastic_synapses(p: RSTDPParameters, source, out: NeuronGroup, slot) -> Synapses:
    """All-to-all ``source`` -> output synapses with eligibility, cleared every slot."""
    syn = Synapses(source, out, model=SYNAPSE, on_pre={"pre": ON_PRE},
                   on_post={"post": ON_POST, "reward": ON_REWARD},
                   on_event={"pre": "spike", "post": "spike", "reward": "rewarded"},
                   namespace=section_namespace(p), name=SYNAPSES_NAME)
    syn.connect()  # synapse k: source neuron k // n_out -> output neuron k % n_out
    syn.run_regularly(CLEAR, dt=slot, when="start", order=-1, name="rstdp_clear")
    return syn


def build(params, control: NeuronGroup, exc: NeuronGroup) -> dict:
    """The output group, its synapses from ``exc``, the decision and reward links to the
    controller (built with :func:`controller_extension`) and the decision monitor."""
    p = params.rstdp
    slot = params.protocol.slot_time
    out = output_group(p, slot)
    syn = plastic_synapses(p, exc, out, slot)
    control.rstdp_winner = -1  # none yet (an integer starts at 0, a neuron's index)
    control.rstdp_decided = -1
    decision = Synapses(out, control, on_pre=ON_DECISION, name="rstdp_decision")
    decision.connect()
    signal = Synapses(control, out, on_pre=ON_REWARD_SIGNAL, name="rstdp_reward")
    signal.connect()
    # After the controller's reset (order 2), which computes the reward.
    decisions = SpikeMonitor(control, variables=["rstdp_decided", "rstdp_label",
                                                 "rstdp_reward"],
                             when="after_synapses", order=3, name="rstdp_decisions")
    return {"out": out, "syn": syn, "decision": decision, "signal": signal,
            "decisions": decisions}


def state(params) -> list[StateVariable]:
    """Settings (labels, learning flag) and carried state (weights, running rates)."""
    p = params.rstdp

    def uniform(prm, rng, shape):
        return rng.uniform(p.w_init_min, p.w_init_max, size=shape)

    chance = 1.0 / p.n_classes
    return [
        setting(LABELS, "values", "label + 1 of each slot's image (0: no image)"),
        setting(OUTPUT, "learning", "1 while the decision layer learns (R-STDP), else 0"),
        StateVariable(SYNAPSES_NAME, "w", 1, "excitatory -> decision-layer weights, synapse "
                      "k = neuron k // n_out to output k % n_out (row-major n_exc x n_out)",
                      key="rstdp_weights", shape=(params.n_exc, p.n_out), initial=uniform),
        # Mozafari et al. start from chance: hits 1/classes, misses the rest
        StateVariable(controller.GROUP, "rstdp_hit_rate", 1, "running hit rate of the "
                      "decision layer", key="rstdp_hit_rate", shape=ONE,
                      initial=constant(chance)),
        StateVariable(controller.GROUP, "rstdp_miss_rate", 1, "running miss rate of the "
                      "decision layer", key="rstdp_miss_rate", shape=ONE,
                      initial=constant(1 - chance)),
    ]


def chunk_settings(labels, learning: bool, capacity: int) -> dict:
    """The run-time settings of one chunk: ``labels`` of its images (None: none given)."""
    values = np.zeros(capacity)
    if labels is not None:
        labels = np.asarray(labels)
        if len(labels) > capacity or (len(labels) and labels.min() < 0):
            raise ConfigurationError(
                f"a chunk's labels must be at most {capacity} classes >= 0, got "
                f"{len(labels)} with minimum {labels.min() if len(labels) else None}")
        values[: len(labels)] = labels + 1
    return {f"{LABELS}.values": values, f"{OUTPUT}.learning": float(learning)}


def initial_rows(params, seed: int) -> dict:
    """The decision layer's carried state from ``seed`` (for a network trained without it)."""
    rng = np.random.default_rng(seed)
    out = {}
    for row in state(params):
        if row.carried:
            shape = row.shape if isinstance(row.shape, tuple) else ()
            value = row.initial(params, rng, shape)
            out[row.key] = row.dtype(value) if row.shape == ONE else value
    return out
