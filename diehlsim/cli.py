"""Command-line entry point: ``diehlsim COMMAND ...`` (also ``python -m diehlsim``).

Each command lives next to the code it drives and registers itself through a
``register(subparsers)`` function; this module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from diehlsim.errors import DiehlsimError

# module -> its register(subparsers) adds one or more commands
COMMAND_MODULES = [
    "diehlsim.datasets.cli",
    "diehlsim.commands",
    "diehlsim.analysis.cli",
    "diehlsim.build",
    "diehlsim.reproduce",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diehlsim", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DiehlsimError as exc:
        print(f"diehlsim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"diehlsim {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
