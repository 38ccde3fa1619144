"""Repeated test passes of a labelled run: the same labels, new input spike trains.

Diehl & Cook (2015) report the test accuracy averaged over ten presentations of the test set.
:func:`diehlsim.api.evaluate` labels the neurons once and tests once (seed ``seed + 2``) and
saves ``assignments.npy`` and ``proportions.npy``; :func:`repeat_test` presents the test set
again with those assignments, learning off, each repeat with its own seed, so that only the
Poisson input spike trains change between repeats.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from diehlsim import api, datasets, runs
from diehlsim.analysis.metrics import evaluation_metrics
from diehlsim.errors import ConfigurationError
from diehlsim.protocol import run_phase
from diehlsim.seeds import test_repeat_seed
from diehlsim.simulation import Simulator

@dataclass(frozen=True)
class RepeatResult:
    """Accuracy of one presentation of the test set."""

    repeat: int
    seed: int
    accuracy_all: float
    accuracy_proportion: float
    n_test: int
    sim_s: float

    def as_row(self) -> dict:
        return asdict(self)


def load_assignments(run_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(assignments, proportions)`` saved by :func:`diehlsim.api.evaluate`."""
    run_dir = runs.require(Path(run_dir), "assignments.npy", "proportions.npy")
    return np.load(run_dir / "assignments.npy"), np.load(run_dir / "proportions.npy")


def repeat_test(run_dir, repeats, *, test_samples: int | None = None, device: str | None = None,
                data_dir=None, progress: bool = True,
                simulator: Simulator | None = None) -> list[RepeatResult]:
    """Present the test set once per entry of ``repeats`` (repeat numbers, e.g. ``range(1, 10)``)
    with the run's saved assignments; every repeat starts from the trained state.

    ``test_samples`` limits the test set to its first images, as in ``api.evaluate``.
    """
    run_dir = runs.require(Path(run_dir), "config.json", "state.npz")
    params, settings = runs.load_config(run_dir)
    trained = runs.load_state(run_dir)
    assignments, proportions = load_assignments(run_dir)
    sim = simulator or api.make_simulator(params, device or settings["device"],
                                          int(settings.get("slots", api.DEFAULT_SLOTS)),
                                          int(settings.get("threads", 0)))
    images, labels = datasets.load(settings["dataset"], "test", data_dir)
    indices = np.arange(_test_count(len(images), test_samples))
    results = []
    for repeat in repeats:
        seed = test_repeat_seed(int(settings["seed"]), int(repeat))
        tested, _ = run_phase(sim, images, indices, trained, learning=False, seed=seed,
                              label=f"test repeat {repeat}", progress=progress)
        metrics = evaluation_metrics(tested.counts, labels[tested.image_index], assignments,
                                     proportions)
        results.append(RepeatResult(int(repeat), seed, float(metrics["accuracy_all"]),
                                    float(metrics["accuracy_proportion"]),
                                    int(metrics["n_test"]), float(tested.sim_s)))
    return results


def _test_count(available: int, requested: int | None) -> int:
    if requested is None:
        return available
    if requested <= 0:
        raise ConfigurationError(f"--test-samples must be positive, got {requested}")
    return min(int(requested), available)
