"""``diehlsim analyze --run RUN [--samples K]``: information analysis of a trained run.

The handler asks :func:`diehlsim.commands.record_analysis_spikes` to simulate ``K`` test
images per class with the run's trained network (in test-set order), saves the recording,
and writes every table of :func:`diehlsim.analysis.report.analyze` into ``RUN/information/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from diehlsim.errors import ConfigurationError, RunDirectoryError

OUTPUT_SUBDIR = "information"
DEFAULT_SAMPLES_PER_CLASS = 10
DEFAULT_PERMUTATIONS = 200


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="information analysis (Capozzi et al. Table 2, bias-corrected MI) of a trained run",
        description="Information analysis of a trained run (Capozzi et al. Table 2, bias-corrected"
        " and tested mutual information); results go to RUN/information/.",
    )
    parser.add_argument("--run", required=True, type=Path,
                        help="run directory written by training (holds the trained network)")
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES_PER_CLASS, metavar="K",
                        help="test images per class to simulate and analyse "
                             f"(default {DEFAULT_SAMPLES_PER_CLASS})")
    parser.add_argument("--permutations", type=int, default=DEFAULT_PERMUTATIONS, metavar="N",
                        help="permutations per permutation test "
                             f"(default {DEFAULT_PERMUTATIONS})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the permutations")
    parser.set_defaults(func=run_analyze)


def run_analyze(args: argparse.Namespace) -> int:
    """Simulate the test presentations of ``args.run`` and analyse them into RUN/information/."""
    run_dir = Path(args.run)
    if not run_dir.is_dir():
        raise RunDirectoryError(
            f"run directory {run_dir} does not exist: pass --run with the directory that "
            f"training wrote"
        )
    if args.samples < 1:
        raise ConfigurationError(f"--samples must be >= 1 image per class, got {args.samples}")
    if args.permutations < 1:
        raise ConfigurationError(f"--permutations must be >= 1, got {args.permutations}")
    # Imported here: the simulation stack (Brian2) is heavy and not needed to build the CLI.
    from diehlsim.commands import record_analysis_spikes
    from diehlsim.analysis.report import analyze

    recording = record_analysis_spikes(run_dir, args.samples)
    out_dir = run_dir / OUTPUT_SUBDIR
    recording.save(out_dir / "spikes.npz")
    frames = analyze(recording, out_dir, assignments=load_assignments(run_dir, recording.n_exc),
                     n_permutations=args.permutations, seed=args.seed)
    for _, row in frames["table2"].iterrows():
        print(f"class {row['class']}: spiked {len(row['spiked'].split())}, "
              f"with MI {len(row['with_mi'].split())}, "
              f"informative {len(row['informative'].split())}")
    print(f"wrote {out_dir}")
    return 0


def load_assignments(run_dir: Path, n_exc: int) -> np.ndarray | None:
    """``RUN/assignments.npy`` when present (checked against the layer size), else None."""
    path = Path(run_dir) / "assignments.npy"
    if not path.exists():
        return None
    assignments = np.load(path, allow_pickle=False)
    if assignments.shape != (n_exc,):
        raise RunDirectoryError(
            f"{path} has shape {assignments.shape} but the network has {n_exc} excitatory "
            f"neurons: re-run the labelling step of this run or delete the file"
        )
    return assignments
