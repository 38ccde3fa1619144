"""``diehlsim sweep``: train + evaluate every point of a grid of settings x seeds on Dask."""

from __future__ import annotations

from pathlib import Path

from diehlsim import api
from diehlsim.cli._options import add_model_options, add_rstdp, add_validation, rstdp_assignments
from diehlsim.errors import ConfigurationError

# options of the command-line form that a spec file gives instead
_GRID_FORM = ("grid", "seeds", "dataset", "neurons", "epochs", "train_samples", "stdp",
              "stdp_param", "lockout", "integration", "input_transform", "param",
              "stdp_rate_final", "device", "chunk", "validation", "label_samples",
              "test_samples", "validation_samples", "baseline", "select", "excitatory_model",
              "inhibitory_model", "input_model", "recurrent", "rstdp", "rstdp_epochs",
              "rstdp_param")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep", help="train + evaluate a grid of settings x seeds on Dask",
        description="Each point of SPEC (YAML or TOML; docs/sweeps.md) or of --grid is "
                    "diehlsim train + evaluate into DIR/runs/NAME. Re-running skips finished "
                    "points and resumes interrupted ones.")
    p.add_argument("spec", nargs="?", type=Path, help="sweep spec (.yaml, .yml or .toml)")
    p.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                   help="a parameter to vary, named as for --param (conn.w_inh_exc=17,25) or "
                        "--stdp-param with stdp. in front (stdp.nu_post=0.01,0.04); repeatable: "
                        "every combination is a setting")
    p.add_argument("--seeds", default=None, help="seeds of every setting, e.g. 0-4 or 0,3 "
                                                 "(default 0)")
    p.add_argument("--baseline", action="append", default=[], metavar="NAME=VALUE",
                   help="the setting the others are compared with, seed by seed (default: "
                        "the first value of each --grid)")
    p.add_argument("--select", default=None, metavar="READOUT",
                   help="read-out whose validation accuracy selects the setting (default: "
                        "the primary one, the all vote)")
    p.add_argument("--dataset", choices=api.DATASETS)
    p.add_argument("--neurons", type=int)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--epochs", type=float, default=None)
    group.add_argument("--train-samples", type=int, default=None, metavar="N")
    add_validation(p)
    add_model_options(p)
    p.add_argument("--stdp-rate-final", type=float, default=None, metavar="F")
    p.add_argument("--device", choices=api.DEVICES, default=None,
                   help="Brian2 device of every point (default cpp_standalone)")
    p.add_argument("--chunk", type=int, default=None,
                   help=f"presentation slots per compiled run (default "
                        f"{api.DEFAULT_SLOTS} up to {api.SLOTS_NEURONS} neurons, "
                        f"{api.DEFAULT_SLOTS} more per further {api.SLOTS_NEURONS})")
    p.add_argument("--label-samples", type=int, default=None, metavar="N")
    p.add_argument("--test-samples", type=int, default=None, metavar="N")
    p.add_argument("--validation-samples", type=int, default=None, metavar="N")
    add_rstdp(p)
    p.add_argument("--out", required=True, type=Path, help="sweep directory")
    p.add_argument("--workers", type=int, default=None,
                   help="LocalCluster workers, one thread each (default: one per core)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the existing Dask cluster at ADDRESS (tcp://host:8786) "
                        "instead of a LocalCluster")
    p.add_argument("--retries", type=int, default=None,
                   help="Dask retries of a point whose task fails (default 2)")
    p.add_argument("--data-dir", type=Path, default=None)
    p.set_defaults(func=cmd_sweep, parser=p)


def cmd_sweep(args) -> int:
    spec = _spec(args)
    result = api.sweep(spec, args.out, workers=args.workers, scheduler=args.scheduler,
                       data_dir=args.data_dir)
    failed = int((result.points["status"] == "failed").sum())
    if failed:
        print(f"{failed} point(s) failed: their errors are in {args.out / 'points.csv'} and "
              f"in each one's error.txt; run the same command again to retry them")
    return 1 if failed else 0


def _spec(args):
    given = [name for name in _GRID_FORM
             if getattr(args, name) != args.parser.get_default(name)]
    if args.spec is not None:
        if given:
            raise ConfigurationError(
                f"with a spec file, give {', '.join('--' + n.replace('_', '-') for n in given)} "
                f"in the spec (docs/sweeps.md), not on the command line")
        spec = api.load_sweep_spec(args.spec)
    else:
        spec = api.sweep_spec_from_grid(
            args.grid, args.seeds if args.seeds is not None else "0",
            base=_base(args), evaluate=_evaluate(args), baseline=args.baseline,
            select=args.select or "")
    if args.retries is not None:
        spec.retries = args.retries
    return spec


def _base(args) -> dict:
    base = {name: getattr(args, name) for name in (
        "dataset", "neurons", "epochs", "train_samples", "stdp", "lockout", "integration",
        "input_transform", "stdp_rate_final", "device", "chunk", "validation",
        "excitatory_model", "inhibitory_model", "input_model", "recurrent")}
    base["param"] = list(args.param)
    base["stdp_param"] = list(args.stdp_param)
    return base


def _evaluate(args) -> dict:
    options = {name: getattr(args, name) for name in (
        "label_samples", "test_samples", "validation_samples")}
    asked = rstdp_assignments(args)
    if asked is not None:
        options.update(rstdp=asked if asked is True else list(asked),
                       rstdp_epochs=args.rstdp_epochs)
    return options
