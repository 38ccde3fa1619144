"""Standalone projects and figures: the API's doors to ``build`` and ``figures``."""

from __future__ import annotations

import time
from pathlib import Path

from diehlsim import datasets, io, run_traces, runs
from diehlsim.api.options import with_default_layout
from diehlsim.devices import cuda, default_slots, project
from diehlsim.errors import ConfigurationError, ToolchainError
from diehlsim.models.network import initial_state
from diehlsim.models.parameters import default_parameters
from diehlsim.simulation import Simulator


def build(out, device: str = "cpp_standalone", n_exc: int = 100,
                  input_size: int = 784, *, stdp_rule: str = "triplet", slots: int | None = None,
                  compile: bool = True, compute_capability: str | None = None,
                  portable: bool = False, gpu_id: int = 0, threads: int = 0,
                  overrides: dict | None = None, seed: int = 0) -> project.BuildResult:
    """Write the standalone project for ``n_exc`` neurons into ``out`` (and compile it),
    ``slots`` presentation slots per run of its binary (default
    :func:`diehlsim.devices.default_slots` of ``n_exc``). Input synapses split by delay
    (``conn.input_layout = "by-delay"``, the cpp_standalone default from 1600 neurons:
    :func:`diehlsim.devices.default_input_layout`) are built for the delays of ``seed``'s
    initial state."""
    slots = default_slots(n_exc) if slots is None else slots
    if device not in project.BUILD_DEVICES:
        raise ConfigurationError(
            f"build needs a standalone device ({', '.join(project.BUILD_DEVICES)}), got {device!r}")
    if input_size not in project.INPUT_SIZES:
        raise ConfigurationError(
            f"input_size must be 784 (28x28, MNIST) or 1024 (32x32, CIFAR-10 grey), "
            f"got {input_size}")
    if n_exc is None or int(n_exc) <= 0:
        raise ConfigurationError(f"n_exc, the number of excitatory neurons, must be a positive integer, got {n_exc}")
    if compute_capability is not None and device != "cuda_standalone":
        raise ConfigurationError("a compute capability applies to the cuda_standalone device only")
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()) and not (out / "makefile").exists():
        raise ConfigurationError(
            f"{out} exists and holds something other than a standalone project; choose "
            f"another output directory")
    if device == "cuda_standalone" and compile:
        cuda.find_nvcc()  # a clear error before minutes of code generation
    if not compile:
        (out / "main").unlink(missing_ok=True)  # an older binary would not match the sources
    params = default_parameters(int(n_exc), stdp_rule=stdp_rule, pixels=int(input_size),
                                **with_default_layout(overrides, n_exc, device))
    options = {"portable": bool(portable)}
    if device == "cuda_standalone":
        options.update(compute_capability=compute_capability or cuda.DEFAULT_COMPUTE_CAPABILITY,
                       gpu_id=int(gpu_id))
    start = time.perf_counter()
    try:
        sim = Simulator(params, device, slots=slots, build_dir=out, threads=threads,
                        device_options=options, compile=compile,
                        delays=initial_state(params, seed).delays)
    except RuntimeError as exc:
        if isinstance(exc, ToolchainError) or "compilation failed" not in str(exc).lower():
            raise
        raise ToolchainError(
            f"compiling {out} failed ({exc}); run 'make' in {out} to see the compiler's "
            f"messages") from None
    total = time.perf_counter() - start
    dev = sim.device
    compile_s = None
    if compile and dev is not None:
        compile_s = getattr(dev, "timers", {}).get("compile", {}).get("make")
    generate_s = total - (compile_s or 0.0)
    binary = out / "main"
    result = project.BuildResult(
        directory=out, device=device, binary=binary if compile and binary.exists() else None,
        generate_s=generate_s, compile_s=compile_s, run_arguments=project.run_argument_table(sim),
        result_files=project.result_files(sim))
    split = sim.model.input_split
    result.problems = project.check_protocol_in_code(
        out, split.steps if split else None,
        [r["name"] for r in result.run_arguments] if split else None)
    project.write_manifest(result, sim, options)
    io.write_text(out / "README.md", project.readme_text(result, sim, options))
    return result


def figures(run_dir, data_dir=None) -> Path:
    """Receptive fields, thresholds, confusion matrix (after evaluate) and accuracy vs
    images seen, in ``RUN/figures``; ``data_dir`` as for :func:`evaluate`."""
    from diehlsim import figures as run_figures  # matplotlib: only when drawing

    out = Path(run_dir) / "figures"
    _, settings = runs.load_config(Path(run_dir))
    run_figures.run_figures(Path(run_dir), out, settings["dataset"], data_dir)
    return out


def information_figures(analysis_dir, dataset: str) -> list[Path]:
    """The figures of an analysis directory (``spikes.npz``, ``table2.csv`` ...) in
    ``DIR/figures``."""
    from diehlsim import figures as run_figures  # matplotlib: only when drawing

    analysis_dir = Path(analysis_dir)
    return run_figures.information_figures(analysis_dir, analysis_dir / "figures", dataset,
                                           datasets.image_shape(dataset),
                                           analysis_dir / "spikes.npz")


def plot_traces(run_dir, presentation: int = 0, phase: str = "train",
                out=None) -> list[Path]:
    """Draw the traces that ``--monitor`` saved for one presentation of a phase (``train``,
    ``label``, ``validation``, ``test``): input raster, the monitored variables, output
    spikes. Written to ``out`` (a path stem; default ``RUN/figures/traces_PHASE_P``) as PNG
    and PDF; returns both paths."""
    from diehlsim.plots import traces  # matplotlib: only when drawing

    run_dir = runs.require(Path(run_dir), "config.json")
    if isinstance(presentation, bool) or int(presentation) != presentation or presentation < 0:
        raise ConfigurationError(f"presentation must be a whole number >= 0, got "
                                 f"{presentation!r}")
    stem = Path(out) if out is not None else (
        run_dir / "figures" / f"traces_{phase}_{int(presentation)}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    arrays = run_traces.load_presentation_traces(run_dir, phase, int(presentation))
    return traces.presentation_traces(arrays, stem)
