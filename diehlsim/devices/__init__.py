"""The device layer: everything that differs between Brian2's ``runtime``,
``cpp_standalone`` and ``cuda_standalone`` devices, in one package.

* :func:`configure` selects a device and sets Brian2's (global) preferences for it: the
  compiler flags of :mod:`diehlsim.devices.native`, brian2cuda's settings
  (:mod:`diehlsim.devices.cuda`), OpenMP threads;
* :func:`seed_code` is the C++ that seeds a standalone chunk's generators from its
  ``controller.rng_seed`` run argument;
* :func:`run_arguments` turns the values of a chunk into the binary's ``name=value``
  arguments and the files they point to;
* :mod:`diehlsim.devices.project` builds and documents a standalone project.

The model itself (:mod:`diehlsim.models`) is the same on every device.
"""

from __future__ import annotations

import os
import platform
import operator
import shutil
from importlib import metadata
from pathlib import Path

from diehlsim.devices import native, spike_queue
from diehlsim.errors import ConfigurationError, ToolchainError

DEVICES = ("runtime", "cpp_standalone", "cuda_standalone")
#: Presentation slots of one compiled run of a network of up to SLOTS_NEURONS neurons.
DEFAULT_SLOTS = 250
#: Each started block of this many excitatory neurons adds DEFAULT_SLOTS slots to a chunk.
SLOTS_NEURONS = 1600


def default_slots(n_exc: int) -> int:
    """Presentation slots of one compiled run when none are given: 250 up to 1600 neurons,
    250 more for each further 1600 (1,000 at 6400).

    Each chunk starts the binary, which allocates and fills the n_input x N synapses and
    writes every array back; that start-up grows faster than the network run per image
    (docs/benchmarks_startup.md), so larger networks take longer chunks to keep it a small
    share of the chunk. A chunk is also the checkpoint interval and the unit a stop waits for.
    """
    try:
        neurons = operator.index(n_exc)
    except TypeError:
        neurons = 0
    if isinstance(n_exc, bool) or neurons < 1:
        raise ConfigurationError(f"the number of excitatory neurons must be a positive whole "
                                 f"number, got {n_exc!r}")
    return DEFAULT_SLOTS * -(-neurons // SLOTS_NEURONS)


#: From this many excitatory neurons, cpp_standalone builds hold the input synapses by
#: delay by default (measured crossover: docs/performance.md, "Input layout").
BY_DELAY_NEURONS = 1600


def default_input_layout(n_exc: int, device_name: str) -> str:
    """The input-synapse layout (``conn.input_layout``) a run gets when none is given:
    ``by-delay`` for cpp_standalone from :data:`BY_DELAY_NEURONS` neurons, where one
    homogeneous-delay object per delay step beats Brian2's heterogeneous-delay queue on the
    CPU; ``one`` object elsewhere. Smaller networks lose to the split's 21 code objects per
    step; on CUDA each object is its own kernel launch per step and nothing is measured yet,
    and the runtime device is not where speed is wanted."""
    check_device(device_name)
    if device_name == "cpp_standalone" and int(n_exc) >= BY_DELAY_NEURONS:
        return "by-delay"
    return "one"


def check_device(device_name: str) -> None:
    if device_name not in DEVICES:
        raise ConfigurationError(
            f"unknown device {device_name!r}; choose one of {', '.join(DEVICES)}")


def march(options: dict) -> str:
    """The ``-march`` of the host code: ``options["march"]`` (default ``native``), or ``""``
    (none) for a portable build."""
    if options.get("portable"):
        return ""
    return str(options.get("march", "native"))


#: Events ahead whose synapse arrays the input event code prefetches on cpp_standalone.
DEFAULT_PREFETCH_DISTANCE = 16


def prefetch_distance(options: dict) -> int:
    """The ``prefetch_distance`` device option (0: no prefetch), checked."""
    value = options.get("prefetch_distance", DEFAULT_PREFETCH_DISTANCE)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(
            f"device option prefetch_distance={value!r} must be a whole number >= 0 (events "
            f"ahead; 0 turns the prefetch off, {DEFAULT_PREFETCH_DISTANCE} is the default)")
    return value


def configure(device_name: str, build_dir: Path, *, threads: int = 0, compile: bool = True,
              options: dict | None = None):
    """Make ``device_name`` Brian2's device for a network built next, and return it."""
    from brian2 import device, prefs, set_device
    from brian2.devices.device import all_devices, get_device

    check_device(device_name)
    options = dict(options or {})
    # Brian2 would turn Ctrl-C into "finish this run early" (in Python and in the binary's
    # main), and the chunk would look complete; the driver stops between chunks instead.
    prefs.core.stop_on_keyboard_interrupt = False
    native.use_vector_math(device_name == "cpp_standalone", march(options))
    native.use_prefetch(prefetch_distance(options) if device_name == "cpp_standalone" else 0)
    if device_name == "runtime":
        set_device("runtime")
        prefs.codegen.target = "cython"
        return get_device()
    if device_name == "cuda_standalone":
        from diehlsim.devices import cuda

        cuda.configure(compile=compile, **options)
    if compile:
        check_cpp_toolchain()
    device.reinit()
    # The active device is not the target when a runtime simulator ran in between: clear
    # the target's earlier build too (its run arguments can be applied only once).
    all_devices[device_name].reinit()
    set_device(device_name, build_on_run=False, directory=str(build_dir))
    prefs.devices.cpp_standalone.openmp_threads = int(threads)
    return get_device()


def build_project(dev, device_name: str, build_dir: Path, *, compile: bool,
                  options: dict) -> None:
    """Write the standalone project of the network run so far into ``build_dir`` and,
    with ``compile``, compile it; a cpp_standalone project gets the chosen spike queue
    (:mod:`diehlsim.devices.spike_queue`) before it is compiled."""
    if device_name != "cpp_standalone":
        dev.build(directory=str(build_dir), compile=compile, run=False, with_output=False)
        return
    from brian2.codegen.cpp_prefs import get_compiler_and_args

    dev.build(directory=str(build_dir), compile=False, run=False, with_output=False)
    spike_queue.install(build_dir, options)
    if compile:
        compiler, _ = get_compiler_and_args()
        dev.compile_source(str(build_dir), compiler, False, False)


def check_cpp_toolchain() -> None:
    """Fail early, with the fix, when the standalone build cannot compile (no make or g++)."""
    compiler = os.environ.get("CXX", "g++")
    missing = [tool for tool in ("make", compiler) if shutil.which(tool) is None]
    if missing:
        raise ToolchainError(
            f"standalone builds need a C++ compiler and make, but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not on PATH; install them (Debian/Ubuntu: "
            f"`apt-get install g++ make`), set $CXX to your compiler, or use --device runtime")


def seed_code(device_name: str, seed_array: str) -> str:
    """C++ that seeds the generators from the controller's run-time ``rng_seed``."""
    from brian2 import prefs

    if device_name == "cuda_standalone":
        from diehlsim.devices import cuda

        return cuda.seed_code(seed_array)
    threads = max(1, int(prefs.devices.cpp_standalone.openmp_threads))
    return (f"for (int _i = 0; _i < {threads}; _i++)\n"
            f"    brian::_random_generators[_i].seed((unsigned long) brian::{seed_array}[0] + _i);")


def run_argument_name(group: str, variable: str) -> str:
    """The name the binary knows. Brian2 names a synaptic delay after its pathway
    (``input_exc_pre.delay``), but the generated binary knows ``input_exc.delay``."""
    if group.endswith("_pre") and variable == "delay":
        group = group[: -len("_pre")]
    return f"{group}.{variable}"


def run_arguments(dev, mapping: dict, build_dir: Path) -> tuple[list[str], list[Path]]:
    """Turn ``{VariableView or TimedArray: value with units}`` into ``name=value`` run
    arguments and the files they name (written here, so that they can be removed after the
    run)."""
    from brian2 import TimedArray

    arguments, files = [], []
    for key, value in mapping.items():
        if isinstance(key, TimedArray):
            name, string_value, file_name, array = dev._prepare_timed_array_run_arg(key, value)
        else:
            name, string_value, file_name, array = dev._prepare_variableview_run_arg(key, value)
            name = run_argument_name(*name.rsplit(".", 1))
        if file_name:
            path = build_dir / "static_arrays" / file_name
            array.tofile(path)
            files.append(path)
        arguments.append(f"{name}={string_value}")
    return arguments, files


def versions(*extra: str) -> dict:
    """The versions that shape the generated code and its results (run configs, build
    manifests), and those of the ``extra`` packages a file also records."""
    out = {"python": platform.python_version()}
    for package in ("diehlsim", "brian2", "numpy", "scipy", "brian2cuda", *extra):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def claim_build_dir(root: Path, name: str):
    """An exclusive build directory: ``root/name``, or ``name-2``, ``name-3``... when another
    process is building or running there (a rebuild would replace the binary under it)."""
    import fcntl

    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 100):
        candidate = root / (name if attempt == 1 else f"{name}-{attempt}")
        candidate.mkdir(exist_ok=True)
        handle = open(candidate / ".diehlsim.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        return candidate, handle
    raise ConfigurationError(f"no free build directory under {root}; remove stale ones")


def default_build_root() -> Path:
    """Compiled standalone projects are cached here, keyed by network shape and device."""
    root = os.environ.get("DIEHLSIM_BUILD_DIR")
    if root:
        return Path(root)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "diehlsim" / "builds"
