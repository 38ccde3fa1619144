"""Host-dependent native costs, measured side by side in one invocation: flush-to-zero
(FTZ/DAZ) on and off, the host's ``-march=native`` against the portable ``x86-64-v3``, and
the Python-loop reference (benchmarks/reference.py) for the ratio.

    python benchmarks/native.py                         # 100 and 400 neurons, 1000 images
    python benchmarks/native.py --sizes 400 --images 500 --rounds 2

Every configuration runs in its own process; rounds interleave the variants so that a change
in the machine's load hits all of them alike. Training, one thread, cpp_standalone, chunks of
250 images from the start of MNIST, seed 0. Writes benchmarks/native.json and
docs/benchmarks_native.md.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from machine import cpu_model, run_worker

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "native.json"
REPORT = ROOT / "docs" / "benchmarks_native.md"
SLOTS = 250
VARIANTS = {
    "shipped": {},  # -march=native, FTZ/DAZ on
    "ieee subnormals": {"flush_subnormals": False},
    "x86-64-v3": {"march": "x86-64-v3"},
}


def worker(config: dict) -> dict:
    import numpy as np

    from diehlsim import datasets
    from diehlsim.models.parameters import default_parameters

    images, _ = datasets.load("mnist", "train")
    params = default_parameters(config["neurons"])
    if config["variant"] == "reference":
        import reference

        out = reference.run(params, images[: config["images"]])
        return {**config, "train_ms_per_image": out["ms_per_image"]}
    from diehlsim.protocol import run_phase
    from diehlsim.models.network import initial_state
    from diehlsim.simulation import Simulator

    build_dir = Path(tempfile.mkdtemp(prefix="bench-native-"))
    sim = Simulator(params, "cpp_standalone", slots=SLOTS, build_dir=build_dir,
                    device_options=VARIANTS[config["variant"]])
    trained, state = run_phase(sim, images, np.arange(config["images"]),
                               initial_state(params, 0), learning=True, seed=0, progress=False)
    shutil.rmtree(build_dir, ignore_errors=True)
    # The last chunk of a phase idles through the slots its images leave unused; a long
    # run is full chunks, so they measure its cost (as in benchmarks/run.py).
    full = [c for c in trained.chunks if c.presentations >= SLOTS] or trained.chunks
    return {**config, "chunk_ms_per_image": [1000 * c.wall_s / c.images for c in full],
            # every full chunk simulates SLOTS presentations: its cost per presentation
            # shows whether the work per time step grows during training
            "chunk_ms_per_presentation": [1000 * c.wall_s / c.presentations for c in full],
            "train_ms_per_image": 1000 * sum(c.wall_s for c in full) / sum(
                c.images for c in full),
            "weights_sha256": hashlib.sha256(state.weights.tobytes()).hexdigest()[:16],
            "theta_sha256": hashlib.sha256(state.theta.tobytes()).hexdigest()[:16]}


def plan(sizes, images, rounds, reference_images) -> list[dict]:
    configs = []
    for round_ in range(rounds):
        for n in sizes:
            names = list(VARIANTS)
            if round_ % 2:  # alternate the order between rounds
                names.reverse()
            configs += [{"variant": v, "neurons": n, "images": images, "round": round_}
                        for v in names]
            if round_ == 0 and reference_images:
                configs.append({"variant": "reference", "neurons": n,
                                "images": reference_images, "round": round_})
    return configs


def report(machine: dict, rows: list[dict]) -> str:
    lines = ["# Native costs: subnormals and -march", "",
             f"{machine['date']}, {machine['cpu']}, `python benchmarks/native.py "
             f"{' '.join(machine['argv'])}`. Training on MNIST from its first image, seed 0, "
             f"cpp_standalone, one thread, chunks of {SLOTS} images. `shipped` is the default "
             "build (`-march=native`, FTZ/DAZ on); `ieee subnormals` turns FTZ/DAZ off; "
             "`x86-64-v3` is the portable AVX2 target. Ratios are to the Python-loop "
             "reference measured in the same invocation.", "",
             "| neurons | variant | round | ms/image (training) | ms/image per full chunk | "
             "ms/presentation per full chunk | x reference | weights sha256 | theta sha256 |",
             "|---|---|---|---|---|---|---|---|---|"]
    reference = {r["neurons"]: r["train_ms_per_image"] for r in rows
                 if r["variant"] == "reference" and "error" not in r}
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['neurons']} | {r['variant']} | {r['round']} | error: "
                         f"{r['error']} | | | | | |")
            continue
        chunks = " / ".join(f"{c:.2f}" for c in r.get("chunk_ms_per_image", []))
        per_step = " / ".join(f"{c:.2f}" for c in r.get("chunk_ms_per_presentation", []))
        ratio = reference.get(r["neurons"])
        speed_up = (f"{ratio / r['train_ms_per_image']:.1f}" if ratio and
                    r["variant"] != "reference" else "")
        lines.append(f"| {r['neurons']} | {r['variant']} | {r['round']} | "
                     f"{r['train_ms_per_image']:.2f} | {chunks} | {per_step} | {speed_up} | "
                     f"{r.get('weights_sha256', '')} | {r.get('theta_sha256', '')} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 400])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--reference-images", type=int, default=30)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    rows = []
    for config in plan(args.sizes, args.images, args.rounds, args.reference_images):
        print("running", config, file=sys.stderr, flush=True)
        try:
            rows.append(run_worker(__file__, "--worker", json.dumps(config)))
        except RuntimeError as exc:
            rows.append({**config, "error": str(exc).splitlines()[-1]})
        print("  ->", rows[-1], file=sys.stderr, flush=True)
    machine = {"date": datetime.date.today().isoformat(), "cpu": cpu_model(),
               "argv": list(argv if argv is not None else sys.argv[1:])}
    RESULTS.write_text(json.dumps({"machine": machine, "rows": rows}, indent=1) + "\n")
    REPORT.write_text(report(machine, rows))
    print(REPORT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
