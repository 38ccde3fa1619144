"""BindsNET's ``DiehlAndCook2015`` timed on the benchmark's images, for benchmarks/run.py.

Run by an interpreter that has bindsnet and torch (``--bindsnet-python``), not by diehlsim's
environment, which has neither:

    python benchmarks/bindsnet_worker.py '{"neurons": 100, "batch": 1, "time_ms": 250,
        "images_path": "imgs.npy"}'

The network and its parameters are those of BindsNET's own MNIST examples: exc 22.5, inh
120, theta_plus 0.05, column sum 78.4, PostPre rates 1e-4 / 1e-2, dt 1 ms, Poisson input at
up to 128 Hz. ``batch`` 1 is ``examples/mnist/eth_mnist.py``'s one image at a time;
``batch`` 32 is ``batch_eth_mnist.py``'s mini-batch mode, whose STDP averages the updates
of a batch (a different learning algorithm). The timed loop is what a training run does per
image: Poisson-encode the batch, run the network with learning on, read the excitatory
spikes (the one monitor a labelling needs; the examples also record voltages, which would
only slow BindsNET down), reset. One batch runs untimed first, so torch's first-call set-up
is not charged to the images. torch uses one thread (the comparison is per core).
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np

EXC, INH, THETA_PLUS, NORM, NU = 22.5, 120.0, 0.05, 78.4, (1e-4, 1e-2)
DT_MS, INTENSITY_HZ = 1.0, 128.0


def measure(config: dict) -> dict:
    import torch
    from bindsnet.encoding import poisson
    from bindsnet.models import DiehlAndCook2015
    from bindsnet.network.monitors import Monitor

    torch.set_num_threads(int(config.get("torch_threads", 1)))
    torch.manual_seed(int(config.get("seed", 0)))
    n, batch, time_ms = int(config["neurons"]), int(config["batch"]), int(config["time_ms"])
    steps = int(time_ms / DT_MS)
    network = DiehlAndCook2015(n_inpt=784, n_neurons=n, exc=EXC, inh=INH, dt=DT_MS,
                               norm=NORM, nu=NU, theta_plus=THETA_PLUS,
                               inpt_shape=(1, 28, 28))
    spikes = Monitor(network.layers["Ae"], state_vars=["s"], time=steps)
    network.add_monitor(spikes, name="Ae_spikes")
    # torchvision's ToTensor (pixel / 255) times the examples' intensity: rates in Hz
    rates = torch.from_numpy(np.load(config["images_path"])).float() / 255 * INTENSITY_HZ
    rates = rates.view(-1, 1, 28, 28)

    def present(first: int) -> float:
        encoded = torch.stack([poisson(datum=r, time=time_ms, dt=DT_MS)
                               for r in rates[first:first + batch]], dim=1)
        network.run(inputs={"X": encoded}, time=time_ms, input_time_dim=1)
        count = float(spikes.get("s").sum())
        network.reset_state_variables()
        return count

    present(0)  # untimed: torch's first-call set-up
    timed = range(batch, len(rates) - batch + 1, batch)
    start = time.perf_counter()
    exc_spikes = sum(present(first) for first in timed)
    seconds = time.perf_counter() - start
    images = len(timed) * batch
    return {"train_ms_per_image": 1000 * seconds / images, "train_images": images,
            "exc_spikes_per_image": exc_spikes / images, "steps_per_image": steps,
            "bindsnet": _version("bindsnet"), "torch": torch.__version__,
            "peak_rss_python_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _version(package: str) -> str:
    from importlib import metadata

    return metadata.version(package)


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))))
