"""The images of a run: a named dataset or the caller's own arrays (saved with the run), and
the validation split the run was trained with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diehlsim import datasets, io
from diehlsim.datasets.split import (
    ValidationSplit,
    split_from_record,
    validation_split,
)
from diehlsim.errors import ConfigurationError
from diehlsim.models.encoding import check_images

#: ``settings["dataset"]`` of a run trained on the caller's own arrays (kept in DATA_FILE).
ARRAYS = "arrays"
DATA_FILE = "data.npz"
#: Read-outs score ten classes (``analysis.readouts``): the labels of own arrays are 0..9.
N_CLASSES = 10


@dataclass(frozen=True)
class TrainingData:
    """The training images of a run, where they come from, and which of them it learns on."""

    name: str  # a dataset name, or ARRAYS
    images: np.ndarray
    labels: np.ndarray
    n_input: int
    pool: np.ndarray  # indices into images that training (and labelling) may use
    split: ValidationSplit | None = None


def run_training_data(run_dir, settings: dict, data_dir=None) -> TrainingData:
    """The training images of a saved run, with the validation split it was trained with."""
    images, labels = run_images(run_dir, settings, "train", data_dir)
    n_input = int(np.prod(images.shape[1:]))
    record = settings.get("validation")
    if record is None:
        return TrainingData(settings["dataset"], images, labels, n_input,
                            np.arange(len(images)))
    split = split_from_record(labels, record)
    return TrainingData(settings["dataset"], images, labels, n_input, split.train, split)


def run_images(run_dir, settings: dict, split: str, data_dir=None,
               given=None) -> tuple[np.ndarray, np.ndarray]:
    """``split`` ('train' or 'test') of a run's dataset: the named dataset, or the arrays
    saved with the run; ``given=(images, labels)`` replaces the saved test arrays."""
    if settings["dataset"] != ARRAYS:
        if given is not None:
            raise ConfigurationError(
                f"this run was trained on the dataset {settings['dataset']!r}, which also "
                f"gives its test images: leave test= out")
        return datasets.load(settings["dataset"], split, data_dir)
    if given is not None:
        images, labels = _own_arrays(given, split, None)
        return images, labels
    path = Path(run_dir) / DATA_FILE
    with np.load(path, allow_pickle=False) as data:
        if f"{split}_images" not in data.files:
            raise ConfigurationError(
                f"{run_dir} was trained on your own arrays without test images: give them, "
                f"e.g. api.evaluate(run_dir, test=(images, labels))")
        return data[f"{split}_images"], data[f"{split}_labels"]


def _training_data(dataset, data_dir, validation, validation_seed) -> TrainingData:
    if isinstance(dataset, str):
        images, labels = datasets.load(dataset, "train", data_dir)
        name = dataset
    else:
        images, labels = _own_arrays(dataset, "dataset", None)
        name = ARRAYS
    n_input = int(np.prod(images.shape[1:]))
    if validation is None:
        return TrainingData(name, images, labels, n_input, np.arange(len(images)))
    split = validation_split(labels, validation, validation_seed)
    return TrainingData(name, images, labels, n_input, split.train, split)


def _own_arrays(given, what: str, n_input: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Check ``(images, labels)`` given by the caller: images (n, height, width) of grey
    levels 0..255, labels (n,) whole numbers 0..9."""
    if not (isinstance(given, (tuple, list)) and len(given) == 2):
        raise ConfigurationError(
            f"{what} must be a dataset name ({', '.join(datasets.DATASETS)}) or a pair "
            f"(images, labels) of arrays; got {type(given).__name__}")
    images, labels = np.asarray(given[0]), np.asarray(given[1])
    if len(images) == 0:
        raise ConfigurationError(f"{what} holds no images")
    if images.ndim != 3:
        raise ConfigurationError(
            f"{what} images must have shape (n, height, width); got {images.shape}")
    pixels = images.shape[1] * images.shape[2]
    check_images(images, n_input or pixels, f"{what} images")  # dtype, NaN, 0..255, not 0..1
    if labels.shape != (len(images),):
        raise ConfigurationError(
            f"{what} labels must have shape ({len(images)},), one class per image; got "
            f"{labels.shape}")
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= N_CLASSES:
        raise ConfigurationError(
            f"{what} labels must be whole numbers 0..{N_CLASSES - 1} (an integer array); got "
            f"dtype {labels.dtype}, values {labels.min()}..{labels.max()}")
    return images, labels.astype(np.int64)


def _save_arrays(run_dir: Path, data: TrainingData, test) -> str:
    arrays = {"train_images": data.images, "train_labels": data.labels}
    if test is not None:
        arrays.update(test_images=test[0], test_labels=test[1])
    io.write_npz(run_dir / DATA_FILE, **arrays)
    digest = hashlib.sha256()
    for array in arrays.values():
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
