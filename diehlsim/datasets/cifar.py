"""CIFAR-10 as grayscale 32x32 images: from the canonical python pickles or the gray npz.

The network takes one intensity per pixel, so RGB is reduced with ITU-R 601-2 luma in the
fixed-point form used by Pillow's ``convert('L')`` and torchvision's ``Grayscale()``:
``L = (19595 R + 38470 G + 7471 B + 32768) >> 16``. Using exactly this rounding keeps results
comparable with pipelines built on those libraries.
"""

from __future__ import annotations

import codecs
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from diehlsim.datasets import catalog
from diehlsim.errors import DatasetFormatError

# Fixed-point luma weights (they sum to 65536) and the rounding offset of Pillow's L24 macro.
LUMA_RED = 19595
LUMA_GREEN = 38470
LUMA_BLUE = 7471
LUMA_ROUNDING = 1 << 15
LUMA_SHIFT = 16

SIDE = 32
CHANNEL_SIZE = SIDE * SIDE
ROW_SIZE = 3 * CHANNEL_SIZE  # one image in a batch: 1024 red, 1024 green, 1024 blue bytes


def rgb_to_luma(red: np.ndarray, green: np.ndarray, blue: np.ndarray) -> np.ndarray:
    """ITU-R 601-2 luma of uint8 colour planes, rounded exactly as Pillow's convert('L')."""
    weighted = (
        LUMA_RED * np.asarray(red, dtype=np.uint32)
        + LUMA_GREEN * np.asarray(green, dtype=np.uint32)
        + LUMA_BLUE * np.asarray(blue, dtype=np.uint32)
        + LUMA_ROUNDING
    )
    return (weighted >> LUMA_SHIFT).astype(np.uint8)


def batch_rows_to_gray(rows: np.ndarray) -> np.ndarray:
    """Gray images (n, 32, 32) from CIFAR batch rows (n, 3072): R, G then B planes, row-major."""
    planes = rows.reshape(len(rows), 3, SIDE, SIDE)
    return rgb_to_luma(planes[:, 0], planes[:, 1], planes[:, 2])


# ---------------------------------------------------------------------------------------------
# Canonical pickles
# ---------------------------------------------------------------------------------------------

# The batches were pickled by Python 2 with numpy arrays inside. Unpickling can run arbitrary
# code, and a batch may come from a mirror, so only the callables needed to rebuild a numpy
# array are allowed (old and new numpy module names, protocol 2 and 5 forms).
_ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy.core.numeric", "_frombuffer"): np._core.numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): np._core.numeric._frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """An unpickler that refuses every global except those rebuilding numpy arrays."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: a CIFAR-10 batch holds only arrays and lists"
            ) from None


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Gray images (n, 32, 32) and labels (n,) of one CIFAR-10 python batch file."""
    batch = _unpickle(path)
    rows = _batch_entry(batch, "data", path)
    labels = _batch_entry(batch, "labels", path)
    rows = _check_rows(rows, path)
    labels = _check_labels(labels, len(rows), path)
    return batch_rows_to_gray(rows), labels


def _unpickle(path: Path) -> Any:
    try:
        with open(path, "rb") as handle:
            # encoding='bytes' reads Python 2 strings (keys and array buffers) as bytes.
            return _ArrayOnlyUnpickler(handle, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise _format_error(path, f"not a readable CIFAR-10 batch pickle ({exc})") from exc


def _batch_entry(batch: Any, key: str, path: Path) -> Any:
    # Python 2 pickles give bytes keys; a batch re-pickled by Python 3 may have str keys.
    if isinstance(batch, dict):
        for candidate in (key.encode(), key):
            if candidate in batch:
                return batch[candidate]
    raise _format_error(path, f"not a CIFAR-10 batch: no {key!r} entry")


def _check_rows(rows: Any, path: Path) -> np.ndarray:
    rows = np.asarray(rows)
    if rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape[1] != ROW_SIZE:
        raise _format_error(
            path,
            f"size mismatch: 'data' is {rows.dtype} {rows.shape}, expected uint8 (n, {ROW_SIZE})",
        )
    return rows


def _check_labels(labels: Any, count: int, path: Path) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != count:
        raise _format_error(
            path, f"count mismatch: {count} images but {labels.size} labels",
        )
    return _labels_as_uint8(labels, path)


def _labels_as_uint8(labels: np.ndarray, path: Path) -> np.ndarray:
    if labels.size and (
        not np.issubdtype(labels.dtype, np.integer)
        or labels.min() < 0
        or labels.max() >= catalog.NUM_CLASSES
    ):
        raise _format_error(path, f"labels outside 0..{catalog.NUM_CLASSES - 1}")
    return labels.astype(np.uint8)


def read_batches(paths: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the gray images and labels of several batch files, in the order given."""
    parts = [read_batch(path) for path in paths]
    images = np.concatenate([images for images, _ in parts])
    labels = np.concatenate([labels for _, labels in parts])
    return images, labels


# ---------------------------------------------------------------------------------------------
# Grayscale npz (train_images, train_labels, test_images, test_labels)
# ---------------------------------------------------------------------------------------------


def read_gray_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Gray images (n, 32, 32) and labels (n,) of ``split`` from ``cifar10_gray.npz``."""
    images_key, labels_key = f"{split}_images", f"{split}_labels"
    arrays = _read_npz(path, (images_key, labels_key))
    images, labels = arrays[images_key], arrays[labels_key]
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise _format_error(
            path, f"size mismatch: {images_key} is {images.dtype} {images.shape}, "
            f"expected uint8 (n, {SIDE}, {SIDE})",
        )
    return images, _check_labels(labels, len(images), path)


def _read_npz(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays ``keys`` of the npz file ``path``; DatasetFormatError if unreadable or absent."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            available = list(archive.files)
            arrays = {key: archive[key] for key in keys if key in available}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise _format_error(path, f"not a readable npz file ({exc})") from exc
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise _format_error(
            path, f"no {', '.join(missing)} array (it has {', '.join(available)})"
        )
    return arrays


def _format_error(path: Path, problem: str) -> DatasetFormatError:
    return DatasetFormatError(f"{path}: {problem}. Fix: {catalog.refetch_hint(catalog.CIFAR10)}.")
