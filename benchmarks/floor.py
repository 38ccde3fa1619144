"""The event floor: what Brian2's synaptic propagation alone costs for this network's input.

The performance targets (docs/performance.md) ask for <= 5 ms per training image and <= 3 ms
per test image at 400 neurons, one thread. Every image sends ~2,200 input spikes through
784 x N synapses with heterogeneous delays. This script measures, on the same input, networks
that do strictly less than the model, so that their cost is a lower bound for any Brian2
network of this shape on this machine:

* ``generator``: the input spikes (a SpikeGeneratorGroup) and N neurons with ``dge/dt``
  only, no synapses;
* ``transmit``: plus input -> N synapses, delays U(0, 10 ms), ``on_pre = 'ge_post += w'``;
* ``transmit, one delay``: the same with one delay for all synapses (Brian2 then queues a
  spike's synapses as one block);
* ``model event code``: ``transmit`` with the model's own synapse model and on_pre (the
  triplet depression and the arrival-step store of the exact pre trace), taken from
  ``diehlsim.models``;
* ``..., split by delay``: the same synapses and the same delays, held in one Synapses
  object per delay step (``round(delay / dt)``: 21 of them for U(0, 10 ms) at dt 0.5 ms),
  each with one homogeneous delay. Every spike still reaches every synapse after exactly its
  own delay; what changes is that Brian2 queues each object's synapses of a spike as one
  block, at the price of one more push, advance and event-code call per object and step.
  This is the candidate of the performance issue for getting past the heterogeneous-delay
  queue without changing the model.

Then it runs the full model at the same size in the same invocation (benchmarks/run.py's
worker). Each variant is one presentation per image (350 ms input, 150 ms rest): the model
needs ~1.1 presentations per image, so the floors are, if anything, low.

    python benchmarks/floor.py                    # 400 neurons, 200 images
    python benchmarks/floor.py --neurons 100 400 --images 100

Writes benchmarks/floor.json and docs/benchmarks_floor.md. Times are inside Brian2's network
run (profiled per code object), compiled with the project's flags.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from machine import run_worker

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "floor.json"
REPORT = ROOT / "docs" / "benchmarks_floor.md"

VARIANTS = {
    "generator": {"synapses": False},
    "transmit": {"synapses": True, "on_pre": "ge_post += w", "one_delay": False},
    "transmit, one delay": {"synapses": True, "on_pre": "ge_post += w", "one_delay": True},
    "model event code": {"synapses": True, "on_pre": "model", "one_delay": False},
    "transmit, split by delay": {"synapses": True, "on_pre": "ge_post += w",
                                 "one_delay": False, "split": True},
    "model event code, split by delay": {"synapses": True, "on_pre": "model",
                                         "one_delay": False, "split": True},
}


def input_spikes(params, images: np.ndarray, seed: int = 0):
    """Poisson spikes of the images at the start intensity, one presentation per image."""
    p = params.protocol
    dt = float(p.dt)
    steps_on = int(round(float(p.presentation_time) / dt))
    steps_slot = int(round(float(p.slot_time) / dt))
    rates = images.reshape(len(images), -1) * float(p.rate_per_pixel) * p.start_intensity
    rng = np.random.default_rng(seed)
    indices, steps = [], []
    for k, image_rates in enumerate(rates):
        fired = rng.random((steps_on, image_rates.size)) < image_rates * dt
        step, neuron = np.nonzero(fired)
        indices.append(neuron)
        steps.append(step + k * steps_slot)
    return np.concatenate(indices), np.concatenate(steps) * dt, len(images) * steps_slot * dt


def measure(variant: str, neurons: int, n_images: int) -> dict:
    """Build and run one variant in this process; return ms per image by code object."""
    from brian2 import (Network, NeuronGroup, SpikeGeneratorGroup, Synapses, defaultclock,
                        device, prefs, second, set_device)

    from diehlsim import datasets
    from diehlsim.models import stdp
    from diehlsim.models.parameters import default_parameters
    from diehlsim.models.stdp import get_rule
    from diehlsim.devices import native

    spec = VARIANTS[variant]
    params = default_parameters(neurons)
    images, _ = datasets.load("mnist", "train")
    indices, times, duration = input_spikes(params, images[:n_images])
    build_dir = tempfile.mkdtemp(prefix="bench-floor-")
    native.use_vector_math(True)
    set_device("cpp_standalone", build_on_run=False, directory=build_dir)
    prefs.devices.cpp_standalone.openmp_threads = 0
    defaultclock.dt = params.protocol.dt
    inputs = SpikeGeneratorGroup(params.n_input, indices, times * second, name="inputs")
    exc = NeuronGroup(neurons, "dge/dt = -ge / tau_ge : 1\npost1 : 1\n"
                      "learning : 1 (shared)\nstdp_rate : 1 (shared)",
                      method="exact", namespace={"tau_ge": params.exc.tau_ge}, name="exc")
    exc.learning = exc.stdp_rate = 1  # training: the depression is computed and applied
    objects = [inputs, exc]
    events = 0
    if spec["synapses"]:
        rule = get_rule("triplet")
        model, on_pre = "w : 1\nlastpre : 1\nstep_offset : 1 (shared)", spec["on_pre"]
        if on_pre == "model":
            model, on_pre = stdp.SYNAPSE, stdp.SYNAPSE_ON_PRE + rule.pre_code()
        namespace = {**rule.parameters(), "w_max": params.conn.w_max}
        rng = np.random.default_rng(1)
        n_syn = params.n_input * neurons
        weights = rng.uniform(float(params.conn.w_input_min), float(params.conn.w_input_max),
                              n_syn)
        max_delay = float(params.conn.delay_input_max)
        delays = (np.full(n_syn, max_delay / 2) if spec["one_delay"]
                  else rng.uniform(0, max_delay, n_syn))
        if spec.get("split"):
            objects += _split_by_delay(inputs, exc, model, on_pre, namespace, weights, delays,
                                       float(params.protocol.dt), neurons)
        else:
            syn = Synapses(inputs, exc, model, on_pre=on_pre, name="input_exc",
                           namespace=namespace)
            syn.connect()
            syn.w = weights
            syn.delay = delays * second
            objects.append(syn)
        events = len(indices) * neurons
    net = Network(*objects)
    net.run(duration * second, profile=True)
    device.build(directory=build_dir, compile=True, run=True)
    per_object = {name: float(t) * 1000 / n_images for name, t in net.profiling_info}
    shutil.rmtree(build_dir, ignore_errors=True)
    return {"variant": variant, "neurons": neurons, "images": n_images,
            "input_spikes_per_image": len(indices) / n_images,
            "events_per_image": events / n_images,
            "ms_per_image": sum(per_object.values()), "by_code_object": per_object,
            # the whole run, the scheduling loop between code objects included
            "run_ms_per_image": device._last_run_time * 1000 / n_images}


def _split_by_delay(inputs, exc, model, on_pre, namespace, weights, delays, dt, neurons):
    """One Synapses object per delay step, holding the all-to-all synapses (i-major, as
    ``connect()`` orders them) whose delay rounds to that step, each with that one delay."""
    from brian2 import Synapses, second

    steps = np.floor(delays / dt + 0.5).astype(int)  # Brian2's rounding of a delay to steps
    pre, post = np.divmod(np.arange(len(delays)), neurons)
    objects = []
    for step in np.unique(steps):
        mine = steps == step
        syn = Synapses(inputs, exc, model, on_pre=on_pre, delay=step * dt * second,
                       name=f"input_exc_delay{step}", namespace=namespace)
        syn.connect(i=pre[mine], j=post[mine])
        syn.w = weights[mine]
        objects.append(syn)
    return objects


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=3, metavar=("VARIANT", "NEURONS", "IMAGES"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--neurons", type=int, nargs="+", default=[400])
    parser.add_argument("--images", type=int, default=200)
    args = parser.parse_args(argv)
    if args.worker:
        variant, neurons, n_images = args.worker
        print(json.dumps(measure(variant, int(neurons), int(n_images))))
        return 0
    rows = []
    for neurons in args.neurons:
        for variant in VARIANTS:
            print("floor:", variant, neurons, file=sys.stderr, flush=True)
            rows.append(run_worker(__file__, "--worker", variant, str(neurons),
                                   str(args.images)))
        print("model:", neurons, file=sys.stderr, flush=True)
        config = {"kind": "diehlsim", "device": "cpp_standalone", "neurons": neurons,
                  "threads": 0, "train_images": args.images, "test_images": args.images}
        rows.append({"variant": "full model", **run_worker(
            ROOT / "benchmarks" / "run.py", "--worker", json.dumps(config))})
    from run import machine

    from diehlsim import io

    report = {"machine": machine(), "command": " ".join(
        ["python benchmarks/floor.py", *(argv if argv is not None else sys.argv[1:])]),
        "results": rows}
    io.write_json(RESULTS, report)
    io.write_text(REPORT, render(report))
    return 0


def render(report: dict) -> str:
    m = report["machine"]
    lines = ["# The event floor", "",
             f"Generated by `{report['command']}` on {m['date']}.", "",
             "Machine: " + ", ".join(f"{k} {v}" for k, v in m.items() if k != "date"), "",
             "Networks that do strictly less than the model, fed the same kind of input "
             "(real MNIST, start intensity, one presentation per image), one thread, the "
             "project's compiler flags. *ms/image* is the time inside the network run, the "
             "sum of Brian2's per-code-object profile; the full model's row is its own "
             "in-run time for training and testing. `benchmarks/floor.py` explains each "
             "variant.", "",
             "| neurons | network | ms/image (train) | ms/image (test) | input spikes/image "
             "| synaptic events/image | ns per event over `generator` | spike queue push "
             "ms/image | on_pre code ms/image |",
             "|---|---|---|---|---|---|---|---|---|"]
    for neurons in sorted({r["neurons"] for r in report["results"]}):
        rows = [r for r in report["results"] if r["neurons"] == neurons]
        base = next(r["ms_per_image"] for r in rows if r["variant"] == "generator")
        for r in rows:
            lines.append(_row(r, base))
    lines += ["", *conclusions(report["results"]), ""]
    return "\n".join(lines)


def _row(r: dict, base: float) -> str:
    if r["variant"] == "full model":
        return (f"| {r['neurons']} | full model (training / testing) | "
                f"{r['train_run_ms_per_image']:.2f} | {r['test_run_ms_per_image']:.2f} | "
                f"{r['input_spikes_per_image']:.0f} (expected) | "
                f"{r['synaptic_events_per_image']:.0f} | | | |")
    obj = r["by_code_object"]
    push = sum(t for name, t in obj.items() if name.endswith("push_spikes"))
    pre = sum(t for name, t in obj.items() if name.endswith("_pre_codeobject"))
    per_event = ((r["ms_per_image"] - base) * 1e6 / r["events_per_image"]
                 if r["events_per_image"] else None)
    return (f"| {r['neurons']} | {r['variant']} | {r['ms_per_image']:.2f} | | "
            f"{r['input_spikes_per_image']:.0f} | {r['events_per_image']:.0f} | "
            f"{'' if per_event is None else f'{per_event:.2f}'} | "
            f"{push:.2f} | {pre:.2f} |")


def conclusions(results) -> list[str]:
    """Per size: the floors against the targets' budgets (5 ms training, 3 ms testing)."""
    out = ["## Against the targets (<= 5 ms training, <= 3 ms testing per image)", ""]
    for neurons in sorted({r["neurons"] for r in results}):
        rows = {r["variant"]: r for r in results if r["neurons"] == neurons}
        transmit, events = rows.get("transmit"), rows.get("model event code")
        model = rows.get("full model")
        if not (transmit and events and model):
            continue
        push = sum(t for name, t in transmit["by_code_object"].items()
                   if name.endswith("push_spikes"))
        out.append(
            f"- {neurons} neurons: delivering the input spikes costs "
            f"{transmit['ms_per_image']:.2f} ms per image ({push:.2f} ms of it Brian2's "
            f"spike-queue push), {events['ms_per_image']:.2f} ms with the model's event code. "
            f"That leaves {3 - transmit['ms_per_image']:.2f} ms of the testing budget and "
            f"{5 - events['ms_per_image']:.2f} ms of the training budget for everything else "
            f"(the dynamics of {2 * neurons} neurons over "
            f"1,000 time steps per presentation, thresholds, input "
            f"generation, normalisation, learning on post spikes). The full model spends "
            f"{model['train_run_ms_per_image'] - events['ms_per_image']:.2f} ms (training) "
            f"and {model['test_run_ms_per_image'] - transmit['ms_per_image']:.2f} ms "
            f"(testing) on it: {model['train_run_ms_per_image']:.2f} and "
            f"{model['test_run_ms_per_image']:.2f} ms per image in all.")
    return out


if __name__ == "__main__":
    sys.exit(main())
