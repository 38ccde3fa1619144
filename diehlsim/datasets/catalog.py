"""What each dataset is made of: names, on-disk layout, download URLs and canonical checksums.

Everything that identifies a dataset lives here, so that the loader, the verifier and the
downloader cannot disagree about a file name or a checksum.
"""

from __future__ import annotations

from dataclasses import dataclass

from diehlsim.errors import ConfigurationError

MNIST = "mnist"
FASHION_MNIST = "fashion-mnist"
CIFAR10 = "cifar10"
MNIST_SAMPLE = "mnist-sample"

#: Every dataset name accepted by :func:`diehlsim.datasets.load`.
DATASETS: tuple[str, ...] = (MNIST, FASHION_MNIST, CIFAR10, MNIST_SAMPLE)

#: Datasets that ``diehlsim download`` can fetch (the sample ships inside the package).
DOWNLOADABLE: tuple[str, ...] = (MNIST, FASHION_MNIST, CIFAR10)

SPLITS: tuple[str, ...] = ("train", "test")

IMAGE_SHAPES: dict[str, tuple[int, int]] = {
    MNIST: (28, 28),
    FASHION_MNIST: (28, 28),
    CIFAR10: (32, 32),
    MNIST_SAMPLE: (28, 28),
}

NUM_CLASSES = 10

# Environment variables: an extra data directory (or several, separated by os.pathsep) and a
# mirror base URL for downloads.
DATA_ENV = "DIEHLSIM_DATA"
MIRROR_ENV = "DIEHLSIM_MIRROR"


@dataclass(frozen=True)
class Checksums:
    """Canonical MD5 digests of one file.

    ``compressed`` is the digest of the file as distributed (the ``.gz`` or ``.tar.gz``);
    ``uncompressed`` the digest of its decompressed content, or of the file itself when it
    is distributed uncompressed. Either one is enough to accept a file: recompressing a file
    changes the first but not the second.
    """

    compressed: str | None
    uncompressed: str | None


# ---------------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST: four IDX files each, in a folder named after the dataset.
# ---------------------------------------------------------------------------------------------

#: Base names (without ``.gz``) of the (images, labels) IDX files of each split.
IDX_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

#: Folder of each IDX dataset inside a data directory (and on a mirror).
IDX_DIRECTORIES: dict[str, str] = {MNIST: "mnist", FASHION_MNIST: "fashion-mnist"}

#: Canonical base URLs; the files are the ``.gz`` ones.
IDX_BASE_URLS: dict[str, str] = {
    MNIST: "https://ossci-datasets.s3.amazonaws.com/mnist",
    FASHION_MNIST: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
}

IDX_CHECKSUMS: dict[str, dict[str, Checksums]] = {
    MNIST: {
        "train-images-idx3-ubyte": Checksums(
            "f68b3c2dcbeaaa9fbdd348bbdeb94873", "6bbc9ace898e44ae57da46a324031adb"),
        "train-labels-idx1-ubyte": Checksums(
            "d53e105ee54ea40749a09fcbcd1e9432", "a25bea736e30d166cdddb491f175f624"),
        "t10k-images-idx3-ubyte": Checksums(
            "9fb629c4189551a2d022fa330f9573f3", "2646ac647ad5339dbf082846283269ea"),
        "t10k-labels-idx1-ubyte": Checksums(
            "ec29112dd5afa0611ce80d1b7f02629c", "27ae3e4e09519cfbb04c329615203637"),
    },
    FASHION_MNIST: {
        "train-images-idx3-ubyte": Checksums(
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
        "train-labels-idx1-ubyte": Checksums(
            "25c81989df183df01b3e8a0aad5dffbe", "9018921c3c673c538a1fc5bad174d6f9"),
        "t10k-images-idx3-ubyte": Checksums(
            "bef4ecab320f06d8554ea6380940ec79", "8181f5470baa50b63fa0f6fddb340f0a"),
        "t10k-labels-idx1-ubyte": Checksums(
            "bb300cfdad3c16e7a12a480ee83cd310", "15d484375f8d13e6eb1aabb0c3f46965"),
    },
}

# ---------------------------------------------------------------------------------------------
# CIFAR-10: the canonical python pickles (RGB), or the grayscale arrays of the shared data.
# ---------------------------------------------------------------------------------------------

CIFAR10_BATCH_DIRECTORY = "cifar-10-batches-py"

#: Pickle files of each split, concatenated in this order.
CIFAR10_BATCHES: dict[str, tuple[str, ...]] = {
    "train": tuple(f"data_batch_{i}" for i in range(1, 6)),
    "test": ("test_batch",),
}

#: Canonical MD5s of the files inside ``cifar-10-batches-py`` (as published with torchvision).
CIFAR10_BATCH_CHECKSUMS: dict[str, Checksums] = {
    "data_batch_1": Checksums(None, "c99cafc152244af753f735de768cd75f"),
    "data_batch_2": Checksums(None, "d4bba439e000b95fd0a9bffe97cbabec"),
    "data_batch_3": Checksums(None, "54ebc095f3ab1f0389bbae665268c751"),
    "data_batch_4": Checksums(None, "634d18415352ddfa80567beed471001a"),
    "data_batch_5": Checksums(None, "482c414d41f54cd18b22e5b47cb7c3cb"),
    "test_batch": Checksums(None, "40351d587109b95175f43aff81a1287e"),
    "batches.meta": Checksums(None, "5ff9c542aee3614f3951f8cda6e48888"),
}


@dataclass(frozen=True)
class Archive:
    """A tarball that unpacks into one folder of a data directory."""

    url: str
    filename: str
    checksums: Checksums
    member_prefix: str  # every member used lives under this folder of the archive


CIFAR10_ARCHIVE = Archive(
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    filename="cifar-10-python.tar.gz",
    checksums=Checksums("c58f30108f718f92721af3b95e74349a", None),
    member_prefix=CIFAR10_BATCH_DIRECTORY,
)

# The grayscale CIFAR-10 arrays of the project's shared data (not a canonical CIFAR-10 file:
# rebuilt from JPEG copies, see the shared data README). Its digest is recorded so that
# ``verify("cifar10")`` can still vouch for it.
CIFAR10_GRAY_DIRECTORY = "cifar10-gray"
CIFAR10_GRAY_FILE = "cifar10_gray.npz"
CIFAR10_GRAY_CHECKSUMS = Checksums(None, "560b3132934f0fa7faabe7f93d28679b")


def download_command(name: str) -> str:
    """The shell command that fetches ``name`` into the user cache."""
    return f"diehlsim download {name}"


def refetch_hint(name: str) -> str:
    """The fix for a damaged file of dataset ``name``, for error messages."""
    return f"delete it and re-download with `{download_command(name)}`"


def check_name(name: str) -> str:
    """Return ``name`` if it is a known dataset; raise ConfigurationError otherwise."""
    if name not in DATASETS:
        raise ConfigurationError(
            f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}"
        )
    return name


def check_split(split: str) -> str:
    """Return ``split`` if it is 'train' or 'test'; raise ConfigurationError otherwise."""
    if split not in SPLITS:
        raise ConfigurationError(f"unknown split {split!r}: choose 'train' or 'test'")
    return split


def image_shape(name: str) -> tuple[int, int]:
    """Height and width of the images of dataset ``name``: (28, 28) or (32, 32)."""
    return IMAGE_SHAPES[check_name(name)]
