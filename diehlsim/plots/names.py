"""Readable names of the datasets and their classes, for titles and tick labels."""

from __future__ import annotations

#: Class names of the datasets, in label order.
CLASS_NAMES: dict[str, list[str]] = {
    "mnist": [str(k) for k in range(10)],
    "mnist-sample": [str(k) for k in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                      "Sneaker", "Bag", "Ankle boot"],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                "truck"],
}

#: Readable dataset names for titles.
DATASET_TITLES = {"mnist": "MNIST", "mnist-sample": "MNIST sample",
                  "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10 (gray)"}


def class_names(dataset: str) -> list[str]:
    return CLASS_NAMES.get(dataset, [str(k) for k in range(10)])


def dataset_title(dataset: str) -> str:
    return DATASET_TITLES.get(dataset, dataset)


def dataset_suffix(dataset: str) -> str:
    """``", <title>"`` to append to a figure title, or ``""`` when no dataset is named."""
    return f", {dataset_title(dataset)}" if dataset else ""
