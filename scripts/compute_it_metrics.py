"""Information-theoretic metrics of a trained, tested run (Capozzi et al. 2023, step 3).

Records the first K test images of each class with the trained network and writes the
analysis tables (table2.csv, capozzi_entropy.csv, capozzi_mi.csv, ...) and their figures.
The options are those of ``diehlsim analyze``, plus ``--out``.

    python scripts/compute_it_metrics.py --run runs/mnist [--samples 10] [--out DIR]
"""

import argparse
import sys
from pathlib import Path

from diehlsim import api, cli


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], add_help=False)
    parser.add_argument("--out", type=Path, default=None,
                        help="output directory (default: RUN/information)")
    extra, analyze_options = parser.parse_known_args()
    args = cli.build_parser().parse_args(["analyze", *analyze_options])

    analysis = api.analyze(args.run, args.samples, args.permutations, args.seed,
                           out_dir=extra.out, data_dir=args.data_dir)
    out = analysis.out_dir
    api.information_figures(out, api.load_config(args.run)[1]["dataset"])
    print(f"wrote {out}/table2.csv and the other tables; figures in {out}/figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
