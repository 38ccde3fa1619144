"""``diehlsim evaluate``: label the neurons of a trained run, test it, draw its figures."""

from __future__ import annotations

from pathlib import Path

from diehlsim import api
from diehlsim.cli._options import add_device, add_monitors, add_rstdp, monitor_options, rstdp_assignments


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
    add_rstdp(p)
    add_device(p, default=None)
    p.add_argument("--data-dir", type=Path, default=None)
    add_monitors(p)
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args) -> int:
    metrics = api.evaluate(args.run, label_samples=args.label_samples,
                           test_samples=args.test_samples,
                           validation_samples=args.validation_samples, device=args.device,
                           data_dir=args.data_dir, rstdp_epochs=args.rstdp_epochs,
                           rstdp=rstdp_assignments(args), **monitor_options(args))
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
