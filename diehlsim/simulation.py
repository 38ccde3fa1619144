"""Run the network chunk after chunk on a Brian2 device, carrying the state exactly.

A *chunk* is a fixed number of presentation slots (presentation + rest). The controller
inside the simulation walks through the chunk's images by itself (re-presentations
included); Python only hands over the next images and the state between chunks. On the
standalone devices the project is compiled once and every chunk is a ``device.run`` with
``run_args``: images, weights, delays, theta, membrane state, image position and seed.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from brian2 import Hz, defaultclock, device, get_device, prefs, second, set_device, volt
from brian2 import seed as brian_seed
from brian2.devices.device import all_devices

from diehlsim import native
from diehlsim.errors import ConfigurationError, ToolchainError
from diehlsim.models.network import DiehlCookNetwork, build_network
from diehlsim.models.parameters import NetworkParameters

DEVICES = ("runtime", "cpp_standalone", "cuda_standalone")


@dataclass
class NetworkState:
    """Everything that carries from one chunk to the next (input weights as n_input x n_exc)."""

    weights: np.ndarray
    delays: np.ndarray  # seconds, n_input x n_exc
    lastpre: np.ndarray  # absolute time step of the last presynaptic arrival, n_input x n_exc
    theta: np.ndarray  # volts
    exc_v: np.ndarray
    exc_ge: np.ndarray
    exc_gi: np.ndarray
    exc_post1: np.ndarray
    exc_post2: np.ndarray
    inh_v: np.ndarray
    inh_ge: np.ndarray
    inh_gi: np.ndarray
    step: int = 0  # absolute simulated time steps so far
    intensity: float = 2.0
    repeats: int = 0

    def copy(self) -> "NetworkState":
        return NetworkState(**{f.name: _copy(getattr(self, f.name)) for f in fields(self)})

    def to_arrays(self) -> dict:
        return {f.name: np.asarray(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays) -> "NetworkState":
        values = {f.name: np.array(arrays[f.name]) for f in fields(cls)}
        values["step"] = int(values["step"])
        values["intensity"] = float(values["intensity"])
        values["repeats"] = int(values["repeats"])
        return cls(**values)


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def initial_state(params: NetworkParameters, seed: int) -> NetworkState:
    """Initial weights U(0.003, 0.303) and delays U(0, 10 ms) from ``seed``; cells at rest - 40 mV."""
    rng = np.random.default_rng(seed)
    shape = (params.n_input, params.n_exc)
    conn, exc, inh = params.conn, params.exc, params.inh
    weights = rng.uniform(conn.w_input_min, conn.w_input_max, size=shape)
    delays = rng.uniform(float(conn.delay_input_min), float(conn.delay_input_max), size=shape)
    n = params.n_exc
    zeros = np.zeros(n)
    return NetworkState(
        weights=weights, delays=delays, lastpre=np.full(shape, -1e12),
        theta=np.full(n, float(exc.theta_init)),
        exc_v=np.full(n, float(exc.v_rest + exc.v_init_offset)), exc_ge=zeros.copy(),
        exc_gi=zeros.copy(), exc_post1=zeros.copy(), exc_post2=zeros.copy(),
        inh_v=np.full(n, float(inh.v_rest + inh.v_init_offset)), inh_ge=zeros.copy(),
        inh_gi=zeros.copy(), step=0, intensity=float(params.protocol.start_intensity), repeats=0)


@dataclass
class ChunkResult:
    """What one chunk produced. Presentation arrays have one entry per presentation."""

    images_done: int  # images of this chunk completed (accepted)
    image: np.ndarray  # index into the chunk's images
    intensity: np.ndarray
    repeats: np.ndarray  # earlier presentations of the same image
    n_spikes: np.ndarray  # excitatory spikes during the presentation
    accepted: np.ndarray  # bool: the image moved on after this presentation
    start_step: np.ndarray  # absolute time step of the presentation's first step
    counts: np.ndarray  # (presentations, n_exc) spike counts
    exc_spikes: tuple  # (neuron, absolute step)
    input_spikes: tuple | None  # (neuron, absolute step) when recorded
    state_monitor: dict | None
    wall_s: float  # the whole chunk: process start-up, reading and writing arrays, the run
    network_s: float = 0.0  # Brian2's network run alone (standalone: its last_run_info)


class Simulator:
    """One compiled network (per process) that runs chunks of ``slots`` presentations."""

    def __init__(self, params: NetworkParameters, device_name: str = "cpp_standalone",
                 slots: int = 500, build_dir: str | os.PathLike | None = None, *,
                 record_input: bool = False, state_variables: tuple[str, ...] = (),
                 state_neurons=None, threads: int = 0, profile: bool = False,
                 device_options: dict | None = None, compile: bool = True):
        if device_name not in DEVICES:
            raise ConfigurationError(
                f"unknown device {device_name!r}; choose one of {', '.join(DEVICES)}")
        if slots < 1:
            raise ConfigurationError(f"slots per chunk must be >= 1, got {slots}")
        self.params = params
        self.device_name = device_name
        self.slots = int(slots)
        self.standalone = device_name != "runtime"
        self.compile = bool(compile)  # standalone: False only writes the project
        self._device_options = dict(device_options or {})
        # FTZ/DAZ (diehlsim.native); False keeps IEEE subnormals, for measuring their cost
        self._flush_subnormals = bool(self._device_options.get("flush_subnormals", True))
        self.build_dir = Path(build_dir or Path("build") / default_build_name(
            params, device_name, slots, record_input)).resolve()
        self.build_s = 0.0
        start = time.perf_counter()
        self._configure_device(threads, profile, device_options or {})
        self._device = get_device()  # keeps running here when another simulator is made later
        defaultclock.dt = params.protocol.dt
        self.model: DiehlCookNetwork = build_network(
            params, capacity=self.slots, record_input=record_input,
            state_variables=state_variables, state_neurons=state_neurons)
        self.duration = self.slots * params.protocol.slot_time
        if self.standalone:
            self._build_standalone(profile)
        self.build_s = time.perf_counter() - start

    # -- device set-up -------------------------------------------------------------------
    def _configure_device(self, threads, profile, options):
        native.use_vector_math(self.device_name == "cpp_standalone", _march(options))
        if self.device_name == "runtime":
            set_device("runtime")
            prefs.codegen.target = "cython"
            return
        if self.device_name == "cuda_standalone":
            from diehlsim import cuda

            cuda.configure(compile=self.compile, **options)
        if self.compile:
            check_cpp_toolchain()
        device.reinit()
        # The active device is not the target when a runtime simulator ran in between: clear
        # the target's earlier build too (its run arguments can be applied only once).
        all_devices[self.device_name].reinit()
        set_device(self.device_name, build_on_run=False, directory=str(self.build_dir))
        prefs.devices.cpp_standalone.openmp_threads = int(threads)

    def _build_standalone(self, profile: bool):
        dev = get_device()
        dev.apply_run_args()
        seed_array = dev.get_array_name(self.model.controller.variables["rng_seed"])
        if self._flush_subnormals:
            dev.insert_code("main", native.flush_subnormals_code())
        dev.insert_code("main", _seed_code(self.device_name, seed_array))
        self.model.net.run(self.duration, profile=profile)
        dev.build(directory=str(self.build_dir), compile=self.compile, run=False,
                  with_output=False)

    # -- running -------------------------------------------------------------------------
    def run_chunk(self, images: np.ndarray, state: NetworkState, *, learning: bool,
                  seed: int, stdp_rate: float = 1.0) -> tuple[ChunkResult, NetworkState]:
        """Present ``images`` (k x n_input rates per unit intensity, in Hz), k <= slots.

        The controller stops when the images or the chunk's slots run out; the returned
        state continues where it stopped (``images_done`` tells how far it got).
        ``stdp_rate`` scales every STDP weight change of the chunk (training schedules).
        """
        stimulus = self._stimulus_values(images)
        start = time.perf_counter()
        if self.standalone:
            self._run_standalone(stimulus, len(images), state, learning, seed, stdp_rate)
        else:
            self._run_runtime(stimulus, len(images), state, learning, seed, stdp_rate)
        wall = time.perf_counter() - start
        return self._finish(state, wall)

    def _stimulus_values(self, images: np.ndarray) -> np.ndarray:
        if len(images) > self.slots:
            raise ConfigurationError(
                f"a chunk holds at most {self.slots} images, got {len(images)}")
        values = np.zeros((self.slots, self.params.n_input))
        values[: len(images)] = images
        return values

    def _step_offset(self, state: NetworkState) -> float:
        return float(state.step - self._current_step())

    def _current_step(self) -> int:
        if self.standalone:
            return 0  # every standalone run starts at t = 0
        return int(round(float(self.model.net.t) / float(self.params.protocol.dt)))

    def _run_standalone(self, stimulus, n_images, state, learning, seed, stdp_rate):
        if self.device_name == "cuda_standalone":
            from diehlsim import cuda

            cuda.check_gpu(int(self._device_options.get("gpu_id", 0)))  # fail fast, no GPU
        m = self.model
        args = {
            m.stimulus: stimulus * Hz,
            m.controller.n_images: n_images,
            m.controller.image_index: 0,
            m.controller.intensity: state.intensity,
            m.controller.repeats: state.repeats,
            m.controller.rng_seed: int(seed),
            m.exc.learning: float(learning),
            m.exc.stdp_rate: float(stdp_rate),
            m.input_exc.step_offset: float(state.step),
        }
        args.update(self._array_args(state))
        command_line, files = _command_line_args(self._device, args, self.build_dir)
        try:
            self._device.run(directory=str(self.build_dir), with_output=False,
                             run_args=command_line)
        finally:
            for path in files:  # one set of files per chunk would otherwise pile up
                path.unlink(missing_ok=True)

    def _array_args(self, state: NetworkState) -> dict:
        m = self.model
        return {
            m.input_exc.w: state.weights.ravel(),
            m.input_exc.delay: state.delays.ravel() * second,
            m.input_exc.lastpre: state.lastpre.ravel(),
            m.exc.theta: state.theta * volt,
            m.exc.v: state.exc_v * volt,
            m.exc.ge: state.exc_ge,
            m.exc.gi: state.exc_gi,
            m.exc.post1: state.exc_post1,
            m.exc.post2: state.exc_post2,
            m.inh.v: state.inh_v * volt,
            m.inh.ge: state.inh_ge,
            m.inh.gi: state.inh_gi,
        }

    def _run_runtime(self, stimulus, n_images, state, learning, seed, stdp_rate):
        m = self.model
        m.stimulus.values[:] = stimulus  # the compiled code reads this array in place
        m.controller.n_images = n_images
        m.controller.image_index = 0
        m.controller.intensity = state.intensity
        m.controller.repeats = state.repeats
        m.exc.learning = float(learning)
        m.exc.stdp_rate = float(stdp_rate)
        m.input_exc.step_offset = self._step_offset(state)
        for variable_view, value in self._array_args(state).items():
            variable_view[:] = value
        brian_seed(int(seed))
        # An empty run namespace: every name the model uses is in its groups' namespaces.
        # Brian2 would otherwise also look at the locals here and warn about each one that
        # shares a name with a model variable (learning, n_images, stimulus).
        with native.flush_subnormals(self._flush_subnormals):
            m.net.run(self.duration, namespace={})

    def _finish(self, state: NetworkState, wall: float) -> tuple[ChunkResult, NetworkState]:
        m = self.model
        p = self.params.protocol
        dt = float(p.dt)
        steps_on = int(round(float(p.presentation_time) / dt))
        chunk_start = state.step
        # Monitor times count from the start of this run: t = 0 for every standalone run, the
        # network's time before the run on runtime.
        run_start = 0 if self.standalone else (
            self._current_step() - int(round(float(self.duration) / dt)))
        offset = chunk_start - run_start
        end_step = np.round(np.asarray(m.presentations.t[:] / second) / dt).astype(np.int64)
        start_step = end_step - steps_on + 1 + offset
        n_spikes = np.asarray(m.presentations.n_spikes[:], dtype=np.int64)
        repeats = np.asarray(m.presentations.repeats[:], dtype=np.int64)
        accepted = (n_spikes >= p.min_spikes) | (repeats >= p.max_repeats)
        exc_i = np.asarray(m.exc_spikes.i[:], dtype=np.int64)
        exc_step = np.round(np.asarray(m.exc_spikes.t[:] / second) / dt).astype(np.int64) + offset
        counts = _counts_per_presentation(exc_i, exc_step, start_step, steps_on, self.params.n_exc)
        input_spikes = None
        if m.input_spikes is not None:
            input_spikes = (np.asarray(m.input_spikes.i[:], dtype=np.int64),
                            np.round(np.asarray(m.input_spikes.t[:] / second) / dt).astype(
                                np.int64) + offset)
        state_monitor = None
        if m.state_monitor is not None:
            state_monitor = {"t": np.asarray(m.state_monitor.t[:] / second) + offset * dt}
            for name in m.state_monitor.record_variables:
                state_monitor[name] = np.array(getattr(m.state_monitor, name + "_")[:])
        new_state = self._read_state(chunk_start)
        result = ChunkResult(
            images_done=int(m.controller.image_index[0]),
            image=np.asarray(m.presentations.image_index[:], dtype=np.int64),
            intensity=np.array(m.presentations.intensity[:], dtype=float),  # a copy: see below
            repeats=repeats, n_spikes=n_spikes, accepted=accepted, start_step=start_step,
            counts=counts, exc_spikes=(exc_i, exc_step), input_spikes=input_spikes,
            state_monitor=state_monitor, wall_s=wall, network_s=self._network_seconds(wall))
        if not self.standalone:
            self._clear_monitors()
        return result, new_state

    def _network_seconds(self, wall: float) -> float:
        """Time inside Brian2's network run: standalone devices report it in the results
        (``last_run_info.txt``); on runtime the chunk is the run."""
        if not self.standalone:
            return wall
        return float(getattr(self._device, "_last_run_time", None) or 0.0)

    def _read_state(self, chunk_start: int) -> NetworkState:
        m = self.model
        shape = (self.params.n_input, self.params.n_exc)
        steps = int(round(float(self.duration / self.params.protocol.dt)))
        return NetworkState(
            weights=np.asarray(m.input_exc.w[:]).reshape(shape).copy(),
            delays=np.asarray(m.input_exc.delay[:] / second).reshape(shape).copy(),
            lastpre=np.asarray(m.input_exc.lastpre[:]).reshape(shape).copy(),
            theta=np.asarray(m.exc.theta_[:]).copy(),
            exc_v=np.asarray(m.exc.v_[:]).copy(), exc_ge=np.asarray(m.exc.ge_[:]).copy(),
            exc_gi=np.asarray(m.exc.gi_[:]).copy(),
            exc_post1=np.asarray(m.exc.post1_[:]).copy(),
            exc_post2=np.asarray(m.exc.post2_[:]).copy(),
            inh_v=np.asarray(m.inh.v_[:]).copy(), inh_ge=np.asarray(m.inh.ge_[:]).copy(),
            inh_gi=np.asarray(m.inh.gi_[:]).copy(),
            step=chunk_start + steps,
            intensity=float(m.controller.intensity[0]),
            repeats=int(m.controller.repeats[0]))

    def _clear_monitors(self):
        # Runtime monitors accumulate across runs; keep memory bounded per chunk. The result
        # holds copies: resizing would change arrays that are views of the monitors' data.
        # SpikeMonitor.resize leaves N (where the next spike is written) and count alone.
        for monitor in (self.model.presentations, self.model.exc_spikes, self.model.input_spikes):
            if monitor is not None:
                monitor.resize(0)
                monitor.variables["N"].set_value(0)
                monitor.variables["count"].set_value(0)
        if self.model.state_monitor is not None:
            self.model.state_monitor.resize(0)


def _command_line_args(dev, mapping: dict, build_dir: Path) -> tuple[list[str], list[Path]]:
    """Turn ``{VariableView or TimedArray: value}`` into ``name=value`` arguments and files.

    Brian2's own conversion names a synaptic delay after its pathway
    (``input_exc_pre.delay``), which the generated binary does not know; it knows
    ``input_exc.delay``. Files are written here so that they can be removed after the run.
    """
    from brian2 import TimedArray

    arguments, files = [], []
    for key, value in mapping.items():
        if isinstance(key, TimedArray):
            name, string_value, file_name, array = dev._prepare_timed_array_run_arg(key, value)
        else:
            name, string_value, file_name, array = dev._prepare_variableview_run_arg(key, value)
        if name.endswith("_pre.delay"):
            name = name[: -len("_pre.delay")] + ".delay"
        if file_name:
            path = build_dir / "static_arrays" / file_name
            array.tofile(path)
            files.append(path)
        arguments.append(f"{name}={string_value}")
    return arguments, files


def check_cpp_toolchain() -> None:
    """Fail early, with the fix, when the standalone build cannot compile (no make or g++)."""
    compiler = os.environ.get("CXX", "g++")
    missing = [tool for tool in ("make", compiler) if shutil.which(tool) is None]
    if missing:
        raise ToolchainError(
            f"standalone builds need a C++ compiler and make, but {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not on PATH; install them (Debian/Ubuntu: "
            f"`apt-get install g++ make`), set $CXX to your compiler, or use --device runtime")


def _counts_per_presentation(neuron, step, start_step, steps_on, n_neurons) -> np.ndarray:
    """Spike counts of every neuron in every presentation window [start, start + steps_on)."""
    counts = np.zeros((len(start_step), n_neurons), dtype=np.int32)
    if len(start_step) == 0 or len(step) == 0:
        return counts
    order = np.argsort(step, kind="stable")
    step, neuron = step[order], neuron[order]
    lo = np.searchsorted(step, start_step, side="left")
    hi = np.searchsorted(step, start_step + steps_on, side="left")
    for p, (a, b) in enumerate(zip(lo, hi)):
        np.add.at(counts[p], neuron[a:b], 1)
    return counts


def _march(options: dict) -> str:
    """The ``-march`` of the host code: ``options["march"]`` (default ``native``), or ``""``
    (none) for a portable build."""
    if options.get("portable"):
        return ""
    return str(options.get("march", "native"))


def _seed_code(device_name: str, seed_array: str) -> str:
    """C++ that seeds the generators from the controller's run-time ``rng_seed``."""
    if device_name == "cuda_standalone":
        from diehlsim import cuda

        return cuda.seed_code(seed_array)
    threads = max(1, int(prefs.devices.cpp_standalone.openmp_threads))
    return (f"for (int _i = 0; _i < {threads}; _i++)\n"
            f"    brian::_random_generators[_i].seed((unsigned long) brian::{seed_array}[0] + _i);")


#: Protocol parameters that the Python driver applies (the grey levels it turns into rates, the
#: per-chunk STDP rate): networks that differ only in these share one compiled project.
DRIVER_PARAMETERS = ("input_transform", "stdp_rate_final")


def default_build_name(params: NetworkParameters, device_name: str, slots: int,
                       record_input: bool, device_options: dict | None = None) -> str:
    """A project directory name unique to what shapes the generated code and its compiler
    flags (``device_options``: ``march``, ``portable``, ``flush_subnormals``, GPU)."""
    import hashlib
    import json

    from diehlsim.models.parameters import parameters_to_json

    described = parameters_to_json(params)
    for name in DRIVER_PARAMETERS:  # applied by Python between chunks: same generated code
        described["protocol"].pop(name, None)
    key = [described, device_name, slots, record_input]
    if device_options:  # left out when empty: existing default projects keep their names
        key.append(device_options)
    digest = hashlib.sha1(json.dumps(key, sort_keys=True,
        default=str).encode()).hexdigest()[:10]
    return f"{device_name}-{params.n_input}x{params.n_exc}-{slots}-{digest}"
