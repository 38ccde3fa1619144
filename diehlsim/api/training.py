"""Training: compile a simulator for a network, train a run, resume an interrupted one."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diehlsim import datasets, devices, io, run_traces, runs
from diehlsim.devices import DEFAULT_SLOTS, check_device, default_slots
from diehlsim.errors import ConfigurationError, RunDirectoryError
from diehlsim.api.options import monitor_request, with_default_layout
from diehlsim.api.data import (
    ARRAYS,
    TrainingData,
    _own_arrays,
    _save_arrays,
    _training_data,
    run_training_data,
)
from diehlsim.datasets.split import VALIDATION_SEED, split_record
from diehlsim.models.network import initial_state
from diehlsim.models.parameters import NetworkParameters, default_parameters
from diehlsim.models.state import NetworkState
from diehlsim.protocol import PhaseResult, run_phase, stdp_rate_at, stream_indices
from diehlsim.seeds import SEED_MAX, shuffled_order
from diehlsim.simulation import Simulator, default_build_name


@dataclass
class TrainedRun:
    run_dir: Path
    params: NetworkParameters
    state: NetworkState
    simulator: Simulator
    phase: PhaseResult


def make_simulator(params: NetworkParameters, device: str, slots: int = DEFAULT_SLOTS,
                   threads: int = 0, build_root: Path | None = None, **options) -> Simulator:
    """A simulator in the build cache; ``options`` go to :class:`Simulator` (``delays``:
    the state's, needed when the input synapses are split by delay)."""
    check_device(device)
    root = Path(build_root) if build_root else devices.default_build_root()
    name = default_build_name(params, device, slots, options.get("record_input", False),
                              options.get("device_options"), options.get("monitors"),
                              options.get("delays"))
    build_dir, lock = devices.claim_build_dir(root, name)
    simulator = Simulator(params, device, slots=slots, build_dir=build_dir, threads=threads,
                          **options)
    simulator.build_lock = lock  # held while the simulator lives: no other process rebuilds it
    return simulator


def simulator_for_run(params: NetworkParameters, settings: dict,
                      device: str | None = None, monitors=None, delays=None) -> Simulator:
    """A simulator for a saved run's network, on its training device unless ``device``,
    with the state monitors of ``monitors`` (a ``MonitorRequest``) compiled in; ``delays``:
    the run's state's, needed when its input synapses are split by delay."""
    return make_simulator(params, device or settings["device"],
                          int(settings.get("slots", DEFAULT_SLOTS)),
                          int(settings.get("threads", 0)), monitors=monitors, delays=delays)


def check_simulator_monitors(simulator: Simulator | None, request) -> None:
    """A simulator handed in must have the requested monitors compiled in: a monitor
    cannot be added to a built project."""
    if simulator is not None and request is not None and simulator.monitors != request:
        raise ConfigurationError(
            "the simulator passed in was built without these monitors (they must be "
            "compiled in): leave simulator out, or build it with make_simulator(..., "
            "monitors=api.monitor_request(params, ...))")


def input_size_of(dataset: str) -> int:
    height, width = datasets.image_shape(dataset)
    return height * width


def train(run_dir, dataset="mnist", n_exc: int = 100, *, epochs: float | None = 1,
          train_samples: int | None = None, stdp_rule: str = "triplet", device: str =
          "cpp_standalone", seed: int = 0, slots: int | None = None, threads: int = 0,
          data_dir=None, force: bool = False, progress: bool = True, overrides: dict | None =
          None, simulator: Simulator | None = None, validation: int | None = None,
          validation_seed: int = VALIDATION_SEED, test=None,
          shuffle_seed: int | None = None, monitor=None, monitor_neurons=None,
          monitor_presentations=None) -> TrainedRun:
    """Train a new network on ``dataset`` and write the run directory (checkpoint per chunk).
    Every argument is checked before anything is written.

    ``dataset`` is a dataset name or ``(images, labels)``: your own images (n, height,
    width) of grey levels 0..255 and their classes 0..9; they are saved in the run
    directory (``data.npz``, with ``test=(images, labels)`` when given) for ``evaluate`` and
    ``resume``. ``validation=K`` holds out K training images, stratified by class (seed
    ``validation_seed``): training never sees them and ``evaluate`` scores them.
    ``shuffle_seed=S`` presents each epoch in a random order drawn from ``S`` (recorded in
    the settings); by default the images come in dataset order.

    ``monitor="exc.v,exc.ge,exc.theta"`` (or a sequence of ``LAYER.VARIABLE``) records those
    variables of neurons ``monitor_neurons`` (``"0-4"``, a sequence; default 0) for the
    training presentations ``monitor_presentations`` (default 0) into
    ``RUN/traces/train/`` (docs/monitors.md).

    ``slots``: presentation slots per compiled run (a chunk, also the checkpoint interval);
    by default :func:`diehlsim.devices.default_slots` of ``n_exc`` (250 up to 1600 neurons).
    The input synapses are split by delay from 1600 neurons on cpp_standalone
    (:func:`diehlsim.devices.default_input_layout`) unless ``overrides`` choose
    ``conn__input_layout``; a ``simulator`` handed in must be built with the same layout.
    """
    _check_request(n_exc, seed, threads, 1 if slots is None else slots)
    slots = default_slots(n_exc) if slots is None else slots
    _check_device_can_run(device, simulator)
    data = _training_data(dataset, data_dir, validation, validation_seed)
    test_arrays = _own_arrays(test, "test", data.n_input) if test is not None else None
    params = default_parameters(int(n_exc), stdp_rule=stdp_rule, pixels=data.n_input,
                                **with_default_layout(overrides, n_exc, device))
    _check_memory(params)
    request = monitor_request(params, monitor, monitor_neurons, monitor_presentations)
    check_simulator_monitors(simulator, request)
    total = _total_images(len(data.pool), epochs, train_samples)
    run_dir = runs.prepare_new(Path(run_dir), force=force)
    recorded = {}
    if data.name == ARRAYS:
        recorded["data_sha256"] = _save_arrays(run_dir, data, test_arrays)
    if data.split is not None:
        recorded["validation"] = split_record(data.split, len(data.labels))
    if shuffle_seed is not None:
        shuffled_order(1, 1, shuffle_seed)  # a bad seed fails before anything is written
        recorded["shuffle_seed"] = int(shuffle_seed)
    if request is not None:
        recorded["monitors"] = dataclasses.asdict(request)
    runs.save_config(run_dir, params, dataset=data.name, seed=seed, device=device, slots=slots,
                     threads=threads, train_images=total, epochs=epochs, **recorded)
    checkpoint = runs.Checkpoint(position=0, chunk=0, state=initial_state(params, seed))
    runs.save_checkpoint(run_dir, checkpoint)  # a kill before the first chunk can resume too
    return _continue_training(run_dir, params, data, total, checkpoint, device, seed, slots,
                              threads, progress, simulator, shuffle_seed, request)


def resume(run_dir, *, data_dir=None, progress: bool = True,
           simulator: Simulator | None = None) -> TrainedRun:
    """Continue an interrupted training run from its last checkpoint."""
    run_dir = runs.require(Path(run_dir), "config.json")
    if training_finished(run_dir):  # before minutes of building a simulator for nothing
        raise RunDirectoryError(
            f"the training of {run_dir} has finished (its state.npz is there): there is "
            f"nothing to resume; evaluate it, or train a new run")
    params, settings = runs.load_config(run_dir)
    _check_device_can_run(settings["device"], simulator)
    checkpoint = runs.load_checkpoint(run_dir)
    for folder in (run_dir, run_dir / runs.TRAIN_RESPONSES):  # left by a killed process
        io.remove_partial_writes(folder)
    data = run_training_data(run_dir, settings, data_dir)
    return _continue_training(run_dir, params, data, int(settings["train_images"]),
                              checkpoint, settings["device"], int(settings["seed"]),
                              int(settings["slots"]), int(settings.get("threads", 0)),
                              progress, simulator, settings.get("shuffle_seed"))


def training_finished(run_dir) -> bool:
    """Whether a run's training has finished (its final state is saved)."""
    return (Path(run_dir) / "state.npz").exists()


def _continue_training(run_dir, params, data: TrainingData, total, checkpoint, device, seed,
                       slots, threads, progress, simulator, shuffle_seed=None,
                       request=None) -> TrainedRun:
    sim = simulator or make_simulator(params, device, slots, threads, monitors=request,
                                      delays=checkpoint.state.delays)
    # dataset indices: the responses name the images trained on, held-out ones never appear
    order = (stream_indices(len(data.pool), total) if shuffle_seed is None
             else shuffled_order(len(data.pool), total, shuffle_seed))
    indices = data.pool[order]
    log = list(checkpoint.log)

    def save_checkpoint(chunk, position, state, chunk_log, counts, image_index):
        # The responses first: a checkpoint never points past responses that are missing.
        runs.save_train_responses(run_dir, chunk, counts, image_index)
        log.append(chunk_log)
        runs.save_checkpoint(run_dir, runs.Checkpoint(
            checkpoint.position + position, chunk, state, log))

    final_rate = params.protocol.stdp_rate_final

    def schedule(position):  # position in this call; the schedule spans the whole run
        return stdp_rate_at(checkpoint.position + position, total, final_rate)

    with runs.stop_signals_to_interrupt():
        phase, state = run_phase(
            sim, data.images, indices[checkpoint.position:], checkpoint.state, learning=True,
            seed=seed, first_chunk=checkpoint.chunk, label="train", progress=progress,
            on_chunk=save_checkpoint, stdp_rate=schedule,
            on_traces=None if request is None else run_traces.trace_writer(run_dir, "train"))
    runs.save_state(run_dir, state)
    runs.save_log(run_dir, log)
    sim_s = float(sum(c.wall_s for c in log))
    runs.save_timing(run_dir, build_s=sim.build_s, sim_s=sim_s, images=total,
                     presentations=int(sum(c.presentations for c in log)), device=device)
    phase.chunks = log
    phase.sim_s = sim_s
    return TrainedRun(run_dir, params, state, sim, phase)


def _check_device_can_run(device: str, simulator) -> None:
    """A GPU run needs a GPU: say so now, not after minutes of CUDA compilation."""
    check_device(device)
    if device == "cuda_standalone" and simulator is None:
        from diehlsim.devices import cuda

        cuda.check_gpu()


def _check_request(n_exc, seed, threads, slots) -> None:
    for name, value, low in (("n_exc, the number of excitatory neurons,", n_exc, 1),
                             ("seed", seed, 0), ("threads", threads, 0), ("slots", slots, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            kind = "a positive whole number" if low == 1 else "a whole number >= 0"
            raise ConfigurationError(f"{name} must be {kind}, got {value!r}")
    if seed > SEED_MAX:
        raise ConfigurationError(f"seed must be at most {SEED_MAX}, got {seed}")


# Per synapse: weight, delay, last arrival (double) and two int32 indices in the binary, the
# spike queue's entry, and the driver's copies of the state and the checkpoint.
BYTES_PER_SYNAPSE = 80


def _check_memory(params: NetworkParameters) -> None:
    """Refuse, with an estimate, a network that cannot fit in this machine's memory."""
    synapses = params.n_input * params.n_exc
    needed = synapses * BYTES_PER_SYNAPSE
    available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if needed > available:
        raise ConfigurationError(
            f"{params.n_exc} excitatory neurons with {params.n_input} inputs make "
            f"{synapses:,} input synapses, about {needed / 2**30:,.1f} GiB of memory; this "
            f"machine has {available / 2**30:,.1f} GiB: choose fewer neurons")


def _total_images(n_available: int, epochs, train_samples) -> int:
    if train_samples is not None:
        if train_samples <= 0:
            raise ConfigurationError(f"train_samples must be positive, got {train_samples}")
        return int(train_samples)
    if epochs is None or epochs <= 0:
        raise ConfigurationError(f"epochs must be positive, got {epochs}")
    total = int(round(epochs * n_available))
    if total < 1:
        raise ConfigurationError(
            f"{epochs} epochs of {n_available} images is {epochs * n_available:.2g} images: "
            f"train on at least one")
    return total
