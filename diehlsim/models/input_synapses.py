"""The input -> excitatory projection: all-to-all synapses with the learning rule's code
and the weight normalisation, held as one Synapses object (a delay per synapse) or as one
object per delay step (``conn.input_layout = "by-delay"``, :class:`InputSplit`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from brian2 import Synapses

from diehlsim.models import stdp

# Weight normalisation at the start of every presentation (only while learning), in three
# sweeps over the synapses per presentation rather than a (summed) variable every step.
# The factor is computed once per neuron, so the synapse sweep only multiplies.
NORMALISE_RESET = "colsum = 0"
NORMALISE_SUM = "colsum_post += w"
NORMALISE_FACTOR = (
    "colscale = 1 + learning * (weight_sum_target / (colsum + int(colsum == 0)) - 1)")
NORMALISE_SCALE = "w = w * colscale_post"

INPUT_SYNAPSES = "input_exc"
#: How the input -> excitatory synapses are held: ``one`` Synapses object with a delay per
#: synapse, or ``by-delay``: one object per delay step, each with one delay (docs/model.md).
INPUT_LAYOUTS = ("one", "by-delay")


@dataclass(frozen=True)
class InputSplit:
    """The input -> excitatory synapses held as one Synapses object per delay step.

    ``objects[k]`` holds the synapses whose delay rounds to ``steps[k]`` time steps, with
    that one delay; ``members[k]`` are their indices in the state table's order (synapse
    ``i * n_exc + j`` connects input i to neuron j), in the object's own synapse order.
    ``delays`` are the delays it was built for (seconds, n_input x n_exc): they are part of
    the compiled network, not a per-chunk value.
    """

    objects: tuple
    members: tuple
    steps: tuple
    delays: np.ndarray

    def scatter(self, flat) -> list:
        """A value per synapse in the table's order -> one array per object."""
        flat = np.ravel(flat)
        return [flat[m] for m in self.members]

    def gather(self, parts, dtype=float) -> np.ndarray:
        """One array per object -> the values in the table's order."""
        out = np.empty(sum(len(m) for m in self.members), dtype=dtype)
        for m, part in zip(self.members, parts):
            out[m] = part
        return out


def delay_steps(delays, dt) -> np.ndarray:
    """Each delay in whole time steps, rounded as Brian2's spike queue rounds it."""
    return np.floor(np.asarray(delays, dtype=float) / float(dt) + 0.5).astype(np.int64)


def _summing_codeobj_class():
    """Code object class for a Synapses ``run_regularly`` that adds into the postsynaptic
    neuron (``colsum_post += w`` over all synapses).

    Neither device's template for it guards the additions: brian2cuda runs it one thread
    per synapse without atomics (unlike its on_pre/on_post code), and cpp_standalone with
    OpenMP shares the synapses between the threads, so the synapses of one neuron race on
    its sum and additions are lost. On cuda_standalone brian2cuda's atomics code object makes
    them atomic; on cpp_standalone with more than one OpenMP thread a code object with
    diehlsim's one-thread template (``models/templates/stateupdate.cpp``) runs the loop; any
    other device keeps its default (``None``), and so builds the same code as before.
    """
    from brian2 import get_device, prefs

    device_kind = type(get_device()).__name__
    if device_kind == "CUDAStandaloneDevice":
        from brian2cuda.codeobject import CUDAStandaloneAtomicsCodeObject

        return CUDAStandaloneAtomicsCodeObject
    if device_kind == "CPPStandaloneDevice" and prefs.devices.cpp_standalone.openmp_threads > 1:
        return _one_thread_codeobj_class()
    return None


@functools.cache
def _one_thread_codeobj_class():
    from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

    class OneThreadCodeObject(CPPStandaloneCodeObject):
        """cpp_standalone code whose ``stateupdate`` loop runs on one OpenMP thread."""

        templater = CPPStandaloneCodeObject.templater.derive("diehlsim.models")

    return OneThreadCodeObject


def _event_codeobj_class():
    """Code object class of the input synapses: on cpp_standalone, Brian2's with the event
    code of ``templates/prefetch/synapses.cpp`` (its other templates are Brian2's), whose
    prefetch the device layer switches on at compile time; elsewhere the device's default.
    The results are the same with and without it: a prefetch changes no value."""
    from brian2 import get_device

    if type(get_device()).__name__ == "CPPStandaloneDevice":
        return _prefetch_codeobj_class()
    return None


@functools.cache
def _prefetch_codeobj_class():
    from brian2.devices.cpp_standalone.codeobject import CPPStandaloneCodeObject

    class PrefetchCodeObject(CPPStandaloneCodeObject):
        """cpp_standalone code whose synaptic event loop prefetches ahead."""

        templater = CPPStandaloneCodeObject.templater.derive(
            "diehlsim.models", templates_dir="templates/prefetch")

    return PrefetchCodeObject


def input_synapses(params, inputs, exc, rule, rule_params) -> Synapses:
    """All-to-all input -> excitatory synapses with the rule's updates and the weight
    normalisation before every presentation."""
    syn = _input_object(params, inputs, exc, rule, rule_params, INPUT_SYNAPSES)
    syn.connect()  # all-to-all; synapse k connects input k // n_exc to neuron k % n_exc
    _start_traces(params, syn)
    _normalisation(params, exc, {"": syn})
    return syn


def input_synapses_by_delay(params, inputs, exc, rule, rule_params, delays) -> InputSplit:
    """The same synapses, updates and normalisation as :func:`input_synapses`, held as one
    Synapses object per delay step: each object's synapses share one (homogeneous) delay,
    so Brian2 queues a spike's synapses of one object as one block, and they lie side by
    side in memory. Every synapse keeps its own delay, rounded to steps as Brian2 rounds a
    per-synapse delay."""
    dt = params.protocol.dt
    steps = delay_steps(np.asarray(delays, dtype=float).reshape(params.n_input, params.n_exc),
                        dt).ravel()
    objects, members, used = [], [], []
    for step in np.unique(steps):
        mine = np.flatnonzero(steps == step)  # ascending: input-major, as connect() orders
        syn = _input_object(params, inputs, exc, rule, rule_params,
                            f"{INPUT_SYNAPSES}_d{step}", delay=step * dt)
        syn.connect(i=mine // params.n_exc, j=mine % params.n_exc)
        _start_traces(params, syn)
        objects.append(syn)
        members.append(mine)
        used.append(int(step))
    _normalisation(params, exc, {f"_d{step}": syn for step, syn in zip(used, objects)})
    return InputSplit(tuple(objects), tuple(members), tuple(used),
                      np.asarray(delays, dtype=float).reshape(params.n_input, params.n_exc))


def _input_object(params, inputs, exc, rule, rule_params, name, delay=None) -> Synapses:
    """One Synapses object of input -> excitatory synapses with the rule's code."""
    namespace = {**rule_params, "w_max": params.conn.w_max}
    on_pre = stdp.SYNAPSE_ON_PRE + rule.pre_code()
    if rule.learn_before_transmit:
        on_pre = rule.pre_code() + stdp.SYNAPSE_ON_PRE
    extra = {} if delay is None else {"delay": delay}
    return Synapses(inputs, exc, model=stdp.SYNAPSE, on_pre=on_pre, on_post=rule.post_code(),
                    namespace=namespace, name=name, codeobj_class=_event_codeobj_class(),
                    **extra)


def _start_traces(params, syn) -> None:
    syn.lastpre = -1e12  # "no arrival yet": x_pre = 0
    if params.protocol.reset_each_image:  # the presynaptic traces start each image at 0
        syn.run_regularly("lastpre = -1e12", dt=params.protocol.slot_time, when="start",
                          order=-1, name=f"{syn.name}_reset_image")


def _normalisation(params, exc, objects: dict) -> None:
    """Column sums over every input object (``{name suffix: Synapses}``), one factor per
    neuron, then each object's weights scaled by it, at the start of every slot."""
    slot = params.protocol.slot_time
    exc.run_regularly(NORMALISE_RESET, dt=slot, when="start", order=1,
                      name="normalise_reset")
    for suffix, syn in objects.items():
        syn.run_regularly(NORMALISE_SUM, dt=slot, when="start", order=2,
                          name=f"normalise_sum{suffix}", codeobj_class=_summing_codeobj_class())
    exc.run_regularly(NORMALISE_FACTOR, dt=slot, when="start", order=3,
                      name="normalise_factor")
    for suffix, syn in objects.items():
        syn.run_regularly(NORMALISE_SCALE, dt=slot, when="start", order=4,
                          name=f"normalise_scale{suffix}")
