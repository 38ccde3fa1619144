"""Command-line entry point: ``diehlsim COMMAND ...`` (also ``python -m diehlsim``).

One module per command, each with a ``register(subparsers)`` that adds it; the handlers call
:mod:`diehlsim.api` (and :mod:`diehlsim.papers` for ``reproduce``). This module assembles them
and is the one place where errors become messages and exit codes.
"""

from __future__ import annotations

import argparse
import sys

from diehlsim import api
from diehlsim.cli import (analyze, build, demo, download, evaluate, export, reproduce, sweep,
                          traces, train)
from diehlsim.errors import DiehlsimError

# in the order ``diehlsim --help`` lists them
COMMAND_MODULES = (download, train, evaluate, sweep, demo, analyze, export, build, reproduce,
                   traces)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diehlsim", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with api.stop_signals_to_interrupt(ignore_after_a_stop=True):
            return int(args.func(args) or 0)
    except DiehlsimError as exc:
        print(f"diehlsim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"diehlsim {args.command}: interrupted", file=sys.stderr)
        return 130
