"""The run directory: what ``diehlsim train`` writes and ``evaluate``/``analyze`` read.

RUN/config.json     every parameter (with units), dataset, seed, device, versions
RUN/weights.npy     input -> excitatory weights, n_input x n_exc
RUN/theta.npy       adaptive thresholds (volts)
RUN/state.npz       the complete network state (weights, delays, membranes, traces, position)
RUN/train_log.csv   per chunk: images, presentations, wall seconds, images per second
RUN/timing.json     build_s, sim_s, images, presentations
RUN/train_responses/chunk_NNNNN.npz   per training chunk: spike counts of every accepted
                    presentation (uint16) and the dataset index of its image
RUN/traces/PHASE/chunk_NNNNN.npz   with --monitor: state-monitor traces (diehlsim.run_traces),
                    input and output spikes of the requested presentations of a chunk
Every file is written atomically (temporary file + rename).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import io
from diehlsim.devices import versions
from diehlsim.errors import DiehlsimError, RunDirectoryError
from diehlsim.models.network import state_table
from diehlsim.models.parameters import NetworkParameters, parameters_from_json, parameters_to_json
from diehlsim.models.state import NetworkState, carried_rows, shape_of

TRAIN_RESPONSES = "train_responses"


def prepare_new(run_dir: Path, force: bool = False) -> Path:
    """Create ``run_dir`` for a new run; refuse to overwrite an existing run."""
    run_dir = Path(run_dir)
    if (run_dir / "config.json").exists() and not force:
        resume = ("continue it with --resume, " if (run_dir / "checkpoint.npz").exists()
                  else "")
        raise RunDirectoryError(
            f"{run_dir} already holds a run; {resume}overwrite it with --force, or choose "
            f"another --out")
    foreign = run_dir.is_dir() and any(run_dir.iterdir()) and not (
        run_dir / "config.json").exists()
    if foreign and not force:
        raise RunDirectoryError(
            f"{run_dir} exists and holds other files (not a run): choose a new or empty "
            f"--out, so that nothing of yours is mixed with the run (or --force)")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(run_dir / TRAIN_RESPONSES, ignore_errors=True)  # of the run replaced
    except OSError as exc:
        raise RunDirectoryError(
            f"cannot write to {run_dir} ({exc.strerror}); choose a writable --out") from None
    check_writable(run_dir, "choose a writable --out")
    return run_dir


def check_writable(run_dir: Path, remedy: str) -> None:
    """Fail now, not after hours of simulation, when results cannot be written here."""
    probe = Path(run_dir) / ".write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RunDirectoryError(f"cannot write to {run_dir} ({exc.strerror}); {remedy}") from None


def require(run_dir: Path, *names: str) -> Path:
    run_dir = Path(run_dir)
    missing = [n for n in names if not (run_dir / n).exists()]
    if missing:
        raise RunDirectoryError(
            f"{run_dir} is not a complete run: missing {', '.join(missing)}; "
            f"train one with `diehlsim train --out {run_dir} ...`")
    return run_dir


def save_config(run_dir: Path, params: NetworkParameters, **settings) -> None:
    io.write_json(run_dir / "config.json", {
        "network": parameters_to_json(params), "settings": settings, "versions": versions()})


# What reading a damaged file raises (DiehlsimError subclasses are messages already).
DAMAGED_FILE_ERRORS = (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile)


def load_config(run_dir: Path) -> tuple[NetworkParameters, dict]:
    path = require(run_dir, "config.json") / "config.json"
    try:
        data = json.loads(path.read_text())
        return parameters_from_json(data["network"]), data["settings"]
    except DiehlsimError:
        raise
    except DAMAGED_FILE_ERRORS as exc:
        raise RunDirectoryError(
            f"{path} is damaged ({describe_damage(exc)}); it describes the run's network, which cannot "
            f"be read without it: restore the file, or train again with --force") from None


def save_state(run_dir: Path, state: NetworkState, name: str = "state.npz") -> None:
    io.write_npz(run_dir / name, **state.to_arrays())
    io.write_npy(run_dir / "weights.npy", state.weights)
    io.write_npy(run_dir / "theta.npy", state.theta)


def load_state(run_dir: Path, name: str = "state.npz") -> NetworkState:
    """The trained network. ``state.npz`` is the authoritative copy (``weights.npy`` and
    ``theta.npy`` are copies for other tools); it is checked against the run's config."""
    path = require(run_dir, name) / name
    state = _read_state(path, "it is the authoritative copy of the trained network "
                        "(weights.npy and theta.npy are only copies): restore it, continue an "
                        "interrupted run with `diehlsim train --resume`, or train again")
    check_state(state, run_dir, path)
    return state


def _read_state(path: Path, remedy: str, exclude=()) -> NetworkState:
    try:
        with np.load(path, allow_pickle=False) as data:
            return NetworkState.from_arrays({k: data[k] for k in data.files
                                             if k not in exclude})
    except DAMAGED_FILE_ERRORS as exc:
        raise RunDirectoryError(f"{path} is damaged ({describe_damage(exc)}); {remedy}") from None


def check_state(state: NetworkState, run_dir: Path, path: Path) -> None:
    """Every carried variable of the run's network is there, with its shape, and finite."""
    problems = []
    config = Path(run_dir) / "config.json"
    if config.exists():
        params, _ = load_config(run_dir)
        for row in carried_rows(state_table(params)):
            if row.key not in state.values:
                problems.append(f"{row.key} is missing")
                continue
            expected = shape_of(row, params.n_input, params.n_exc)
            if np.shape(state.values[row.key]) != expected:
                problems.append(f"{row.key} has shape {np.shape(state.values[row.key])}, "
                                f"expected {expected}")
    for key, value in state.values.items():
        array = np.asarray(value)
        if array.dtype.kind not in "biuf" or not np.all(np.isfinite(array)):
            problems.append(f"{key} is not all finite numbers")
    if problems:
        raise RunDirectoryError(
            f"{path} does not hold this run's network: {'; '.join(problems)}. Restore the "
            f"file, or train again with --force")


def describe_damage(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def save_train_responses(run_dir: Path, chunk: int, counts, image_index) -> None:
    """One compressed file per chunk, so a resumed run simply adds the chunks it runs."""
    folder = Path(run_dir) / TRAIN_RESPONSES
    folder.mkdir(exist_ok=True)
    io.write_npz(folder / f"chunk_{chunk:05d}.npz",
                 counts=np.minimum(counts, np.iinfo(np.uint16).max).astype(np.uint16),
                 image_index=np.asarray(image_index, dtype=np.int64))


def load_train_responses(run_dir: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """(counts, dataset indices) of the whole training stream in order; None for runs
    trained before responses were saved."""
    files = sorted((Path(run_dir) / TRAIN_RESPONSES).glob("chunk_*.npz"))
    if not files:
        return None
    counts, index = [], []
    for path in files:
        with np.load(path) as data:
            counts.append(data["counts"])
            index.append(data["image_index"])
    return np.concatenate(counts), np.concatenate(index)


@dataclass
class Checkpoint:
    """Where training stands after a chunk: position in the image stream, next chunk, state."""

    position: int
    chunk: int
    state: NetworkState
    log: list = field(default_factory=list)


_CHECKPOINT_ONLY = ("position", "chunk", "log")


def save_checkpoint(run_dir: Path, checkpoint: Checkpoint) -> None:
    """checkpoint.npz holds state + position in one file, so it is replaced in one rename."""
    arrays = checkpoint.state.to_arrays()
    arrays["position"] = np.asarray(checkpoint.position)
    arrays["chunk"] = np.asarray(checkpoint.chunk)
    arrays["log"] = np.asarray(json.dumps([asdict(c) for c in checkpoint.log]))
    io.write_npz(run_dir / "checkpoint.npz", **arrays)


def load_checkpoint(run_dir: Path) -> Checkpoint:
    from diehlsim.protocol import ChunkLog

    path = Path(run_dir) / "checkpoint.npz"
    if not path.exists():
        raise RunDirectoryError(
            f"{run_dir} has no checkpoint.npz to resume from; start a new run with "
            f"`diehlsim train --out {run_dir} --force ...`")
    remedy = (f"the run cannot be resumed from it: train again with `diehlsim train --out "
              f"{run_dir} --force ...`")
    state = _read_state(path, remedy, exclude=_CHECKPOINT_ONLY)
    check_state(state, run_dir, path)
    try:
        with np.load(path, allow_pickle=False) as data:
            log = [ChunkLog(**row) for row in json.loads(str(data["log"]))]
            return Checkpoint(int(data["position"]), int(data["chunk"]), state, log)
    except DAMAGED_FILE_ERRORS as exc:
        raise RunDirectoryError(f"{path} is damaged ({describe_damage(exc)}); {remedy}") from None


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_stopping = [False]  # a stop signal arrived and the stack is unwinding


@contextlib.contextmanager
def stop_signals_to_interrupt(*, ignore_after_a_stop: bool = False):
    """Ctrl-C (SIGINT, to this process or its whole group, once or more) and SIGTERM stop
    training at once with KeyboardInterrupt: the chunk that was running is not recorded and
    the last complete chunk's checkpoint is kept. Further stop signals are ignored while the
    stack unwinds, so a second Ctrl-C cannot interrupt the clean-up.

    The outermost of nested uses puts the previous handlers back at its end; with
    ``ignore_after_a_stop`` (the CLI, whose process ends right after) it leaves the signals
    ignored if one stopped the run, because the interpreter's own shutdown would otherwise
    reset them to the default and a second Ctrl-C would kill it mid-exit. This replaces Brian2's
    own SIGINT handler meanwhile: it turns the first Ctrl-C into a request to finish the run
    early, which would end a chunk short and record it.
    """
    outermost = signal.getsignal(signal.SIGINT) is not _stop
    previous = {}
    try:
        for number in STOP_SIGNALS:
            previous[number] = signal.signal(number, _stop)
    except ValueError:  # not in the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        if outermost:
            stopped, _stopping[0] = _stopping[0], False
            if not (stopped and ignore_after_a_stop):
                for number, handler in previous.items():
                    signal.signal(number, handler)


def _stop(signum, frame):
    if _stopping[0]:
        return
    _stopping[0] = True
    # ignored at the OS level while the stack unwinds (see stop_signals_to_interrupt)
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")


def save_log(run_dir: Path, chunks: list) -> None:
    io.write_csv(run_dir / "train_log.csv", pd.DataFrame([asdict(c) for c in chunks]))


def save_timing(run_dir: Path, **values) -> None:
    io.write_json(run_dir / "timing.json", values)
