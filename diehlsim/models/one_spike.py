"""At most one spike per time step in a layer, chosen at random among the neurons that
crossed the threshold (BindsNET ``DiehlAndCookNodes(one_spike=True)``: ``torch.multinomial``
over the crossing neurons, all equally likely).

In generated code: every neuron that crossed draws a key in (1, 2), the others 0; all-to-all
synapses between the layer's neurons (i != j) count, for each neuron, the keys above its
own; the neuron that crossed with no higher key is the one that spikes. That is a uniform
choice among those that crossed (two equal keys have probability 0). The synapses are made
from explicit index arrays, which every device (brian2cuda's nvcc included) builds.
"""

from __future__ import annotations

import numpy as np
from brian2 import Synapses

from diehlsim.models import components
from diehlsim.models.input_synapses import _summing_codeobj_class

# Added to the layer's equations; the layer sets ``crossed`` (1 where v reached the
# threshold) before these run, and reads ``n_higher`` after them.
EQUATIONS = """
key : 1  # random key of a neuron that crossed this step, 0 for the others
n_higher : 1  # neurons that crossed with a higher key (0: this one spikes, if it crossed)
"""
DRAW = """
key = crossed * (1 + rand())  # in (1, 2) where crossed, else 0
n_higher = 0  # counted afresh every step
"""
COUNT = "n_higher_post += int(key_pre > key_post)"
SYNAPSES = "one_spike"


def pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair ``(i, j)`` of distinct neurons of an ``n``-neuron layer."""
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    return i, j


def attach(group, order: int) -> Synapses | None:
    """Add the draw (``order``) and the count (``order + 1``) to ``group``'s step, before its
    thresholds; the layer's own code at ``order + 2`` or later reads ``n_higher``."""
    group.run_regularly(DRAW, when="before_thresholds", order=order,
                        name=f"{group.name}_one_spike_draw")
    if len(group) < 2:  # one neuron: nothing to choose between (n_higher stays 0)
        return None
    syn = Synapses(group, group, name=SYNAPSES)
    i, j = pairs(len(group))
    syn.connect(i=i, j=j)
    # brian2cuda runs a Synapses run_regularly one thread per synapse: the += on the
    # postsynaptic count needs atomics there (as the weight normalisation's sum does).
    syn.run_regularly(COUNT, when="before_thresholds", order=order + 1,
                      name="one_spike_count", codeobj_class=_summing_codeobj_class())
    components.add_companion(group, syn)  # the network runs it with the layer
    return syn
