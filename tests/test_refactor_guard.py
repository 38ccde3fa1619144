"""Behaviour unchanged, bit for bit: small train + evaluate runs against results recorded
before the code was reorganised (``tests/data/refactor_guard.json``; the commit they were
recorded at is in the file).

The host code is compiled for ``x86-64-v3`` rather than the host's ``native`` so that the
recorded hashes hold on every x86-64-v3 host of the fleet (AMD and Intel): with ``native``
an AVX-512 host would call another vector ``exp``. Re-record only for an intended change of
the results: ``DIEHLSIM_RECORD_GUARD=1 pytest tests/test_refactor_guard.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from diehlsim import api, datasets
from diehlsim.errors import DiehlsimError
from diehlsim.models.parameters import default_parameters

RECORD = Path(__file__).parent / "data" / "refactor_guard.json"
MARCH = "x86-64-v3"
RUNS = {
    # name: device, neurons, training, labelling and test images, chunk slots
    "cpp_standalone": ("cpp_standalone", 40, 300, 200, 200, 100),
    "runtime": ("runtime", 12, 60, 40, 40, 40),
}
METRIC_KEYS = ("accuracy_all", "accuracy_proportion", "confusion", "n_test", "n_label")
# Runtime (Cython) code is compiled with the host's own flags for numpy-level operations
# too; its floating-point results are compared to this relative tolerance.
RUNTIME_RTOL = 1e-9


def _mnist_or_skip():
    try:
        datasets.load("mnist", "test")
    except DiehlsimError as exc:
        pytest.skip(f"real MNIST is needed: {exc}")


def _host_supports(march: str) -> bool:
    probe = subprocess.run(["g++", f"-march={march}", "-x", "c++", "-E", "/dev/null"],
                           capture_output=True, text=True)
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return probe.returncode == 0 and " avx2 " in flags and " fma " in flags


def _sha256(path: Path) -> str:
    return hashlib.sha256(np.load(path).tobytes()).hexdigest()


def _run(name: str, out: Path) -> dict:
    device, neurons, n_train, n_label, n_test, slots = RUNS[name]
    params = default_parameters(neurons, 784)
    sim = api.make_simulator(params, device, slots, device_options={"march": MARCH})
    api.train(out, "mnist", neurons, train_samples=n_train, device=device, seed=3,
              slots=slots, progress=False, simulator=sim)
    metrics = api.evaluate(out, label_samples=n_label, test_samples=n_test, progress=False,
                           simulator=sim)
    state = np.load(out / "state.npz")
    return {
        "sha256": {f: _sha256(out / f) for f in ("weights.npy", "theta.npy",
                                                  "assignments.npy")},
        "metrics": {k: metrics[k] for k in METRIC_KEYS},
        "weights_sum": float(state["weights"].sum()),
        "theta_sum": float(state["theta"].sum()),
    }


def _record(name: str, result: dict) -> None:
    recorded = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=Path(__file__).parent).stdout.strip()
    recorded[name] = {**result, "recorded_at": commit}
    RECORD.parent.mkdir(exist_ok=True)
    RECORD.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RUNS))
def test_results_match_the_recording(name, tmp_path, brian_state):
    _mnist_or_skip()
    if not _host_supports(MARCH):
        pytest.skip(f"the recording was compiled for {MARCH} (AVX2 + FMA), absent here")
    result = _run(name, tmp_path / name)
    if os.environ.get("DIEHLSIM_RECORD_GUARD") == "1":
        _record(name, result)
    expected = json.loads(RECORD.read_text())[name]
    assert result["metrics"] == expected["metrics"]
    if name == "cpp_standalone":
        assert result["sha256"] == expected["sha256"]
    else:
        assert result["sha256"]["assignments.npy"] == expected["sha256"]["assignments.npy"]
        for key in ("weights_sum", "theta_sum"):
            assert result[key] == pytest.approx(expected[key], rel=RUNTIME_RTOL)
