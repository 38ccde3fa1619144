"""``diehlsim analyze --run RUN [--samples K] | --nwb FILE [--figures]``: information analysis.

With ``--run`` the handler asks :func:`diehlsim.api.analyze` to simulate ``K`` test images per
class with the run's trained network (in test-set order), save the recording and write every
table of :func:`diehlsim.analysis.report.analyze` into ``RUN/information/``; with ``--nwb``,
:func:`diehlsim.api.analyze_nwb` runs the same report on the spikes of an NWB file (any
file with Units and a presentations or trials table, see docs/nwb.md). ``--figures`` then
draws the analysis figures (:func:`diehlsim.api.analysis_figures`).
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
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", type=Path,
                        help="run directory written by training (holds the trained network)")
    source.add_argument("--nwb", type=Path, metavar="FILE",
                        help="an NWB file: analyse its Units and presentations instead of "
                             "simulating (results go to FILE_information/)")
    parser.add_argument("--samples", type=int, default=api.DEFAULT_SAMPLES_PER_CLASS, metavar="K",
                        help="test images per class to simulate and analyse "
                             f"(default {api.DEFAULT_SAMPLES_PER_CLASS})")
    parser.add_argument("--permutations", type=int, default=api.DEFAULT_PERMUTATIONS, metavar="N",
                        help="permutations per permutation test "
                             f"(default {api.DEFAULT_PERMUTATIONS})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the permutations")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where the dataset is, searched first (as for train and evaluate)")
    parser.add_argument("--intervals", default=None, metavar="NAME",
                        help="with --nwb: the intervals table of the presentations (default "
                             "presentations, else trials)")
    parser.add_argument("--label-column", default="label", metavar="NAME",
                        help="with --nwb: the column of the presentations' classes "
                             "(default label)")
    parser.add_argument("--out", type=Path, default=None,
                        help="with --nwb: where the results go (default FILE_information/)")
    parser.add_argument("--figures", action="store_true",
                        help="also draw the analysis figures into the results' figures/")
    parser.set_defaults(func=run_analyze)


def run_analyze(args: argparse.Namespace) -> int:
    """Analyse the run's test presentations (or the NWB file's) and print Table 2."""
    if args.nwb is not None:
        analysis = api.analyze_nwb(args.nwb, out_dir=args.out, permutations=args.permutations,
                                   seed=args.seed, intervals=args.intervals,
                                   label_column=args.label_column)
        dataset = None
    else:
        analysis = api.analyze(args.run, args.samples, args.permutations, args.seed,
                               data_dir=args.data_dir)
        dataset = api.load_config(args.run)[1]["dataset"] if args.figures else None
    if "table2" in analysis.tables:
        for _, row in analysis.tables["table2"].iterrows():
            print(f"class {row['class']}: spiked {len(row['spiked'].split())}, "
                  f"with MI {len(row['with_mi'].split())}, "
                  f"informative {len(row['informative'].split())}")
    else:
        print("no input spikes: input information skipped, class information only")
    if args.figures:
        for path in api.analysis_figures(analysis.out_dir, dataset):
            print(path)
    print(f"wrote {analysis.out_dir}")
    return 0
