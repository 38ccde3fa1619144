"""CUDA standalone (brian2cuda) set-up: compile without a GPU, seed cuRAND, check the GPU.

:func:`configure` sets the brian2cuda preferences so that the generated CUDA project
compiles on a machine with ``nvcc`` but without a GPU or driver (the compute capability is
given, not detected), with C++17 (CUDA 13's CCCL requires it; Brian2 2.10.1 asks for
C++11), and with cuRAND from the CUDA toolkit or else from the ``nvidia-curand`` wheel.
:func:`check_gpu` tells, before a compiled binary runs, whether a GPU can run it.

Why one module: it is brian2cuda's whole set-up (toolkit and cuRAND discovery,
preferences, seeding, the GPU check); no part is used without the others.
"""

from __future__ import annotations

import ctypes
import glob
import os
import shutil
from pathlib import Path

from diehlsim.errors import ConfigurationError, ToolchainError

DEFAULT_COMPUTE_CAPABILITY = "9.0"  # H100 / H200
CXX_STANDARD = "-std=c++17"


# -- toolkit ---------------------------------------------------------------------------
def _toolkit_candidates() -> list[Path]:
    """Directories that may hold a CUDA toolkit (``bin/nvcc``), most specific first."""
    candidates = []
    for name in ("CUDA_PATH", "CUDA_HOME"):
        if os.environ.get(name):
            candidates.append(Path(os.environ[name]).expanduser())
    on_path = shutil.which("nvcc")
    if on_path:
        real = Path(on_path).resolve()
        candidates.append(real.parent.parent)
        # /usr/local/bin/nvcc is often a wrapper or link next to /usr/local/cuda
        candidates.append(Path(on_path).parent.parent / "cuda")
    candidates += [Path("/usr/local/cuda"), Path("/opt/cuda")]
    unique = []
    for path in candidates:
        if path not in unique:
            unique.append(path)
    return unique


def find_nvcc() -> Path:
    """The ``nvcc`` to compile with; :class:`ToolchainError` when there is none."""
    found = [root / "bin" / "nvcc" for root in _toolkit_candidates()
             if (root / "bin" / "nvcc").is_file() and os.access(root / "bin" / "nvcc", os.X_OK)]
    # prefer a full toolkit (bin/ next to include/) over a wrapper script in /usr/local/bin
    for nvcc in found:
        if (nvcc.parent.parent / "include" / "cuda_runtime.h").is_file():
            return nvcc
    if found:
        return found[0]
    on_path = shutil.which("nvcc")
    if on_path:
        return Path(on_path)
    raise ToolchainError(
        "nvcc (the CUDA compiler) was not found: install the CUDA toolkit or put nvcc on "
        "PATH (https://developer.nvidia.com/cuda-downloads; or set CUDA_PATH to the "
        "toolkit directory)")


def _toolkit_root(nvcc: Path) -> Path:
    """The directory brian2cuda takes as the CUDA installation (``<root>/bin/nvcc``)."""
    return nvcc.parent.parent


def nvcc_version(nvcc: Path | None = None) -> float | None:
    import subprocess

    nvcc = nvcc or find_nvcc()
    try:
        out = subprocess.run([str(nvcc), "--version"], capture_output=True, text=True,
                             timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        if "release" in line:
            try:
                return float(line.split("release")[1].split(",")[0])
            except (IndexError, ValueError):
                return None
    return None


# -- cuRAND ----------------------------------------------------------------------------
def _toolkit_curand(roots) -> tuple[Path, Path] | None:
    for root in roots:
        for include in (root / "include", *map(Path, glob.glob(str(root / "targets/*/include")))):
            if not (include / "curand.h").is_file():
                continue
            for lib in (root / "lib64", root / "lib",
                        *map(Path, glob.glob(str(root / "targets/*/lib")))):
                if (lib / "libcurand.so").exists():
                    return include, lib
    return None


def _wheel_curand() -> tuple[Path, Path] | None:
    """include and lib directories of the ``nvidia-curand`` wheel (nvidia/curand or
    nvidia/cu13 depending on the wheel's generation)."""
    try:
        import nvidia  # namespace package of NVIDIA's wheels
    except ImportError:
        return None
    for base in map(Path, getattr(nvidia, "__path__", [])):
        for sub in ("curand", "cu13", "cu12"):
            include, lib = base / sub / "include", base / sub / "lib"
            if (include / "curand.h").is_file() and glob.glob(str(lib / "libcurand.so*")):
                return include, lib
    return None


def _cache_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "diehlsim"


def _link_directory(lib: Path) -> Path:
    """A directory with ``libcurand.so`` -> the wheel's versioned ``libcurand.so.N``
    (the wheel has no unversioned name, which ``-lcurand`` needs)."""
    if (lib / "libcurand.so").exists():
        return lib
    versioned = sorted(glob.glob(str(lib / "libcurand.so.*")), key=len)
    if not versioned:
        raise ToolchainError(f"no libcurand.so.N in {lib}; reinstall nvidia-curand")
    import hashlib

    target = Path(versioned[0]).resolve()
    # one directory per target, so that environments with different wheels do not clash
    digest = hashlib.sha1(str(target).encode()).hexdigest()[:10]
    link_dir = _cache_dir() / "curand-link" / digest
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / "libcurand.so"
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return link_dir
    tmp = link_dir / f"libcurand.so.tmp{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, link)  # atomic: parallel builds never see a missing link
    return link_dir


def find_curand(nvcc: Path | None = None) -> dict | None:
    """Where cuRAND is: ``None`` when nvcc's own toolkit has it (nothing to add), else
    ``{"include": dir, "lib": link_dir, "runtime": [dirs]}`` for compile and link flags
    (``runtime``: the rpath, cuRAND's directory and that of the toolkit's libcudart)."""
    roots = []
    if nvcc is not None:
        roots.append(_toolkit_root(nvcc))
    if nvcc is not None and _toolkit_curand(roots[:1]):
        return None  # nvcc adds its toolkit's include and lib64 directories itself
    found = _toolkit_curand(_toolkit_candidates())
    if found is None:
        wheel = _wheel_curand()
        if wheel is None:
            raise ToolchainError(
                "cuRAND (curand.h, libcurand.so) is neither in the CUDA toolkit nor "
                "installed as a wheel: pip install 'diehlsim[cuda]' (nvidia-curand)")
        include, lib = wheel
    else:
        include, lib = found
    runtime = [lib]
    if nvcc is not None:
        # libcurand.so.N needs the shared libcudart.so.M: let the binary find nvcc's own
        # (the toolkit's lib directory is often missing from the loader's paths).
        root = _toolkit_root(nvcc)
        for candidate in (root / "lib64", root / "lib", *map(Path, glob.glob(str(root / "targets/*/lib")))):
            if glob.glob(str(candidate / "libcudart.so.*")):
                runtime.append(candidate.resolve())
                break
    return {"include": include, "lib": _link_directory(lib), "runtime": runtime}


# -- preferences ------------------------------------------------------------------------
def _with_standard(args, standard: str = CXX_STANDARD) -> list[str]:
    return [a for a in args if not a.startswith("-std=")] + [standard]


def _append_unique(values, *new) -> list:
    values = list(values or [])
    for value in new:
        if value not in values:
            values.append(value)
    return values


def _parse_compute_capability(value) -> float:
    try:
        cc = float(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"compute capability must look like 9.0 or 8.6, got {value!r}") from None
    if cc < 5.0:
        raise ConfigurationError(
            f"compute capability {cc} is below brian2cuda's minimum 5.0")
    return cc


def configure(compute_capability=DEFAULT_COMPUTE_CAPABILITY, gpu_id: int = 0,
              portable: bool = False, compile: bool = True, **ignored) -> dict:
    """Set the brian2cuda preferences so that the CUDA project compiles without a GPU.

    ``compute_capability`` (e.g. ``"9.0"``: H100/H200, ``"8.0"``: A100) and ``gpu_id``
    replace brian2cuda's GPU detection (``nvidia-smi``/``deviceQuery``); ``portable`` drops
    ``-march=native`` from the host compiler flags. Without nvcc the project can still be
    generated (``compile=False``); with ``compile=True`` a missing nvcc raises
    :class:`ToolchainError`. Returns what was found (nvcc, cuRAND directories).
    """
    try:
        import brian2cuda  # noqa: F401  (registers the device and its preferences)
        from brian2cuda.utils import gputools
    except ImportError as exc:
        raise ToolchainError(
            "cuda_standalone needs brian2cuda: pip install 'diehlsim[cuda]' "
            f"(brian2cuda==1.0b1, nvidia-curand) ({exc})") from exc
    from brian2 import prefs

    cc = _parse_compute_capability(compute_capability)
    backend = prefs.devices.cuda_standalone.cuda_backend
    backend.detect_gpus = False
    backend.gpu_id = int(gpu_id)
    backend.compute_capability = cc
    try:
        nvcc = find_nvcc()
    except ToolchainError:
        if compile:
            raise
        nvcc = None
    info = {"nvcc": nvcc, "compute_capability": cc, "curand": None}
    nvcc_args = [a for a in backend.extra_compile_args_nvcc
                 if not a.startswith(("-I", "-arch", "--gpu-architecture"))]
    if nvcc is not None:
        backend.detect_cuda = True
        backend.cuda_path = str(_toolkit_root(nvcc))
        backend.cuda_runtime_version = None
        curand = find_curand(nvcc)
        info["curand"] = curand
        if curand is not None:
            # nvcc compiles device code too: the include must reach nvcc itself, not only
            # the host compiler (-Xcompiler).
            nvcc_args.append(f"-I{curand['include']}")
            prefs.codegen.cpp.include_dirs = _append_unique(
                prefs.codegen.cpp.include_dirs, str(curand["include"]))
            prefs.codegen.cpp.library_dirs = _append_unique(
                prefs.codegen.cpp.library_dirs, str(curand["lib"]))
            prefs.codegen.cpp.runtime_library_dirs = _append_unique(
                prefs.codegen.cpp.runtime_library_dirs, *map(str, curand["runtime"]))
    else:
        # Generate only: brian2cuda still wants a runtime version for its atomics code.
        backend.detect_cuda = False
        if backend.cuda_runtime_version is None:
            backend.cuda_runtime_version = 13.0
        if backend.cuda_path is None:  # the makefile names <cuda_path>/bin/nvcc
            backend.cuda_path = os.environ.get("CUDA_PATH") or "/usr/local/cuda"
    # The makefile hard-codes -std=c++11 before these flags; nvcc uses the last one.
    backend.extra_compile_args_nvcc = _with_standard(nvcc_args)
    host_args = _with_standard(prefs.codegen.cpp.extra_compile_args_gcc)
    if portable:
        host_args = [a for a in host_args if a != "-march=native"]
    prefs.codegen.cpp.extra_compile_args_gcc = host_args
    gputools.reset_cuda_installation()
    gputools.reset_gpu_selection()
    _quiet_brian2cuda_info()
    return info


class _DropBrian2cudaInfo:
    """Console filter: brian2cuda logs ~30 INFO lines (its preferences) per build."""

    def filter(self, record) -> bool:
        import logging

        return not ("brian2cuda" in record.name and record.levelno < logging.WARNING)


def _quiet_brian2cuda_info() -> None:
    from brian2.utils.logger import BrianLogger

    handler = BrianLogger.console_handler
    if handler is not None and not any(isinstance(f, _DropBrian2cudaInfo)
                                       for f in handler.filters):
        handler.addFilter(_DropBrian2cudaInfo())  # the log file keeps everything


# -- seeding ----------------------------------------------------------------------------
def seed_code(seed_array: str) -> str:
    """C++ for main that seeds brian2cuda's cuRAND generators from the run-time seed.

    brian2cuda implements ``seed(s)`` as ``random_number_buffer.set_seed(s)``: the host API
    generator (``rand()`` in the input threshold) gets ``s`` with its offset reset, the
    device API states ``s + 1``. Here ``s`` is the value the run arguments wrote into the
    host copy of the controller's ``rng_seed`` (``brian::_array_controller_rng_seed``).
    """
    return ("random_number_buffer.set_seed("
            f"(unsigned long long) brian::{seed_array}[0]);")


# -- GPU check --------------------------------------------------------------------------
_gpu_ok = False


def check_gpu(gpu_id: int = 0) -> None:
    """Raise :class:`ToolchainError` unless an NVIDIA driver and GPU ``gpu_id`` are usable.

    Loads the driver library (``libcuda.so.1``) and asks ``cuInit``/``cuDeviceGetCount``,
    which honours ``CUDA_VISIBLE_DEVICES`` as the compiled binary will.
    """
    global _gpu_ok
    if _gpu_ok:
        return
    hint = ("; build with 'diehlsim build --device cuda_standalone' here and run the "
            "binary on a machine with an NVIDIA GPU, or use --device cpp_standalone")
    try:
        lib = ctypes.CDLL("libcuda.so.1")
    except OSError:
        smi = shutil.which("nvidia-smi")
        where = f" (nvidia-smi at {smi})" if smi else " and nvidia-smi is absent"
        raise ToolchainError(
            "no NVIDIA GPU driver: libcuda.so.1 cannot be loaded" + where +
            ", so cuda_standalone cannot run on this machine" + hint) from None
    status = lib.cuInit(0)
    if status != 0:
        reasons = {100: "no CUDA-capable GPU is present (CUDA_ERROR_NO_DEVICE)",
                   35: "the NVIDIA driver is older than this CUDA runtime",
                   999: "the driver failed to initialise (CUDA_ERROR_UNKNOWN)"}
        reason = reasons.get(status, f"cuInit failed with CUDA error {status}")
        raise ToolchainError(f"no usable NVIDIA GPU: {reason}" + hint)
    count = ctypes.c_int(0)
    status = lib.cuDeviceGetCount(ctypes.byref(count))
    if status != 0 or count.value == 0:
        raise ToolchainError("no NVIDIA GPU is visible (driver found, 0 devices; check "
                             "CUDA_VISIBLE_DEVICES)" + hint)
    if not 0 <= gpu_id < count.value:
        raise ToolchainError(f"GPU {gpu_id} requested but only {count.value} visible")
    _gpu_ok = True
