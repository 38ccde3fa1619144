"""``diehlsim traces``: draw the state-monitor traces of one recorded presentation."""

from __future__ import annotations

from pathlib import Path

from diehlsim import api

PHASES = ("train", "label", "validation", "test")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "traces", help="draw the monitored traces of one presentation",
        description="Draw what train/evaluate --monitor recorded for one presentation: input "
                    "raster, membrane potential, conductances, threshold, output spikes "
                    "(docs/monitors.md).")
    p.add_argument("--run", required=True, type=Path)
    p.add_argument("--presentation", type=int, default=0, metavar="P",
                   help="presentation of the phase, 0 = its first (default %(default)s)")
    p.add_argument("--phase", choices=PHASES, default="train",
                   help="the phase it belongs to (default %(default)s)")
    p.add_argument("--out", type=Path, default=None, metavar="STEM",
                   help="output path without suffix (default RUN/figures/traces_PHASE_P)")
    p.set_defaults(func=cmd_plot_traces)


def cmd_plot_traces(args) -> int:
    paths = api.plot_traces(args.run, args.presentation, args.phase, args.out)
    print("traces: " + ", ".join(str(p) for p in paths))
    return 0
