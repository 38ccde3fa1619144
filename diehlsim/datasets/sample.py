"""The MNIST sample embedded in the package (``mnist-sample``): real digits, no download needed.

2,000 training images (the first 200 of each class of the MNIST training set) and 1,000 test
images (the first 100 of each class of the MNIST test set), kept in their original relative
order, with their indices in the full MNIST sets. ``scripts/make_mnist_sample.py`` rebuilds it;
``data/README.md`` next to it gives the attribution and the details.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import numpy as np

from diehlsim.datasets import catalog
from diehlsim.errors import ChecksumError, DatasetFormatError, DatasetNotFoundError

SAMPLE_FILE = "mnist_sample.npz"
TRAIN_PER_CLASS = 200
TEST_PER_CLASS = 100
PER_CLASS = {"train": TRAIN_PER_CLASS, "test": TEST_PER_CLASS}

#: Arrays of the npz file, in the order they enter the content digest.
SAMPLE_KEYS: tuple[str, ...] = tuple(
    f"{split}_{kind}" for split in catalog.SPLITS for kind in ("images", "labels", "indices")
)

#: MD5 of the sample's arrays (see content_digest); the npz bytes themselves are not
#: reproducible (zip timestamps), the arrays are.
SAMPLE_CONTENT_MD5 = "d946f10b15d4337de835bc6892a640d4"

REGENERATE_HINT = (
    "reinstall diehlsim, or rebuild the file with "
    "`python scripts/make_mnist_sample.py` (needs the full MNIST, see `diehlsim download mnist`)"
)


def sample_path() -> Path:
    """Path of the embedded ``mnist_sample.npz``."""
    return Path(str(resources.files("diehlsim.datasets") / "data" / SAMPLE_FILE))


def content_digest(arrays: dict[str, np.ndarray]) -> str:
    """MD5 over the names, dtypes, shapes and bytes of the sample arrays, in SAMPLE_KEYS order."""
    digest = hashlib.md5(usedforsecurity=False)
    for key in SAMPLE_KEYS:
        array = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}:{array.dtype.str}:{array.shape};".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def read_sample_arrays(path: Path | None = None) -> dict[str, np.ndarray]:
    """All arrays of the sample file (default: the embedded one), validated for completeness."""
    path = sample_path() if path is None else path
    if not path.is_file():
        raise DatasetNotFoundError(
            f"the embedded MNIST sample {path} is missing. Fix: {REGENERATE_HINT}."
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in SAMPLE_KEYS if key in archive.files}
    except (OSError, ValueError, EOFError) as exc:
        raise DatasetFormatError(
            f"{path}: not a readable npz file ({exc}). Fix: {REGENERATE_HINT}."
        ) from exc
    missing = [key for key in SAMPLE_KEYS if key not in arrays]
    if missing:
        raise DatasetFormatError(
            f"{path}: arrays {', '.join(missing)} are missing. Fix: {REGENERATE_HINT}."
        )
    return arrays


def load_sample(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) uint8 and labels (n,) uint8 of the embedded sample's ``split``."""
    arrays = read_sample_arrays()
    return arrays[f"{split}_images"], arrays[f"{split}_labels"]


def sample_indices(split: str) -> np.ndarray:
    """Indices, in the full MNIST ``split``, of the images of the embedded sample."""
    catalog.check_split(split)
    return read_sample_arrays()[f"{split}_indices"]


def select_first_per_class(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first ``per_class`` examples of every class, in increasing order."""
    chosen = [
        np.flatnonzero(labels == digit)[:per_class] for digit in range(catalog.NUM_CLASSES)
    ]
    return np.sort(np.concatenate(chosen))


def verify_sample(path: Path | None = None) -> str:
    """Check the sample's arrays against SAMPLE_CONTENT_MD5; return their content MD5."""
    path = sample_path() if path is None else path
    actual = content_digest(read_sample_arrays(path))
    if actual != SAMPLE_CONTENT_MD5:
        raise ChecksumError(
            f"checksum mismatch for {path}: expected content MD5 {SAMPLE_CONTENT_MD5}, "
            f"got {actual}. Fix: {REGENERATE_HINT}."
        )
    return actual
