"""A run's phase as an NWB file: its spikes, presentations, labels, weights and parameters.

``evaluate`` keeps spike counts, not spike times. :func:`export` therefore presents the
phase again exactly as ``evaluate`` did (the same trained state, images, seeds and chunks
of the run's slots, learning off) and records every spike; the counts of the accepted
presentations recomputed from those spikes are compared with ``RUN/<phase>_counts.npy``
(``ExportResult.counts_match``). See ``docs/nwb.md`` for what the file holds.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from diehlsim import nwb, runs, seeds
from diehlsim.analysis.counts import counts_per_presentation
from diehlsim.api.data import run_images, run_training_data
from diehlsim.api.evaluation import load_assignments
from diehlsim.api.training import DEFAULT_SLOTS, make_simulator
from diehlsim.devices import versions
from diehlsim.errors import ConfigurationError, RunDirectoryError
from diehlsim.models.parameters import parameters_to_json
from diehlsim.recording_phase import PhaseSpikes, record_phase

FORMATS = ("nwb",)
LAYERS = ("exc", "input")
PHASES = ("test", "label")
N_CLASSES = 10


def export_formats() -> tuple:
    return FORMATS


def export_phases() -> tuple:
    return PHASES


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export` wrote, and whether its spikes give the counts ``evaluate`` saved."""

    path: Path
    phase: str
    layers: tuple
    n_presentations: int  # accepted and re-presented
    n_accepted: int
    n_spikes: dict  # layer -> spikes written
    counts_match: bool  # accepted presentations' counts == RUN/<phase>_counts.npy


def export(run_dir, out, *, format: str = "nwb", layers=("exc",), phase: str = "test",
           device: str | None = None, data_dir=None, force: bool = False, simulator=None
           ) -> ExportResult:
    """Write the ``phase`` of the evaluated run in ``run_dir`` as an NWB file ``out``.

    ``layers``: ``exc`` (always) and optionally ``input``. ``device`` defaults to the run's
    training device (another device gives other spike trains). ``simulator`` reuses one
    built for this run (it must record the inputs when ``input`` is exported).
    """
    run_dir, out, layers = _check_request(run_dir, out, format, layers, phase, force)
    params, settings = runs.load_config(run_dir)
    state = runs.load_state(run_dir)
    saved_counts = np.load(run_dir / f"{phase}_counts.npy", allow_pickle=False)
    images, labels, indices, seed = _phase_images(run_dir, settings, phase, data_dir,
                                                  len(saved_counts))
    sim = simulator or make_simulator(
        params, device or settings["device"], int(settings.get("slots", DEFAULT_SLOTS)),
        int(settings.get("threads", 0)), record_input="input" in layers, delays=state.delays)
    spikes = record_phase(sim, images, indices, state, seed=seed)
    if "input" in layers and spikes.input is None:
        raise ConfigurationError(
            "the simulator given does not record the input spikes: leave simulator= out, or "
            "build it with record_input=True")
    counts = counts_per_presentation(*spikes.exc, spikes.start_step[spikes.accepted],
                                     spikes.steps_on, params.n_exc)
    matches = counts.shape == saved_counts.shape and bool(np.array_equal(counts, saved_counts))
    contents = _contents(run_dir, params, settings, phase, layers, spikes, labels, matches)
    nwb.write_file(out, contents)
    return ExportResult(
        path=out, phase=phase, layers=layers, n_presentations=int(len(spikes.start_step)),
        n_accepted=int(spikes.accepted.sum()),
        n_spikes={layer: int(len(_layer(spikes, layer)[0])) for layer in layers},
        counts_match=matches)


def _check_request(run_dir, out, format, layers, phase, force):
    run_dir, out = Path(run_dir), Path(out)
    if format not in FORMATS:
        raise ConfigurationError(f"unknown format {format!r}: choose {', '.join(FORMATS)}")
    if isinstance(layers, str):
        layers = [part.strip() for part in layers.split(",") if part.strip()]
    unknown = [layer for layer in layers if layer not in LAYERS]
    if unknown:
        raise ConfigurationError(
            f"unknown layer {', '.join(map(repr, unknown))}: choose from "
            f"{', '.join(LAYERS)} (e.g. --layers exc,input)")
    if "exc" not in layers:
        raise ConfigurationError(
            "the export always holds the excitatory layer: give --layers exc or exc,input")
    if phase not in PHASES:
        raise ConfigurationError(f"unknown phase {phase!r}: choose from {', '.join(PHASES)}")
    if not run_dir.is_dir():
        raise RunDirectoryError(
            f"run directory {run_dir} does not exist: give the directory that training wrote")
    runs.require(run_dir, "config.json", "state.npz")
    if not (run_dir / f"{phase}_counts.npy").exists() or not (
            run_dir / "assignments.npy").exists():
        raise RunDirectoryError(
            f"{run_dir} has not been evaluated (no {phase}_counts.npy / assignments.npy): run "
            f"`diehlsim evaluate --run {run_dir}` first; the export presents the phase that "
            f"evaluate presented, with its labels")
    if out.exists() and not force:
        raise RunDirectoryError(f"{out} exists already: choose another --out, or --force to "
                                f"replace it")
    if out.suffix != ".nwb":
        raise ConfigurationError(f"{out} does not end in .nwb: NWB readers expect it")
    return run_dir, out, tuple(layer for layer in LAYERS if layer in layers)


def _phase_images(run_dir, settings, phase, data_dir, n_images):
    """The images, labels, presented indices and seed of ``phase`` as ``evaluate`` ran it."""
    run_seed = int(settings["seed"])
    if phase == "test":
        images, labels = run_images(run_dir, settings, "test", data_dir)
        return images, labels, np.arange(n_images), seeds.test_repeat_seed(run_seed, 0)
    data = run_training_data(run_dir, settings, data_dir)
    return (data.images, data.labels, data.pool[:n_images],
            seeds.phase_seed(run_seed, "label"))


def _layer(spikes: PhaseSpikes, layer: str) -> tuple:
    return spikes.exc if layer == "exc" else spikes.input


def _spike_times(spikes: PhaseSpikes, layer: str, n_neurons: int) -> list:
    """Per neuron, its spike times in seconds from the phase's start, in time order."""
    neuron, step = _layer(spikes, layer)
    order = np.lexsort((step, neuron))
    neuron, step = neuron[order], step[order]
    bounds = np.searchsorted(neuron, np.arange(n_neurons + 1))
    return [step[a:b] * spikes.dt for a, b in zip(bounds[:-1], bounds[1:])]


def _contents(run_dir, params, settings, phase, layers, spikes, labels, matches):
    n_exc, n_input = params.n_exc, params.n_input
    assignments = load_assignments(run_dir, n_exc)
    proportions = _proportions(run_dir, n_exc)
    theta = np.load(run_dir / "theta.npy", allow_pickle=False).astype(float).reshape(n_exc)
    exc_columns = _unit_columns(assignments, proportions, theta)
    unit_layers = [nwb.UnitsLayer("exc", _spike_times(spikes, "exc", n_exc), exc_columns)]
    if "input" in layers:
        unit_layers.append(nwb.UnitsLayer("input", _spike_times(spikes, "input", n_input),
                                          _unit_columns(np.full(n_input, -1),
                                                        np.full((n_input, N_CLASSES), np.nan),
                                                        np.full(n_input, np.nan))))
    software = versions("pynwb")
    created = datetime.fromtimestamp((run_dir / "config.json").stat().st_mtime, timezone.utc)
    return nwb.Contents(
        session_description=(
            f"diehlsim (Diehl & Cook 2015 spiking network, Brian2): the {phase} phase of the "
            f"run {run_dir.name} presented again as evaluate presented it (learning off), "
            f"{n_exc} excitatory neurons, {n_input} inputs, dataset {settings['dataset']}, "
            f"seed {settings['seed']}, device {settings['device']}"),
        identifier=str(uuid.uuid4()), session_start_time=created,
        experiment_description=(
            "unsupervised learning of digit recognition with STDP (Diehl & Cook 2015), "
            "simulated; no animal: the file has no subject"),
        spike_resolution_s=spikes.dt,
        layers=unit_layers, presentations=_presentations(spikes, labels),
        presentations_description=(
            "every presentation of an image, input on from start_time to stop_time; "
            "a presentation with too few excitatory spikes is not accepted and the image is "
            "presented again with more intensity (Diehl & Cook 2015)"),
        tables=_network_tables(run_dir, params, software),
        processing_description="the trained network: input -> excitatory weights, every "
                               "parameter with its unit, software versions",
        source_script=f"diehlsim export --run {run_dir} --phase {phase} "
                      f"--layers {','.join(layers)}",
        notes=json.dumps({"phase": phase, "counts_match_saved": matches,
                          "versions": software}),
        keywords=("spiking neural network", "STDP", "Brian2", "simulation"))


def _proportions(run_dir: Path, n_exc: int) -> np.ndarray:
    path = run_dir / "proportions.npy"
    if not path.exists():
        return np.full((n_exc, N_CLASSES), np.nan)
    return np.load(path, allow_pickle=False).astype(float).reshape(n_exc, -1)


def _unit_columns(assignments, proportions, theta) -> dict:
    return {
        "assigned_label": nwb.Column(
            "class assigned to the neuron by evaluate's labelling phase (-1: never fired, "
            "or not an excitatory neuron)", np.asarray(assignments, dtype=np.int64)),
        "proportions": nwb.Column(
            "per class, the neuron's mean count in that class over the sum of its mean "
            "counts (BindsNET's proportions; NaN for inputs)", np.asarray(proportions)),
        "theta": nwb.Column("trained adaptive threshold increase theta, in volts (NaN for "
                            "inputs)", np.asarray(theta, dtype=float)),
    }


def _presentations(spikes: PhaseSpikes, labels) -> dict:
    start = spikes.start_step * spikes.dt
    stop = (spikes.start_step + spikes.steps_on) * spikes.dt
    return {
        "start_time": nwb.Column("input on, seconds from the phase's start", start),
        "stop_time": nwb.Column("input off (the rest follows), seconds", stop),
        "image_index": nwb.Column("index of the image in its dataset split",
                                  spikes.image_index),
        "label": nwb.Column("class of the image", np.asarray(labels)[spikes.image_index]),
        "intensity": nwb.Column("factor on the input rates (dimensionless; rate = pixel / 8 "
                                "* intensity Hz for Poisson input)", spikes.intensity),
        "repeat": nwb.Column("earlier presentations of the same image", spikes.repeats),
        "accepted": nwb.Column("the image moved on after this presentation; evaluate's "
                               "counts are those of the accepted presentations",
                               spikes.accepted),
    }


def _network_tables(run_dir: Path, params, software: dict) -> dict:
    weights = np.load(run_dir / "weights.npy", allow_pickle=False).astype(float)
    weights = weights.reshape(params.n_input, params.n_exc)
    names, values, units = _flat_parameters(parameters_to_json(params))
    return {
        "input_to_excitatory_weights": (
            "weight of the synapse from each input (columns) onto each excitatory neuron "
            "(rows; the neuron column of the units)", {
                "weights": nwb.Column("input -> excitatory weights (dimensionless, "
                                      "conductance increments in units of the model's "
                                      "weight scale)", weights.T)}),
        "parameters": ("every network parameter of the run with its unit", {
            "parameter": nwb.Column("parameter (section.name)", np.asarray(names, dtype=object)),
            "value": nwb.Column("value, as JSON text (a number in the unit of the unit "
                                "column)", np.asarray(values, dtype=object)),
            "unit": nwb.Column("Brian2 unit of the value (empty: dimensionless or not a "
                               "quantity)", np.asarray(units, dtype=object))}),
        "software": ("software that made the run and this file", {
            "package": nwb.Column("package", np.asarray(list(software), dtype=object)),
            "version": nwb.Column("version (empty: not installed)", np.asarray(
                [str(v or "") for v in software.values()], dtype=object))}),
    }


def _flat_parameters(tree: dict, prefix: str = ""):
    names, values, units = [], [], []
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) == {"value", "unit"}:
            names.append(name), values.append(json.dumps(value["value"]))
            units.append(value["unit"])
        elif isinstance(value, dict):
            sub = _flat_parameters(value, f"{name}.")
            names += sub[0]
            values += sub[1]
            units += sub[2]
        else:
            names.append(name), values.append(json.dumps(value)), units.append("")
    return names, values, units
