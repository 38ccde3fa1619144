"""``diehlsim train``: train a network with STDP, or resume an interrupted run."""

from __future__ import annotations

import time
from pathlib import Path

from diehlsim import api
from diehlsim.cli._options import (
    add_device,
    add_model_options,
    add_monitors,
    add_validation,
    model_overrides,
    monitor_options,
)
from diehlsim.errors import ConfigurationError


def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="train a network with STDP")
    p.add_argument("--dataset", choices=api.DATASETS, help="required unless --resume")
    p.add_argument("--neurons", type=int, help="excitatory neurons (required unless --resume)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--epochs", type=float, default=None,
                       help="passes over the training set (default 1; fractions allowed)")
    group.add_argument("--train-samples", type=int, default=None, metavar="N",
                       help="train on the first N images of the stream instead of --epochs")
    add_validation(p)
    add_model_options(p)
    p.add_argument("--stdp-rate-final", type=float, default=None, metavar="F",
                   help="STDP rate factor at the last training image, reached linearly from 1 "
                        "(default 1: the original's constant rate; 0 anneals to zero)")
    add_device(p)
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the initial weights and of every chunk's input spikes "
                        "(default %(default)s)")
    p.add_argument("--out", required=True, type=Path, help="run directory")
    p.add_argument("--chunk", type=int, default=None,
                   help=f"presentation slots per compiled run (default {api.DEFAULT_SLOTS} "
                        f"up to {api.SLOTS_NEURONS} neurons, {api.DEFAULT_SLOTS} more per "
                        f"further {api.SLOTS_NEURONS})")
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument("--force", action="store_true", help="overwrite an existing run directory")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint")
    add_monitors(p)
    p.set_defaults(func=cmd_train)


def cmd_train(args) -> int:
    if not args.resume and (args.dataset is None or args.neurons is None):
        raise ConfigurationError("train needs --dataset and --neurons (or --resume --out RUN)")
    if args.resume and args.monitor is not None:
        raise ConfigurationError("--monitor applies to a new training run, not to --resume: "
                                 "record traces with `diehlsim evaluate --monitor ...`")
    overrides = model_overrides(args)
    epochs = None if args.train_samples is not None else (
        1 if args.epochs is None else args.epochs)
    if args.resume and api.training_finished(args.out):
        print(f"nothing to resume: the training of {args.out} has finished; evaluate it with "
              f"`diehlsim evaluate --run {args.out}`")
        return 0
    start = time.perf_counter()
    try:
        run = _train_or_resume(args, epochs, overrides)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the last completed chunk is checkpointed in {args.out}; "
              f"continue with `diehlsim train --resume --out {args.out}`")
        return 130
    n = int(sum(c.images for c in run.phase.chunks))
    print(f"trained {run.params.n_exc} neurons on {n} images in "
          f"{time.perf_counter() - start:.1f} s (build {run.simulator.build_s:.1f} s, "
          f"simulation {run.phase.sim_s:.1f} s = {1000 * run.phase.sim_s / max(1, n):.2f} "
          f"ms/image); run in {args.out}")
    return 0


def _train_or_resume(args, epochs, overrides):
    if args.resume:
        return api.resume(args.out, data_dir=args.data_dir)
    return api.train(args.out, args.dataset, args.neurons, epochs=epochs,
                     train_samples=args.train_samples, stdp_rule=args.stdp, device=args.device,
                     seed=args.seed, slots=args.chunk, threads=args.threads,
                     data_dir=args.data_dir, force=args.force, overrides=overrides,
                     validation=args.validation, **monitor_options(args))
