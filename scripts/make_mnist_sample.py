"""Rebuild the MNIST sample embedded in the package: diehlsim/datasets/data/mnist_sample.npz.

The sample is the first 200 images of each digit of the MNIST training set and the first 100
of each digit of the test set, in their original relative order, with their original indices.
The full MNIST is read through the usual search path (``--data-dir``, ``$DIEHLSIM_DATA``, the
cache; ``diehlsim download mnist`` fetches it) and checked against the canonical checksums
first, so the sample is always cut from the canonical data.

    python scripts/make_mnist_sample.py [--data-dir DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from diehlsim.datasets import catalog, load, verify
from diehlsim.datasets.sample import (
    PER_CLASS,
    content_digest,
    sample_path,
    select_first_per_class,
)
from diehlsim.io import write_npz


def build_sample(data_dir: str | None) -> dict[str, np.ndarray]:
    """The sample arrays (``{split}_images``, ``{split}_labels``, ``{split}_indices``)."""
    arrays: dict[str, np.ndarray] = {}
    for split in catalog.SPLITS:
        images, labels = load(catalog.MNIST, split, data_dir=data_dir)
        indices = select_first_per_class(labels, PER_CLASS[split])
        arrays[f"{split}_images"] = images[indices]
        arrays[f"{split}_labels"] = labels[indices]
        # int32 is plenty for 60,000 and is read the same everywhere.
        arrays[f"{split}_indices"] = indices.astype(np.int32)
    return arrays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None,
                        help="directory holding mnist/ (default: the diehlsim search path)")
    parser.add_argument("--out", type=Path, default=sample_path(),
                        help="output npz (default: the package's embedded sample)")
    args = parser.parse_args(argv)

    verified = verify(catalog.MNIST, data_dir=args.data_dir)
    print(f"verified {len(verified)} MNIST files in {verified[0].path.parent}", file=sys.stderr)
    arrays = build_sample(args.data_dir)
    write_npz(args.out, **arrays)
    for split in catalog.SPLITS:
        counts = np.bincount(arrays[f"{split}_labels"], minlength=catalog.NUM_CLASSES)
        print(f"{split}: {len(arrays[f'{split}_labels'])} images, per class {counts.tolist()}")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    print(f"content MD5 (SAMPLE_CONTENT_MD5 in diehlsim/datasets/sample.py): "
          f"{content_digest(arrays)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
