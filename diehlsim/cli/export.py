"""``diehlsim export --run RUN --format nwb --out FILE [--layers exc,input] [--phase test]``.

The handler asks :func:`diehlsim.api.export` to present the evaluated phase again and write
its spikes, presentations, labels, weights and parameters as an NWB file (docs/nwb.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from diehlsim import api


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "export", help="an evaluated run's spikes, labels and weights as an NWB file",
        description="Present the evaluated phase of a run again (as evaluate did) and write "
        "its spikes, presentations, neuron labels, weights and parameters as an NWB file.")
    parser.add_argument("--run", required=True, type=Path,
                        help="run directory, trained and evaluated")
    parser.add_argument("--format", choices=api.export_formats(), default="nwb",
                        help="file format (default nwb)")
    parser.add_argument("--out", required=True, type=Path, help="the file to write (.nwb)")
    parser.add_argument("--layers", default="exc", metavar="exc[,input]",
                        help="layers whose spikes are written (default exc; input adds the "
                             "input spikes, and builds a simulator that records them)")
    parser.add_argument("--phase", default="test", choices=api.export_phases(),
                        help="the phase evaluate presented (default test)")
    parser.add_argument("--device", choices=api.DEVICES, default=None,
                        help="simulate on this device (default: the run's; another device "
                             "gives other spike trains than evaluate's)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where the dataset is, searched first")
    parser.add_argument("--force", action="store_true", help="replace an existing --out")
    parser.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    result = api.export(args.run, args.out, format=args.format, layers=args.layers,
                        phase=args.phase, device=args.device, data_dir=args.data_dir,
                        force=args.force)
    spikes = ", ".join(f"{n} {layer}" for layer, n in result.n_spikes.items())
    print(f"{result.phase}: {result.n_accepted} images in {result.n_presentations} "
          f"presentations, spikes: {spikes}")
    if not result.counts_match:
        print(f"warning: the counts of these spikes differ from {args.run}/"
              f"{result.phase}_counts.npy (another device, or a run evaluated with --rstdp?)")
    print(f"wrote {result.path}")
    return 0
