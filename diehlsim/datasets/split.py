"""A validation split: K training images held out, stratified by class, with a fixed seed.

Hyper-parameters are chosen on these images, never on the test set. The split is a function
of the training labels, K and the seed only (scikit-learn's ``StratifiedShuffleSplit``), so
every run of a sweep holds out the same images whatever its own ``--seed``, and a run's
``config.json`` can name them by that rule and a checksum of the indices
(:func:`split_record`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit

from diehlsim.errors import ConfigurationError

#: The seed of the split unless told otherwise: the same held-out images for every run.
VALIDATION_SEED = 0
#: How the indices follow from the labels, K and the seed (written into config.json).
SPLIT_RULE = ("sklearn.model_selection.StratifiedShuffleSplit(n_splits=1, test_size=K, "
              "random_state=seed) on the labels of the training images; indices sorted")


@dataclass(frozen=True)
class ValidationSplit:
    """Sorted indices into the training images: those trained (and labelled) on, those held
    out."""

    train: np.ndarray
    validation: np.ndarray
    seed: int

    @property
    def size(self) -> int:
        return int(len(self.validation))


def validation_split(labels, k: int, seed: int = VALIDATION_SEED) -> ValidationSplit:
    """Hold out ``k`` of the images whose classes are ``labels``, in the classes'
    proportions."""
    labels = np.asarray(labels)
    n = len(labels)
    classes = np.unique(labels)
    _check_size(k, n, len(classes))
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ConfigurationError(f"the validation seed must be a whole number >= 0, got {seed!r}")
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=int(k), random_state=int(seed))
    try:
        train, held_out = next(splitter.split(np.zeros(n), labels))
    except ValueError as exc:  # e.g. a class with a single image cannot be stratified
        raise ConfigurationError(
            f"cannot hold out {k} images stratified by class ({exc}); choose another "
            f"--validation size") from None
    return ValidationSplit(np.sort(train), np.sort(held_out), int(seed))


def _check_size(k, n: int, n_classes: int) -> None:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k <= 0:
        raise ConfigurationError(
            f"--validation must be a positive whole number of images, got {k!r}")
    if k >= n:
        raise ConfigurationError(
            f"--validation {k} holds out all {n} training images, or more: hold out fewer, "
            f"so that some are left to train on")
    if k < n_classes:
        raise ConfigurationError(
            f"--validation {k} is fewer images than the {n_classes} classes: a stratified "
            f"split needs at least one image of each class; hold out {n_classes} or more")
    if n - k < n_classes:
        raise ConfigurationError(
            f"--validation {k} of {n} images leaves {n - k} to train on, fewer than the "
            f"{n_classes} classes: hold out fewer")


def indices_checksum(indices) -> str:
    """SHA-256 of the indices as little-endian int64: names a set of images exactly."""
    return hashlib.sha256(np.asarray(indices, dtype="<i8").tobytes()).hexdigest()


def split_record(split: ValidationSplit, n_images: int) -> dict:
    """What config.json says about the split: enough to regenerate it and check it."""
    return {"images": split.size, "seed": split.seed, "of_train_images": int(n_images),
            "rule": SPLIT_RULE, "sha256": indices_checksum(split.validation)}


def split_from_record(labels, record: dict) -> ValidationSplit:
    """The split a config.json describes, regenerated and checked against its checksum."""
    split = validation_split(labels, int(record["images"]), int(record["seed"]))
    if len(labels) != int(record["of_train_images"]) or (
            indices_checksum(split.validation) != record["sha256"]):
        raise ConfigurationError(
            f"the validation split recorded in config.json ({record['images']} of "
            f"{record['of_train_images']} images, seed {record['seed']}) does not regenerate "
            f"the same images from these training labels ({len(labels)} images): the "
            f"dataset or scikit-learn's splitter differs from the one the run was trained "
            f"with; use that dataset (and scikit-learn version) again")
    return split
