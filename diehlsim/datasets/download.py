"""Download datasets into the user cache, verified and atomic (``diehlsim download NAME``).

Every file is streamed into a temporary file next to its target, checked against its canonical
MD5 (compressed or uncompressed form), and only then renamed onto the target: an interrupted or
corrupted download never leaves a file that the loader could pick up.

Sources: the canonical URLs of each dataset, or a mirror (argument ``mirror`` or
``$DIEHLSIM_MIRROR``) that serves the data-directory layout, file URL
``{mirror}/{folder}/{filename}``: a plain HTTP server over a data directory is a mirror.
CIFAR-10 comes from the canonical tarball (unpacked into ``cifar-10-batches-py``), or from a
mirror as the files of ``cifar-10-batches-py`` themselves.

Why one module: streaming, checksum and rename are one transaction per file, and the
per-dataset sources it fetches belong next to it.
"""

from __future__ import annotations

import http.client
import os
import ssl
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import TextIO

from diehlsim import __version__
from diehlsim.datasets import catalog
from diehlsim.datasets.checksums import VerifiedFile, check_file, match_checksums
from diehlsim.datasets.locate import user_cache_dir
from diehlsim.errors import ConfigurationError, DatasetFormatError, DiehlsimError
from diehlsim.io import atomic_path

USER_AGENT = f"diehlsim/{__version__} (+urllib)"
TIMEOUT_S = 60
CHUNK_SIZE = 1 << 16
DATA_FILE_MODE = 0o644


class DownloadError(DiehlsimError, OSError):
    """A file could not be fetched: network failure, HTTP error, or a cut-off transfer."""


class _NotOnServer(Exception):
    """The server has no such file (HTTP 404, or a missing file behind a file:// mirror)."""


def download(
    name: str,
    cache_dir: str | os.PathLike | None = None,
    mirror: str | None = None,
    progress: bool = True,
) -> Path:
    """Fetch dataset ``name`` into ``cache_dir`` (default: the user cache); return its folder.

    Files already present with a valid checksum are kept. Raises ChecksumError when a file
    does not match its canonical checksum, DownloadError when it cannot be fetched.
    """
    _check_downloadable(name)
    cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else user_cache_dir()
    mirror = resolve_mirror(mirror)
    if name in catalog.IDX_DIRECTORIES:
        return _download_idx(name, cache_dir, mirror, progress)
    if mirror is not None:
        return _download_cifar_files(cache_dir, mirror, progress)
    return _download_cifar_archive(cache_dir, progress)


def _check_downloadable(name: str) -> None:
    catalog.check_name(name)
    if name not in catalog.DOWNLOADABLE:
        raise ConfigurationError(
            f"{name!r} ships inside the diehlsim package: there is nothing to download. "
            f"Downloadable datasets: {', '.join(catalog.DOWNLOADABLE)}"
        )


def resolve_mirror(mirror: str | None) -> str | None:
    """The mirror base URL: the argument, else ``$DIEHLSIM_MIRROR``, else None (canonical)."""
    chosen = mirror if mirror else os.environ.get(catalog.MIRROR_ENV, "")
    chosen = chosen.strip().rstrip("/")
    return chosen or None


def mirror_url(mirror: str, folder: str, filename: str) -> str:
    """URL of ``filename`` of data-directory folder ``folder`` on ``mirror``."""
    return f"{mirror}/{folder}/{filename}"


# ---------------------------------------------------------------------------------------------
# MNIST and Fashion-MNIST
# ---------------------------------------------------------------------------------------------


def _download_idx(name: str, cache_dir: Path, mirror: str | None, progress: bool) -> Path:
    folder = catalog.IDX_DIRECTORIES[name]
    directory = cache_dir / folder
    for split in catalog.SPLITS:
        for base_name in catalog.IDX_FILES[split]:
            expected = catalog.IDX_CHECKSUMS[name][base_name]
            candidates = _idx_candidates(name, folder, base_name, mirror)
            _ensure_file(name, directory, [base_name, f"{base_name}.gz"], candidates, expected,
                         progress)
    return directory


def _idx_candidates(
    name: str, folder: str, base_name: str, mirror: str | None
) -> list[tuple[str, str]]:
    """(URL, local filename) pairs to try in turn for one IDX file."""
    gz_name = f"{base_name}.gz"
    if mirror is None:
        return [(f"{catalog.IDX_BASE_URLS[name]}/{gz_name}", gz_name)]
    # A data directory may hold the files uncompressed: fall back to those on a 404.
    return [
        (mirror_url(mirror, folder, gz_name), gz_name),
        (mirror_url(mirror, folder, base_name), base_name),
    ]


def _ensure_file(
    name: str,
    directory: Path,
    local_names: list[str],
    candidates: list[tuple[str, str]],
    expected: catalog.Checksums,
    progress: bool,
) -> VerifiedFile:
    """Keep a valid local copy among ``local_names``, or fetch the first candidate available.

    Damaged local copies are removed only once a good file has been downloaded, and only
    when they would otherwise stay next to it (the loader prefers the uncompressed name).
    """
    existing = [directory / local for local in local_names if (directory / local).is_file()]
    for path in existing:
        verified = match_checksums(path, expected)
        if verified is not None:
            _report(progress, f"{path.name}: already present, checksum OK")
            return verified
    fetched = _fetch_first(name, directory, candidates, expected, progress)
    for damaged in existing:
        if damaged != fetched.path:
            _report(progress, f"{damaged.name}: removed (failed its checksum)")
            damaged.unlink(missing_ok=True)
    return fetched


def _fetch_first(
    name: str,
    directory: Path,
    candidates: list[tuple[str, str]],
    expected: catalog.Checksums,
    progress: bool,
) -> VerifiedFile:
    for url, local_name in candidates:
        try:
            return fetch(url, directory / local_name, expected, name, progress)
        except _NotOnServer:
            continue
    urls = ", ".join(url for url, _ in candidates)
    raise DownloadError(
        f"{urls}: not found on the server (HTTP 404). Fix: check the mirror URL (it must serve "
        f"{{mirror}}/{{folder}}/{{file}}, like a data directory), or drop --mirror and "
        f"unset ${catalog.MIRROR_ENV} to use the canonical source."
    )


# ---------------------------------------------------------------------------------------------
# CIFAR-10
# ---------------------------------------------------------------------------------------------


def _download_cifar_files(cache_dir: Path, mirror: str, progress: bool) -> Path:
    """Fetch the files of ``cifar-10-batches-py`` one by one from a mirror."""
    directory = cache_dir / catalog.CIFAR10_BATCH_DIRECTORY
    for batch, expected in catalog.CIFAR10_BATCH_CHECKSUMS.items():
        url = mirror_url(mirror, catalog.CIFAR10_BATCH_DIRECTORY, batch)
        _ensure_file(catalog.CIFAR10, directory, [batch], [(url, batch)], expected, progress)
    return directory


def _download_cifar_archive(cache_dir: Path, progress: bool) -> Path:
    """Fetch the canonical tarball, unpack its batches, verify them, then drop the tarball."""
    archive = catalog.CIFAR10_ARCHIVE
    target = cache_dir / catalog.CIFAR10_BATCH_DIRECTORY
    if _all_valid(target, catalog.CIFAR10_BATCH_CHECKSUMS):
        _report(progress, f"{target}: already present, checksums OK")
        return target
    archive_path = cache_dir / archive.filename
    _ensure_file(catalog.CIFAR10, cache_dir, [archive.filename],
                 [(archive.url, archive.filename)], archive.checksums, progress)
    _report(progress, f"unpacking {archive.filename}")
    extract_folder(archive_path, archive.member_prefix, target, catalog.CIFAR10_BATCH_CHECKSUMS)
    # The 163 MB tarball is redundant once its verified content is in place.
    archive_path.unlink()
    return target


def _all_valid(directory: Path, checksums: dict[str, catalog.Checksums]) -> bool:
    return all(
        (directory / filename).is_file()
        and match_checksums(directory / filename, expected) is not None
        for filename, expected in checksums.items()
    )


def extract_folder(
    archive_path: Path, folder: str, target: Path, checksums: dict[str, catalog.Checksums]
) -> None:
    """Unpack ``folder`` of a tarball onto ``target``, atomically, after checking its files.

    The folder is unpacked into a temporary directory next to ``target`` and renamed into
    place only once every file in ``checksums`` is present and valid.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as scratch:
        scratch = Path(scratch)
        _extract_members(archive_path, folder, scratch)
        unpacked = scratch / folder
        _check_unpacked(archive_path, unpacked, checksums)
        if target.exists():
            # A directory cannot be renamed onto a non-empty one: move the old one aside
            # (into the scratch directory, deleted on exit) first.
            os.replace(target, scratch / "previous")
        os.replace(unpacked, target)


def _extract_members(archive_path: Path, folder: str, destination: Path) -> None:
    try:
        with tarfile.open(archive_path, "r:*") as tar:
            members = [
                member for member in tar.getmembers()
                if member.name == folder or member.name.startswith(f"{folder}/")
            ]
            # filter='data' refuses absolute paths, links out of the tree and device files.
            tar.extractall(destination, members=members, filter="data")
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise DatasetFormatError(
            f"{archive_path}: cannot unpack ({exc}). Fix: delete it and download again."
        ) from exc


def _check_unpacked(
    archive_path: Path, unpacked: Path, checksums: dict[str, catalog.Checksums]
) -> None:
    missing = [name for name in checksums if not (unpacked / name).is_file()]
    if missing:
        raise DatasetFormatError(
            f"{archive_path}: the archive lacks {', '.join(missing)}. "
            "Fix: delete it and download again."
        )
    for name, expected in checksums.items():
        check_file(unpacked / name, expected, "delete the archive and download again",
                   origin=f"{archive_path}:{unpacked.name}/{name}")


# ---------------------------------------------------------------------------------------------
# One file over HTTP(S)
# ---------------------------------------------------------------------------------------------


def fetch(
    url: str, target: Path, expected: catalog.Checksums, dataset: str, progress: bool = True
) -> VerifiedFile:
    """Download ``url`` onto ``target`` atomically; ChecksumError (and no file) on mismatch."""
    with atomic_path(target) as partial:
        _stream_to_file(url, partial, progress, label=target.name)
        verified = check_file(partial, expected, _download_fix(dataset), origin=url)
        # The temporary file is created private (0600); public data should be readable like
        # any file the user downloads.
        os.chmod(partial, DATA_FILE_MODE)
    return VerifiedFile(target, verified.md5, verified.matched)


def _download_fix(dataset: str) -> str:
    return (
        f"run `{catalog.download_command(dataset)}` again; if it fails again the server "
        f"delivers a wrong file: use another mirror (--mirror URL or ${catalog.MIRROR_ENV}) "
        "or the canonical source (no mirror)"
    )


def _stream_to_file(url: str, destination: Path, progress: bool, label: str) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, \
                open(destination, "wb") as out:
            total = _content_length(response)
            bar = ProgressBar(label, total, enabled=progress)
            while chunk := response.read(CHUNK_SIZE):
                out.write(chunk)
                bar.update(len(chunk))
            bar.finish()
            if total is not None and bar.done != total:
                raise _network_error(
                    url, f"the transfer stopped after {bar.done} of {total} bytes"
                )
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise _NotOnServer(url) from exc
        raise _network_error(url, f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, FileNotFoundError):
            raise _NotOnServer(url) from exc
        raise _network_error(url, str(exc.reason)) from exc
    except (http.client.HTTPException, ConnectionError, TimeoutError, ssl.SSLError) as exc:
        raise _network_error(url, f"{type(exc).__name__}: {exc}") from exc


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _network_error(url: str, reason: str) -> DownloadError:
    return DownloadError(
        f"could not download {url}: {reason}. Fix: check the network connection and proxy "
        f"settings and retry, or use a mirror with --mirror URL (or ${catalog.MIRROR_ENV})."
    )


def _report(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)


class ProgressBar:
    """A one-line, plain-text progress bar on stderr.

    On a terminal the line is redrawn in place (at most 10 times a second); elsewhere (logs,
    CI) only the final line is written, so that logs do not fill up with carriage returns.
    """

    WIDTH = 30
    REDRAW_INTERVAL_S = 0.1

    def __init__(
        self, label: str, total: int | None, enabled: bool = True, stream: TextIO | None = None
    ):
        self.label = label
        self.total = total
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = enabled and self.stream.isatty()
        self.done = 0
        self._last_draw = 0.0

    def update(self, count: int) -> None:
        """Account for ``count`` more bytes; redraw if on a terminal and due."""
        self.done += count
        now = time.monotonic()
        if self.interactive and now - self._last_draw >= self.REDRAW_INTERVAL_S:
            self._last_draw = now
            self.stream.write("\r" + self.render())
            self.stream.flush()

    def finish(self) -> None:
        """Write the final state and end the line."""
        if self.enabled:
            prefix = "\r" if self.interactive else ""
            self.stream.write(prefix + self.render() + "\n")
            self.stream.flush()

    def render(self) -> str:
        """The bar as text, e.g. ``t10k-images-idx3-ubyte.gz [#####-----]  50%  0.8/1.6 MB``."""
        if not self.total:
            divisor, unit = size_unit(self.done)
            return f"{self.label}  {self.done / divisor:.1f} {unit}"
        fraction = min(self.done / self.total, 1.0)
        filled = int(round(fraction * self.WIDTH))
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        divisor, unit = size_unit(self.total)
        return (
            f"{self.label} [{bar}] {fraction * 100:3.0f}%  "
            f"{self.done / divisor:.1f}/{self.total / divisor:.1f} {unit}"
        )


def size_unit(count: int) -> tuple[float, str]:
    """Divisor and name of the decimal unit (kB or MB) suited to ``count`` bytes."""
    return (1e6, "MB") if count >= 1_000_000 else (1e3, "kB")
