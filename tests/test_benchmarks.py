"""The benchmark scripts' own arithmetic: the input of the event floor, and which chunks a
per-image cost is taken over. (Their timings are measurements, not tested here.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from diehlsim.models.parameters import default_parameters
from diehlsim.protocol import ChunkLog

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str):
    sys.path.insert(0, str(BENCHMARKS))  # run.py imports machine.py as a top-level module
    try:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_floor_input_spikes_fall_in_presentations_at_the_expected_rate():
    floor = _module("floor")
    params = default_parameters(10)
    images = np.zeros((3, 28, 28), dtype=np.uint8)
    images[0, :14] = 255  # 392 pixels at 63.75 Hz
    images[2] = 128  # 784 pixels at 32 Hz; image 1 stays dark
    indices, times, duration = floor.input_spikes(params, images, seed=3)
    assert duration == pytest.approx(1.5)  # three 500 ms slots
    dt = float(params.protocol.dt)
    assert np.allclose(times / dt, np.round(times / dt))
    slot, within = np.divmod(np.round(times / dt).astype(int), 1000)
    assert within.max() < 700  # only during the 350 ms presentation
    assert not np.any(slot == 1)
    assert set(indices[slot == 0]) <= set(range(392))
    for k, rate in ((0, 392 * 255 / 8 * 2), (2, 784 * 128 / 8 * 2)):
        expected = rate * 0.35
        assert abs(np.sum(slot == k) - expected) < 5 * np.sqrt(expected)


def _chunk(images: int, presentations: int, seconds: float) -> ChunkLog:
    return ChunkLog(0, images, presentations, presentations - images, seconds,
                    images / seconds, 0.0, network_s=seconds / 2)


def test_harness_cost_per_image_leaves_out_the_idle_last_chunk():
    run = _module("run")
    chunks = [_chunk(240, 250, 2.0), _chunk(245, 250, 2.0), _chunk(15, 16, 1.2)]
    assert run._ms_per_image(chunks, 250, "wall_s") == pytest.approx(4000 / 485)
    assert run._ms_per_image(chunks, 250, "network_s") == pytest.approx(2000 / 485)
    only_partial = [_chunk(20, 21, 0.5)]  # a short phase: the one chunk is all there is
    assert run._ms_per_image(only_partial, 250, "wall_s") == pytest.approx(25.0)


def test_floor_split_by_delay_keeps_every_synapse_with_its_own_rounded_delay():
    from brian2 import NeuronGroup, SpikeGeneratorGroup, ms, second

    floor = _module("floor")
    n_input, neurons, dt = 3, 4, 0.5e-3
    rng = np.random.default_rng(0)
    weights = rng.uniform(0, 1, n_input * neurons)
    delays = np.array([0, 0.2, 0.25, 0.26, 1.0, 1.24, 1.26, 9.9, 10.0, 3.3, 3.3, 0.74]) * 1e-3
    inputs = SpikeGeneratorGroup(n_input, [], [] * ms)
    exc = NeuronGroup(neurons, "ge : 1")
    objects = floor._split_by_delay(inputs, exc, "w : 1", "ge_post += w", {}, weights,
                                    delays, dt, neurons)
    found = {}
    for syn in objects:
        step = round(float(syn.pre.delay / second) / dt)  # one delay for the object
        for i, j, w in zip(syn.i[:], syn.j[:], syn.w[:]):
            found[int(i) * neurons + int(j)] = (step, w)
    assert sorted(found) == list(range(n_input * neurons))  # each synapse exactly once
    expected_steps = [0, 0, 1, 1, 2, 2, 3, 20, 20, 7, 7, 1]  # half a step rounds up
    assert [found[k][0] for k in range(len(delays))] == expected_steps
    np.testing.assert_array_equal([found[k][1] for k in range(len(delays))], weights)


def test_startup_is_the_chunk_less_its_network_run_and_its_share_uses_the_default_chunk():
    startup = _module("startup")
    part = lambda chunk, network: {"prepare_s": 0.1, "binary_s": chunk - 0.2,  # noqa: E731
                                   "network_s": network, "binary_cpu_s": 1.0,
                                   "readback_s": 0.1, "chunk_s": chunk}
    # the first chunk (cold page cache) is left out; medians of the other three
    row = {"neurons": 6400, "slots": 5, "build_s": 30.0, "synapses_input_exc": 784 * 6400,
           "peak_rss_python_mb": 500.0,
           "chunks": [part(9.0, 1.0), part(3.0, 0.5), part(4.0, 0.5), part(3.5, 0.6)]}
    summary = startup.summarise(row)
    assert summary["startup_s"] == pytest.approx(3.5 - 0.5)
    assert summary["network_ms_per_image"] == pytest.approx(100.0)  # 0.5 s / 5 images
    assert summary["default_slots"] == 1000
    assert summary["startup_share_of_default_chunk"] == pytest.approx(3.0 / (3.0 + 100.0))


def test_long_run_cost_spreads_the_measured_start_up_over_a_default_chunk():
    run = _module("run")
    # 31-image chunks at 6400 neurons: 244 ms/image wall, 114 in the run -> 130 ms x 31 per
    # chunk of start-up, spread over the 1,000 slots of a default chunk at that size
    row = {"kind": "diehlsim", "device": "cpp_standalone", "neurons": 6400,
           "slots_per_chunk": 31, "train_ms_per_image": 244.0, "train_run_ms_per_image": 114.0,
           "test_ms_per_image": 167.0, "test_run_ms_per_image": 113.0}
    assert run.long_run_ms_per_image(row, "train") == pytest.approx(114 + 130 * 31 / 1000)
    assert run.long_run_ms_per_image({**row, "device": "runtime"}, "train") is None
    hours = (900_000 * (114 + 130 * 31 / 1000) + 160_000 * (113 + 54 * 31 / 1000)) / 3.6e6
    assert run.projected_hours(row) == {"train_images": 900_000,
                                        "one_core_h": pytest.approx(hours)}
    assert run.projected_hours({**row, "neurons": 500}) is None  # not a size of the paper


def test_ratios_compare_rows_of_one_size_and_bindsnet_only_with_plain_cpp_standalone():
    run = _module("run")
    rows = [
        {"kind": "reference", "neurons": 100, "train_ms_per_image": 300.0},
        {"kind": "bindsnet", "neurons": 100, "batch": 32, "time_ms": 250,
         "train_ms_per_image": 9.0},
        {"kind": "diehlsim", "device": "cpp_standalone", "threads": 0, "layout": "one",
         "neurons": 100, "train_ms_per_image": 3.0},
        {"kind": "diehlsim", "device": "cpp_standalone", "threads": 2, "layout": "one",
         "neurons": 100, "train_ms_per_image": 30.0},
        {"kind": "diehlsim", "device": "runtime", "neurons": 100, "train_ms_per_image": 60.0},
        {"kind": "diehlsim", "device": "cpp_standalone", "threads": 0, "neurons": 400,
         "train_ms_per_image": 10.0},
        {"kind": "diehlsim", "device": "cpp_standalone", "neurons": 100, "error": "failed"},
    ]
    reference = [line for line in run.speedups(rows) if line.startswith("- ")]
    assert [line.split(": ")[1].split("x")[0] for line in reference] == ["100.0", "10.0", "5.0"]
    bindsnet = [line for line in run.against_bindsnet(rows) if line.startswith("- ")]
    assert len(bindsnet) == 1 and "3.0x faster (3 vs 9 ms/image)" in bindsnet[0]


def test_cpu_description_names_family_model_and_widest_vector_unit():
    machine = _module("machine")
    zen4 = ("processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
            "model name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512ifma\n\n"
            "processor\t: 1\nmodel name\t: another CPU\n")
    assert machine.describe_cpu(zen4) == "AMD EPYC, family 25 model 17, AVX-512"
    zen3 = zen4.replace("model\t\t: 17", "model\t\t: 1").replace(" avx512f avx512ifma", "")
    assert machine.describe_cpu(zen3) == "AMD EPYC, family 25 model 1, AVX2"
    assert machine.describe_cpu("model name\t: Some ARM core\n") == "Some ARM core"


def test_a_ratio_below_one_reads_as_slower():
    run = _module("run")
    assert run._faster(2.5) == "2.5x faster"
    assert run._faster(0.4) == "2.5x slower"


def test_queue_ratios_pair_rows_of_one_size_layout_and_thread_count():
    run = _module("run")

    def row(neurons, queue, train, layout="one", **extra):
        return {"kind": "diehlsim", "device": "cpp_standalone", "threads": 0,
                "neurons": neurons, "layout": layout, "spike_queue": queue,
                "train_ms_per_image": train, "train_run_ms_per_image": train / 2,
                "test_ms_per_image": train * 2, **extra}

    rows = [row(400, "grouped", 7.0), row(400, "brian2", 10.5),
            row(400, "grouped", 12.0, layout="by-delay"),  # no Brian2 row: no ratio
            row(100, "brian2", 4.0), row(100, "grouped", 5.0),
            {"kind": "diehlsim", "device": "cpp_standalone", "neurons": 1600,
             "train_ms_per_image": 50.0}]  # an older row: Brian2's queue
    lines = [line for line in run.queue_ratios(rows) if line.startswith("- ")]
    assert lines == [
        "- 400 neurons, one input layout, threads 0: training 1.5x faster (7 vs 10.5 "
        "ms/image), in run 1.5x faster, testing 1.5x faster",
        "- 100 neurons, one input layout, threads 0: training 1.2x slower (5 vs 4 ms/image), "
        "in run 1.2x slower, testing 1.2x slower"]
    assert run.spike_queue(rows[-1]) == "brian2"
    assert run.spike_queue({"kind": "reference", "device": "runtime"}) == ""


def test_event_delivery_runs_each_variant_twice_in_both_orders_and_takes_medians(tmp_path):
    delivery = _module("event_delivery")
    runs = delivery.plan(["400:one", "6400:by-delay"], images=100, chunks=2,
                         build_root=tmp_path)
    names = list(delivery.VARIANTS)
    assert [r["variant"] for r in runs[:6]] == names + names[::-1]
    assert {r["images"] for r in runs if r["neurons"] == 6400} == {25}
    rows = [{"neurons": 400, "layout": "one", "variant": "brian2 queue", "images": 100,
             "in_run_ms_per_image": [10.0, 12.0], "wall_ms_per_image": [11.0, 13.0],
             "state_sha256": "a"},
            {"neurons": 400, "layout": "one", "variant": "brian2 queue", "images": 100,
             "in_run_ms_per_image": [9.0, 30.0], "wall_ms_per_image": [10.0, 31.0],
             "state_sha256": "a"}]
    (summary,) = delivery.summarise(rows)
    assert summary["in_run_ms_per_image"] == 11.0  # median of 9, 10, 12, 30
    assert summary["chunks"] == 4 and summary["state_sha256"] == ["a"]
