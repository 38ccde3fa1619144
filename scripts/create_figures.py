"""Draw the figures of a reproduction directory or of a run (Capozzi et al. 2023, step 4).

    python scripts/create_figures.py --out results/capozzi2023   # diehlsim reproduce output
    python scripts/create_figures.py --out runs/mnist             # a run (+ RUN/information)
"""

import argparse
from pathlib import Path

from diehlsim import datasets, figures, reproduce, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True,
                        help="a `diehlsim reproduce` directory or a run directory")
    args = parser.parse_args()

    if (args.out / "config.json").exists():
        dataset = runs.load_config(args.out)[1]["dataset"]
        paths = figures.run_figures(args.out, args.out / "figures", dataset)
        information = args.out / "information"
        if (information / "table2.csv").exists():
            paths += figures.information_figures(
                information, information / "figures", dataset, datasets.image_shape(dataset),
                information / "spikes.npz")
    else:
        paths = reproduce.make_figures(args.out)
    print("\n".join(str(path) for path in paths))


if __name__ == "__main__":
    main()
