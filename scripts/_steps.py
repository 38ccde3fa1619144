"""The two steps shared by the per-dataset scripts (Capozzi et al. 2023 workflow)."""

import argparse
from pathlib import Path

from diehlsim import api, figures, runs
from diehlsim.models.parameters import INPUT_TRANSFORMS
from diehlsim.simulation import DEVICES


def train_main(dataset: str, doc: str) -> None:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", default=f"runs/{dataset}",
                        help="run directory (default: %(default)s)")
    parser.add_argument("--neurons", type=int, default=100)
    parser.add_argument("--epochs", type=float, default=1)
    parser.add_argument("--device", choices=DEVICES, default="cpp_standalone")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--input-transform", choices=INPUT_TRANSFORMS, default="none",
                        help="per-image contrast transform (default: none, as in the paper)")
    args = parser.parse_args()

    run = api.train(args.out, dataset, args.neurons, epochs=args.epochs,
                    device=args.device, seed=args.seed,
                    overrides={"protocol__input_transform": args.input_transform})
    print(f"trained {args.neurons} neurons on {dataset}; run directory {run.run_dir}")


def test_main(dataset: str, doc: str) -> None:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--run", type=Path, default=Path(f"runs/{dataset}"),
                        help="run directory of the training script (default: %(default)s)")
    parser.add_argument("--label-samples", type=int, default=None, help="default: all")
    parser.add_argument("--test-samples", type=int, default=None, help="default: all")
    parser.add_argument("--device", default=None, help="default: the training device")
    args = parser.parse_args()

    _, settings = runs.load_config(args.run)
    if settings["dataset"] != dataset:
        parser.error(f"{args.run} was trained on {settings['dataset']}, not {dataset}")
    metrics = api.evaluate(args.run, label_samples=args.label_samples,
                           test_samples=args.test_samples, device=args.device)
    figures.run_figures(args.run, args.run / "figures", dataset)
    print(f"accuracy {100 * metrics['accuracy_all']:.2f} % (all vote), "
          f"{100 * metrics['accuracy_proportion']:.2f} % (proportion vote); "
          f"{args.run}/metrics.json, figures in {args.run}/figures")
