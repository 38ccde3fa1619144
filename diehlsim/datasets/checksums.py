"""MD5 checks of dataset files against their canonical digests (compressed or uncompressed).

A file is accepted when the MD5 of the file matches the canonical digest of the distributed
(compressed) file, or when the MD5 of its decompressed content matches the canonical digest
of the content: a recompressed ``.gz`` (as in the shared data) keeps the second one.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from diehlsim.datasets import catalog, locate, sample
from diehlsim.datasets.idx import is_gzip
from diehlsim.errors import ChecksumError

CHUNK_SIZE = 1 << 20

COMPRESSED = "compressed"
UNCOMPRESSED = "uncompressed"


@dataclass(frozen=True)
class VerifiedFile:
    """A file whose MD5 matched: ``matched`` says which canonical digest (compressed or not)."""

    path: Path
    md5: str
    matched: str


def md5_of_stream(handle: BinaryIO) -> str:
    """Hex MD5 of everything left in ``handle``, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
        digest.update(chunk)
    return digest.hexdigest()


def md5_of_file(path: Path) -> str:
    """Hex MD5 of the bytes of ``path``."""
    with open(path, "rb") as handle:
        return md5_of_stream(handle)


def md5_of_gzip_content(path: Path) -> str | None:
    """Hex MD5 of the decompressed content of gzip file ``path``; None if it cannot be read."""
    try:
        with gzip.open(path, "rb") as handle:
            return md5_of_stream(handle)
    except (EOFError, gzip.BadGzipFile, zlib.error):
        return None


def match_checksums(path: Path, expected: catalog.Checksums) -> VerifiedFile | None:
    """Which canonical digest ``path`` matches, or None when it matches neither."""
    file_md5 = md5_of_file(path)
    if file_md5 == expected.compressed:
        return VerifiedFile(path, file_md5, COMPRESSED)
    if file_md5 == expected.uncompressed:
        return VerifiedFile(path, file_md5, UNCOMPRESSED)
    if expected.uncompressed is not None and is_gzip(path):
        content_md5 = md5_of_gzip_content(path)
        if content_md5 == expected.uncompressed:
            return VerifiedFile(path, content_md5, UNCOMPRESSED)
    return None


def check_file(
    path: Path, expected: catalog.Checksums, fix: str, origin: str | None = None
) -> VerifiedFile:
    """Verify ``path``; on mismatch raise ChecksumError naming ``origin`` (a URL; default the
    path), the expected and actual digests, and ``fix``."""
    verified = match_checksums(path, expected)
    if verified is None:
        raise ChecksumError(_mismatch_message(path, expected, fix, origin))
    return verified


def _mismatch_message(
    path: Path, expected: catalog.Checksums, fix: str, origin: str | None
) -> str:
    forms = ((expected.compressed, COMPRESSED), (expected.uncompressed, UNCOMPRESSED))
    wanted = " or ".join(f"{digest} ({form})" for digest, form in forms if digest is not None)
    actual = md5_of_file(path)
    if is_gzip(path):
        content = md5_of_gzip_content(path) or "unreadable gzip data"
        actual = f"{actual} (file), {content} (content)"
    source = origin if origin is not None else str(path)
    return (
        f"checksum mismatch for {source}: expected MD5 {wanted}, got {actual}. "
        f"The file is corrupted or not the canonical one. Fix: {fix}."
    )


def verify(name: str, data_dir: str | os.PathLike | None = None) -> list[VerifiedFile]:
    """Check every local file of dataset ``name`` (both splits) against its checksums.

    Returns the verified files; raises ChecksumError on the first mismatch and
    DatasetNotFoundError when the dataset is in none of the search-path directories.
    """
    catalog.check_name(name)
    if name == catalog.MNIST_SAMPLE:
        return [VerifiedFile(sample.sample_path(), sample.verify_sample(), UNCOMPRESSED)]
    source = locate.find_source(name, catalog.SPLITS, data_dir)
    return [
        check_file(path, expected, catalog.refetch_hint(name))
        for path, expected in _expected_checksums(source)
    ]


def _expected_checksums(source: locate.Source) -> list[tuple[Path, catalog.Checksums]]:
    if source.kind == locate.IDX:
        table = catalog.IDX_CHECKSUMS[source.name]
        return [(path, table[base_name]) for base_name, path in source.files.items()]
    if source.kind == locate.CIFAR_PICKLES:
        pairs = [
            (path, catalog.CIFAR10_BATCH_CHECKSUMS[batch]) for batch, path in source.files.items()
        ]
        meta = source.directory / "batches.meta"
        if meta.is_file():
            pairs.append((meta, catalog.CIFAR10_BATCH_CHECKSUMS["batches.meta"]))
        return pairs
    return [(path, catalog.CIFAR10_GRAY_CHECKSUMS) for path in source.files.values()]
