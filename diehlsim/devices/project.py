"""A self-contained standalone project (``diehlsim build``): its run arguments, result
files, manifest and README, and the check that the protocol is in its code.

The project in ``--out`` is the same one the simulator compiles for training: sources, a
makefile, static arrays and the binary ``main``. One binary run simulates one chunk of
``--chunk`` presentation slots; images, weights, theta and the rest of the state go in as
run arguments (``name=value`` or ``name=static_arrays/FILE.dat``), so the binary never
needs rebuilding. ``README.md`` and ``diehlsim_build.json`` in the project list them.

:func:`check_protocol_in_code` verifies that the generated sources hold the whole
presentation protocol (controller, normalisation) and a single network run.

Why one module: the README and the manifest describe the same tables (run arguments,
result files) that the check verifies; a third of it is the README's text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


BUILD_DEVICES = ("cpp_standalone", "cuda_standalone")
INPUT_SIZES = (784, 1024)
MANIFEST = "diehlsim_build.json"



def _default_meanings() -> dict:
    from diehlsim.models.network import state_table
    from diehlsim.models.parameters import default_parameters

    return {row.run_name: row.meaning for row in state_table(default_parameters())}


#: What every run argument of the default network means (names as the binary knows them);
#: a network's own rows come from its state table.
RUN_ARGUMENT_MEANING = _default_meanings()

# Code objects the protocol needs in the generated sources, and a variable each must touch.
PROTOCOL_CODE = {
    "controller_slot_start": "controller_input_on",
    "controller_spike_thresholder": "controller_step_off",
    "controller_spike_resetter": "controller_image_index",
    "normalise_reset": "excitatory_colsum",
    "normalise_sum": "excitatory_colsum",
    "normalise_factor": "excitatory_colscale",
    "normalise_scale": "input_exc_w",
}


@dataclass
class BuildResult:
    directory: Path
    device: str
    binary: Path | None  # None when not compiled
    generate_s: float
    compile_s: float | None
    run_arguments: list = field(default_factory=list)
    result_files: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)


# -- run arguments ---------------------------------------------------------------------
def run_argument_table(sim) -> list[dict]:
    """Every run argument the simulator passes per chunk, from its state table: name,
    dtype, size, unit, meaning."""
    from brian2 import TimedArray
    from brian2.units.fundamentalunits import get_unit

    from diehlsim.models.input_synapses import INPUT_SYNAPSES
    from diehlsim.models.network import initial_state

    stimulus = np.zeros((sim.slots, sim.params.n_input))
    state = initial_state(sim.params, 0)
    split = sim.model.input_split
    if split is not None:  # the delays are the build's
        state = state.replace(delays=split.delays.copy())
    values = sim.chunk_values(stimulus, 0, state, False, 0, 1.0, 0)
    rows = []
    for row, value in values.items():
        for target, part in sim.argument_targets(row, value):
            name = row.run_name
            if isinstance(target, TimedArray):
                dtype, dim = target.values.dtype, target.dim
            else:
                dtype, dim = target.variable.dtype, target.variable.dim
                if split is not None and row.group == INPUT_SYNAPSES:  # a split object's
                    name = f"{target.variable.owner.name}.{row.variable}"
            unit = "1" if dim.is_dimensionless else str(get_unit(dim))
            rows.append({"name": name, "dtype": np.dtype(dtype).name,
                         "size": int(np.size(np.asarray(part))), "unit": unit,
                         "meaning": row.meaning})
    return rows



def _monitored(model) -> dict:
    """What the binary records per run besides the state (monitors grow per run)."""
    m = model
    return {
        "controller.image_index": m.controller.variables["image_index"],
        "presentations.t": m.presentations.variables["t"],
        "presentations.image_index": m.presentations.variables["image_index"],
        "presentations.intensity": m.presentations.variables["intensity"],
        "presentations.repeats": m.presentations.variables["repeats"],
        "presentations.n_spikes": m.presentations.variables["n_spikes"],
        "exc_spikes.i": m.exc_spikes.variables["i"],
        "exc_spikes.t": m.exc_spikes.variables["t"],
    }


def result_files(sim) -> dict:
    """What the binary writes under ``results/``: the carried state of the table, then the
    monitors (raw arrays)."""
    from diehlsim.models.state import carried_rows

    from diehlsim.models.input_synapses import INPUT_SYNAPSES

    wanted = {}
    split = sim.model.input_split
    for row in carried_rows(sim.table):
        if split is not None and row.group == INPUT_SYNAPSES:
            if row.variable != "delay":  # one file per object; the delays are the build's
                for obj in split.objects:
                    wanted[f"{obj.name}.{row.variable}"] = getattr(obj, row.variable).variable
            continue
        wanted[row.run_name] = sim.target(row).variable
    wanted.update(_monitored(sim.model))
    out = {}
    for label, var in wanted.items():
        try:
            out[label] = {"file": sim.device.get_array_filename(var),
                          "dtype": np.dtype(var.dtype).name}
        except (KeyError, AttributeError):
            continue
    return out


# -- the check -----------------------------------------------------------------------------
def _source(build_dir: Path, stem: str) -> Path | None:
    for suffix in (".cpp", ".cu"):
        path = build_dir / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def code_object_source(build_dir, name: str) -> Path | None:
    """The source of code object ``name`` (Brian2 appends ``_1``, ``_2``... to a code
    object's name while an earlier network of the same process still exists)."""
    directory = Path(build_dir) / "code_objects"
    found = _source(directory, f"{name}_codeobject")
    if found is None:
        pattern = re.compile(rf"{re.escape(name)}_codeobject_\d+\.(cpp|cu)")
        matches = sorted(p for p in directory.glob(f"{name}_codeobject_*")
                         if pattern.fullmatch(p.name))
        found = matches[0] if matches else None
    return found


def _protocol_code(split_steps) -> dict:
    """The code objects the protocol needs: input synapses split by delay have a column
    sum and a scaling per object (``normalise_sum_dS``, touching ``input_exc_dS_w``)."""
    if not split_steps:
        return PROTOCOL_CODE
    code = {k: v for k, v in PROTOCOL_CODE.items()
            if k not in ("normalise_sum", "normalise_scale")}
    for step in split_steps:
        code[f"normalise_sum_d{step}"] = "excitatory_colsum"
        code[f"normalise_scale_d{step}"] = f"input_exc_d{step}_w"
    return code


def check_protocol_in_code(build_dir, split_steps=None, run_arguments=None) -> list[str]:
    """Problems that keep the generated project from running the whole protocol by itself.

    Empty list = the sources hold the controller's slot start (run_regularly), its
    threshold and reset (the per-presentation decision), the three normalisation code
    objects, a ``set_variable_by_name`` entry for every run argument, and ``main`` holds
    exactly one network run and no Python callback (``network_operation``).
    ``split_steps`` (the delay steps of input synapses split by delay) and ``run_arguments``
    (their names) replace the default network's code objects and run arguments.
    """
    protocol_code = _protocol_code(split_steps)
    build_dir = Path(build_dir)
    problems = []
    if not build_dir.is_dir():
        return [f"{build_dir} is not a directory"]
    for name, variable in protocol_code.items():
        path = code_object_source(build_dir, name)
        if path is None:
            problems.append(f"code object {name} is missing from {build_dir / 'code_objects'}")
            continue
        if variable not in path.read_text(errors="replace"):
            problems.append(f"{path.name} does not touch {variable}")
    main = _source(build_dir, "main")
    if main is None:
        problems.append("main.cpp / main.cu is missing")
    else:
        text = main.read_text(errors="replace")
        runs = re.findall(r"\b(\w+)\.run\(", text)
        if runs != ["diehl_cook"]:
            problems.append(f"main must run the network once, found runs: {runs or 'none'}")
        for name in protocol_code:
            if not re.search(rf"\b_run_{name}_codeobject(_\d+)?\b", text):
                problems.append(f"main does not schedule code object {name}")
        if re.search(r"network_operation|Python\.h|PyObject", text):
            problems.append("main calls back into Python (network_operation)")
    for path in (build_dir / "code_objects").glob("*network_operation*"):
        problems.append(f"Python callback code object {path.name}")
    objects = _source(build_dir, "objects")
    if objects is None:
        problems.append("objects.cpp / objects.cu is missing")
    else:
        text = objects.read_text(errors="replace")
        for name in run_arguments or RUN_ARGUMENT_MEANING:
            if f'"{name}"' not in text:
                problems.append(f"run argument {name} is not settable in {objects.name}")
    return problems


# -- documenting a built project -----------------------------------------------------
def write_manifest(result: BuildResult, sim, options) -> None:
    from diehlsim.models.parameters import parameters_to_json
    from diehlsim.devices import versions

    p = sim.params.protocol
    manifest = {
        "device": result.device, "n_input": sim.params.n_input, "n_exc": sim.params.n_exc,
        "stdp_rule": sim.params.stdp_rule, "slots": sim.slots,
        "dt_s": float(p.dt), "slot_s": float(p.slot_time),
        "chunk_duration_s": float(sim.duration), "options": options,
        "compiled": result.binary is not None, "generate_s": round(result.generate_s, 2),
        "compile_s": None if result.compile_s is None else round(result.compile_s, 2),
        "run_arguments": result.run_arguments, "results": result.result_files,
        "parameters": parameters_to_json(sim.params), "versions": versions(),
    }
    (result.directory / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))


def readme_text(result: BuildResult, sim, options) -> str:
    p = sim.params.protocol
    n_in, n_exc, slots = sim.params.n_input, sim.params.n_exc, sim.slots
    cuda = result.device == "cuda_standalone"
    lines = [
        f"# Diehl & Cook network, {n_in} inputs x {n_exc} excitatory neurons "
        f"({result.device})",
        "",
        "Generated by `diehlsim build`. A self-contained Brian2 "
        f"{'CUDA (brian2cuda)' if cuda else 'C++'} standalone project: sources, `makefile`, "
        "`static_arrays/` and, once compiled, the binary `main`. One run of `main` simulates "
        f"one chunk of {slots} presentation slots ({float(p.presentation_time) * 1000:.0f} ms "
        f"image + {float(p.rest_time) * 1000:.0f} ms rest each, dt = {float(p.dt) * 1000:g} ms, "
        f"{float(sim.duration):g} s in all). The presentation protocol runs inside the binary: "
        "the controller presents the chunk's images one after the other, repeats an image with "
        f"intensity + {p.intensity_step:g} while it evokes fewer than {p.min_spikes} spikes "
        f"(at most {p.max_repeats} repeats), and the input weights are normalised at the start "
        "of every slot while learning.",
        "",
        "## Compile",
        "",
        "```sh",
        "make          # already done unless built with --no-compile",
        "```",
    ]
    if cuda:
        lines += [
            "",
            f"Device code is compiled for compute capability "
            f"{options.get('compute_capability')} (`-arch=sm_"
            f"{str(options.get('compute_capability')).replace('.', '')}`), GPU "
            f"{options.get('gpu_id', 0)}; C++17 (the makefile's `-std=c++11` is overridden by "
            "the later `-std=c++17`: nvcc warns about the redefinition). cuRAND comes from "
            "the CUDA toolkit or the `nvidia-curand` wheel (see `LFLAGS` in the makefile: the "
            "binary finds `libcurand.so.N`, and the `libcudart.so` it needs, through its "
            "rpath). On another machine, set `LD_LIBRARY_PATH` to where those libraries "
            "are (or rebuild there). Running needs an NVIDIA driver and a GPU of compute "
            "capability >= the one compiled for.",
        ]
    if options.get("portable"):
        lines += ["", "Built with `--portable`: no `-march=native`, runs on any x86-64 CPU."]
    else:
        lines += ["", "Host code uses `-march=native`: rebuild with `--portable` to run the "
                      "binary on a different CPU."]
    lines += [
        "",
        "## Run",
        "",
        "Run from this directory (file arguments are relative to it):",
        "",
        "```sh",
        "./main [--results_dir DIR] NAME=VALUE ... NAME=static_arrays/FILE.dat ...",
        "```",
        "",
        "A single number sets every element; a file gives the whole array as raw "
        "little-endian binary of the listed dtype and size (`numpy.ndarray.tofile`), "
        "in SI units (volts, seconds, Hz). An argument left out keeps its built-in initial "
        "value. A size mismatch is reported and the value is left unchanged.",
        "",
        "| argument | dtype | size | unit | meaning |",
        "|---|---|---|---|---|",
    ]
    for row in result.run_arguments:
        lines.append(f"| `{row['name']}` | {row['dtype']} | {row['size']} | {row['unit']} | "
                     f"{row['meaning']} |")
    lines += [
        "",
        "### Feeding images, weights and theta",
        "",
        "```python",
        "import numpy as np, subprocess",
        f"images = ...                     # k <= {slots} images, k x {n_in} pixels 0..255",
        f"stim = np.zeros(({slots}, {n_in}))",
        f"stim[:len(images)] = images * {float(p.rate_per_pixel):g}  # Hz at intensity 1",
        "stim.tofile('static_arrays/stim.dat')",
        f"weights.astype(np.float64).ravel().tofile('static_arrays/w.dat')  # {n_in} x {n_exc}",
        f"theta.astype(np.float64).tofile('static_arrays/theta.dat')         # {n_exc}, volts",
        "subprocess.run(['./main', 'stimulus.values=static_arrays/stim.dat',",
        "                f'controller.n_images={len(images)}', 'controller.rng_seed=1',",
        "                'input_exc.w=static_arrays/w.dat',",
        "                'excitatory.theta=static_arrays/theta.dat',",
        "                'excitatory.learning=1'], check=True)",
        "```",
        "",
        "To continue training over many chunks, pass the state the previous run left in "
        "`results/` (weights, delays, lastpre, theta, membranes, traces, the controller's "
        "intensity/repeats) and `input_exc.step_offset` = the number of time steps simulated "
        f"so far (each chunk adds {int(round(float(sim.duration / p.dt)))}). "
        "`diehlsim.simulation.Simulator` does exactly this.",
        "",
        "## Results",
        "",
        "After a run, `results/` (or `--results_dir`) holds raw arrays (no header):",
        "",
        "| what | file | dtype |",
        "|---|---|---|",
    ]
    for label, info in result.result_files.items():
        lines.append(f"| `{label}` | `{info['file']}` | {info['dtype']} |")
    lines += [
        "",
        "`presentations` has one entry per presentation (recorded on its last step, time in "
        "seconds from the start of the run); `controller.image_index` tells how many images "
        "were completed. `exc_spikes` are the excitatory spikes (neuron, time).",
        "",
        f"Built in {result.generate_s:.1f} s (code generation)"
        + (f" + {result.compile_s:.1f} s (compilation)" if result.compile_s else "")
        + f". `{MANIFEST}` holds the same tables as JSON, and the network parameters.",
        "",
    ]
    return "\n".join(lines)
