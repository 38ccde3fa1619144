"""Recording a trained run's test presentations and analysing their information content."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from diehlsim import datasets, runs, seeds
from diehlsim.analysis import report
from diehlsim.api.evaluation import load_assignments
from diehlsim.api.training import DEFAULT_SLOTS, make_simulator
from diehlsim.datasets.sample import select_first_per_class
from diehlsim.errors import ConfigurationError, RunDirectoryError
from diehlsim.protocol import run_phase
from diehlsim.recording_phase import phase_to_recording
from diehlsim.recordings import SpikeRecording

ANALYSIS_SUBDIR = "information"
DEFAULT_SAMPLES_PER_CLASS = 10
DEFAULT_PERMUTATIONS = 200


@dataclass
class Analysis:
    """Where :func:`analyze` wrote, and its tables (``table2`` and the others)."""

    out_dir: Path
    tables: dict


def record(run_dir, samples_per_class: int = DEFAULT_SAMPLES_PER_CLASS, *,
           data_dir=None) -> SpikeRecording:
    """Simulate test images (the first ``samples_per_class`` of each class) with learning
    off and return their input and excitatory spikes as a SpikeRecording; ``data_dir`` is
    searched first for the dataset."""
    params, settings = runs.load_config(Path(run_dir))
    state = runs.load_state(Path(run_dir))
    images, labels = datasets.load(settings["dataset"], "test", data_dir)
    chosen = select_first_per_class(labels, samples_per_class)
    sim = make_simulator(params, settings["device"], min(DEFAULT_SLOTS, len(chosen)),
                         record_input=True, delays=state.delays)
    phase, _ = run_phase(sim, images, chosen, state, learning=False,
                         seed=seeds.phase_seed(int(settings["seed"]), "record"), label="record",
                         keep_spikes=True)
    return phase_to_recording(phase, params, labels)


def analyze(run_dir, samples: int = DEFAULT_SAMPLES_PER_CLASS,
            permutations: int = DEFAULT_PERMUTATIONS, seed: int = 0, *, out_dir=None,
            data_dir=None) -> Analysis:
    """Record ``samples`` test images per class of the run in ``run_dir`` and write every table
    of :func:`diehlsim.analysis.report.analyze` and the recording (``spikes.npz``) into
    ``out_dir`` (default ``RUN/information``); ``seed`` seeds the permutations."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunDirectoryError(
            f"run directory {run_dir} does not exist: give the directory that training "
            f"wrote")
    if samples < 1:
        raise ConfigurationError(f"samples must be >= 1 image per class, got {samples}")
    if permutations < 1:
        raise ConfigurationError(f"permutations must be >= 1, got {permutations}")
    out_dir = Path(out_dir) if out_dir is not None else run_dir / ANALYSIS_SUBDIR
    recording = record(run_dir, samples, data_dir=data_dir)
    recording.save(out_dir / "spikes.npz")
    tables = report.analyze(recording, out_dir,
                            assignments=load_assignments(run_dir, recording.n_exc),
                            n_permutations=permutations, seed=seed)
    return Analysis(out_dir, tables)
