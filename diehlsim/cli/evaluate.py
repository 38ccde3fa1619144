"""``diehlsim evaluate``: label the neurons of a trained run, test it, draw its figures."""

from __future__ import annotations

from pathlib import Path

from diehlsim import api
from diehlsim.cli._options import add_device


def register(subparsers) -> None:
    p = subparsers.add_parser("evaluate", help="label neurons and test a trained run")
    p.add_argument("--run", required=True, type=Path)
    p.add_argument("--label-samples", type=int, default=None, metavar="N",
                   help="label the neurons on the first N training images (default: all)")
    p.add_argument("--test-samples", type=int, default=None, metavar="N",
                   help="test on the first N test images (default: all)")
    p.add_argument("--validation-samples", type=int, default=None, metavar="N",
                   help="score the first N held-out images of a run trained with --validation "
                        "(default: all of them)")
    p.add_argument("--rstdp", action="store_true",
                   help="add the R-STDP decision layer: it learns on the labelling images "
                        "(excitatory layer frozen) and is reported as accuracy_rstdp "
                        "(docs/readouts.md)")
    p.add_argument("--rstdp-epochs", type=int, default=1, metavar="E",
                   help="passes of the R-STDP layer over the labelling images; the first is "
                        "the labelling pass itself (default: %(default)s)")
    p.add_argument("--rstdp-param", action="append", default=[], metavar="NAME=VALUE",
                   help="an R-STDP parameter, with its units, e.g. tau_c=500ms or "
                        "neurons_per_class=2 (repeatable; implies --rstdp)")
    add_device(p, default=None)
    p.add_argument("--data-dir", type=Path, default=None)
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args) -> int:
    metrics = api.evaluate(args.run, label_samples=args.label_samples,
                           test_samples=args.test_samples,
                           validation_samples=args.validation_samples, device=args.device,
                           data_dir=args.data_dir, rstdp_epochs=args.rstdp_epochs,
                           rstdp=(api.rstdp_overrides(args.rstdp_param) or True)
                           if args.rstdp or args.rstdp_param else None)
    figures = api.figures(args.run, args.data_dir)
    votes = ", ".join(f"({r.title}) {100 * a:.2f} %" for r, a in api.accuracies(metrics))
    print(f"accuracy {votes} on {metrics['n_test']} test images, labelled with "
          f"{metrics['n_label']}")
    if "n_validation" in metrics:
        held_out = ", ".join(f"({r.title}) {100 * a:.2f} %"
                             for r, a in api.validation_accuracies(metrics))
        print(f"validation accuracy {held_out} on {metrics['n_validation']} held-out "
              f"training images")
    print(f"metrics: {Path(args.run) / 'metrics.json'}; figures: {figures}")
    return 0
