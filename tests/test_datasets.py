"""Tests of diehlsim.datasets: loaders, search path, checksums, downloads, CLI, embedded sample.

Real data is read from ``$DIEHLSIM_DATA`` (the Makefile points it at ../shared/data), falling
back to the repository's ../shared/data; tests that need it are skipped when it is absent.
Downloads are tested against a local HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import http.server
import io
import os
import pickle
import struct
import tarfile
import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_data_dir

from diehlsim import datasets
from diehlsim.datasets import catalog, cifar, locate, sample
from diehlsim.cli import download as download_cli
from diehlsim.datasets import download as download_module
from diehlsim.datasets.catalog import Checksums
from diehlsim.datasets.download import DownloadError, ProgressBar
from diehlsim.errors import (
    ChecksumError,
    ConfigurationError,
    DatasetFormatError,
    DatasetNotFoundError,
    DiehlsimError,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = shared_data_dir()
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]

needs_mnist = pytest.mark.skipif(
    not (REAL_DATA / "mnist").is_dir(), reason=f"real MNIST not found under {REAL_DATA}"
)
needs_fashion = pytest.mark.skipif(
    not (REAL_DATA / "fashion-mnist").is_dir(), reason=f"Fashion-MNIST not under {REAL_DATA}"
)
needs_cifar_gray = pytest.mark.skipif(
    not (REAL_DATA / "cifar10-gray").is_dir(), reason=f"gray CIFAR-10 not under {REAL_DATA}"
)


@pytest.fixture(autouse=True)
def isolated_search_path(tmp_path, monkeypatch):
    """Keep every test away from the user's cache, environment and /usr/share/datasets."""
    monkeypatch.delenv("DIEHLSIM_DATA", raising=False)
    monkeypatch.delenv("DIEHLSIM_MIRROR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setattr(locate, "SYSTEM_DATA_DIR", tmp_path / "system-datasets")


# ---------------------------------------------------------------------------------------------
# Helpers: synthetic IDX files, CIFAR batches, a local HTTP server
# ---------------------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """An IDX file of unsigned bytes holding ``array``."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = (0x08 << 8 | array.ndim) if magic is None else magic
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_file(path: Path, data: bytes, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def make_idx_dataset(root: Path, folder: str = "mnist", gz: bool = True, seed: int = 0):
    """A tiny IDX dataset (6 train, 4 test images) in ``root/folder``; returns its arrays."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, count in (("train", 6), ("test", 4)):
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=count, dtype=np.uint8)
        images_name, labels_name = catalog.IDX_FILES[split]
        suffix = ".gz" if gz else ""
        write_file(root / folder / f"{images_name}{suffix}", idx_bytes(images), gz)
        write_file(root / folder / f"{labels_name}{suffix}", idx_bytes(labels), gz)
        arrays[split] = (images, labels)
    return arrays


def luma_reference(rgb: np.ndarray) -> np.ndarray:
    """Luma of (..., 3) pixels, written out independently of the package's implementation."""
    r, g, b = (rgb[..., c].astype(np.int64) for c in range(3))
    return ((19595 * r + 38470 * g + 7471 * b + 32768) // 65536).astype(np.uint8)


CIFAR_SIZES = {"data_batch_1": 3, "data_batch_2": 2, "data_batch_3": 3, "data_batch_4": 1,
               "data_batch_5": 2, "test_batch": 4}


def cifar_batch_pickle(rows: np.ndarray, labels: np.ndarray, legacy_numpy: bool = True) -> bytes:
    """A batch pickled like the canonical one (protocol 2, bytes keys, a list of labels).

    ``legacy_numpy`` names numpy's old module (``numpy.core``), as the Python 2 originals do.
    """
    batch = {b"batch_label": b"synthetic", b"labels": [int(v) for v in labels],
             b"data": rows, b"filenames": [b"x.png"] * len(rows)}
    data = pickle.dumps(batch, protocol=2)
    if legacy_numpy:
        data = data.replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")
    return data


def make_cifar_batches(directory: Path, seed: int = 1) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A synthetic ``cifar-10-batches-py`` (RGB rows, labels) with CIFAR_SIZES images."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    batches = {}
    for name, count in CIFAR_SIZES.items():
        rows = rng.integers(0, 256, size=(count, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=count, dtype=np.uint8)
        (directory / name).write_bytes(cifar_batch_pickle(rows, labels))
        batches[name] = (rows, labels)
    (directory / "batches.meta").write_bytes(
        pickle.dumps({b"label_names": [b"airplane"] * 10}, protocol=2))
    return batches


def rows_to_hwc(rows: np.ndarray) -> np.ndarray:
    return rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def leftover_temp_files(directory: Path) -> list[Path]:
    """Hidden temporary files/folders (atomic writes) left anywhere under ``directory``."""
    return [path for path in directory.rglob(".*")]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def do_GET(self):
        self.requests.append(self.path)
        if self.path.startswith("/cut-short/"):
            # Promise 1000 bytes, send 10, hang up: a transfer interrupted mid-file.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@contextlib.contextmanager
def http_server(directory: Path):
    """Serve ``directory`` on 127.0.0.1 (ephemeral port); yield (base URL, request paths)."""
    requests: list[str] = []
    handler = type("Handler", (_QuietHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def mnist_mirror(root: Path, corrupt: dict[str, bytes] | None = None) -> Path:
    """A mirror tree ``root/mnist`` linking to the real MNIST files, some replaced by ``corrupt``."""
    folder = root / "mnist"
    folder.mkdir(parents=True)
    for source in sorted((REAL_DATA / "mnist").glob("*.gz")):
        target = folder / source.name
        if corrupt and source.name in corrupt:
            target.write_bytes(corrupt[source.name])
        else:
            target.symlink_to(source)
    return root


# ---------------------------------------------------------------------------------------------
# Names, shapes, search path
# ---------------------------------------------------------------------------------------------


def test_names_and_image_shapes():
    assert datasets.DATASETS == ("mnist", "fashion-mnist", "cifar10", "mnist-sample")
    assert datasets.image_shape("mnist") == (28, 28)
    assert datasets.image_shape("fashion-mnist") == (28, 28)
    assert datasets.image_shape("mnist-sample") == (28, 28)
    assert datasets.image_shape("cifar10") == (32, 32)


def test_unknown_name_or_split_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="unknown dataset 'svhn'.*mnist"):
        datasets.load("svhn", "train")
    with pytest.raises(ConfigurationError, match="unknown split 'valid'"):
        datasets.load("mnist", "valid")
    with pytest.raises(ConfigurationError):
        datasets.image_shape("svhn")


def test_search_path_order(tmp_path, monkeypatch):
    explicit, env_a, env_b = tmp_path / "explicit", tmp_path / "env-a", tmp_path / "env-b"
    monkeypatch.setenv("DIEHLSIM_DATA", f"{env_a}{os.pathsep}{env_b}")
    assert datasets.search_path(explicit) == [
        explicit, env_a, env_b, tmp_path / "xdg-cache" / "diehlsim", tmp_path / "system-datasets",
    ]


def test_search_path_defaults_and_duplicates(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    cache = tmp_path / "home" / ".cache" / "diehlsim"
    monkeypatch.setenv("DIEHLSIM_DATA", str(cache))
    assert datasets.search_path() == [cache, tmp_path / "system-datasets"]


def test_first_directory_on_the_search_path_wins(tmp_path, monkeypatch):
    first = make_idx_dataset(tmp_path / "explicit", seed=1)
    make_idx_dataset(tmp_path / "env", seed=2)
    monkeypatch.setenv("DIEHLSIM_DATA", str(tmp_path / "env"))
    images, _ = datasets.load("mnist", "test", data_dir=tmp_path / "explicit")
    np.testing.assert_array_equal(images, first["test"][0])
    env_images, _ = datasets.load("mnist", "test")
    assert not np.array_equal(env_images, first["test"][0])


def test_user_cache_is_searched(tmp_path):
    arrays = make_idx_dataset(tmp_path / "xdg-cache" / "diehlsim", folder="fashion-mnist")
    images, labels = datasets.load("fashion-mnist", "train")
    np.testing.assert_array_equal(images, arrays["train"][0])
    np.testing.assert_array_equal(labels, arrays["train"][1])


# ---------------------------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------------------------


@needs_mnist
@needs_fashion
@needs_cifar_gray
@pytest.mark.parametrize(
    "name, split, count, shape",
    [
        ("mnist", "train", 60000, (28, 28)),
        ("mnist", "test", 10000, (28, 28)),
        ("fashion-mnist", "train", 60000, (28, 28)),
        ("fashion-mnist", "test", 10000, (28, 28)),
        ("cifar10", "train", 50000, (32, 32)),
        ("cifar10", "test", 10000, (32, 32)),
    ],
)
def test_real_shapes_and_dtypes(name, split, count, shape):
    images, labels = datasets.load(name, split, data_dir=REAL_DATA)
    assert images.shape == (count, *shape) and images.dtype == np.uint8
    assert labels.shape == (count,) and labels.dtype == np.uint8
    assert images.flags.writeable and labels.flags.writeable
    assert images.max() > 200  # real pixels, not an empty buffer


@needs_mnist
def test_real_mnist_class_counts():
    _, test_labels = datasets.load("mnist", "test", data_dir=REAL_DATA)
    assert np.bincount(test_labels).tolist() == MNIST_TEST_COUNTS
    _, train_labels = datasets.load("mnist", "train", data_dir=REAL_DATA)
    assert np.bincount(train_labels).tolist() == MNIST_TRAIN_COUNTS


@needs_mnist
def test_real_mnist_through_the_environment_variable(monkeypatch):
    monkeypatch.setenv("DIEHLSIM_DATA", str(REAL_DATA))
    images, labels = datasets.load("mnist", "test")
    assert images.shape == (10000, 28, 28)
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the well-known first digits


@needs_fashion
def test_real_fashion_class_counts():
    _, labels = datasets.load("fashion-mnist", "test", data_dir=REAL_DATA)
    assert np.bincount(labels).tolist() == [1000] * 10


@needs_cifar_gray
def test_real_cifar_gray_class_counts():
    _, test_labels = datasets.load("cifar10", "test", data_dir=REAL_DATA)
    assert np.bincount(test_labels).tolist() == [1000] * 10
    _, train_labels = datasets.load("cifar10", "train", data_dir=REAL_DATA)
    assert np.bincount(train_labels).tolist() == [5000] * 10


@needs_mnist
@needs_fashion
@needs_cifar_gray
def test_real_checksums():
    mnist = {f.path.name: f for f in datasets.verify("mnist", data_dir=REAL_DATA)}
    assert len(mnist) == 4
    # The shared train-images.gz was recompressed: only its content digest matches.
    assert mnist["train-images-idx3-ubyte.gz"].matched == "uncompressed"
    assert mnist["t10k-labels-idx1-ubyte.gz"].matched == "compressed"
    assert len(datasets.verify("fashion-mnist", data_dir=REAL_DATA)) == 4
    (gray,) = datasets.verify("cifar10", data_dir=REAL_DATA)
    assert gray.path.name == "cifar10_gray.npz"


@needs_mnist
def test_checksums_accept_uncompressed_and_recompressed_files(tmp_path):
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        content = gzip.decompress((REAL_DATA / "mnist" / f"{name}.gz").read_bytes())
        write_file(tmp_path / "plain" / "mnist" / name, content)
        recompressed = gzip.compress(content, compresslevel=1, mtime=0)
        write_file(tmp_path / "regz" / "mnist" / f"{name}.gz", recompressed)
    for variant in ("plain", "regz"):
        for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
            (tmp_path / variant / "mnist" / name).symlink_to(REAL_DATA / "mnist" / name)
        verified = datasets.verify("mnist", data_dir=tmp_path / variant)
        assert all(f.matched in ("compressed", "uncompressed") for f in verified)
        assert {f.matched for f in verified if f.path.name.startswith("t10k")} == {"uncompressed"}


@needs_mnist
def test_checksum_mismatch_on_local_file(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for source in (REAL_DATA / "mnist").glob("*.gz"):
        (folder / source.name).symlink_to(source)
    labels = gzip.decompress((REAL_DATA / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    tampered = labels[:-1] + bytes([(labels[-1] + 1) % 10])  # still a valid IDX file
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    write_file(folder / "t10k-labels-idx1-ubyte.gz", tampered, gz=True)
    with pytest.raises(ChecksumError) as error:
        datasets.verify("mnist", data_dir=tmp_path)
    message = str(error.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert "ec29112dd5afa0611ce80d1b7f02629c" in message  # expected, compressed
    assert "27ae3e4e09519cfbb04c329615203637" in message  # expected, uncompressed
    assert hashlib.md5(tampered).hexdigest() in message  # actual content digest
    assert "diehlsim download mnist" in message


# ---------------------------------------------------------------------------------------------
# Embedded MNIST sample
# ---------------------------------------------------------------------------------------------


def test_sample_shapes_counts_and_size():
    assert sample.sample_path().stat().st_size <= 2_000_000
    for split, count, per_class in (("train", 2000, 200), ("test", 1000, 100)):
        images, labels = datasets.load("mnist-sample", split)
        assert images.shape == (count, 28, 28) and images.dtype == np.uint8
        assert labels.shape == (count,) and labels.dtype == np.uint8
        assert np.bincount(labels).tolist() == [per_class] * 10
        indices = datasets.sample_indices(split)
        assert len(indices) == count and np.all(np.diff(indices) > 0)  # original order
    assert datasets.verify("mnist-sample")[0].md5 == sample.SAMPLE_CONTENT_MD5


def test_sample_ignores_data_dir(tmp_path):
    images, _ = datasets.load("mnist-sample", "test", data_dir=tmp_path / "nothing-here")
    assert images.shape == (1000, 28, 28)


@needs_mnist
def test_sample_is_the_first_examples_of_each_class_of_real_mnist():
    for split, per_class in (("train", 200), ("test", 100)):
        full_images, full_labels = datasets.load("mnist", split, data_dir=REAL_DATA)
        images, labels = datasets.load("mnist-sample", split)
        indices = datasets.sample_indices(split)
        expected = np.sort(np.concatenate(
            [np.flatnonzero(full_labels == digit)[:per_class] for digit in range(10)]))
        np.testing.assert_array_equal(indices, expected)
        np.testing.assert_array_equal(images, full_images[indices])
        np.testing.assert_array_equal(labels, full_labels[indices])


def test_damaged_sample_is_reported(tmp_path):
    arrays = sample.read_sample_arrays()
    arrays["test_labels"] = arrays["test_labels"].copy()
    arrays["test_labels"][0] ^= 1
    np.savez_compressed(tmp_path / "sample.npz", **arrays)
    with pytest.raises(ChecksumError, match="make_mnist_sample.py"):
        sample.verify_sample(tmp_path / "sample.npz")
    del arrays["train_indices"]
    np.savez_compressed(tmp_path / "partial.npz", **arrays)
    with pytest.raises(DatasetFormatError, match="train_indices"):
        sample.read_sample_arrays(tmp_path / "partial.npz")


# ---------------------------------------------------------------------------------------------
# IDX parsing and its errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_synthetic_idx_round_trip(tmp_path, gz):
    arrays = make_idx_dataset(tmp_path, gz=gz)
    for split in ("train", "test"):
        images, labels = datasets.load("mnist", split, data_dir=tmp_path)
        np.testing.assert_array_equal(images, arrays[split][0])
        np.testing.assert_array_equal(labels, arrays[split][1])


def test_gzip_is_detected_by_content_not_name(tmp_path):
    # A browser may decompress a download and keep the .gz name.
    arrays = make_idx_dataset(tmp_path, gz=False)
    for path in (tmp_path / "mnist").iterdir():
        path.rename(path.with_name(path.name + ".gz"))
    images, _ = datasets.load("mnist", "test", data_dir=tmp_path)
    np.testing.assert_array_equal(images, arrays["test"][0])


def _corrupt_test_images(tmp_path: Path, data: bytes, gz: bool = False) -> Path:
    make_idx_dataset(tmp_path, gz=False)
    path = tmp_path / "mnist" / "t10k-images-idx3-ubyte"
    path.unlink()
    return write_file(path.with_name(path.name + (".gz" if gz else "")), data, gz)


def _assert_format_error(tmp_path: Path, path: Path, *fragments: str) -> None:
    with pytest.raises(DatasetFormatError) as error:
        datasets.load("mnist", "test", data_dir=tmp_path)
    message = str(error.value)
    assert str(path) in message
    assert "diehlsim download mnist" in message
    for fragment in fragments:
        assert fragment in message


def test_wrong_magic(tmp_path):
    data = idx_bytes(np.zeros((4, 28, 28), np.uint8), magic=0x00000801)
    path = _corrupt_test_images(tmp_path, data)
    _assert_format_error(tmp_path, path, "wrong magic number 0x00000801", "0x00000803")


def test_not_an_idx_file(tmp_path):
    path = _corrupt_test_images(tmp_path, b"<html>404 Not Found</html>")
    _assert_format_error(tmp_path, path, "wrong magic number")


def test_size_mismatch_extra_data(tmp_path):
    data = idx_bytes(np.zeros((4, 28, 28), np.uint8)) + b"\x00" * 28
    path = _corrupt_test_images(tmp_path, data)
    _assert_format_error(tmp_path, path, "size mismatch", "(4, 28, 28)")


def test_size_mismatch_image_dimensions(tmp_path):
    path = _corrupt_test_images(tmp_path, idx_bytes(np.zeros((4, 27, 28), np.uint8)))
    _assert_format_error(tmp_path, path, "size mismatch", "27x28", "28x28")


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_data(tmp_path, gz):
    data = idx_bytes(np.zeros((4, 28, 28), np.uint8))[:-100]
    path = _corrupt_test_images(tmp_path, data, gz=gz)
    _assert_format_error(tmp_path, path, "truncated", "only 3036")


def test_truncated_header(tmp_path):
    path = _corrupt_test_images(tmp_path, idx_bytes(np.zeros((4, 28, 28), np.uint8))[:9])
    _assert_format_error(tmp_path, path, "truncated inside the IDX header")


def test_truncated_gzip_stream(tmp_path):
    compressed = gzip.compress(idx_bytes(np.zeros((4, 28, 28), np.uint8)))
    path = _corrupt_test_images(tmp_path, compressed[: len(compressed) // 2])
    _assert_format_error(tmp_path, path, "gzip stream is truncated")


def test_corrupted_gzip_data(tmp_path):
    compressed = bytearray(gzip.compress(idx_bytes(np.arange(4 * 784).reshape(4, 28, 28))))
    compressed[-6] ^= 0xFF  # inside the CRC32 trailer
    path = _corrupt_test_images(tmp_path, bytes(compressed))
    _assert_format_error(tmp_path, path, "gzip data is corrupted")


def test_image_label_count_mismatch(tmp_path):
    make_idx_dataset(tmp_path, gz=False)
    labels_path = tmp_path / "mnist" / "t10k-labels-idx1-ubyte"
    labels_path.write_bytes(idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(DatasetFormatError) as error:
        datasets.load("mnist", "test", data_dir=tmp_path)
    message = str(error.value)
    assert "4 images" in message and "3 labels" in message
    assert str(labels_path) in message and "diehlsim download mnist" in message


def test_label_out_of_range(tmp_path):
    make_idx_dataset(tmp_path, gz=False)
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte").write_bytes(
        idx_bytes(np.array([1, 2, 10, 3], np.uint8)))
    with pytest.raises(DatasetFormatError, match="label 10 is out of range"):
        datasets.load("mnist", "test", data_dir=tmp_path)


# ---------------------------------------------------------------------------------------------
# Not found
# ---------------------------------------------------------------------------------------------


def test_not_found_lists_every_place_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("DIEHLSIM_DATA", str(tmp_path / "env"))
    (tmp_path / "env" / "mnist").mkdir(parents=True)
    write_file(tmp_path / "env" / "mnist" / "t10k-images-idx3-ubyte.gz", b"", gz=True)
    with pytest.raises(DatasetNotFoundError) as error:
        datasets.load("mnist", "test", data_dir=tmp_path / "explicit")
    message = str(error.value)
    for place in (tmp_path / "explicit", tmp_path / "env", tmp_path / "xdg-cache" / "diehlsim",
                  tmp_path / "system-datasets"):
        assert str(place / "mnist") in message
    assert "missing t10k-labels-idx1-ubyte[.gz]" in message
    assert "diehlsim download mnist" in message
    assert "DIEHLSIM_DATA" in message
    assert isinstance(error.value, FileNotFoundError)


def test_cifar_not_found_names_both_layouts(tmp_path):
    with pytest.raises(DatasetNotFoundError) as error:
        datasets.load("cifar10", "test", data_dir=tmp_path)
    message = str(error.value)
    assert str(tmp_path / "cifar-10-batches-py") in message
    assert str(tmp_path / "cifar10-gray" / "cifar10_gray.npz") in message
    assert str(tmp_path / "system-datasets" / "cifar-10-batches-py") in message
    assert "diehlsim download cifar10" in message


def test_only_the_requested_split_is_required(tmp_path):
    make_idx_dataset(tmp_path, gz=True)
    for name in catalog.IDX_FILES["train"]:
        (tmp_path / "mnist" / f"{name}.gz").unlink()
    assert datasets.load("mnist", "test", data_dir=tmp_path)[0].shape == (4, 28, 28)
    with pytest.raises(DatasetNotFoundError, match="missing train-images-idx3-ubyte"):
        datasets.load("mnist", "train", data_dir=tmp_path)


# ---------------------------------------------------------------------------------------------
# CIFAR-10: luma, pickles, gray npz
# ---------------------------------------------------------------------------------------------


def test_luma_by_hand():
    # (19595*255 + 32768) >> 16 = 76, (38470*255 + 32768) >> 16 = 150, (7471*255 + 32768) >> 16 = 29
    red = np.array([255, 0, 0, 255, 0, 10, 128], np.uint8)
    green = np.array([0, 255, 0, 255, 0, 200, 128], np.uint8)
    blue = np.array([0, 0, 255, 255, 0, 30, 128], np.uint8)
    # (19595*10 + 38470*200 + 7471*30 + 32768) >> 16 = 8142848 >> 16 = 124
    assert cifar.rgb_to_luma(red, green, blue).tolist() == [76, 150, 29, 255, 0, 124, 128]
    assert cifar.rgb_to_luma(red, green, blue).dtype == np.uint8


def test_luma_matches_pillow():
    image_module = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    expected = np.asarray(image_module.fromarray(rgb, "RGB").convert("L"))
    np.testing.assert_array_equal(
        datasets.rgb_to_luma(rgb[..., 0], rgb[..., 1], rgb[..., 2]), expected)
    np.testing.assert_array_equal(luma_reference(rgb), expected)


@pytest.mark.parametrize("legacy_numpy", [True, False])
def test_synthetic_cifar_pickles(tmp_path, legacy_numpy):
    batches = make_cifar_batches(tmp_path / "cifar-10-batches-py")
    if not legacy_numpy:
        rows, labels = batches["test_batch"]
        (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(
            cifar_batch_pickle(rows, labels, legacy_numpy=False))
    for split in ("train", "test"):
        names = catalog.CIFAR10_BATCHES[split]
        rows = np.concatenate([batches[name][0] for name in names])
        labels = np.concatenate([batches[name][1] for name in names])
        images, loaded_labels = datasets.load("cifar10", split, data_dir=tmp_path)
        assert images.shape == (len(rows), 32, 32) and images.dtype == np.uint8
        assert loaded_labels.dtype == np.uint8
        np.testing.assert_array_equal(images, luma_reference(rows_to_hwc(rows)))
        np.testing.assert_array_equal(loaded_labels, labels)


def test_cifar_pickles_match_pillow(tmp_path):
    image_module = pytest.importorskip("PIL.Image")
    batches = make_cifar_batches(tmp_path / "cifar-10-batches-py")
    images, _ = datasets.load("cifar10", "test", data_dir=tmp_path)
    for image, rgb in zip(images, rows_to_hwc(batches["test_batch"][0])):
        np.testing.assert_array_equal(image, np.asarray(image_module.fromarray(rgb).convert("L")))


def _write_gray_npz(root: Path, **overrides) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    arrays = {
        "train_images": rng.integers(0, 256, (5, 32, 32), dtype=np.uint8),
        "train_labels": np.arange(5, dtype=np.int64),
        "test_images": rng.integers(0, 256, (3, 32, 32), dtype=np.uint8),
        "test_labels": np.array([9, 0, 1], dtype=np.int64),
    }
    arrays.update(overrides)
    (root / "cifar10-gray").mkdir(parents=True, exist_ok=True)
    np.savez_compressed(root / "cifar10-gray" / "cifar10_gray.npz", **arrays)
    return arrays


def test_pickles_are_preferred_over_the_gray_npz(tmp_path):
    batches = make_cifar_batches(tmp_path / "cifar-10-batches-py")
    _write_gray_npz(tmp_path)
    _, labels = datasets.load("cifar10", "test", data_dir=tmp_path)
    np.testing.assert_array_equal(labels, batches["test_batch"][1])


def test_synthetic_gray_npz(tmp_path):
    arrays = _write_gray_npz(tmp_path)
    images, labels = datasets.load("cifar10", "test", data_dir=tmp_path)
    np.testing.assert_array_equal(images, arrays["test_images"])
    assert labels.dtype == np.uint8 and labels.tolist() == [9, 0, 1]


def test_gray_npz_errors(tmp_path):
    _write_gray_npz(tmp_path, test_labels=np.array([1, 2]))
    with pytest.raises(DatasetFormatError, match="count mismatch: 3 images but 2 labels"):
        datasets.load("cifar10", "test", data_dir=tmp_path)
    (tmp_path / "cifar10-gray" / "cifar10_gray.npz").unlink()
    np.savez_compressed(tmp_path / "cifar10-gray" / "cifar10_gray.npz", images=np.zeros(3))
    with pytest.raises(DatasetFormatError, match="no test_images, test_labels array"):
        datasets.load("cifar10", "test", data_dir=tmp_path)
    (tmp_path / "cifar10-gray" / "cifar10_gray.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DatasetFormatError, match="not a readable npz file"):
        datasets.load("cifar10", "test", data_dir=tmp_path)


def test_cifar_batch_errors(tmp_path):
    directory = tmp_path / "cifar-10-batches-py"
    make_cifar_batches(directory)
    test_batch = directory / "test_batch"
    test_batch.write_bytes(cifar_batch_pickle(np.zeros((2, 3000), np.uint8), np.zeros(2)))
    with pytest.raises(DatasetFormatError, match=r"size mismatch.*\(n, 3072\)"):
        datasets.load("cifar10", "test", data_dir=tmp_path)
    test_batch.write_bytes(cifar_batch_pickle(np.zeros((2, 3072), np.uint8), np.zeros(3)))
    with pytest.raises(DatasetFormatError, match="count mismatch: 2 images but 3 labels"):
        datasets.load("cifar10", "test", data_dir=tmp_path)
    good = cifar_batch_pickle(np.zeros((2, 3072), np.uint8), np.zeros(2))
    test_batch.write_bytes(good[: len(good) // 2])
    with pytest.raises(DatasetFormatError, match="not a readable CIFAR-10 batch"):
        datasets.load("cifar10", "test", data_dir=tmp_path)
    (directory / "data_batch_3").unlink()
    with pytest.raises(DatasetNotFoundError, match="missing data_batch_3"):
        datasets.load("cifar10", "train", data_dir=tmp_path)


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_cifar_batch_pickle_cannot_run_code(tmp_path):
    make_cifar_batches(tmp_path / "cifar-10-batches-py")
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(
        pickle.dumps({b"data": _Exploit(), b"labels": []}, protocol=2))
    with pytest.raises(DatasetFormatError, match="refusing to load"):
        datasets.load("cifar10", "test", data_dir=tmp_path)


def test_verify_synthetic_cifar_pickles(tmp_path, monkeypatch):
    directory = tmp_path / "cifar-10-batches-py"
    make_cifar_batches(directory)
    with pytest.raises(ChecksumError, match="c99cafc152244af753f735de768cd75f"):
        datasets.verify("cifar10", data_dir=tmp_path)  # synthetic != canonical
    monkeypatch.setattr(catalog, "CIFAR10_BATCH_CHECKSUMS", _synthetic_cifar_checksums(directory))
    verified = datasets.verify("cifar10", data_dir=tmp_path)
    assert sorted(f.path.name for f in verified) == sorted(catalog.CIFAR10_BATCH_CHECKSUMS)


def _synthetic_cifar_checksums(directory: Path) -> dict[str, Checksums]:
    return {path.name: Checksums(None, md5(path)) for path in sorted(directory.iterdir())}


# ---------------------------------------------------------------------------------------------
# Download
# ---------------------------------------------------------------------------------------------


def test_progress_bar_text():
    stream = io.StringIO()  # not a terminal: only the final line is written
    bar = ProgressBar("file.gz", total=2_000_000, stream=stream)
    bar.update(500_000)
    assert stream.getvalue() == ""
    assert bar.render() == "file.gz [########----------------------]  25%  0.5/2.0 MB"
    bar.update(1_500_000)
    bar.finish()
    assert stream.getvalue().endswith("100%  2.0/2.0 MB\n")
    assert ProgressBar("x", total=None, stream=stream).render() == "x  0.0 kB"
    small = ProgressBar("labels.gz", total=4542, stream=stream)
    small.update(4542)
    assert small.render().endswith("100%  4.5/4.5 kB")
    silent = io.StringIO()
    ProgressBar("x", total=10, enabled=False, stream=silent).finish()
    assert silent.getvalue() == ""


def test_mirror_resolution(monkeypatch):
    assert download_module.resolve_mirror(None) is None
    monkeypatch.setenv("DIEHLSIM_MIRROR", "http://env.example/data/")
    assert download_module.resolve_mirror(None) == "http://env.example/data"
    assert download_module.resolve_mirror("http://arg.example/") == "http://arg.example"
    assert (download_module.mirror_url("http://m", "mnist", "t10k-labels-idx1-ubyte.gz")
            == "http://m/mnist/t10k-labels-idx1-ubyte.gz")


def test_canonical_urls():
    candidates = download_module._idx_candidates(
        "mnist", "mnist", "train-images-idx3-ubyte", mirror=None)
    assert candidates == [("https://ossci-datasets.s3.amazonaws.com/mnist/"
                           "train-images-idx3-ubyte.gz", "train-images-idx3-ubyte.gz")]
    fashion = download_module._idx_candidates(
        "fashion-mnist", "fashion-mnist", "t10k-labels-idx1-ubyte", mirror=None)
    assert fashion[0][0] == ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
                             "t10k-labels-idx1-ubyte.gz")
    assert catalog.CIFAR10_ARCHIVE.url == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"


def test_nothing_to_download_for_the_sample(tmp_path):
    with pytest.raises(ConfigurationError, match="ships inside the diehlsim package"):
        download_module.download("mnist-sample", cache_dir=tmp_path)


@needs_mnist
def test_download_mnist_from_a_local_mirror(tmp_path, capsys):
    cache = tmp_path / "cache"
    with http_server(REAL_DATA) as (url, requests):
        folder = download_module.download("mnist", cache_dir=cache, mirror=url)
        assert folder == cache / "mnist"
        assert len(requests) == 4
        assert "t10k-labels-idx1-ubyte.gz [" in capsys.readouterr().err
        # Everything is present and valid: a second run fetches nothing.
        download_module.download("mnist", cache_dir=cache, mirror=url)
        assert len(requests) == 4
        assert "already present, checksum OK" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for p in (REAL_DATA / "mnist").glob("*.gz"))
    assert leftover_temp_files(cache) == []
    assert len(datasets.verify("mnist", data_dir=cache)) == 4
    images, labels = datasets.load("mnist", "test", data_dir=cache)
    assert np.bincount(labels).tolist() == MNIST_TEST_COUNTS
    assert (folder / "t10k-labels-idx1-ubyte.gz").stat().st_mode & 0o777 == 0o644


@needs_mnist
def test_download_uses_the_environment_mirror_and_the_user_cache(tmp_path, monkeypatch):
    with http_server(REAL_DATA) as (url, requests):
        monkeypatch.setenv("DIEHLSIM_MIRROR", url)
        folder = download_module.download("mnist", progress=False)
    assert folder == tmp_path / "xdg-cache" / "diehlsim" / "mnist"
    assert all(path.startswith("/mnist/") for path in requests)
    assert datasets.load("mnist", "test")[0].shape == (10000, 28, 28)  # found in the cache


def _bad_gzip(data: bytes) -> bytes:
    compressed = bytearray(data)
    compressed[len(compressed) // 2] ^= 0xFF
    return bytes(compressed)


@needs_mnist
@pytest.mark.parametrize("corruption", ["other-labels", "damaged-gzip"])
def test_download_checksum_mismatch_leaves_no_file(tmp_path, corruption, capsys):
    real = (REAL_DATA / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes()
    if corruption == "other-labels":
        labels = bytearray(gzip.decompress(real))
        labels[100] = (labels[100] + 1) % 10
        served = gzip.compress(bytes(labels))
    else:
        served = _bad_gzip(real)
    mirror = mnist_mirror(tmp_path / "mirror", {"t10k-labels-idx1-ubyte.gz": served})
    cache = tmp_path / "cache"
    with http_server(mirror) as (url, _):
        with pytest.raises(ChecksumError) as error:
            download_module.download("mnist", cache_dir=cache, mirror=url, progress=False)
    message = str(error.value)
    assert f"{url}/mnist/t10k-labels-idx1-ubyte.gz" in message
    assert "ec29112dd5afa0611ce80d1b7f02629c" in message  # expected
    assert hashlib.md5(served).hexdigest() in message  # actual
    assert "diehlsim download mnist" in message and "--mirror" in message
    assert not (cache / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()
    assert leftover_temp_files(cache) == []
    # The files fetched before the bad one are complete and valid.
    assert (cache / "mnist" / "t10k-images-idx3-ubyte.gz").is_file()
    assert capsys.readouterr().err == ""  # progress=False


def test_download_not_on_the_server(tmp_path):
    (tmp_path / "empty").mkdir()
    with http_server(tmp_path / "empty") as (url, requests):
        with pytest.raises(DownloadError) as error:
            download_module.download("fashion-mnist", cache_dir=tmp_path / "cache", mirror=url,
                                     progress=False)
    assert f"{url}/fashion-mnist/train-images-idx3-ubyte.gz" in str(error.value)
    assert "404" in str(error.value) and "--mirror" in str(error.value)
    # The .gz is tried first, then the uncompressed name of the data-directory layout.
    assert requests == ["/fashion-mnist/train-images-idx3-ubyte.gz",
                        "/fashion-mnist/train-images-idx3-ubyte"]
    assert isinstance(error.value, DiehlsimError)
    assert not any(path.is_file() for path in (tmp_path / "cache").rglob("*"))


def test_download_falls_back_to_uncompressed_files_on_a_mirror(tmp_path, monkeypatch):
    arrays = make_idx_dataset(tmp_path / "mirror", folder="fashion-mnist", gz=False)
    checksums = {
        path.name: Checksums(None, md5(path)) for path in (tmp_path / "mirror" /
                                                            "fashion-mnist").iterdir()
    }
    monkeypatch.setitem(catalog.IDX_CHECKSUMS, "fashion-mnist", checksums)
    with http_server(tmp_path / "mirror") as (url, _):
        folder = download_module.download("fashion-mnist", cache_dir=tmp_path / "cache",
                                           mirror=url, progress=False)
    assert sorted(p.name for p in folder.iterdir()) == sorted(checksums)
    images, _ = datasets.load("fashion-mnist", "train", data_dir=tmp_path / "cache")
    np.testing.assert_array_equal(images, arrays["train"][0])


def test_download_replaces_a_damaged_cached_file(tmp_path, monkeypatch):
    make_idx_dataset(tmp_path / "mirror", gz=True)
    checksums = {
        path.name.removesuffix(".gz"): Checksums(md5(path), None)
        for path in (tmp_path / "mirror" / "mnist").iterdir()
    }
    monkeypatch.setitem(catalog.IDX_CHECKSUMS, "mnist", checksums)
    cache = tmp_path / "cache"
    # A damaged uncompressed copy would shadow the .gz (the loader prefers it): it must go.
    write_file(cache / "mnist" / "t10k-labels-idx1-ubyte", b"garbage")
    write_file(cache / "mnist" / "t10k-images-idx3-ubyte.gz", b"garbage")
    with http_server(tmp_path / "mirror") as (url, requests):
        download_module.download("mnist", cache_dir=cache, mirror=url, progress=False)
    assert len(requests) == 4
    assert sorted(p.name for p in (cache / "mnist").iterdir()) == sorted(
        f"{name}.gz" for name in checksums)
    assert len(datasets.verify("mnist", data_dir=cache)) == 4


def test_interrupted_transfer_leaves_no_file(tmp_path):
    target = tmp_path / "cache" / "file.gz"
    (tmp_path / "root").mkdir()
    with http_server(tmp_path / "root") as (url, _):
        with pytest.raises(DownloadError, match="could not download"):
            download_module.fetch(f"{url}/cut-short/file.gz", target,
                                  Checksums("0" * 32, None), "mnist", progress=False)
    assert not target.exists()
    assert list((tmp_path / "cache").iterdir()) == []


def test_unreachable_server(tmp_path):
    with http_server(tmp_path) as (url, _):
        pass  # the port is closed again once the server has stopped
    with pytest.raises(DownloadError, match="could not download .*network connection"):
        download_module.download("mnist", cache_dir=tmp_path / "cache", mirror=url,
                                 progress=False)
    assert not any(path.is_file() for path in (tmp_path / "cache").rglob("*"))


def _cifar_tarball(path: Path, batches_dir: Path) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        tar.add(batches_dir, arcname="cifar-10-batches-py")
        # Stray members outside the folder must be ignored.
        info = tarfile.TarInfo("README")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    return path


def _serve_cifar_archive(tmp_path: Path, monkeypatch, url_base: str, tarball: Path) -> None:
    monkeypatch.setattr(catalog, "CIFAR10_ARCHIVE", catalog.Archive(
        url=f"{url_base}/{tarball.name}", filename="cifar-10-python.tar.gz",
        checksums=Checksums(md5(tarball), None), member_prefix="cifar-10-batches-py"))


def test_download_cifar_archive(tmp_path, monkeypatch):
    source = tmp_path / "source" / "cifar-10-batches-py"
    batches = make_cifar_batches(source)
    monkeypatch.setattr(catalog, "CIFAR10_BATCH_CHECKSUMS", _synthetic_cifar_checksums(source))
    served = tmp_path / "served"
    served.mkdir()
    tarball = _cifar_tarball(served / "cifar-10-python.tar.gz", source)
    cache = tmp_path / "cache"
    write_file(cache / "cifar-10-batches-py" / "data_batch_1", b"stale partial copy")
    with http_server(served) as (url, requests):
        _serve_cifar_archive(tmp_path, monkeypatch, url, tarball)
        folder = download_module.download("cifar10", cache_dir=cache, progress=False)
        assert folder == cache / "cifar-10-batches-py"
        assert sorted(p.name for p in folder.iterdir()) == sorted([*CIFAR_SIZES, "batches.meta"])
        assert not (cache / "cifar-10-python.tar.gz").exists()  # dropped once unpacked
        assert leftover_temp_files(cache) == []
        download_module.download("cifar10", cache_dir=cache, progress=False)
        assert len(requests) == 1  # already present and valid
    _, labels = datasets.load("cifar10", "test", data_dir=cache)
    np.testing.assert_array_equal(labels, batches["test_batch"][1])


def test_download_cifar_archive_with_a_bad_batch(tmp_path, monkeypatch):
    source = tmp_path / "source" / "cifar-10-batches-py"
    make_cifar_batches(source)
    checksums = _synthetic_cifar_checksums(source)
    checksums["test_batch"] = Checksums(None, "0" * 32)
    monkeypatch.setattr(catalog, "CIFAR10_BATCH_CHECKSUMS", checksums)
    served = tmp_path / "served"
    served.mkdir()
    tarball = _cifar_tarball(served / "cifar-10-python.tar.gz", source)
    cache = tmp_path / "cache"
    with http_server(served) as (url, _):
        _serve_cifar_archive(tmp_path, monkeypatch, url, tarball)
        with pytest.raises(ChecksumError, match="cifar-10-batches-py/test_batch"):
            download_module.download("cifar10", cache_dir=cache, progress=False)
    assert not (cache / "cifar-10-batches-py").exists()
    assert leftover_temp_files(cache) == []


def test_download_cifar_files_from_a_mirror(tmp_path, monkeypatch):
    source = tmp_path / "mirror" / "cifar-10-batches-py"
    make_cifar_batches(source)
    monkeypatch.setattr(catalog, "CIFAR10_BATCH_CHECKSUMS", _synthetic_cifar_checksums(source))
    with http_server(tmp_path / "mirror") as (url, requests):
        folder = download_module.download("cifar10", cache_dir=tmp_path / "cache", mirror=url,
                                          progress=False)
    assert sorted(requests) == sorted(f"/cifar-10-batches-py/{name}"
                                      for name in catalog.CIFAR10_BATCH_CHECKSUMS)
    assert len(datasets.verify("cifar10", data_dir=tmp_path / "cache")) == 7
    assert folder == tmp_path / "cache" / "cifar-10-batches-py"


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diehlsim")
    download_cli.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_cli_arguments():
    args = _parser().parse_args(["download", "fashion-mnist", "--mirror", "http://m",
                                 "--cache-dir", "/tmp/c"])
    assert (args.names, args.mirror, args.cache_dir) == (["fashion-mnist"], "http://m",
                                                         "/tmp/c")
    several = _parser().parse_args(["download", "mnist", "fashion-mnist"])  # docs/reproduce.md
    assert several.names == ["mnist", "fashion-mnist"]
    assert args.func is download_cli.run_download
    defaults = _parser().parse_args(["download", "cifar10"])
    assert (defaults.mirror, defaults.cache_dir) == (None, None)
    with pytest.raises(SystemExit):
        _parser().parse_args(["download", "mnist-sample"])


def test_cli_download(tmp_path, monkeypatch, capsys):
    make_idx_dataset(tmp_path / "mirror", gz=True)
    checksums = {
        path.name.removesuffix(".gz"): Checksums(md5(path), None)
        for path in (tmp_path / "mirror" / "mnist").iterdir()
    }
    monkeypatch.setitem(catalog.IDX_CHECKSUMS, "mnist", checksums)
    with http_server(tmp_path / "mirror") as (url, _):
        args = _parser().parse_args(["download", "mnist", "--mirror", url,
                                     "--cache-dir", str(tmp_path / "cache")])
        assert args.func(args) == 0
    out = capsys.readouterr()
    assert f"saved and verified in {tmp_path / 'cache' / 'mnist'}" in out.out
    assert "t10k-labels-idx1-ubyte.gz [" in out.err


def test_cli_download_error_is_a_diehlsim_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with http_server(tmp_path / "empty") as (url, _):
        args = _parser().parse_args(["download", "mnist", "--mirror", url,
                                     "--cache-dir", str(tmp_path / "cache")])
        # diehlsim.cli prints DiehlsimError messages as one clean line and exits with 2.
        with pytest.raises(DiehlsimError, match="not found on the server"):
            args.func(args)


def test_package_data_is_declared():
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert '"diehlsim.datasets" = ["data/*.npz", "data/*.md"]' in pyproject
    assert (sample.sample_path().parent / "README.md").is_file()
