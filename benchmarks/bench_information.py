"""Benchmark: information of all 784 x 400 binary (input, output) pairs on 10,000 samples.

Times the vectorised path (one matrix product for the co-occurrence counts, then every
estimator on the stacked 2 x 2 tables) and a per-pair loop on a subset of pairs, checks that
both give the same values, prints one summary line and writes/updates this machine's section
of ``docs/benchmarks_information.md``.

Usage: ``python benchmarks/bench_information.py [--samples N] [--repeats R] [--no-docs]``
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import time
from pathlib import Path

import numpy as np

from diehlsim import io
from machine import cpu_model
from diehlsim.analysis.estimators import binary_mutual_information
from diehlsim.analysis.information import mutual_information
from diehlsim.analysis.pairwise import binary_pair_counts, pairwise_information

N_INPUT, N_OUTPUT = 784, 400
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks_information.md"
DOC_HEADER = """# Benchmark: all-pairs information

`benchmarks/bench_information.py` computes the information of every (input, output) pair of
binary variables, 784 x 400 = 313,600 pairs, on 10,000 samples (spike / no spike per bin;
inputs fire with probability 0.05, outputs 0.02 per sample, independently). It times

* `counts`: the co-occurrence counts of all pairs, one float32 matrix product `X^T Y`;
* `plug-in MI`: counts + plug-in MI of every pair (table look-up of `c log c`);
* `all measures`: `pairwise_information` (plug-in, Miller-Madow, Panzeri-Treves MI, joint
  entropy, G-test p-values);
* `per-pair loop`: `information.mutual_information` pair by pair on a subset, extrapolated
  to all pairs (the reference that the vectorised values are checked against).

Each machine has one section, replaced when the benchmark is run again there.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (best is kept)")
    parser.add_argument("--reference-pairs", type=int, default=300)
    parser.add_argument("--no-docs", action="store_true", help="do not update the docs file")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    x = (rng.random((args.samples, N_INPUT)) < 0.05).astype(np.uint8)
    y = (rng.random((args.samples, N_OUTPUT)) < 0.02).astype(np.uint8)

    def plugin_all():
        n11, n_x, n_y, n = binary_pair_counts(x, y)
        return binary_mutual_information(n11, n_x[:, None], n_y[None, :], n)

    t_counts, _ = _best_time(lambda: binary_pair_counts(x, y), args.repeats)
    t_plugin, plugin = _best_time(plugin_all, args.repeats)
    t_all, info = _best_time(lambda: pairwise_information(x, y), args.repeats)
    t_reference, max_error = _reference(x, y, plugin, args.reference_pairs, rng)
    results = {
        "samples": args.samples,
        "pairs": N_INPUT * N_OUTPUT,
        "counts_s": t_counts,
        "plugin_s": t_plugin,
        "all_measures_s": t_all,
        "per_pair_loop_s": t_reference,
        "max_abs_difference_bits": max(max_error, float(np.abs(info.plugin - plugin).max())),
    }
    print(
        f"all {N_INPUT}x{N_OUTPUT} binary pairs on {args.samples} samples: "
        f"counts {t_counts:.3f} s, plug-in MI {t_plugin:.3f} s, all measures {t_all:.3f} s; "
        f"per-pair loop (extrapolated) {t_reference:.0f} s; "
        f"max |vectorised - per-pair| = {results['max_abs_difference_bits']:.1e} bits"
    )
    if not args.no_docs:
        update_doc(DOC, machine_key(), render_section(results))
        print(f"updated {DOC}")
    return 0


def _best_time(function, repeats: int):
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def _reference(x, y, plugin, n_pairs: int, rng) -> tuple[float, float]:
    """Per-pair loop on ``n_pairs`` random pairs: extrapolated total time and max difference."""
    inputs = rng.integers(0, x.shape[1], n_pairs)
    outputs = rng.integers(0, y.shape[1], n_pairs)
    start = time.perf_counter()
    values = [mutual_information(x[:, i], y[:, o]).bits for i, o in zip(inputs, outputs)]
    elapsed = time.perf_counter() - start
    error = float(np.abs(np.asarray(values) - plugin[inputs, outputs]).max())
    return elapsed / n_pairs * x.shape[1] * y.shape[1], error


def machine_info() -> dict:
    cpu = cpu_model()
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")
        blas_info = config["Build Dependencies"]["blas"]
        blas = f"{blas_info.get('name')} {blas_info.get('version', '')}".strip()
    except (TypeError, KeyError):
        pass
    try:
        load = "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "load": load,
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas,
    }


def machine_key() -> str:
    info = machine_info()
    return re.sub(r"[^A-Za-z0-9]+", "-", f"{info['cpu']}-{info['cores']}cores").strip("-")


def render_section(results: dict) -> str:
    info = machine_info()
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    speedup = results["per_pair_loop_s"] / results["all_measures_s"]
    return "\n".join([
        f"## {info['cpu']} ({info['cores']} cores)",
        "",
        f"- date: {date}",
        f"- platform: {info['platform']}; Python {info['python']}; numpy {info['numpy']} "
        f"({info['blas']})",
        f"- {results['pairs']:,} pairs, {results['samples']:,} samples (best of repeats)",
        f"- load average (1/5/15 min) when written: {info['load']} (other jobs share the "
        f"cores when it exceeds the core count, so times scale up accordingly)",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| counts (`X^T Y`) | {results['counts_s']:.3f} |",
        f"| counts + plug-in MI | {results['plugin_s']:.3f} |",
        f"| all measures (`pairwise_information`) | {results['all_measures_s']:.3f} |",
        f"| per-pair loop, extrapolated | {results['per_pair_loop_s']:.1f} |",
        "",
        f"Vectorised all measures vs per-pair loop: {speedup:.0f}x faster; largest difference "
        f"between the two: {results['max_abs_difference_bits']:.1e} bits.",
        "",
    ])


def update_doc(path: Path, key: str, section: str) -> None:
    """Replace this machine's section (between markers) or append it."""
    begin, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    block = f"{begin}\n{section}{end}\n"
    text = path.read_text() if path.exists() else DOC_HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    io.write_text(path, text)


if __name__ == "__main__":
    raise SystemExit(main())
