"""``diehlsim download NAME [--mirror URL] [--cache-dir DIR]``: fetch a dataset, verified."""

from __future__ import annotations

import argparse

from diehlsim import api


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``download`` command to the ``diehlsim`` command line."""
    parser = subparsers.add_parser(
        "download",
        help="download a dataset into the cache and verify its checksums",
        description=(
            "Download a dataset (canonical files, MD5-verified) into the user cache, where "
            f"`diehlsim` finds it. Mirror base URL: --mirror or ${api.MIRROR_ENV}; "
            "a mirror serves {mirror}/{folder}/{file}, e.g. mnist/train-images-idx3-ubyte.gz."
        ),
    )
    parser.add_argument("names", nargs="+", choices=api.DOWNLOADABLE, metavar="NAME",
                        help=f"one or more datasets: {', '.join(api.DOWNLOADABLE)}")
    parser.add_argument("--mirror", metavar="URL", default=None,
                        help=f"mirror base URL (default: ${api.MIRROR_ENV}, else canonical)")
    parser.add_argument("--cache-dir", metavar="DIR", default=None,
                        help=f"where to save (default: {api.user_cache_dir()})")
    parser.set_defaults(func=run_download)


def run_download(args: argparse.Namespace) -> int:
    """Run ``diehlsim download``; errors propagate to the CLI, which prints them cleanly."""
    for name in dict.fromkeys(args.names):  # each once, in the order given
        folder = api.download(name, cache_dir=args.cache_dir, mirror=args.mirror,
                              progress=True)
        print(f"{name}: saved and verified in {folder}")
    return 0
