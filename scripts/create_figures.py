"""Draw the figures of a reproduction directory or of a run (Capozzi et al. 2023, step 4).

    python scripts/create_figures.py --out results/capozzi2023   # diehlsim reproduce output
    python scripts/create_figures.py --out runs/mnist             # a run (+ RUN/information)
"""

import argparse
import sys
from pathlib import Path

from diehlsim import api, cli


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True,
                        help="a `diehlsim reproduce` directory or a run directory")
    args = parser.parse_args()

    if not (args.out / "config.json").exists():
        return cli.main(["reproduce", "figures", "--out", str(args.out)])
    paths = [api.figures(args.out)]
    information = args.out / api.ANALYSIS_SUBDIR
    if (information / "table2.csv").exists():
        dataset = api.load_config(args.out)[1]["dataset"]
        paths += api.information_figures(information, dataset)
    print("\n".join(str(path) for path in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
