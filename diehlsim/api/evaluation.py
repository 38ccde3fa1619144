"""Labelling and testing a trained run, once (``evaluate``) or again (``repeat_test``).

Diehl & Cook (2015) report the test accuracy averaged over ten presentations of the test set.
:func:`evaluate` labels the neurons once, tests once (test repeat 0) and saves
``assignments.npy`` and ``proportions.npy``; :func:`repeat_test` presents the test set again
with those assignments, learning off, each repeat with its own seed, so that only the Poisson
input spike trains change between repeats. Both test through :func:`_test_pass`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import io, run_traces, runs, seeds
from diehlsim.analysis import readouts
from diehlsim.analysis.metrics import evaluation_metrics
from diehlsim.api import evaluation_rstdp
from diehlsim.api.data import run_images, run_training_data
from diehlsim.api.options import monitor_request
from diehlsim.api.training import check_simulator_monitors, simulator_for_run
from diehlsim.errors import ConfigurationError, RunDirectoryError
from diehlsim.protocol import PhaseResult, run_phase
from diehlsim.models.state import NetworkState
from diehlsim.simulation import Simulator


@dataclass(frozen=True)
class RepeatResult:
    """Accuracy of one presentation of the test set, per registered read-out."""

    repeat: int
    seed: int
    accuracy: dict  # read-out name -> accuracy
    n_test: int
    sim_s: float

    def as_row(self) -> dict:
        """One row of a results table: ``accuracy_<name>`` columns between seed and n_test."""
        return {"repeat": self.repeat, "seed": self.seed,
                **{f"accuracy_{name}": value for name, value in self.accuracy.items()},
                "n_test": self.n_test, "sim_s": self.sim_s}


@dataclass
class _TestPass:
    phase: PhaseResult
    labels: np.ndarray  # class of each accepted presentation
    metrics: dict


#: The validation pass continues the labelling phase's seed schedule from this chunk on:
#: its input spike trains never coincide with the labelling chunks', whatever their number.
VALIDATION_FIRST_CHUNK = 1_000_000


def evaluate(run_dir, *, label_samples: int | None = None, test_samples: int | None = None,
             validation_samples: int | None = None, device: str | None = None,
             data_dir=None, progress: bool = True, simulator: Simulator | None = None,
             test=None, rstdp=None, rstdp_epochs: int = 1, monitor=None,
             monitor_neurons=None, monitor_presentations=None) -> dict:
    """Label the neurons (learning off, theta frozen), test, and write metrics.json.

    The neurons are labelled on training images only. A run trained with a validation
    split also presents its held-out images (the first ``validation_samples`` of them) and
    reports ``validation_accuracy_<read-out>``: choose settings on those, not on the test
    set. ``test=(images, labels)`` gives the test images of a run trained on your own
    arrays (when they were not given to ``train``).

    ``rstdp`` adds the R-STDP decision layer (``True``, a dict of its parameters or
    ``models.rstdp.RSTDPParameters``; see :mod:`diehlsim.api.evaluation_rstdp`): it learns
    on the labelling images (the excitatory layer frozen) for ``rstdp_epochs`` passes and
    is reported as ``accuracy_rstdp`` beside the other read-outs, on the same spikes.

    ``monitor``, ``monitor_neurons``, ``monitor_presentations``: state monitors as for
    :func:`~diehlsim.api.train`; the presentations are kept in each phase (label,
    validation, test) under ``RUN/traces/PHASE/``.
    """
    _not_interrupted(Path(run_dir))
    run_dir = runs.require(Path(run_dir), "config.json", "state.npz")
    runs.check_writable(run_dir, "evaluate writes metrics.json and the labels there: make "
                        "it writable, or copy the run to a writable place")
    params, settings = runs.load_config(run_dir)
    state = runs.load_state(run_dir)
    seed = int(settings["seed"])
    params, state = evaluation_rstdp.with_layer(params, state, rstdp, rstdp_epochs, seed)
    request = monitor_request(params, monitor, monitor_neurons, monitor_presentations)
    data = run_training_data(run_dir, settings, data_dir)
    test_images, test_labels = run_images(run_dir, settings, "test", data_dir, given=test)
    label_idx = data.pool[:_limit(len(data.pool), label_samples, "label_samples")]
    test_idx = np.arange(_limit(len(test_images), test_samples, "test_samples"))
    if simulator is not None and simulator.params.rstdp is None and params.rstdp is not None:
        simulator = None  # a network without the decision layer cannot train it
    check_simulator_monitors(simulator, request)
    sim = simulator or simulator_for_run(params, settings, device, monitors=request,
                                         delays=state.delays)
    start = time.perf_counter()

    def traces(phase):
        return None if request is None else run_traces.trace_writer(run_dir, phase)

    learns = params.rstdp is not None  # the decision layer's first epoch is this pass
    labelled, state = run_phase(sim, data.images, label_idx, state, learning=False,
                                seed=seeds.phase_seed(seed, "label"), label="label",
                                progress=progress, labels=data.labels if learns else None,
                                rstdp_learning=learns, on_traces=traces("label"))
    label_y = data.labels[labelled.image_index]
    fitted = readouts.fit_all(labelled.counts, label_y,
                              first_spike_ms=labelled.first_spike_ms,
                              rstdp_class=evaluation_rstdp.decided(sim, labelled))
    decision_layer = evaluation_rstdp.train_more(sim, data, label_idx, state, rstdp_epochs,
                                                 seed, progress) if learns else None
    if decision_layer is not None:
        state = decision_layer.state
    metrics = {}
    if data.split is not None:
        validated = _validation_pass(sim, data, validation_samples, state, fitted, seed,
                                     progress, traces("validation"))
        metrics.update(_validation_metrics(validated))
        _save_phase(run_dir, "validation", validated.phase, validated.labels)
    tested = _test_pass(sim, test_images, test_labels, test_idx, state, fitted,
                        seeds.test_repeat_seed(seed, 0), "test", progress,
                        on_traces=traces("test"))
    metrics.update(tested.metrics)
    metrics.update(n_label=int(len(label_y)), device=sim.device_name,
                   label_sim_s=labelled.sim_s, test_sim_s=tested.phase.sim_s,
                   wall_s=time.perf_counter() - start,
                   ms_per_test_image=1000 * tested.phase.sim_s / max(1, len(tested.labels)))
    for name, array in readouts.fitted_arrays(fitted).items():  # assignments, linear_coef, ...
        io.write_npy(run_dir / f"{name}.npy", array)
    if decision_layer is not None:
        metrics["rstdp"] = evaluation_rstdp.save(run_dir, sim, labelled, label_y,
                                                 decision_layer)
    _save_phase(run_dir, "label", labelled, label_y)
    _save_phase(run_dir, "test", tested.phase, tested.labels)
    io.write_json(run_dir / "metrics.json", metrics)
    return metrics


def _validation_pass(sim, data, validation_samples, state, fitted, seed, progress,
                     on_traces=None):
    held_out = data.split.validation
    indices = held_out[:_limit(len(held_out), validation_samples, "validation_samples")]
    return _test_pass(sim, data.images, data.labels, indices, state, fitted,
                      seeds.phase_seed(seed, "label"), "validation", progress,
                      first_chunk=VALIDATION_FIRST_CHUNK, on_traces=on_traces)


def validation_key(readout) -> str:
    """The metric of a read-out's accuracy on the held-out training images."""
    return f"validation_{readouts.accuracy_key(readout)}"


def validation_columns(present=()) -> list[str]:
    """``validation_accuracy_<name>`` of every registered read-out that is not optional,
    the primary one first, and of each optional one whose column is in ``present``."""
    present = set(present)
    return [validation_key(r) for r in readouts.readouts()
            if not r.optional or validation_key(r) in present]


def validation_accuracies(metrics: dict) -> list:
    """``(read-out, validation accuracy)`` of every registered read-out ``metrics`` has."""
    return [(r, float(metrics[validation_key(r)])) for r in readouts.readouts()
            if validation_key(r) in metrics]


def _validation_metrics(validated: _TestPass) -> dict:
    """``validation_accuracy_<name>`` per registered read-out, and how many were scored."""
    out = {validation_key(r): value for r, value in readouts.accuracies(validated.metrics)}
    out.update(n_validation=int(len(validated.labels)),
               validation_sim_s=float(validated.phase.sim_s))
    return out


def repeat_test(run_dir, repeats, *, test_samples: int | None = None, device: str | None = None,
                data_dir=None, progress: bool = True, simulator: Simulator | None = None,
                test=None) -> list[RepeatResult]:
    """Present the test set once per entry of ``repeats`` (repeat numbers, e.g. ``range(1, 10)``)
    with the run's saved assignments; every repeat starts from the trained state.

    ``test_samples`` limits the test set to its first images, as in :func:`evaluate`.
    """
    run_dir = runs.require(Path(run_dir), "config.json", "state.npz", "assignments.npy")
    params, settings = runs.load_config(run_dir)
    trained = runs.load_state(run_dir)
    # read-outs decided by a layer the saved network lacks (R-STDP) are left out
    fitted = {name: parts for name, parts in load_readouts(run_dir, params.n_exc).items()
              if set(readouts.get(name).reads) <= {"counts", "first_spike_ms"}}
    sim = simulator or simulator_for_run(params, settings, device, delays=trained.delays)
    images, labels = run_images(run_dir, settings, "test", data_dir, given=test)
    indices = np.arange(_limit(len(images), test_samples, "test_samples"))
    results = []
    for repeat in repeats:
        seed = seeds.test_repeat_seed(int(settings["seed"]), int(repeat))
        tested = _test_pass(sim, images, labels, indices, trained, fitted, seed,
                            f"test repeat {repeat}", progress)
        accuracy = {r.name: value for r, value in readouts.accuracies(tested.metrics)}
        results.append(RepeatResult(int(repeat), seed, accuracy, int(tested.metrics["n_test"]),
                                    float(tested.phase.sim_s)))
    return results


def _not_interrupted(run_dir: Path) -> None:
    if not (run_dir / "state.npz").exists() and (run_dir / "checkpoint.npz").exists():
        raise RunDirectoryError(
            f"the training of {run_dir} was interrupted: continue it with `diehlsim train "
            f"--resume --out {run_dir}`, then evaluate it")


def load_assignments(run_dir, n_exc: int) -> np.ndarray | None:
    """``RUN/assignments.npy`` when present (checked against the layer size), else None."""
    path = Path(run_dir) / "assignments.npy"
    if not path.exists():
        return None
    assignments = np.load(path, allow_pickle=False)
    if assignments.shape != (n_exc,):
        raise RunDirectoryError(
            f"{path} has shape {assignments.shape} but the network has {n_exc} excitatory "
            f"neurons: re-run the labelling step of this run or delete the file")
    return assignments


def load_readouts(run_dir, n_exc: int) -> dict:
    """The read-outs :func:`evaluate` fitted and saved in ``run_dir`` (``NAME.npy`` each)."""
    arrays = {"assignments": load_assignments(run_dir, n_exc)}  # checked against n_exc
    for name in {n for r in readouts.readouts() for n in r.arrays} - set(arrays):
        path = Path(run_dir) / f"{name}.npy"
        if path.exists():
            arrays[name] = np.load(path, allow_pickle=False)
    return readouts.fitted_from_arrays(arrays)


def _test_pass(sim: Simulator, images, labels, indices, state: NetworkState, fitted: dict,
               seed: int, label: str, progress: bool, first_chunk: int = 0,
               on_traces=None) -> _TestPass:
    """One presentation of the images ``indices`` (learning off), scored."""
    tested, _ = run_phase(sim, images, indices, state, learning=False, seed=seed, label=label,
                          progress=progress, first_chunk=first_chunk, on_traces=on_traces)
    tested_labels = labels[tested.image_index]
    metrics = evaluation_metrics(tested.counts, tested_labels, fitted,
                                 first_spike_ms=tested.first_spike_ms,
                                 rstdp_class=evaluation_rstdp.decided(sim, tested))
    return _TestPass(tested, tested_labels, metrics)


def _save_phase(run_dir: Path, name: str, phase: PhaseResult, labels: np.ndarray) -> None:
    io.write_npy(run_dir / f"{name}_counts.npy", phase.counts)
    io.write_npy(run_dir / f"{name}_first_spike.npy", phase.first_spike_ms)  # ms, inf: silent
    io.write_npy(run_dir / f"{name}_labels.npy", labels)
    io.write_csv(run_dir / f"{name}_presentations.csv", pd.DataFrame({
        "image": phase.image_index, "label": labels, "intensity": phase.intensity,
        "repeats": phase.repeats, "spikes": phase.counts.sum(axis=1)}))
    for key, values in phase.decisions.items():  # the R-STDP layer's, when it ran
        io.write_npy(run_dir / f"{name}_{key}.npy", values)


def _limit(available: int, requested: int | None, flag: str) -> int:
    if requested is None:
        return available
    if requested <= 0:
        raise ConfigurationError(f"{flag} must be positive, got {requested}")
    return min(int(requested), available)
