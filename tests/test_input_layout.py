"""The input synapses split into one Synapses object per delay step
(``conn.input_layout = "by-delay"``) are the same model as the one object with a delay per
synapse: every synapse once, with its own rounded delay, and the same spikes and weights on
the same input. The delays are U(0, 1 ms): three objects, which exercise the scattering and
gathering as 21 do, while each object's code objects cost a compilation (Cython, g++);
the 21 objects of the default delays ran in the benchmarks of docs/performance.md, with the
same excitatory spikes per image as one object."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms

from diehlsim import datasets
from diehlsim.devices.project import run_argument_table
from diehlsim.errors import ConfigurationError
from diehlsim.models.input_synapses import delay_steps
from diehlsim.models.network import initial_state
from diehlsim.models.parameters import default_parameters
from diehlsim.simulation import Simulator

N_EXC, SLOTS, SEED = 8, 4, 3


def _params(layout: str, max_delay=1 * ms):
    return default_parameters(N_EXC, conn__input_layout=layout,
                              conn__delay_input_max=max_delay)


def _run(layout: str, device: str, build_dir, chunks: int = 2, max_delay=1 * ms):
    """Two learning chunks of the sample's first images; the spikes and the final state."""
    params = _params(layout, max_delay)
    state = initial_state(params, SEED)
    sim = Simulator(params, device, slots=SLOTS, build_dir=build_dir, delays=state.delays)
    images, _ = datasets.load("mnist-sample", "train")
    spikes = []
    for chunk in range(chunks):
        stimulus = sim.model.input_model.encode(images[chunk * SLOTS:(chunk + 1) * SLOTS],
                                                params)
        result, state = sim.run_chunk(stimulus, state, learning=True, seed=SEED + chunk)
        spikes.append(np.stack(result.exc_spikes))
    return sim, np.concatenate(spikes, axis=1), state


@pytest.fixture(scope="module")
def runtime_pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("layout")
    return {layout: _run(layout, "runtime", root / layout) for layout in ("one", "by-delay")}


def test_every_synapse_is_in_one_object_with_its_own_rounded_delay(runtime_pair):
    sim, _, _ = runtime_pair["by-delay"]
    split = sim.model.input_split
    members = np.sort(np.concatenate(split.members))
    np.testing.assert_array_equal(members, np.arange(784 * N_EXC))
    steps = delay_steps(initial_state(_params("by-delay"), SEED).delays, 0.5e-3).ravel()
    dt = float(sim.params.protocol.dt)
    for obj, mine, step in zip(split.objects, split.members, split.steps):
        assert np.all(steps[mine] == step)
        np.testing.assert_allclose(np.asarray(obj.delay[:]), step * dt)
        np.testing.assert_array_equal(np.asarray(obj.i[:]), mine // N_EXC)
        np.testing.assert_array_equal(np.asarray(obj.j[:]), mine % N_EXC)
    assert len(split.objects) == len(np.unique(steps)) == 3  # U(0, 1 ms) at dt 0.5 ms


def test_the_split_gives_the_same_spikes_and_weights_as_one_object(runtime_pair):
    _, one_spikes, one_state = runtime_pair["one"]
    _, split_spikes, split_state = runtime_pair["by-delay"]
    assert one_spikes.shape[1] > 0  # the comparison is not of two silent networks
    np.testing.assert_array_equal(split_spikes, one_spikes)
    # the objects add into ge and the column sums in another order: rounding only
    for key in ("weights", "lastpre", "theta", "exc_v", "exc_ge", "inh_v"):
        np.testing.assert_allclose(getattr(split_state, key), getattr(one_state, key),
                                   rtol=1e-12, atol=1e-15, err_msg=key)
    np.testing.assert_array_equal(split_state.delays, one_state.delays)


def test_a_split_network_needs_the_delays_it_is_built_for(runtime_pair, tmp_path):
    with pytest.raises(ConfigurationError, match="delays"):
        Simulator(_params("by-delay"), "runtime", slots=SLOTS, build_dir=tmp_path)
    sim, _, state = runtime_pair["by-delay"]
    other = state.replace(delays=initial_state(sim.params, SEED + 1).delays)
    stimulus = np.zeros((1, 784))
    with pytest.raises(ConfigurationError, match="other delays"):
        sim.run_chunk(stimulus, other, learning=False, seed=0)


def test_an_unknown_layout_is_refused():
    with pytest.raises(ConfigurationError, match="input_layout.*one, by-delay"):
        _params("per-synapse")


def test_each_split_object_has_its_own_run_arguments(runtime_pair):
    sim, _, _ = runtime_pair["by-delay"]
    table = {row["name"]: row["size"] for row in run_argument_table(sim)}
    split = sim.model.input_split
    for obj, mine in zip(split.objects, split.members):
        assert table[f"{obj.name}.w"] == table[f"{obj.name}.lastpre"] == len(mine)
        assert table[f"{obj.name}.step_offset"] == 1
    assert not any(name.endswith(".delay") for name in table)  # the build's, not per chunk
    assert sum(table[f"{obj.name}.w"] for obj in split.objects) == 784 * N_EXC


@pytest.mark.slow
def test_the_split_gives_the_same_spikes_and_weights_on_cpp_standalone(tmp_path):
    one = _run("one", "cpp_standalone", tmp_path / "one")
    split = _run("by-delay", "cpp_standalone", tmp_path / "split")
    assert len(split[0].model.input_split.objects) == 3
    np.testing.assert_array_equal(split[1], one[1])
    np.testing.assert_allclose(split[2].weights, one[2].weights, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(split[2].theta, one[2].theta, rtol=1e-12, atol=1e-15)


SPLIT_BUILD = {"conn__input_layout": "by-delay", "conn__delay_input_max": 1 * ms}


def test_a_split_project_holds_the_protocol_and_the_objects_run_arguments(tmp_path,
                                                                          brian_state):
    from diehlsim import api

    result = api.build(tmp_path / "split", "cpp_standalone", 3, slots=2, compile=False,
                       overrides=SPLIT_BUILD, seed=SEED)
    assert result.problems == []
    names = {row["name"] for row in result.run_arguments}
    assert {"input_exc_d0.w", "input_exc_d1.lastpre", "input_exc_d2.step_offset"} <= names
    assert "input_exc.w" not in names and "input_exc.delay" not in names
    readme = (tmp_path / "split" / "README.md").read_text()
    assert "input_exc_d1.w" in readme


@pytest.mark.cuda
@pytest.mark.slow
def test_the_split_objects_compile_with_nvcc_for_cuda(compile_cuda_objects):
    objects = compile_cuda_objects(("input_exc_d1_pre_codeobject", "input_exc_d1_post_codeobject",
                                    "normalise_sum_d1", "normalise_scale_d1"), n_exc=3,
                                   overrides=SPLIT_BUILD, seed=SEED)
    assert all(o.is_file() for o in objects)


# -- the default layout by size and device -----------------------------------------------------


@pytest.mark.parametrize(("n_exc", "device", "layout"), [
    (100, "cpp_standalone", "one"), (1599, "cpp_standalone", "one"),
    (1600, "cpp_standalone", "by-delay"), (6400, "cpp_standalone", "by-delay"),
    (6400, "cuda_standalone", "one"), (6400, "runtime", "one")])
def test_the_default_layout_splits_large_cpu_builds_only(n_exc, device, layout):
    from diehlsim.devices import default_input_layout

    assert default_input_layout(n_exc, device) == layout


def test_a_default_layout_for_an_unknown_device_is_refused():
    from diehlsim.devices import default_input_layout

    with pytest.raises(ConfigurationError, match="unknown device 'cpu'"):
        default_input_layout(1600, "cpu")


def test_a_run_records_its_default_layout_and_a_chosen_one_wins(tmp_path, monkeypatch):
    from diehlsim import runs
    from diehlsim.api import training

    monkeypatch.setattr(training, "_continue_training", lambda *args: None)
    monkeypatch.setattr(training, "_check_memory", lambda params: None)
    layouts = {}
    for name, n_exc, overrides in (("small", 8, None), ("large", 1600, None),
                                   ("chosen", 1600, {"conn__input_layout": "one"})):
        training.train(tmp_path / name, "mnist-sample", n_exc, train_samples=2,
                       device="cpp_standalone", progress=False, overrides=overrides)
        layouts[name] = runs.load_config(tmp_path / name)[0].conn.input_layout
    assert layouts == {"small": "one", "large": "by-delay", "chosen": "one"}


def test_a_sweep_point_gets_the_default_layout_of_its_size_unless_told():
    from diehlsim import api
    from diehlsim.api.sweep_points import points_of, resolve

    spec = api.sweep_spec_from_dict({
        "base": {"dataset": "mnist-sample", "train_samples": 2, "device": "cpp_standalone"},
        "grid": {"neurons": [100, 1600]}, "seeds": [0]})
    assert [resolve(p)[0].conn.input_layout for p in points_of(spec)] == ["one", "by-delay"]
    told = api.sweep_spec_from_dict({
        "base": {"dataset": "mnist-sample", "train_samples": 2, "device": "cpp_standalone",
                 "neurons": 1600}, "grid": {"conn.input_layout": ["one"]}, "seeds": [0]})
    assert [resolve(p)[0].conn.input_layout for p in points_of(told)] == ["one"]
