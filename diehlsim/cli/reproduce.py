"""``diehlsim reproduce capozzi2023|diehlcook2015|figures``: one command per paper.

``capozzi2023`` and ``diehlcook2015`` run :mod:`diehlsim.papers.capozzi2023` and
:mod:`diehlsim.papers.diehlcook2015`; ``figures`` draws the figures again from a finished
reproduction directory. Re-running a command with the same ``--out`` continues an interrupted
training run and reuses a finished one; ``--force`` trains from scratch.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from diehlsim import api, papers
from diehlsim.cli._options import add_rstdp, rstdp_assignments
from diehlsim.errors import ConfigurationError
from diehlsim.papers.capozzi2023 import (CAPOZZI_ACCURACY, CAPOZZI_DATASETS, CAPOZZI_FULL,
                                         CAPOZZI_NEURONS, CAPOZZI_QUICK, reproduce_capozzi2023)
from diehlsim.papers.common import RunOptions, Sizes
from diehlsim.papers.diehlcook2015 import (DIEHL_COOK_FULL, DIEHL_COOK_QUICK, DIEHL_COOK_REPEATS,
                                           DIEHL_COOK_TRAIN_IMAGES, reproduce_diehlcook2015)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "reproduce", help="reproduce a paper with one command (capozzi2023, diehlcook2015)",
        description="Reproduce a paper: train, evaluate, analyse and draw the figures.")
    papers = parser.add_subparsers(dest="paper", metavar="PAPER", required=True)
    _register_capozzi(papers)
    _register_diehl_cook(papers)
    _register_figures(papers)


def _add_common(parser, quick_help: str) -> None:
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--device", choices=api.DEVICES, default="cpp_standalone",
                        help="Brian2 device (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=0,
                        help="OpenMP threads for cpp_standalone (0 = none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stdp", choices=api.STDP_RULES, default="triplet",
                        help="STDP rule (default: %(default)s)")
    parser.add_argument("--train-images", type=int, default=None, metavar="N",
                        help="training images (default: the paper's)")
    parser.add_argument("--label-samples", type=int, default=None, metavar="N",
                        help="training images used to label the neurons (default: all)")
    parser.add_argument("--test-samples", type=int, default=None, metavar="N",
                        help="test images (default: all)")
    parser.add_argument("--force", action="store_true",
                        help="train again even when --out holds a finished training run")
    parser.add_argument("--excitatory-model", choices=api.component_names("excitatory"),
                        default="diehl-cook", help="excitatory neuron model (default: the "
                        "paper's, %(default)s; lif: fixed threshold)")
    parser.add_argument("--input-model", choices=api.component_names("input"),
                        default="poisson", help="input encoder (default: %(default)s)")
    parser.add_argument("--recurrent", choices=api.RECURRENT_KINDS, default="none",
                        help="excitatory -> excitatory projection (default: %(default)s)")
    add_rstdp(parser)


def _register_capozzi(papers) -> None:
    p = papers.add_parser(
        "capozzi2023", help="Capozzi et al. 2023: MNIST, Fashion-MNIST, CIFAR-10, 100 neurons",
        description="Train 100 neurons for one epoch on MNIST, Fashion-MNIST and gray CIFAR-10; "
                    "evaluate; information analysis (Table 2); figures.")
    _add_common(p, "small subsets (300 training, 300 labelling, 200 test images, 2 analysed "
                   "images per class, 20 permutations): minutes instead of hours")
    p.add_argument("--neurons", type=int, default=CAPOZZI_NEURONS,
                   help="excitatory neurons (default: %(default)s, as in the paper)")
    p.add_argument("--analysis-samples", type=int, default=None, metavar="K",
                   help="test images per class recorded for the information analysis "
                        f"(default {CAPOZZI_FULL.analysis_samples})")
    p.add_argument("--permutations", type=int, default=None, metavar="N",
                   help=f"permutations per test (default {CAPOZZI_FULL.permutations})")
    p.add_argument("--datasets", nargs="+", choices=CAPOZZI_DATASETS, default=None,
                   help="a subset of the datasets (default: all three)")
    p.add_argument("--as-published", action="store_true",
                   help="their network and protocol, as their code ran it: BindsNET's "
                        "DiehlAndCook2015 (current-based LIF, one spike per step, PostPre, "
                        "inh 120), 250 ms at 128 Hz, no rest or re-presentation, shuffled, "
                        "labels from training (docs/capozzi2023.md)")
    p.add_argument("--input-transform", choices=api.INPUT_TRANSFORMS, default="none",
                   help="per-image contrast transform of the grey levels (default: none, as "
                        "in the paper; 'standardise' for natural images, docs/model.md)")
    p.set_defaults(func=cmd_capozzi2023)


def _register_diehl_cook(papers) -> None:
    schedule = ", ".join(f"{n}: {images:,}" for n, images in DIEHL_COOK_TRAIN_IMAGES.items())
    p = papers.add_parser(
        "diehlcook2015", help="Diehl & Cook 2015: MNIST accuracy with the paper's schedule",
        description=f"Train on MNIST with the paper's schedule (neurons: training images; "
                    f"{schedule}), label on the training set, test --repeats times.")
    _add_common(p, "small subsets (1000 training, 1000 labelling, 500 test images)")
    p.add_argument("--neurons", type=int, required=True,
                   help=f"excitatory neurons: {', '.join(map(str, DIEHL_COOK_TRAIN_IMAGES))} "
                        "(other sizes need --train-images or --quick)")
    p.add_argument("--repeats", type=int, default=DIEHL_COOK_REPEATS,
                   help="presentations of the test set, each with its own seed "
                        "(default: %(default)s, as in the paper)")
    p.set_defaults(func=cmd_diehlcook2015)


def _register_figures(papers) -> None:
    p = papers.add_parser("figures", help="draw the figures of a finished reproduction again")
    p.add_argument("--out", required=True, type=Path, help="the reproduction's directory")
    p.set_defaults(func=cmd_figures)


def _options(args) -> RunOptions:
    return RunOptions(device=args.device, seed=args.seed, stdp_rule=args.stdp,
                      input_transform=getattr(args, "input_transform", "none"),
                      excitatory_model=args.excitatory_model, input_model=args.input_model,
                      recurrent=args.recurrent, threads=args.threads, force=args.force,
                      rstdp=rstdp_assignments(args), rstdp_epochs=args.rstdp_epochs)


def _sizes(args, base: Sizes) -> Sizes:
    """``base`` with every size given on the command line replacing its default."""
    given = {name: getattr(args, name, None) for name in
             ("train_images", "label_samples", "test_samples", "analysis_samples",
              "permutations")}
    for name, value in given.items():
        if value is not None and value < 1:
            raise ConfigurationError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    return replace(base, **{k: v for k, v in given.items() if v is not None})


def cmd_capozzi2023(args) -> int:
    started = time.perf_counter()
    sizes = _sizes(args, CAPOZZI_QUICK if args.quick else CAPOZZI_FULL)
    if args.neurons < 1:
        raise ConfigurationError(f"--neurons must be >= 1, got {args.neurons}")
    if args.as_published and (args.stdp != "triplet" or args.input_transform != "none"
                              or args.label_samples is not None
                              or rstdp_assignments(args) is not None):
        raise ConfigurationError(
            "--as-published fixes the rule (bindsnet-postpre), the input (raw pixels) and "
            "the labelling (during training): leave out --stdp, --input-transform, "
            "--label-samples and --rstdp")
    table1 = reproduce_capozzi2023(args.out, sizes=sizes, options=_options(args),
                                   neurons=args.neurons,
                                   dataset_names=tuple(args.datasets or CAPOZZI_DATASETS),
                                   as_published=args.as_published)
    print()
    print(table1.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"paper: {', '.join(f'{d} {100 * a:.0f} %' for d, a in CAPOZZI_ACCURACY.items())}")
    print(f"wrote {args.out}/table1.csv, {args.out}/<dataset>/table2.csv, figures in "
          f"{args.out}/figures and {args.out}/<dataset>/figures "
          f"({time.perf_counter() - started:.0f} s)")
    return 0


def cmd_diehlcook2015(args) -> int:
    started = time.perf_counter()
    sizes = _sizes(args, DIEHL_COOK_QUICK if args.quick else DIEHL_COOK_FULL)
    reproduce_diehlcook2015(args.out, args.neurons, repeats=args.repeats, sizes=sizes,
                            options=_options(args))
    print(f"wrote {args.out}/results.csv, {args.out}/summary.json, figures in "
          f"{args.out}/figures ({time.perf_counter() - started:.0f} s)")
    return 0


def cmd_figures(args) -> int:
    paths = papers.make_figures(args.out)
    print(f"wrote {len(paths)} files:")
    for path in paths:
        print(f"  {path}")
    return 0
