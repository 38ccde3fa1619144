"""Input spike delivery on cpp_standalone: Brian2's spike queue, diehlsim's grouped queue,
and the grouped queue with the event code's prefetch, side by side in one invocation.

The three variants compile the same model and give the same results (each run's weights
and thresholds are hashed and compared); they differ in how the input synapses' events
are queued (``spike_queue``) and whether their event code prefetches ahead
(``prefetch_distance``). Each (size, layout, variant) runs in its own process (one
standalone device per process) on the same training images from the same state and seed;
the variants of a configuration run one after the other, in one order and then in the
reverse order, so that a drift of the machine's speed does not favour one of them.

    python benchmarks/event_delivery.py                       # the default sizes
    python benchmarks/event_delivery.py --configs 400:one --images 100

Writes benchmarks/event_delivery.json and docs/benchmarks_event_delivery.md.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import statistics
import sys
import tempfile
from pathlib import Path

from machine import cpu_model, run_worker, worker_or_report

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "event_delivery.json"
REPORT = ROOT / "docs" / "benchmarks_event_delivery.md"
#: name: device options
VARIANTS = {
    "brian2 queue": {"spike_queue": "brian2", "prefetch_distance": 0},
    "grouped queue": {"spike_queue": "grouped", "prefetch_distance": 0},
    "grouped queue + prefetch": {"spike_queue": "grouped", "prefetch_distance": 16},
}
DEFAULT_CONFIGS = ("100:one", "400:one", "1600:one", "1600:by-delay", "6400:one",
                   "6400:by-delay")


def worker(config: dict) -> dict:
    """One variant of one configuration: build, then time ``chunks`` training chunks."""
    import numpy as np

    from diehlsim import datasets
    from diehlsim.models.network import initial_state
    from diehlsim.models.parameters import default_parameters
    from diehlsim.models.poisson import encode
    from diehlsim.simulation import Simulator

    params = default_parameters(config["neurons"], conn__input_layout=config["layout"])
    images, _ = datasets.load("mnist", "train")
    stimulus = encode(images[: config["images"]], params)
    state = initial_state(params, 0)
    sim = Simulator(params, "cpp_standalone", slots=config["images"],
                    build_dir=config["build_dir"], delays=state.delays,
                    device_options=VARIANTS[config["variant"]])
    in_run, wall = [], []
    for _ in range(config["chunks"]):
        result, trained = sim.run_chunk(stimulus, state.copy(), learning=True, seed=0)
        in_run.append(1000 * result.network_s / config["images"])
        wall.append(1000 * result.wall_s / config["images"])
    digest = hashlib.sha256(np.ascontiguousarray(trained.weights).tobytes()
                            + np.ascontiguousarray(trained.theta).tobytes()).hexdigest()
    return {**config, "in_run_ms_per_image": in_run, "wall_ms_per_image": wall,
            "state_sha256": digest}


def plan(configs, images: int, chunks: int, build_root: Path) -> list[dict]:
    """Each configuration's variants in order, then again in reverse order."""
    runs = []
    for spec in configs:
        neurons, layout = spec.split(":")
        n_images = images if int(neurons) < 6400 else max(10, images // 4)
        names = list(VARIANTS)
        for order in (names, names[::-1]):
            for variant in order:
                build = build_root / f"{neurons}-{layout}-{variant.replace(' ', '_')}"
                runs.append({"neurons": int(neurons), "layout": layout, "variant": variant,
                             "images": n_images, "chunks": chunks, "build_dir": str(build)})
    return runs


def summarise(rows) -> list[dict]:
    """Per configuration and variant: the median over all chunks of both passes."""
    groups = {}
    for r in rows:
        groups.setdefault((r["neurons"], r["layout"], r["variant"]), []).append(r)
    out = []
    for (neurons, layout, variant), runs in groups.items():
        out.append({"neurons": neurons, "layout": layout, "variant": variant,
                    "in_run_ms_per_image": statistics.median(
                        x for r in runs for x in r["in_run_ms_per_image"]),
                    "wall_ms_per_image": statistics.median(
                        x for r in runs for x in r["wall_ms_per_image"]),
                    "chunks": sum(len(r["in_run_ms_per_image"]) for r in runs),
                    "images": runs[0]["images"],
                    "state_sha256": sorted({r["state_sha256"] for r in runs})})
    return out


def write_report(report: dict) -> None:
    from diehlsim import io

    summary = summarise(report["results"])
    base = {(s["neurons"], s["layout"]): s for s in summary if s["variant"] == "brian2 queue"}
    lines = ["# Input spike delivery: Brian2's queue, the grouped queue, the prefetch", "",
             f"Measured by `{report['command']}` on {report['date']}, CPU "
             f"{report['cpu']}; written from `benchmarks/event_delivery.json`.", "",
             "Training chunks of the first MNIST training images, from the same initial "
             "state and seed, one thread, cpp_standalone. *in run*: Brian2's network run per "
             "image; *wall*: the whole chunk (the binary's start-up included) per image. "
             "Medians over every chunk of both passes. *speed-up*: Brian2's queue over the "
             "variant, in run, same configuration. *same results*: the variant's weights and "
             "thresholds hash to the same value as Brian2's queue's.", "",
             "| neurons | input layout | variant | images per chunk | chunks | in run, ms/image "
             "| wall, ms/image | speed-up in run | same results |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in summary:
        ref = base.get((s["neurons"], s["layout"]))
        speedup = ref["in_run_ms_per_image"] / s["in_run_ms_per_image"] if ref else None
        same = ref is not None and s["state_sha256"] == ref["state_sha256"]
        lines.append(f"| {s['neurons']} | {s['layout']} | {s['variant']} | {s['images']} | "
                     f"{s['chunks']} | {s['in_run_ms_per_image']:.2f} | "
                     f"{s['wall_ms_per_image']:.2f} | "
                     f"{'' if speedup is None else f'{speedup:.2f}x'} | "
                     f"{'yes' if same else 'NO'} |")
    io.write_text(REPORT, "\n".join(lines) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--configs", nargs="+", default=list(DEFAULT_CONFIGS),
                        help="NEURONS:LAYOUT pairs")
    parser.add_argument("--images", type=int, default=100,
                        help="images per chunk (a quarter, at least 10, at 6400 neurons)")
    parser.add_argument("--chunks", type=int, default=2, help="timed chunks per process")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)
    if worker_or_report(args, worker, write_report, RESULTS):
        return 0
    from diehlsim import io

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp:
        for config in plan(args.configs, args.images, args.chunks, Path(tmp)):
            print("running", config["neurons"], config["layout"], config["variant"],
                  file=sys.stderr, flush=True)
            rows.append(run_worker(__file__, "--worker", json.dumps(config)))
    report = {"date": datetime.date.today().isoformat(), "cpu": cpu_model(),
              "command": " ".join(["python benchmarks/event_delivery.py",
                                   *(argv or sys.argv[1:])]),
              "results": rows}
    io.write_json(RESULTS, report)
    write_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
