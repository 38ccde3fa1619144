"""Benchmark harness: ms per image (training and testing), build time, peak memory, spikes
and synaptic events per image, for diehlsim's in-graph protocol on each device and for the
conventional Python-loop protocol (benchmarks/reference.py), side by side on this machine.

    python benchmarks/run.py                      # default sizes, writes docs/benchmarks.md
    python benchmarks/run.py --sizes 100 400 --train-images 200
    python benchmarks/run.py --report-only        # docs/benchmarks.md from results.json

The report also projects the wall time of the paper's schedules from the measured cost per
image: these are projections, computed, not measured.

Every configuration runs in its own process (a standalone device per process, and a clean
peak-memory reading). Speed-ups are ratios of numbers measured in the same invocation.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import cpu_model, run_worker, worker_or_report

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
REPORT = ROOT / "docs" / "benchmarks.md"
FIGURE = ROOT / "docs" / "benchmarks.png"


def worker(config: dict) -> dict:
    """Run one configuration in this process and return its measurements."""
    from diehlsim import datasets

    images, _ = datasets.load("mnist", "train")
    test_images, _ = datasets.load("mnist", "test")
    from diehlsim.models.parameters import default_parameters

    params = default_parameters(config["neurons"],
                                conn__input_layout=config.get("layout", "one"))
    if config["kind"] == "reference":
        import reference  # this script's folder is on sys.path, as for machine.py

        out = reference.run(params, images[: config["train_images"]])
        return {**config, "train_ms_per_image": out["ms_per_image"],
                "presentations": out["presentations"], **_memory()}
    from diehlsim.devices import prefetch_distance

    return {**config, **_diehlsim(params, config, images, test_images), **_memory(),
            "prefetch_distance": prefetch_distance(_device_options(config)),
            "cpu": cpu_model()}


def _device_options(config: dict) -> dict:
    """The simulator's device options of a configuration (the spike queue, when it names
    one; every other option at its default)."""
    return {"spike_queue": config["spike_queue"]} if "spike_queue" in config else {}


def _diehlsim(params, config, images, test_images) -> dict:
    from diehlsim.protocol import run_phase
    from diehlsim.models.network import initial_state
    from diehlsim.simulation import Simulator

    from brian2 import prefs

    n_train, n_test = config["train_images"], config["test_images"]
    slots = min(250, max(n_train, n_test))
    rss_log = Path(tempfile.mkstemp(prefix="bench-rss-")[1])
    # Record the peak memory of the simulation binary itself (not of the compiler); GNU time
    # adds no measurable start-up cost, unlike a Python wrapper.
    if Path("/usr/bin/time").exists():
        prefs.devices.cpp_standalone.run_cmd_unix = [
            "/usr/bin/time", "-a", "-o", str(rss_log), "-f", "%M", "./main"]
    build_dir = Path(tempfile.mkdtemp(prefix="bench-build-"))
    state = initial_state(params, 0)
    start = time.perf_counter()
    sim = Simulator(params, config["device"], slots=slots, build_dir=build_dir,
                    threads=config.get("threads", 0), delays=state.delays,
                    device_options=_device_options(config))
    build_s = time.perf_counter() - start
    if config["device"] == "runtime":
        # Cython compiles each code object the first time it runs (unless Brian2's cache has
        # it from an earlier run): keep that out of the timed chunks
        run_phase(sim, images, np.arange(1), state.copy(), learning=True, seed=0,
                  progress=False)
    trained, state = run_phase(sim, images, np.arange(n_train), state, learning=True, seed=0,
                               progress=False)
    tested, _ = run_phase(sim, test_images, np.arange(n_test), state, learning=False, seed=1,
                          progress=False)
    exc_spikes = float(trained.counts.sum(axis=1).mean())
    input_spikes = _expected_input_spikes(params, images[:n_train], trained.intensity)
    n = params.n_exc
    rss = [float(x) / 1024 for x in rss_log.read_text().split()]
    rss_log.unlink()
    shutil.rmtree(build_dir, ignore_errors=True)  # one project per configuration and run
    return {
        "peak_rss_simulation_mb": max(rss) if rss else None,
        "build_s": build_s,
        "slots_per_chunk": slots,
        "train_ms_per_image": _ms_per_image(trained.chunks, slots, "wall_s"),
        "test_ms_per_image": _ms_per_image(tested.chunks, slots, "wall_s"),
        # inside Brian2's network run only: without the start-up of the binary (creating
        # n_input x N synapses, reading the state) that a short benchmark cannot amortise
        "train_run_ms_per_image": _ms_per_image(trained.chunks, slots, "network_s"),
        "test_run_ms_per_image": _ms_per_image(tested.chunks, slots, "network_s"),
        "train_phase_ms_per_image": 1000 * trained.sim_s / n_train,
        "test_phase_ms_per_image": 1000 * tested.sim_s / n_test,
        "presentations_per_image": trained.presentations / n_train,
        "test_presentations_per_image": tested.presentations / n_test,
        "exc_spikes_per_image": exc_spikes,
        "input_spikes_per_image": input_spikes,
        # input->exc events + exc->inh + inh->exc (each exc spike drives one inh spike)
        "synaptic_events_per_image": input_spikes * n + exc_spikes * (1 + (n - 1)),
    }


def _ms_per_image(chunks, slots: int, seconds: str) -> float:
    """Milliseconds per image over the chunks that used all their slots.

    A compiled chunk always simulates all its slots; the last chunk of a phase has only the
    images that are left, and simulates the rest of its slots with the input off. A long run
    is full chunks, so they measure its cost; a phase of one partial chunk uses that one.
    """
    full = [c for c in chunks if c.presentations >= slots] or chunks
    return 1000 * sum(getattr(c, seconds) for c in full) / sum(c.images for c in full)


def _expected_input_spikes(params, images, intensity) -> float:
    """Expected input spikes per accepted presentation, from the rates (pixel/8 x intensity)."""
    per_image = images.reshape(len(images), -1).sum(axis=1) * float(params.protocol.rate_per_pixel)
    seconds = float(params.protocol.presentation_time)
    return float(np.mean(per_image[: len(intensity)] * intensity * seconds))


def _memory() -> dict:
    return {"peak_rss_python_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


#: BindsNET's two modes as its MNIST examples ship them (batch, ms per image at dt 1 ms), and
#: the batched mode for the same 250 ms as the one-image mode.
BINDSNET_MODES = ((1, 250), (32, 100), (32, 250))
#: Timed images per BindsNET mode: one batch more runs untimed first.
BINDSNET_IMAGES = {1: 40, 32: 256}


def plan(sizes, train_images, include_runtime, include_reference, threads_list,
         layouts=("one",), bindsnet_python=None, spike_queues=("grouped",)) -> list[dict]:
    configs = []
    for n in sizes:
        k = max(20, int(train_images * min(1.0, 400 / n)))
        for threads in threads_list:
            for layout in layouts:
                for queue in spike_queues:
                    configs.append({"kind": "diehlsim", "device": "cpp_standalone",
                                    "neurons": n, "threads": threads, "train_images": k,
                                    "test_images": k, "spike_queue": queue,
                                    **({} if layout == "one" else {"layout": layout})})
        if include_runtime and n <= 400:
            configs.append({"kind": "diehlsim", "device": "runtime", "neurons": n,
                            "train_images": 20, "test_images": 20})
        if include_reference and n <= 400:
            # 30 images: with 10, two runs at 100 neurons measured 377 and 497 ms per image
            configs.append({"kind": "reference", "device": "runtime", "neurons": n,
                            "train_images": 30})
        if bindsnet_python and n <= 400:
            configs += [{"kind": "bindsnet", "device": "cpu", "neurons": n, "threads": 1,
                         "batch": batch, "time_ms": time_ms,
                         "train_images": BINDSNET_IMAGES[batch] + batch,
                         "python": bindsnet_python} for batch, time_ms in BINDSNET_MODES]
    if _gpu_available():
        for n in sizes:
            configs.append({"kind": "diehlsim", "device": "cuda_standalone", "neurons": n,
                            "train_images": train_images, "test_images": train_images})
    return configs


def _gpu_available() -> bool:
    try:
        from diehlsim.devices import cuda

        cuda.check_gpu()
        return True
    except Exception:
        return False


def run_config(config: dict) -> dict:
    try:
        if config["kind"] == "bindsnet":
            return {**config, **_bindsnet(config)}
        return run_worker(__file__, "--worker", json.dumps(config))
    except RuntimeError as exc:  # reported in its row; the other configurations still run
        return {**config, "error": str(exc).splitlines()[-1:]}


def _bindsnet(config: dict) -> dict:
    """BindsNET on the first training images, the ones diehlsim's rows train on, in its own
    interpreter (benchmarks/bindsnet_worker.py)."""
    from diehlsim import datasets

    images, _ = datasets.load("mnist", "train")
    with tempfile.TemporaryDirectory(prefix="bench-bindsnet-") as tmp:
        path = Path(tmp) / "images.npy"
        np.save(path, images[: config["train_images"]])
        worker_config = {k: config[k] for k in ("neurons", "batch", "time_ms")}
        out = run_worker(Path(__file__).with_name("bindsnet_worker.py"),
                         json.dumps({**worker_config, "images_path": str(path)}),
                         python=config["python"])
    return {**out, "cpu": cpu_model()}


def machine() -> dict:
    from importlib import metadata

    cpu = cpu_model()
    return {"date": datetime.date.today().isoformat(), "cpu": cpu, "cores": os.cpu_count(),
            "python": platform.python_version(), "brian2": metadata.version("brian2"),
            "numpy": metadata.version("numpy"), "load_average": os.getloadavg()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 400, 1600, 6400])
    parser.add_argument("--train-images", type=int, default=200)
    parser.add_argument("--threads", type=int, nargs="+", default=[0],
                        help="OpenMP thread counts to measure (0 = no OpenMP)")
    parser.add_argument("--layouts", nargs="+", default=["one"],
                        help="input synapse layouts to measure (conn.input_layout)")
    parser.add_argument("--spike-queues", nargs="+", default=["grouped"],
                        choices=["grouped", "brian2"],
                        help="cpp_standalone spike queues to measure (device option "
                             "spike_queue)")
    parser.add_argument("--bindsnet-python", metavar="PYTHON",
                        help="an interpreter with bindsnet and torch: BindsNET's "
                             "DiehlAndCook2015 is measured in the same run (100 and 400 neurons)")
    parser.add_argument("--no-runtime", action="store_true")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--report-only", action="store_true",
                        help="write docs/benchmarks.md from benchmarks/results.json, no runs")
    args = parser.parse_args(argv)
    if worker_or_report(args, worker, write_report, RESULTS):
        return 0
    results = []
    for config in plan(args.sizes, args.train_images, not args.no_runtime,
                       not args.no_reference, args.threads, args.layouts,
                       args.bindsnet_python, args.spike_queues):
        print("running", config, file=sys.stderr, flush=True)
        result = run_config(config)
        print("  ->", result, file=sys.stderr, flush=True)
        results.append(result)
    report = {"machine": machine(), "command": " ".join(["python benchmarks/run.py",
                                                          *(argv or sys.argv[1:])]),
              "results": results}
    from diehlsim import io

    io.write_json(RESULTS, report)
    write_report(report)
    return 0


def write_report(report: dict) -> None:
    from diehlsim import io

    rows = report["results"]
    lines = ["# Benchmarks", "",
             f"Measured by `{report['command']}` on {report['machine']['date']}; this page "
             "is written from `benchmarks/results.json` (`python benchmarks/run.py "
             "--report-only` writes it again).", "",
             "Machine: " + ", ".join(f"{k} {v}" for k, v in report["machine"].items()
                                     if k != "date"), "",
             "*ms/image* is the wall time of whole chunks (starting the binary, which creates "
             "the n_input x N synapses and reads the state, then the run, then writing the "
             "results) divided by their images; *in run* is the time inside Brian2's network "
             "run alone (standalone: its `last_run_info.txt`). Both count the chunks that used "
             "all their slots, as every chunk of a long run but its last does: a compiled "
             "chunk simulates all its slots, and the last chunk of a phase idles through the "
             "slots it has no images for (`results.json` also has the whole phase per image, "
             "`*_phase_ms_per_image`). A long training run amortises the start-up over "
             "default-length chunks (`diehlsim.devices.default_slots`); a short benchmark "
             "cannot. *long run* is what a long run's full chunks cost per image: the network "
             "run plus the start-up measured here spread over a default chunk. The load "
             "average above says how busy the machine was.", "",
             "| CPU | protocol | device | threads | input layout | spike queue | neurons | "
             "images | build s | train ms/image | test ms/image | train ms/image in run | test ms/image in run | "
             "train ms/image, long run | test ms/image, long run | "
             "exc spikes/image | input spikes/image (expected) | "
             "synaptic events/image | peak RSS simulation MB | peak RSS python MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    cpu = report["machine"]["cpu"]  # results of older reports carry no CPU of their own
    for r in rows:
        if "error" in r:
            lines.append(f"| {r.get('cpu', cpu)} | {r['kind']} | {r['device']} | "
                         f"{r.get('threads', '')} | {r.get('layout', 'one')} | "
                         f"{delivery(r)} | {r['neurons']} | failed: {r['error']} |")
            continue
        long_run = {phase: long_run_ms_per_image(r, phase) for phase in ("train", "test")}
        layout = r.get("layout", "one") if r["kind"] == "diehlsim" else ""
        lines.append(f"| {r.get('cpu', cpu)} | {protocol(r)} | " + " | ".join(
            _cell(r.get(k)) for k in ("device", "threads")) + f" | {layout} | "
            f"{delivery(r)} | " + " | ".join(
            _cell(r.get(k)) for k in ("neurons", "train_images", "build_s",
            "train_ms_per_image", "test_ms_per_image", "train_run_ms_per_image",
            "test_run_ms_per_image")) + " | " + " | ".join(
            _cell(long_run[phase]) for phase in ("train", "test")) + " | " + " | ".join(
            _cell(r.get(k)) for k in ("exc_spikes_per_image", "input_spikes_per_image",
                                      "synaptic_events_per_image", "peak_rss_simulation_mb",
                                      "peak_rss_python_mb")) + " |")
    lines += ["", *queue_ratios(rows), "", *speedups(rows), "", *against_bindsnet(rows), "",
              *projections(rows, cpu), "",
              "![ms per image vs neurons](benchmarks.png)", "",
              "Where the time goes (a profile of the generated code) and what was optimised: "
              "`docs/performance.md`.", ""]
    io.write_text(REPORT, "\n".join(lines))
    plot(rows)


def long_run_ms_per_image(row: dict, phase: str) -> float | None:
    """ms per image of a long run's full chunks: the network run per image, plus the
    start-up per chunk measured in the benchmark (its chunks' wall time less their run)
    spread over a default-length chunk of the network's size."""
    from diehlsim.devices import default_slots

    wall, run = row.get(f"{phase}_ms_per_image"), row.get(f"{phase}_run_ms_per_image")
    slots = row.get("slots_per_chunk")
    if row.get("kind") != "diehlsim" or row.get("device") == "runtime" or None in (
            wall, run, slots):
        return None
    startup_ms_per_chunk = max(wall - run, 0.0) * slots
    return run + startup_ms_per_chunk / default_slots(int(row["neurons"]))


#: Images of `diehlsim reproduce diehlcook2015` beside its training: labelling on the 60,000
#: training images and ten test passes of 10,000, all with learning off.
REPRODUCE_TEST_MODE_IMAGES = 60_000 + 10 * 10_000
PROJECTION_CORES = 32


def projected_hours(row: dict) -> dict | None:
    """Projected hours of one `reproduce diehlcook2015` run at the row's size on one core:
    the paper's training schedule at the long-run training cost, and the labelling and
    test passes at the long-run test cost."""
    from diehlsim.papers.diehlcook2015 import DIEHL_COOK_TRAIN_IMAGES

    train, test = (long_run_ms_per_image(row, phase) for phase in ("train", "test"))
    images = DIEHL_COOK_TRAIN_IMAGES.get(int(row["neurons"]))
    if images is None or train is None or test is None:
        return None
    hours = (images * train + REPRODUCE_TEST_MODE_IMAGES * test) / 3.6e6
    return {"train_images": images, "one_core_h": hours}


def projections(rows, cpu: str) -> list[str]:
    """The projected wall-time table (computed from the rows, not measured)."""
    out = ["## Projected wall time of the paper's schedules (a projection, not a measurement)",
           "", f"From the long-run costs above ({cpu}): one `diehlsim reproduce diehlcook2015` "
           "run is the paper's training schedule plus labelling on the 60,000 training "
           "images and ten test passes (160,000 images with learning off). One run uses one "
           f"core. A {PROJECTION_CORES}-core machine runs {PROJECTION_CORES} such runs "
           "(seeds, settings) at once through `diehlsim sweep`; its column assumes they do not "
           "slow each other down, which is not measured here (memory bandwidth is shared). "
           "No GPU has been measured, so there is no GPU column yet.", "",
           "| neurons | input layout | spike queue | training images (paper) | "
           f"one run, one core, h | {PROJECTION_CORES} runs, one core, h | {PROJECTION_CORES} "
           f"runs, {PROJECTION_CORES}-core machine, h |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r or r.get("threads") not in (0, None):
            continue
        projected = projected_hours(r)
        if projected is None:
            continue
        hours = projected["one_core_h"]
        out.append(f"| {r['neurons']} | {r.get('layout', 'one')} | {delivery(r)} | "
                   f"{projected['train_images']:,} | {hours:.1f} | "
                   f"{PROJECTION_CORES * hours:.0f} | {hours:.1f} |")
    return out


def _ratios_to(ref: dict, rows, keep=lambda row: True):
    """(row, ratio) for diehlsim's rows of ref's size that keep accepts: ref's training
    ms/image over the row's."""
    for r in rows:
        if (r["kind"] == "diehlsim" and r["neurons"] == ref["neurons"] and "error" not in r
                and keep(r)):
            yield r, ref["train_ms_per_image"] / r["train_ms_per_image"]


def _plain_cpp(row: dict) -> bool:
    return row["device"] == "cpp_standalone" and not row.get("threads")


def speedups(rows) -> list[str]:
    out = ["## Speed-up over the Python-loop reference (same run, same machine)", ""]
    for ref in (r for r in rows if r["kind"] == "reference" and "error" not in r):
        for r, ratio in _ratios_to(ref, rows):
            out.append(f"- {r['neurons']} neurons, {r['device']} "
                       f"(threads {r.get('threads', 0)}, {r.get('layout', 'one')} input "
                       f"layout, {delivery(r) or 'own'} spike queue): {ratio:.1f}x faster "
                       f"training "
                       f"({r['train_ms_per_image']:.1f} vs {ref['train_ms_per_image']:.0f} "
                       f"ms/image)")
    return out


def spike_queue(row: dict) -> str:
    """The spike queue of a cpp_standalone row; rows measured before the device option
    existed ran Brian2's."""
    if row.get("kind") != "diehlsim" or row.get("device") != "cpp_standalone":
        return ""
    return row.get("spike_queue", "brian2")


def delivery(row: dict) -> str:
    """The spike-queue column: the queue, and the event code's prefetch where it was on
    (rows measured before it existed have none)."""
    queue = spike_queue(row)
    distance = row.get("prefetch_distance") if queue else None
    return queue + (f", prefetch {distance}" if distance else "")


def queue_ratios(rows) -> list[str]:
    """diehlsim's spike queue against Brian2's, for each configuration measured with both."""
    brian2 = {_queue_pair_key(r): r for r in rows
              if spike_queue(r) == "brian2" and "error" not in r}
    out = []
    for r in rows:
        ref = brian2.get(_queue_pair_key(r))
        if spike_queue(r) != "grouped" or "error" in r or ref is None:
            continue
        ratio = {k: ref[k] / r[k] for k in ("train_ms_per_image", "train_run_ms_per_image",
                                             "test_ms_per_image")}
        out.append(f"- {r['neurons']} neurons, {r.get('layout', 'one')} input layout, threads "
                   f"{r.get('threads', 0)}: training {_faster(ratio['train_ms_per_image'])} "
                   f"({r['train_ms_per_image']:.3g} vs {ref['train_ms_per_image']:.3g} "
                   f"ms/image), in run {_faster(ratio['train_run_ms_per_image'])}, testing "
                   f"{_faster(ratio['test_ms_per_image'])}")
    if not out:
        return []
    return ["## The grouped spike queue against Brian2's (same run, same machine)", "",
            "`spike_queue=grouped` (the default) pushes each source neuron's synapses as one "
            "block per delay (`diehlsim/devices/spikequeue.h`); `brian2` is Brian2's own "
            "queue. Both give bit-identical results.", "", *out]


def _queue_pair_key(row: dict) -> tuple:
    return (row.get("neurons"), row.get("layout", "one"), row.get("threads", 0))


def _faster(ratio: float) -> str:
    """A ratio of times as "N.Nx faster" or, below 1, "N.Nx slower"."""
    return f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"


def protocol(row: dict) -> str:
    """The protocol column: diehlsim, reference, or BindsNET's mode."""
    if row["kind"] != "bindsnet":
        return row["kind"]
    return f"BindsNET, batch {row['batch']}, {row['time_ms']} ms at dt 1 ms"


def against_bindsnet(rows) -> list[str]:
    """diehlsim's training cost against BindsNET's, from rows of the same run."""
    theirs = [r for r in rows if r["kind"] == "bindsnet" and "error" not in r]
    if not theirs:
        return []
    out = ["## Against BindsNET (same run, same machine, same first training images)", "",
           "BindsNET simulates its examples' protocol (dt 1 ms, no rest, no "
           "re-presentation); diehlsim simulates Diehl & Cook's (350 ms + 150 ms rest at dt "
           "0.5 ms, 1,000 steps per image, silent images presented again), so BindsNET does "
           "fewer steps per image. Ratios are BindsNET's ms/image over diehlsim's whole-chunk "
           "training ms/image (one core each; diehlsim without OpenMP).", ""]
    for ref in theirs:
        for r, ratio in _ratios_to(ref, rows, _plain_cpp):
            out.append(f"- {r['neurons']} neurons, {protocol(ref)}: diehlsim "
                       f"({r.get('layout', 'one')} input layout, {delivery(r)} spike "
                       f"queue) {_faster(ratio)} "
                       f"({r['train_ms_per_image']:.3g} vs "
                       f"{ref['train_ms_per_image']:.3g} ms/image)")
    return out


def plot(rows) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from diehlsim import io

    fig, ax = plt.subplots(figsize=(6, 4))
    series = {}
    for r in rows:
        if "error" in r:
            continue
        label = f"{protocol(r)} {r['device']}" + (f" {r['threads']} threads"
                                                 if r.get("threads") else "")
        series.setdefault(label + " train", []).append((r["neurons"], r["train_ms_per_image"]))
        if r.get("train_run_ms_per_image") and r["device"] != "runtime":
            series.setdefault(label + " train, in run", []).append(
                (r["neurons"], r["train_run_ms_per_image"]))
        if r.get("test_ms_per_image"):
            series.setdefault(label + " test", []).append((r["neurons"], r["test_ms_per_image"]))
    for label, points in series.items():
        points.sort()
        ax.loglog(*zip(*points), marker="o", label=label,
                  ls="--" if label.endswith("in run") else "-")
    ax.set_xlabel("excitatory neurons")
    ax.set_ylabel("ms per image")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    with io.atomic_path(FIGURE, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return "" if value is None else str(value)


if __name__ == "__main__":
    sys.exit(main())
