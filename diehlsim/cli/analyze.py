"""``diehlsim analyze --run RUN [--samples K]``: information analysis of a trained run.

The handler asks :func:`diehlsim.api.analyze` to simulate ``K`` test images per class with
the run's trained network (in test-set order), save the recording and write every table of
:func:`diehlsim.analysis.report.analyze` into ``RUN/information/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from diehlsim import api


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="information analysis (Capozzi et al. Table 2, bias-corrected MI) of a trained run",
        description="Information analysis of a trained run (Capozzi et al. Table 2, bias-corrected"
        " and tested mutual information); results go to RUN/information/.",
    )
    parser.add_argument("--run", required=True, type=Path,
                        help="run directory written by training (holds the trained network)")
    parser.add_argument("--samples", type=int, default=api.DEFAULT_SAMPLES_PER_CLASS, metavar="K",
                        help="test images per class to simulate and analyse "
                             f"(default {api.DEFAULT_SAMPLES_PER_CLASS})")
    parser.add_argument("--permutations", type=int, default=api.DEFAULT_PERMUTATIONS, metavar="N",
                        help="permutations per permutation test "
                             f"(default {api.DEFAULT_PERMUTATIONS})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the permutations")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where the dataset is, searched first (as for train and evaluate)")
    parser.set_defaults(func=run_analyze)


def run_analyze(args: argparse.Namespace) -> int:
    """Simulate the test presentations of ``args.run`` and analyse them into RUN/information/."""
    analysis = api.analyze(args.run, args.samples, args.permutations, args.seed,
                           data_dir=args.data_dir)
    for _, row in analysis.tables["table2"].iterrows():
        print(f"class {row['class']}: spiked {len(row['spiked'].split())}, "
              f"with MI {len(row['with_mi'].split())}, "
              f"informative {len(row['informative'].split())}")
    print(f"wrote {analysis.out_dir}")
    return 0
