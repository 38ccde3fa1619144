"""Run the network chunk after chunk on a Brian2 device, carrying the state exactly.

A *chunk* is a fixed number of presentation slots (presentation + rest). The controller
inside the simulation walks through the chunk's images by itself (re-presentations
included); Python only hands over the next images and the state between chunks. On the
standalone devices the project is compiled once and every chunk is a ``device.run`` with
``run_args``: images, weights, delays, theta, membrane state, image position and seed.

Why one module: it is one class, whose methods are the life cycle of a chunk (values
in, standalone or runtime run, state and monitors back).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from brian2 import Network, TimedArray, defaultclock, get_device, second
from brian2 import seed as brian_seed

from diehlsim import devices
from diehlsim.devices import DEFAULT_SLOTS, DEVICES, arguments, native, spike_queue
from diehlsim.analysis.counts import counts_per_presentation
from diehlsim.analysis.first_spike import first_spike_times
from diehlsim.errors import ConfigurationError, SimulationError
from diehlsim.models import monitors as trace_monitors
from diehlsim.models import rstdp
from diehlsim.models.input_synapses import INPUT_SYNAPSES
from diehlsim.models.network import DiehlCookNetwork, build_network
from diehlsim.models.network import state_table as build_state_table
from diehlsim.models.parameters import NetworkParameters
from diehlsim.models.state import (
    ONE,
    NetworkState,
    StateVariable,
    carried_rows,
    is_matrix,
    shape_of,
)

__all__ = ["DEFAULT_SLOTS", "DEVICES", "ChunkResult", "Simulator", "default_build_name"]


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
    first_spike_ms: np.ndarray  # (presentations, n_exc) ms from the window start; inf: silent
    exc_spikes: tuple  # (neuron, absolute step)
    input_spikes: tuple | None  # (neuron, absolute step) when recorded
    state_monitor: dict | None
    wall_s: float  # the whole chunk: process start-up, reading and writing arrays, the run
    network_s: float = 0.0  # Brian2's network run alone (standalone: its last_run_info)
    # per presentation, recorded by components (the R-STDP layer's decided output neuron)
    decisions: dict = field(default_factory=dict)
    # the chunk's StateMonitor records of a monitor request (Simulator(monitors=...))
    traces: trace_monitors.Traces | None = None


class Simulator:
    """One compiled network (per process) that runs chunks of ``slots`` presentations."""

    def __init__(self, params: NetworkParameters, device_name: str = "cpp_standalone",
                 slots: int = DEFAULT_SLOTS, build_dir: str | os.PathLike | None = None, *,
                 record_input: bool = False, state_variables: tuple[str, ...] = (),
                 state_neurons=None, threads: int = 0, profile: bool = False,
                 device_options: dict | None = None, compile: bool = True,
                 monitors: trace_monitors.MonitorRequest | None = None, delays=None):
        devices.check_device(device_name)
        delays = check_layout_delays(params, delays)
        if slots < 1:
            raise ConfigurationError(f"slots per chunk must be >= 1, got {slots}")
        self.params = params
        self.device_name = device_name
        self.slots = int(slots)
        self.standalone = device_name != "runtime"
        self.compile = bool(compile)  # standalone: False only writes the project
        self._device_options = dict(device_options or {})
        spike_queue.choice(self._device_options)  # a wrong value fails before building
        self.monitors = monitors
        if monitors is not None:  # the traces' figure shows the input spikes beside them
            trace_monitors.check(monitors, build_state_table(params), params.n_exc)
            record_input = True
        # FTZ/DAZ (devices.native); False keeps IEEE subnormals, for measuring their cost
        self._flush_subnormals = bool(self._device_options.get("flush_subnormals", True))
        self.build_dir = Path(build_dir or devices.default_build_root() / default_build_name(
            params, device_name, slots, record_input, device_options, monitors,
            delays)).resolve()
        self.build_s = 0.0
        self._extra_settings: dict = {}  # the decision layer's settings of the next chunk
        start = time.perf_counter()
        # the device stays this simulator's when another simulator is made later
        self._device = devices.configure(device_name, self.build_dir, threads=threads,
                                         compile=self.compile, options=self._device_options)
        defaultclock.dt = params.protocol.dt
        self.model: DiehlCookNetwork = build_network(
            params, capacity=self.slots, record_input=record_input,
            state_variables=state_variables, state_neurons=state_neurons,
            trace_request=monitors, delays=delays)
        self.duration = self.slots * params.protocol.slot_time
        if self.standalone:
            self._build_standalone(profile)
        self.build_s = time.perf_counter() - start

    @property
    def device(self):
        """The Brian2 device this simulator built on (it stays its own when another
        simulator is made later)."""
        return self._device

    @property
    def table(self) -> list[StateVariable]:
        """The network's state table (:func:`diehlsim.models.network.state_table`)."""
        return self.model.table

    def _build_standalone(self, profile: bool):
        dev = get_device()
        dev.apply_run_args()
        dev.insert_code("before_start", arguments.check_code(self))
        seed_array = dev.get_array_name(self.model.controller.variables["rng_seed"])
        if self._flush_subnormals:
            dev.insert_code("main", native.flush_subnormals_code())
        dev.insert_code("main", devices.seed_code(self.device_name, seed_array))
        self.model.net.run(self.duration, profile=profile)
        self._compiled_objects = _object_names(self.model.net)
        devices.build_project(dev, self.device_name, self.build_dir, compile=self.compile,
                              options=self._device_options)

    # -- running -------------------------------------------------------------------------
    def run_chunk(self, images: np.ndarray, state: NetworkState, *, learning: bool,
                  seed: int, stdp_rate: float = 1.0, labels=None,
                  rstdp_learning: bool = False) -> tuple[ChunkResult, NetworkState]:
        """Present ``images`` (k x n_input stimulus values at intensity 1, as the input
        model's ``encode`` gives them: rates in Hz for Poisson input), k <= slots.

        The controller stops when the images or the chunk's slots run out; the returned
        state continues where it stopped (``images_done`` tells how far it got).
        ``stdp_rate`` scales every STDP weight change of the chunk (training schedules).
        A network with the R-STDP decision layer (``params.rstdp``) takes the ``labels`` of
        the images (classes; needed when ``rstdp_learning``) and learns while
        ``rstdp_learning``.
        """
        stimulus = self._stimulus_values(images)
        self._extra_settings = {}
        if self.params.rstdp is not None:
            if rstdp_learning and labels is None:
                raise ConfigurationError("the R-STDP layer learns from labels: pass the "
                                         "labels of the chunk's images (labels=...)")
            self._extra_settings = rstdp.chunk_settings(labels, rstdp_learning, self.slots)
        start = time.perf_counter()
        if self.standalone:
            self._check_nothing_added()
            self._run_standalone(stimulus, len(images), state, learning, seed, stdp_rate)
        else:
            self._run_runtime(stimulus, len(images), state, learning, seed, stdp_rate)
        wall = time.perf_counter() - start
        return self._finish(state, wall)

    def _check_nothing_added(self):
        """An object added to the network after the standalone build is not in the
        compiled binary: its monitor would stay empty, so refuse it with the working route."""
        added = sorted(_object_names(self.model.net) - self._compiled_objects)
        if added:
            raise ConfigurationError(
                f"{', '.join(added)} {'was' if len(added) == 1 else 'were'} added to the "
                f"network after its {self.device_name} project was compiled, so the binary "
                f"would not run {'it' if len(added) == 1 else 'them'} (a monitor would "
                f"record nothing). Declare monitors before the build: "
                f"Simulator(..., monitors=MonitorRequest(...)) or `--monitor exc.v`, or add "
                f"your own objects on the runtime device (docs/monitors.md)")

    def _stimulus_values(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images, dtype=float)
        if images.ndim != 2 or images.shape[1] != self.params.n_input:
            raise ConfigurationError(
                f"a chunk's stimulus must be (images, {self.params.n_input}) values, one row "
                f"per image (the input model's encode gives them); got shape {images.shape}")
        if not np.all(np.isfinite(images)):
            raise ConfigurationError("a chunk's stimulus contains NaN or infinite values")
        if np.any(images < 0) and not self.model.input_model.negative_allowed:
            raise ConfigurationError(
                f"a chunk's stimulus must be >= 0 (rates, or the input model's encoding of "
                f"grey levels), got a minimum of {images.min():g}")
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

    def chunk_values(self, stimulus, n_images, state, learning, seed, stdp_rate,
                     step_offset) -> dict:
        """The value of every row of the state table for the next chunk: the settings the
        driver decides, the carried state. Values in the rows' base units."""
        settings = {
            "stimulus.values": stimulus, "controller.n_images": n_images,
            "controller.image_index": 0, "controller.rng_seed": int(seed),
            "excitatory.learning": float(learning), "excitatory.stdp_rate": float(stdp_rate),
            "input_exc.step_offset": float(step_offset),
        }
        if self.params.rstdp is not None:  # labels and learning flag of the decision layer
            settings.update(self._extra_settings
                            or rstdp.chunk_settings(None, False, self.slots))
        values = {}
        for row in self.table:
            if row.carried:
                value = getattr(state, row.key)
                values[row] = np.ravel(value) if is_matrix(row) else value
            else:
                values[row] = settings[row.run_name]
        return values

    def argument_targets(self, row: StateVariable, value) -> list[tuple]:
        """``[(Brian2 target, value)]`` that a row's value (in base units) is written to:
        one target, or for the input synapses split by delay, each object with its part.
        Their delays are part of the build: a chunk's must be the build's."""
        split = self.model.input_split
        if split is None or row.group != INPUT_SYNAPSES:
            return [(self.target(row), value)]
        if row.variable == "delay":
            if not np.array_equal(np.asarray(value, dtype=float).ravel(),
                                  split.delays.ravel()):
                raise ConfigurationError(
                    "this simulator's input synapses are split by the delays it was built "
                    "for, and this state has other delays: build a simulator for the "
                    "state's delays (make_simulator(..., delays=state.delays))")
            return []
        if np.ndim(value) == 0:  # a shared value (the chunk's step offset): every object's
            return [(getattr(obj, row.variable), value) for obj in split.objects]
        return [(getattr(obj, row.variable), part)
                for obj, part in zip(split.objects, split.scatter(value))]

    def target(self, row: StateVariable):
        """The Brian2 object a row is read from or written to (the first object of input
        synapses split by delay: :meth:`argument_targets` has them all)."""
        if row.variable == "values":  # a TimedArray's run argument
            if row.group in self.model.extra:  # a component's own (the R-STDP labels)
                return self.model.extra[row.group]
            return getattr(self.model, row.group)
        return getattr(self.model.net[row.group], row.variable)

    def _run_standalone(self, stimulus, n_images, state, learning, seed, stdp_rate):
        if self.device_name == "cuda_standalone":
            from diehlsim.devices import cuda

            cuda.check_gpu(int(self._device_options.get("gpu_id", 0)))  # fail fast, no GPU
        values = self.chunk_values(stimulus, n_images, state, learning, seed, stdp_rate,
                                   state.step)
        args = {target: part * row.unit for row, value in values.items()
                for target, part in self.argument_targets(row, value)}
        command_line, files = devices.run_arguments(self._device, args, self.build_dir)
        try:
            self._device.run(directory=str(self.build_dir), with_output=False,
                             run_args=command_line)
        except RuntimeError as exc:
            raise SimulationError(
                f"the simulation binary in {self.build_dir} failed or was stopped ({exc}); "
                f"its output is in {self.build_dir / 'results' / 'stdout.txt'}. Nothing of "
                f"this chunk was recorded") from None
        finally:
            # Brian2 leaves its "a network is running" flag set when the run is interrupted
            Network._globally_running = False
            for path in files:  # one set of files per chunk would otherwise pile up
                path.unlink(missing_ok=True)
        completed = getattr(self._device, "_last_run_completed_fraction", 1.0)
        if completed < 1.0:
            raise SimulationError(
                f"the simulation binary stopped after {100 * completed:.0f} % of the chunk; "
                f"a chunk cut short is not recorded")

    def _run_runtime(self, stimulus, n_images, state, learning, seed, stdp_rate):
        values = self.chunk_values(stimulus, n_images, state, learning, seed, stdp_rate,
                                   self._step_offset(state))
        for row, value in values.items():
            for target, part in self.argument_targets(row, value):
                if isinstance(target, TimedArray):
                    target.values[:] = part  # the compiled code reads this array in place
                else:
                    target[:] = part * row.unit
        brian_seed(int(seed))
        # An empty run namespace: every name the model uses is in its groups' namespaces.
        # Brian2 would otherwise also look at the locals here and warn about each one that
        # shares a name with a model variable (learning, n_images, stimulus).
        with native.flush_subnormals(self._flush_subnormals):
            self.model.net.run(self.duration, namespace={})

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
        counts = counts_per_presentation(exc_i, exc_step, start_step, steps_on, self.params.n_exc)
        first_spike_ms = first_spike_times(exc_i, exc_step, start_step, steps_on,
                                           self.params.n_exc, 1000 * dt)
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
        traces = None
        if self.monitors is not None:
            traces = trace_monitors.read(self.monitors, m.traces, offset, dt)
        new_state = self._read_state(chunk_start)
        result = ChunkResult(
            images_done=int(m.controller.image_index[0]),
            image=np.asarray(m.presentations.image_index[:], dtype=np.int64),
            intensity=np.array(m.presentations.intensity[:], dtype=float),  # a copy: see below
            repeats=repeats, n_spikes=n_spikes, accepted=accepted, start_step=start_step,
            counts=counts, first_spike_ms=first_spike_ms, exc_spikes=(exc_i, exc_step), input_spikes=input_spikes,
            state_monitor=state_monitor, wall_s=wall, network_s=self._network_seconds(wall),
            decisions=self._decisions(len(repeats)), traces=traces)
        if not self.standalone:
            self._clear_monitors()
        return result, new_state

    def _decisions(self, n_presentations: int) -> dict:
        """The R-STDP layer's decided output neuron (-1: none) and reward per presentation,
        recorded at the same presentation ends as ``presentations``."""
        monitor = self.model.extra.get("decisions")
        if monitor is None:
            return {}
        out = {"rstdp_neuron": np.asarray(monitor.rstdp_decided[:], dtype=np.int64),
               "rstdp_reward": np.array(monitor.rstdp_reward[:], dtype=float),
               "rstdp_label": np.asarray(monitor.rstdp_label[:], dtype=np.int64)}
        if any(len(v) != n_presentations for v in out.values()):
            raise SimulationError("the R-STDP decision monitor and the presentations "
                                  "monitor disagree on the number of presentations")
        return out

    def _network_seconds(self, wall: float) -> float:
        """Time inside Brian2's network run: standalone devices report it in the results
        (``last_run_info.txt``); on runtime the chunk is the run."""
        if not self.standalone:
            return wall
        return float(getattr(self._device, "_last_run_time", None) or 0.0)

    def _read_state(self, chunk_start: int) -> NetworkState:
        """The carried rows of the table, read back after a chunk."""
        values = {}
        for row in carried_rows(self.table):
            value = self._read_row(row)
            if row.shape == ONE:
                values[row.key] = row.dtype(value[0])
            else:
                shape = shape_of(row, self.params.n_input, self.params.n_exc)
                values[row.key] = value.reshape(shape).copy()
        steps = int(round(float(self.duration / self.params.protocol.dt)))
        return NetworkState(values, chunk_start + steps)

    def _read_row(self, row: StateVariable) -> np.ndarray:
        split = self.model.input_split
        if split is None or row.group != INPUT_SYNAPSES:
            return np.asarray(self.target(row)[:] / row.unit)
        if row.variable == "delay":  # fixed by the build
            return split.delays.ravel().copy()
        return split.gather([np.asarray(getattr(obj, row.variable)[:] / row.unit)
                             for obj in split.objects])

    def _clear_monitors(self):
        # Runtime monitors accumulate across runs; keep memory bounded per chunk. The result
        # holds copies: resizing would change arrays that are views of the monitors' data.
        # SpikeMonitor.resize leaves N (where the next spike is written) and count alone.
        for monitor in (self.model.presentations, self.model.exc_spikes, self.model.input_spikes,
                        self.model.extra.get("decisions")):
            if monitor is not None:
                monitor.resize(0)
                monitor.variables["N"].set_value(0)
                monitor.variables["count"].set_value(0)
        if self.model.state_monitor is not None:
            self.model.state_monitor.resize(0)
        trace_monitors.clear(self.model.traces)


#: Protocol parameters that the Python driver applies (the grey levels it turns into rates, the
#: per-chunk STDP rate): networks that differ only in these share one compiled project.
DRIVER_PARAMETERS = ("input_transform", "stdp_rate_final")


def _object_names(net: Network) -> set[str]:
    return {obj.name for obj in net.objects}


def check_layout_delays(params: NetworkParameters, delays):
    """The delays a network is built for: needed, n_input x n_exc, for input synapses split
    by delay (``conn.input_layout = "by-delay"``), else None."""
    if params.conn.input_layout != "by-delay":
        return None
    if delays is None:
        raise ConfigurationError(
            "conn.input_layout = 'by-delay' builds the input synapses for their delays: "
            "pass the state's delays (Simulator(..., delays=state.delays), "
            "make_simulator(..., delays=state.delays))")
    delays = np.asarray(delays, dtype=float)
    if delays.size != params.n_input * params.n_exc:
        raise ConfigurationError(
            f"the delays must be one per input synapse ({params.n_input} x {params.n_exc}), "
            f"got {delays.shape}")
    return delays.reshape(params.n_input, params.n_exc)


def default_build_name(params: NetworkParameters, device_name: str, slots: int,
                       record_input: bool, device_options: dict | None = None,
                       monitors: trace_monitors.MonitorRequest | None = None,
                       delays=None) -> str:
    """A project directory name unique to what shapes the generated code and its compiler
    flags (``device_options``: ``march``, ``portable``, ``flush_subnormals``, GPU), the
    state monitors compiled into it (``monitors``, which also record the input spikes), and
    for input synapses split by delay, the ``delays`` that decide the split."""
    import hashlib
    import json

    from diehlsim.models.parameters import parameters_to_json

    described = parameters_to_json(params)
    for name in DRIVER_PARAMETERS:  # applied by Python between chunks: same generated code
        described["protocol"].pop(name, None)
    key = [described, device_name, slots, record_input or monitors is not None]
    if device_options:  # left out when empty: existing default projects keep their names
        key.append(device_options)
    if device_name == "cpp_standalone":
        key.append({"spike_queue": spike_queue.build_key(device_options)})
    if monitors is not None:  # left out when none, for the same reason
        key.append({"monitors": monitors.cache_key()})
    delays = check_layout_delays(params, delays)
    if delays is not None:
        key.append({"delays": hashlib.sha1(np.ascontiguousarray(delays).tobytes()).hexdigest()})
    digest = hashlib.sha1(json.dumps(key, sort_keys=True,
        default=str).encode()).hexdigest()[:10]
    return f"{device_name}-{params.n_input}x{params.n_exc}-{slots}-{digest}"
