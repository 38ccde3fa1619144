"""What a standalone chunk costs outside Brian2's network run, against the network size.

Every chunk of a cpp_standalone run is one start of the compiled binary. Outside the
network run it costs: Python writing the run-argument files (images, weights, delays,
state), the binary starting (static arrays, creating the n_input x N synapses, reading
the argument files), the binary writing every array into ``results/`` at its end, and
Python reading the monitors and the carried state back. This script splits a chunk's wall
time into those parts, for each size, in one invocation:

* ``prepare_s``: Python: the state table's values and the run-argument files;
* ``binary_s``: the binary's wall time (``device.run``), of which ``network_s`` is Brian2's
  network run (``last_run_info.txt``) and ``binary_cpu_s`` the binary's user + system CPU;
* ``readback_s``: Python: monitors and carried state read from ``results/``.

Start-up does not depend on the chunk's length, the run does (linearly in its slots), so
short chunks measure the start-up and the network time per image, and the share of a
default chunk (``diehlsim.devices.default_slots(N)`` images) follows from the two.

    python benchmarks/startup.py                          # 100 400 1600 6400, 5 slots
    python benchmarks/startup.py --neurons 100 400 --slots 5 --chunks 3

Writes benchmarks/startup.json and docs/benchmarks_startup.md. Each size runs in its own
process (its own standalone device and build).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from machine import cpu_model, run_worker

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "startup.json"
REPORT = ROOT / "docs" / "benchmarks_startup.md"
PARTS = ("prepare_s", "binary_s", "network_s", "binary_cpu_s", "readback_s", "chunk_s")


class _Timer:
    """Wraps a callable and adds its wall time to ``self.seconds``."""

    def __init__(self, function):
        self.function, self.seconds = function, 0.0

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def worker(neurons: int, slots: int, chunks: int) -> dict:
    """Build one network, run ``chunks`` training chunks of ``slots`` MNIST images, and
    return each chunk's parts (seconds)."""
    from diehlsim import datasets, simulation
    from diehlsim.models.network import initial_state
    from diehlsim.models.parameters import default_parameters

    images, _ = datasets.load("mnist", "train")
    params = default_parameters(neurons)
    build_dir = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        start = time.perf_counter()
        sim = simulation.Simulator(params, "cpp_standalone", slots=slots, build_dir=build_dir)
        build_s = time.perf_counter() - start
        state = initial_state(params, 0)
        encode = sim.model.input_model.encode
        rows = []
        for chunk in range(chunks):
            rows.append(_timed_chunk(sim, encode(images[chunk * slots:(chunk + 1) * slots],
                                                 params), state, chunk))
            state = rows[-1].pop("state")
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
    return {"neurons": neurons, "slots": slots, "build_s": build_s, "chunks": rows,
            "synapses_input_exc": 784 * neurons,
            "peak_rss_python_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _timed_chunk(sim, stimulus, state, seed: int) -> dict:
    """One chunk, its wall time split into the parts of the module docstring."""
    from diehlsim import simulation

    prepare = _Timer(simulation.devices.run_arguments)
    binary = _Timer(sim.device.run)
    readback = _Timer(sim._finish)
    simulation.devices.run_arguments, sim.device.run, sim._finish = prepare, binary, readback
    cpu_before = _children_cpu()
    start = time.perf_counter()
    try:
        result, new_state = sim.run_chunk(stimulus, state, learning=True, seed=seed)
    finally:
        simulation.devices.run_arguments = prepare.function
        del sim.device.run, sim._finish  # the instance attributes shadowed the methods
    chunk_s = time.perf_counter() - start
    # the state table's values are computed in the chunk before its files are written
    values_s = result.wall_s - prepare.seconds - binary.seconds
    return {"prepare_s": prepare.seconds + max(values_s, 0.0), "binary_s": binary.seconds,
            "network_s": result.network_s, "binary_cpu_s": _children_cpu() - cpu_before,
            "readback_s": readback.seconds, "chunk_s": chunk_s,
            "images": result.images_done, "state": new_state}


def summarise(row: dict) -> dict:
    """Medians over the chunks after the first (its files are cold in the page cache), the
    start-up (everything but the network run) and its share of a default-length chunk."""
    from diehlsim.devices import default_slots as slots_of

    default_slots = slots_of(row["neurons"])
    chunks = row["chunks"][1:] or row["chunks"]
    median = {part: statistics.median(c[part] for c in chunks) for part in PARTS}
    startup = median["chunk_s"] - median["network_s"]
    network_per_image = median["network_s"] / row["slots"]
    default_chunk = startup + default_slots * network_per_image
    return {"neurons": row["neurons"], "synapses_input_exc": row["synapses_input_exc"],
            "build_s": row["build_s"], **median, "startup_s": startup,
            "network_ms_per_image": 1000 * network_per_image,
            "default_slots": default_slots,
            "startup_share_of_default_chunk": startup / default_chunk,
            "peak_rss_python_mb": row["peak_rss_python_mb"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", type=int, nargs="+", default=[100, 400, 1600, 6400])
    parser.add_argument("--slots", type=int, default=5, help="images per measured chunk")
    parser.add_argument("--chunks", type=int, default=3, help="chunks per size")
    parser.add_argument("--worker", nargs=3, type=int, metavar=("N", "SLOTS", "CHUNKS"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--report-only", action="store_true",
                        help="summarise benchmarks/startup.json again, no runs")
    args = parser.parse_args(argv)
    if args.report_only:
        report = json.loads(RESULTS.read_text())
        report["summary"] = [summarise(r) for r in report["raw"]]
        _write_atomic(REPORT, render(report))
        return 0
    if args.worker:
        out = worker(*args.worker)
        for chunk in out["chunks"]:
            chunk.pop("state", None)
        print(json.dumps(out))
        return 0
    rows = [run_worker(__file__, "--worker", str(n), str(args.slots), str(args.chunks))
            for n in args.neurons]
    report = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="minutes"),
              "cpu": cpu_model(), "cores": os.cpu_count(), "load_average": os.getloadavg(),
              "command": "python benchmarks/startup.py " + " ".join(sys.argv[1:]),
              "raw": rows, "summary": [summarise(r) for r in rows]}
    _write_atomic(RESULTS, json.dumps(report, indent=1))
    _write_atomic(REPORT, render(report))
    print(render(report))
    return 0


def render(report: dict) -> str:
    lines = [
        "# Chunk start-up against the network size",
        "",
        f"Measured by `{report['command'].strip()}` on {report['date']} UTC "
        "(`python benchmarks/startup.py --report-only` writes this page again from "
        "`benchmarks/startup.json`).",
        "",
        f"Machine: {report['cpu']}, {report['cores']} cores, load average "
        f"{', '.join(f'{x:.2f}' for x in report['load_average'])} at the end.",
        "",
        "Seconds per chunk, medians over the chunks after the first. *start-up* is the "
        "chunk's wall time less Brian2's network run. *share* is the start-up's share of a "
        "default chunk (*default slots* images: `diehlsim.devices.default_slots`), from the "
        "start-up and the network time per image measured here.",
        "",
        "| neurons | input synapses | prepare s | binary s | of which network run s | "
        "binary CPU s | read back s | chunk s | start-up s | network ms/image | "
        "default slots | share of a default chunk |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in report["summary"]:
        lines.append(
            f"| {s['neurons']} | {s['synapses_input_exc']:,} | {s['prepare_s']:.3f} | "
            f"{s['binary_s']:.3f} | {s['network_s']:.3f} | {s['binary_cpu_s']:.3f} | "
            f"{s['readback_s']:.3f} | {s['chunk_s']:.3f} | {s['startup_s']:.3f} | "
            f"{s['network_ms_per_image']:.1f} | {s['default_slots']} | "
            f"{100 * s['startup_share_of_default_chunk']:.1f} % |")
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
