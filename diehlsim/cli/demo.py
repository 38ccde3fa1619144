"""``diehlsim demo``: train and evaluate a small network on the embedded MNIST sample."""

from __future__ import annotations

import time
from pathlib import Path

from diehlsim import api
from diehlsim.cli._options import add_device


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="train and evaluate 100 neurons on the embedded MNIST sample")
    p.add_argument("--out", type=Path, default=Path("runs/demo"))
    p.add_argument("--neurons", type=int, default=100)
    add_device(p)
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the initial weights and input spikes (default %(default)s)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args) -> int:
    start = time.perf_counter()
    run = api.train(args.out, "mnist-sample", args.neurons, epochs=1, device=args.device,
                    seed=args.seed, threads=args.threads, force=True)
    metrics = api.evaluate(args.out, simulator=run.simulator)
    figures = api.figures(args.out)
    n_train = int(sum(c.images for c in run.phase.chunks))
    print(f"\ndemo: {args.neurons} excitatory neurons, {n_train} training images of the "
          f"embedded MNIST sample, {metrics['n_label']} labelling, {metrics['n_test']} test")
    print("accuracy: " + ", ".join(f"{100 * a:.1f} % ({r.title})"
                                   for r, a in api.accuracies(metrics)))
    print(f"results: {args.out}/ (metrics.json, weights.npy, theta.npy, train_log.csv)")
    print(f"figures: {figures}/ (receptive_fields, theta, confusion, accuracy_vs_images; "
          "PNG and PDF)")
    print(f"wall time {time.perf_counter() - start:.0f} s")
    return 0
