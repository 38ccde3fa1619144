"""cpp_standalone with OpenMP threads (``threads``) runs the same model: the weight
normalisation's column sums, which every synapse of a neuron adds into, are complete. Brian2
shares a Synapses ``run_regularly`` loop between the threads without guarding such
additions; with two threads they raced and lost additions (columns summed above the
target, twice the spikes per image in the benchmarks), until that loop ran on one thread."""

from __future__ import annotations

import numpy as np
import pytest

from diehlsim import datasets
from diehlsim.models.network import initial_state
from diehlsim.models.parameters import default_parameters
from diehlsim.simulation import Simulator

# Many synapses per neuron and per thread, so that the two threads' loops overlap in time.
N_EXC, SLOTS = 100, 2


@pytest.mark.slow
def test_two_threads_normalise_every_column_to_its_target(tmp_path):
    # learning on, with STDP's rates 0: the weights change only by the normalisation,
    # which sets each neuron's input weights to sum to weight_sum at every slot
    params = default_parameters(N_EXC, stdp={"nu_pre": 0.0, "nu_post": 0.0})
    state = initial_state(params, 0)
    assert not np.allclose(state.weights.reshape(784, N_EXC).sum(axis=0), 78.0)
    sim = Simulator(params, "cpp_standalone", slots=SLOTS, build_dir=tmp_path, threads=2)
    images, _ = datasets.load("mnist-sample", "train")
    stimulus = sim.model.input_model.encode(images[:SLOTS], params)
    _, state = sim.run_chunk(stimulus, state, learning=True, seed=0)
    sums = state.weights.reshape(784, N_EXC).sum(axis=0)
    np.testing.assert_allclose(sums, params.conn.weight_sum, rtol=1e-12)
