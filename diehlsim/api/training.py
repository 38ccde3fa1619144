"""Training: compile a simulator for a network, train a run, resume an interrupted one."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diehlsim import datasets, devices, io, runs
from diehlsim.devices import DEFAULT_SLOTS, check_device
from diehlsim.errors import ConfigurationError
from diehlsim.datasets.split import (
    VALIDATION_SEED,
    ValidationSplit,
    split_from_record,
    split_record,
    validation_split,
)
from diehlsim.models.encoding import check_images
from diehlsim.models.network import initial_state
from diehlsim.models.parameters import NetworkParameters, default_parameters
from diehlsim.models.state import NetworkState
from diehlsim.protocol import PhaseResult, run_phase, stdp_rate_at, stream_indices
from diehlsim.seeds import SEED_MAX
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
    check_device(device)
    root = Path(build_root) if build_root else devices.default_build_root()
    name = default_build_name(params, device, slots, options.get("record_input", False),
                              options.get("device_options"))
    build_dir, lock = devices.claim_build_dir(root, name)
    simulator = Simulator(params, device, slots=slots, build_dir=build_dir, threads=threads,
                          **options)
    simulator.build_lock = lock  # held while the simulator lives: no other process rebuilds it
    return simulator


def simulator_for_run(params: NetworkParameters, settings: dict,
                      device: str | None = None) -> Simulator:
    """A simulator for a saved run's network, on its training device unless ``device``."""
    return make_simulator(params, device or settings["device"],
                          int(settings.get("slots", DEFAULT_SLOTS)),
                          int(settings.get("threads", 0)))


def input_size_of(dataset: str) -> int:
    height, width = datasets.image_shape(dataset)
    return height * width


#: ``settings["dataset"]`` of a run trained on the caller's own arrays (kept in DATA_FILE).
ARRAYS = "arrays"
DATA_FILE = "data.npz"
#: Read-outs score ten classes (``analysis.readouts``): the labels of own arrays are 0..9.
N_CLASSES = 10


@dataclass(frozen=True)
class TrainingData:
    """The training images of a run, where they come from, and which of them it learns on."""

    name: str  # a dataset name, or ARRAYS
    images: np.ndarray
    labels: np.ndarray
    n_input: int
    pool: np.ndarray  # indices into images that training (and labelling) may use
    split: ValidationSplit | None = None


def train(run_dir, dataset="mnist", n_exc: int = 100, *, epochs: float | None = 1,
          train_samples: int | None = None, stdp_rule: str = "triplet", device: str =
          "cpp_standalone", seed: int = 0, slots: int = DEFAULT_SLOTS, threads: int = 0,
          data_dir=None, force: bool = False, progress: bool = True, overrides: dict | None =
          None, simulator: Simulator | None = None, validation: int | None = None,
          validation_seed: int = VALIDATION_SEED, test=None) -> TrainedRun:
    """Train a new network on ``dataset`` and write the run directory (checkpoint per chunk).
    Every argument is checked before anything is written.

    ``dataset`` is a dataset name or ``(images, labels)``: your own images (n, height,
    width) of grey levels 0..255 and their classes 0..9; they are saved in the run
    directory (``data.npz``, with ``test=(images, labels)`` when given) for ``evaluate`` and
    ``resume``. ``validation=K`` holds out K training images, stratified by class (seed
    ``validation_seed``): training never sees them and ``evaluate`` scores them.
    """
    _check_request(n_exc, seed, threads, slots)
    _check_device_can_run(device, simulator)
    data = _training_data(dataset, data_dir, validation, validation_seed)
    test_arrays = _own_arrays(test, "test", data.n_input) if test is not None else None
    params = default_parameters(int(n_exc), data.n_input, stdp_rule, **(overrides or {}))
    _check_memory(params)
    total = _total_images(len(data.pool), epochs, train_samples)
    run_dir = runs.prepare_new(Path(run_dir), force=force)
    recorded = {}
    if data.name == ARRAYS:
        recorded["data_sha256"] = _save_arrays(run_dir, data, test_arrays)
    if data.split is not None:
        recorded["validation"] = split_record(data.split, len(data.labels))
    runs.save_config(run_dir, params, dataset=data.name, seed=seed, device=device, slots=slots,
                     threads=threads, train_images=total, epochs=epochs, **recorded)
    checkpoint = runs.Checkpoint(position=0, chunk=0, state=initial_state(params, seed))
    runs.save_checkpoint(run_dir, checkpoint)  # a kill before the first chunk can resume too
    return _continue_training(run_dir, params, data, total, checkpoint, device, seed, slots,
                              threads, progress, simulator)


def resume(run_dir, *, data_dir=None, progress: bool = True,
           simulator: Simulator | None = None) -> TrainedRun:
    """Continue an interrupted training run from its last checkpoint."""
    run_dir = runs.require(Path(run_dir), "config.json")
    params, settings = runs.load_config(run_dir)
    _check_device_can_run(settings["device"], simulator)
    checkpoint = runs.load_checkpoint(run_dir)
    for folder in (run_dir, run_dir / runs.TRAIN_RESPONSES):  # left by a killed process
        io.remove_partial_writes(folder)
    data = run_training_data(run_dir, settings, data_dir)
    return _continue_training(run_dir, params, data, int(settings["train_images"]),
                              checkpoint, settings["device"], int(settings["seed"]),
                              int(settings["slots"]), int(settings.get("threads", 0)),
                              progress, simulator)


def run_training_data(run_dir, settings: dict, data_dir=None) -> TrainingData:
    """The training images of a saved run, with the validation split it was trained with."""
    images, labels = run_images(run_dir, settings, "train", data_dir)
    n_input = int(np.prod(images.shape[1:]))
    record = settings.get("validation")
    if record is None:
        return TrainingData(settings["dataset"], images, labels, n_input,
                            np.arange(len(images)))
    split = split_from_record(labels, record)
    return TrainingData(settings["dataset"], images, labels, n_input, split.train, split)


def run_images(run_dir, settings: dict, split: str, data_dir=None,
               given=None) -> tuple[np.ndarray, np.ndarray]:
    """``split`` ('train' or 'test') of a run's dataset: the named dataset, or the arrays
    saved with the run; ``given=(images, labels)`` replaces the saved test arrays."""
    if settings["dataset"] != ARRAYS:
        if given is not None:
            raise ConfigurationError(
                f"this run was trained on the dataset {settings['dataset']!r}, which also "
                f"gives its test images: leave test= out")
        return datasets.load(settings["dataset"], split, data_dir)
    if given is not None:
        images, labels = _own_arrays(given, split, None)
        return images, labels
    path = Path(run_dir) / DATA_FILE
    with np.load(path, allow_pickle=False) as data:
        if f"{split}_images" not in data.files:
            raise ConfigurationError(
                f"{run_dir} was trained on your own arrays without test images: give them, "
                f"e.g. api.evaluate(run_dir, test=(images, labels))")
        return data[f"{split}_images"], data[f"{split}_labels"]


def _training_data(dataset, data_dir, validation, validation_seed) -> TrainingData:
    if isinstance(dataset, str):
        images, labels = datasets.load(dataset, "train", data_dir)
        name = dataset
    else:
        images, labels = _own_arrays(dataset, "dataset", None)
        name = ARRAYS
    n_input = int(np.prod(images.shape[1:]))
    if validation is None:
        return TrainingData(name, images, labels, n_input, np.arange(len(images)))
    split = validation_split(labels, validation, validation_seed)
    return TrainingData(name, images, labels, n_input, split.train, split)


def _own_arrays(given, what: str, n_input: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Check ``(images, labels)`` given by the caller: images (n, height, width) of grey
    levels 0..255, labels (n,) whole numbers 0..9."""
    if not (isinstance(given, (tuple, list)) and len(given) == 2):
        raise ConfigurationError(
            f"{what} must be a dataset name ({', '.join(datasets.DATASETS)}) or a pair "
            f"(images, labels) of arrays; got {type(given).__name__}")
    images, labels = np.asarray(given[0]), np.asarray(given[1])
    if len(images) == 0:
        raise ConfigurationError(f"{what} holds no images")
    if images.ndim != 3:
        raise ConfigurationError(
            f"{what} images must have shape (n, height, width); got {images.shape}")
    pixels = images.shape[1] * images.shape[2]
    check_images(images, n_input or pixels, f"{what} images")  # dtype, NaN, 0..255, not 0..1
    if labels.shape != (len(images),):
        raise ConfigurationError(
            f"{what} labels must have shape ({len(images)},), one class per image; got "
            f"{labels.shape}")
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= N_CLASSES:
        raise ConfigurationError(
            f"{what} labels must be whole numbers 0..{N_CLASSES - 1} (an integer array); got "
            f"dtype {labels.dtype}, values {labels.min()}..{labels.max()}")
    return images, labels.astype(np.int64)


def _save_arrays(run_dir: Path, data: TrainingData, test) -> str:
    arrays = {"train_images": data.images, "train_labels": data.labels}
    if test is not None:
        arrays.update(test_images=test[0], test_labels=test[1])
    io.write_npz(run_dir / DATA_FILE, **arrays)
    digest = hashlib.sha256()
    for array in arrays.values():
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _continue_training(run_dir, params, data: TrainingData, total, checkpoint, device, seed,
                       slots, threads, progress, simulator) -> TrainedRun:
    sim = simulator or make_simulator(params, device, slots, threads)
    # dataset indices: the responses name the images trained on, held-out ones never appear
    indices = data.pool[stream_indices(len(data.pool), total)]
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
            on_chunk=save_checkpoint, stdp_rate=schedule)
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
