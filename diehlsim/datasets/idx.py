"""Reader of IDX files (the MNIST / Fashion-MNIST format), gzipped or not, with validation.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 per dimension, then the data in C order. Every way a file can be damaged
(wrong magic, header or data cut short, bytes left over, a broken gzip stream) is reported as
a DatasetFormatError that names the file, the problem and the fix.
"""

from __future__ import annotations

import contextlib
import gzip
import math
import struct
import zlib
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np

from diehlsim.datasets import catalog
from diehlsim.errors import DatasetFormatError

UNSIGNED_BYTE_TYPE = 0x08
GZIP_MAGIC = b"\x1f\x8b"

IMAGES_NDIM = 3
LABELS_NDIM = 1


def expected_magic(ndim: int) -> int:
    """Magic number of an IDX file of unsigned bytes with ``ndim`` dimensions (2051, 2049)."""
    return (UNSIGNED_BYTE_TYPE << 8) | ndim


def is_gzip(path: Path) -> bool:
    """Whether ``path`` starts with the gzip magic bytes.

    The content decides, not the ``.gz`` suffix: browsers and proxies sometimes decompress
    a download but keep its name.
    """
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


@contextlib.contextmanager
def open_maybe_gzip(path: Path) -> Iterator[BinaryIO]:
    """Open ``path`` for reading, decompressing it on the fly when it is gzipped."""
    if is_gzip(path):
        with gzip.open(path, "rb") as handle:
            yield handle
    else:
        with open(path, "rb") as handle:
            yield handle


def read_idx(path: Path, ndim: int, dataset: str) -> np.ndarray:
    """Read the uint8 IDX file ``path``, which must have ``ndim`` dimensions.

    ``dataset`` only names the dataset in the fix suggested by error messages.
    """
    try:
        with open_maybe_gzip(path) as handle:
            shape = _read_header(handle, path, ndim, dataset)
            return _read_data(handle, path, shape, dataset)
    except EOFError as exc:
        raise _format_error(path, dataset, f"the gzip stream is truncated ({exc})") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise _format_error(path, dataset, f"the gzip data is corrupted ({exc})") from exc


def _read_header(handle: BinaryIO, path: Path, ndim: int, dataset: str) -> tuple[int, ...]:
    magic_bytes = handle.read(4)
    if len(magic_bytes) < 4:
        raise _format_error(path, dataset, f"truncated: {len(magic_bytes)} bytes, no IDX header")
    (magic,) = struct.unpack(">I", magic_bytes)
    if magic != expected_magic(ndim):
        raise _format_error(
            path, dataset,
            f"wrong magic number 0x{magic:08x}, expected 0x{expected_magic(ndim):08x} "
            f"(an IDX file of unsigned bytes with {ndim} dimension(s)); "
            "it is not the expected IDX file or it is corrupted",
        )
    dims_bytes = handle.read(4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise _format_error(path, dataset, "truncated inside the IDX header (dimensions)")
    return struct.unpack(f">{ndim}I", dims_bytes)


def _read_data(handle: BinaryIO, path: Path, shape: tuple[int, ...], dataset: str) -> np.ndarray:
    # Read straight into the final array: no intermediate copy of a 47 MB file.
    data = np.empty(math.prod(shape), dtype=np.uint8)
    filled = _read_into(handle, memoryview(data))
    if filled < data.size:
        raise _format_error(
            path, dataset,
            f"truncated: the header declares shape {shape} ({data.size} data bytes) "
            f"but the file holds only {filled}",
        )
    if handle.read(1):
        raise _format_error(
            path, dataset,
            f"size mismatch: the header declares shape {shape} ({data.size} data bytes) "
            "but the file holds more data",
        )
    return data.reshape(shape)


def _read_into(handle: BinaryIO, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``handle``; return the number of bytes read (short at end of file)."""
    filled = 0
    while filled < len(buffer):
        count = handle.readinto(buffer[filled:])
        if not count:
            break
        filled += count
    return filled


def read_idx_pair(
    images_path: Path, labels_path: Path, dataset: str
) -> tuple[np.ndarray, np.ndarray]:
    """Read matching image and label IDX files; check image size, counts and label range."""
    images = read_idx(images_path, IMAGES_NDIM, dataset)
    labels = read_idx(labels_path, LABELS_NDIM, dataset)
    expected_shape = catalog.image_shape(dataset)
    if images.shape[1:] != expected_shape:
        raise _format_error(
            images_path, dataset,
            f"size mismatch: images are {images.shape[1]}x{images.shape[2]}, "
            f"{dataset} images are {expected_shape[0]}x{expected_shape[1]}",
        )
    if len(images) != len(labels):
        raise DatasetFormatError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels: the files do not belong together. "
            f"Fix: {catalog.refetch_hint(dataset)}."
        )
    if len(labels) and int(labels.max()) >= catalog.NUM_CLASSES:
        raise _format_error(
            labels_path, dataset,
            f"label {int(labels.max())} is out of range 0..{catalog.NUM_CLASSES - 1}",
        )
    return images, labels


def _format_error(path: Path, dataset: str, problem: str) -> DatasetFormatError:
    return DatasetFormatError(f"{path}: {problem}. Fix: {catalog.refetch_hint(dataset)}.")
