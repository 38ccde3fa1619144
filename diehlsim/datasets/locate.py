"""Where datasets are looked for, and which files of a data directory hold a dataset.

Search path, first match wins: an explicit directory, ``$DIEHLSIM_DATA`` (several directories
may be separated by ``os.pathsep``), the user cache (where ``diehlsim download`` saves), and
the system-wide ``/usr/share/datasets`` (where e.g. Debian's ``dataset-fashion-mnist`` installs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from diehlsim.datasets import catalog
from diehlsim.errors import DatasetNotFoundError

SYSTEM_DATA_DIR = Path("/usr/share/datasets")

# Kinds of local source, in the order they are preferred within one data directory.
IDX = "idx"
CIFAR_PICKLES = "cifar-pickles"
CIFAR_GRAY_NPZ = "cifar-gray-npz"


@dataclass(frozen=True)
class Source:
    """The files that hold one dataset in one data directory.

    ``files`` maps a role (an IDX base name, a CIFAR batch name, or the npz name) to its path.
    """

    name: str
    kind: str
    directory: Path
    files: dict[str, Path]


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/diehlsim`` when XDG_CACHE_HOME is set, else ``~/.cache/diehlsim``."""
    xdg_cache = os.environ.get("XDG_CACHE_HOME")
    if xdg_cache:
        return Path(xdg_cache).expanduser() / "diehlsim"
    return Path.home() / ".cache" / "diehlsim"


def search_path(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The data directories searched, in order, without duplicates."""
    candidates: list[Path] = []
    if data_dir is not None:
        candidates.append(Path(data_dir).expanduser())
    for entry in os.environ.get(catalog.DATA_ENV, "").split(os.pathsep):
        if entry.strip():
            candidates.append(Path(entry.strip()).expanduser())
    candidates.append(user_cache_dir())
    candidates.append(SYSTEM_DATA_DIR)
    return _unique(candidates)


def _unique(paths: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    unique = []
    for path in paths:
        if path not in seen:
            seen.add(path)
            unique.append(path)
    return unique


def idx_file(directory: Path, base_name: str) -> Path | None:
    """The IDX file ``base_name`` in ``directory``, uncompressed or ``.gz``; None if absent.

    The uncompressed file is preferred: it needs no decompression.
    """
    for candidate in (directory / base_name, directory / f"{base_name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def find_source(
    name: str, splits: tuple[str, ...], data_dir: str | os.PathLike | None = None
) -> Source:
    """The first source of dataset ``name`` along the search path that has every split asked.

    Raises DatasetNotFoundError listing every place searched and how to get the data.
    """
    catalog.check_name(name)
    misses: list[str] = []
    for root in search_path(data_dir):
        source, why_not = _source_in(root, name, splits)
        if source is not None:
            return source
        misses.extend(why_not)
    raise DatasetNotFoundError(_not_found_message(name, splits, misses))


def _source_in(root: Path, name: str, splits: tuple[str, ...]) -> tuple[Source | None, list[str]]:
    """The source of ``name`` in data directory ``root``, or None and why each place failed."""
    if name in catalog.IDX_DIRECTORIES:
        return _single(_idx_source(root, name, splits))
    pickles, pickles_miss = _cifar_pickle_source(root, splits)
    if pickles is not None:
        return pickles, []
    gray, gray_miss = _cifar_gray_source(root)
    if gray is not None:
        return gray, []
    return None, [pickles_miss, gray_miss]


def _single(result: tuple[Source | None, str]) -> tuple[Source | None, list[str]]:
    source, why_not = result
    return source, ([] if source is not None else [why_not])


def _idx_source(root: Path, name: str, splits: tuple[str, ...]) -> tuple[Source | None, str]:
    directory = root / catalog.IDX_DIRECTORIES[name]
    if not directory.is_dir():
        return None, f"{directory}  (no such directory)"
    files: dict[str, Path] = {}
    missing: list[str] = []
    for split in splits:
        for base_name in catalog.IDX_FILES[split]:
            path = idx_file(directory, base_name)
            if path is None:
                missing.append(f"{base_name}[.gz]")
            else:
                files[base_name] = path
    if missing:
        return None, f"{directory}  (missing {', '.join(missing)})"
    return Source(name, IDX, directory, files), ""


def _cifar_pickle_source(root: Path, splits: tuple[str, ...]) -> tuple[Source | None, str]:
    directory = root / catalog.CIFAR10_BATCH_DIRECTORY
    if not directory.is_dir():
        return None, f"{directory}  (no such directory)"
    batch_names = [batch for split in splits for batch in catalog.CIFAR10_BATCHES[split]]
    missing = [batch for batch in batch_names if not (directory / batch).is_file()]
    if missing:
        return None, f"{directory}  (missing {', '.join(missing)})"
    files = {batch: directory / batch for batch in batch_names}
    return Source(catalog.CIFAR10, CIFAR_PICKLES, directory, files), ""


def _cifar_gray_source(root: Path) -> tuple[Source | None, str]:
    path = root / catalog.CIFAR10_GRAY_DIRECTORY / catalog.CIFAR10_GRAY_FILE
    if not path.is_file():
        return None, f"{path}  (no such file)"
    files = {catalog.CIFAR10_GRAY_FILE: path}
    return Source(catalog.CIFAR10, CIFAR_GRAY_NPZ, path.parent, files), ""


def _not_found_message(name: str, splits: tuple[str, ...], misses: list[str]) -> str:
    split_text = " and ".join(splits)
    places = "\n".join(f"  - {miss}" for miss in misses)
    return (
        f"dataset {name!r} ({split_text}) not found. Searched, in order:\n{places}\n"
        f"Fix: run `{catalog.download_command(name)}` (saves it to {user_cache_dir()}), "
        f"or point ${catalog.DATA_ENV} (or data_dir) at a directory holding "
        f"{_expected_layout(name)}."
    )


def _expected_layout(name: str) -> str:
    if name in catalog.IDX_DIRECTORIES:
        return f"{catalog.IDX_DIRECTORIES[name]}/ with the four IDX files (.gz or not)"
    return (
        f"{catalog.CIFAR10_BATCH_DIRECTORY}/ (the canonical python batches) or "
        f"{catalog.CIFAR10_GRAY_DIRECTORY}/{catalog.CIFAR10_GRAY_FILE}"
    )
