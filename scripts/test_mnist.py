"""Label and test a network trained on MNIST (Capozzi et al. 2023, step 2).

    python scripts/test_mnist.py --run runs/mnist [--label-samples N] [--test-samples N]
"""

import argparse
from pathlib import Path

from diehlsim import api, figures, runs

DATASET = "mnist"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=Path("runs/mnist"),
                        help="run directory of train_mnist.py (default: %(default)s)")
    parser.add_argument("--label-samples", type=int, default=None, help="default: all")
    parser.add_argument("--test-samples", type=int, default=None, help="default: all")
    parser.add_argument("--device", default=None, help="default: the training device")
    args = parser.parse_args()

    _, settings = runs.load_config(args.run)
    if settings["dataset"] != DATASET:
        parser.error(f"{args.run} was trained on {settings['dataset']}, not {DATASET}")
    metrics = api.evaluate(args.run, label_samples=args.label_samples,
                           test_samples=args.test_samples, device=args.device)
    figures.run_figures(args.run, args.run / "figures", DATASET)
    print(f"accuracy {100 * metrics['accuracy_all']:.2f} % (all vote), "
          f"{100 * metrics['accuracy_proportion']:.2f} % (proportion vote); "
          f"{args.run}/metrics.json, figures in {args.run}/figures")


if __name__ == "__main__":
    main()
