"""Image datasets for the network: MNIST, Fashion-MNIST, CIFAR-10 (gray) and an embedded sample.

``load(name, split)`` returns ``(images, labels)``: uint8 images of shape (n, h, w) and uint8
labels of shape (n,). Local files are looked for along ``search_path()``; ``diehlsim download
NAME`` (``diehlsim.datasets.download.download``) fetches them into the user cache, and
``verify(name)`` checks them against the canonical checksums.
"""

from __future__ import annotations

import os

import numpy as np

from diehlsim.datasets import catalog, cifar, download
from diehlsim.datasets.catalog import DATASETS, check_name, check_split, image_shape
from diehlsim.datasets.checksums import VerifiedFile, verify
from diehlsim.datasets.cifar import rgb_to_luma
from diehlsim.datasets.idx import read_idx_pair
from diehlsim.datasets.locate import (
    CIFAR_PICKLES,
    IDX,
    Source,
    find_source,
    search_path,
    user_cache_dir,
)
from diehlsim.datasets.sample import load_sample, sample_indices

__all__ = [
    "DATASETS",
    "VerifiedFile",
    "download",
    "image_shape",
    "load",
    "rgb_to_luma",
    "sample_indices",
    "search_path",
    "user_cache_dir",
    "verify",
]


def load(
    name: str, split: str, data_dir: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, h, w) uint8 and labels (n,) uint8 of dataset ``name``, split 'train' or 'test'.

    ``data_dir`` is searched first (see ``search_path``). ``mnist-sample`` ships with the
    package and ignores it.
    """
    check_name(name)
    check_split(split)
    if name == catalog.MNIST_SAMPLE:
        return load_sample(split)
    return read_source(find_source(name, (split,), data_dir), split)


def read_source(source: Source, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Read ``split`` from a located source (IDX files, CIFAR pickles or the gray npz)."""
    if source.kind == IDX:
        images_name, labels_name = catalog.IDX_FILES[split]
        return read_idx_pair(source.files[images_name], source.files[labels_name], source.name)
    if source.kind == CIFAR_PICKLES:
        batches = [source.files[batch] for batch in catalog.CIFAR10_BATCHES[split]]
        return cifar.read_batches(batches)
    return cifar.read_gray_npz(source.files[catalog.CIFAR10_GRAY_FILE], split)
