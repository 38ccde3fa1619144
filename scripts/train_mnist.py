"""Train on MNIST for one epoch (Capozzi et al. 2023, step 1).

    python scripts/train_mnist.py --out runs/mnist [--neurons 100] [--device cpp_standalone]
"""

import argparse

from diehlsim import api
from diehlsim.simulation import DEVICES

DATASET = "mnist"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/mnist",
                        help="run directory (default: %(default)s)")
    parser.add_argument("--neurons", type=int, default=100)
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--device", choices=DEVICES, default="cpp_standalone")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    run = api.train(args.out, DATASET, args.neurons, epochs=args.epochs,
                    device=args.device, seed=args.seed)
    print(f"trained {args.neurons} neurons on {DATASET}; run directory {run.run_dir}")


if __name__ == "__main__":
    main()
