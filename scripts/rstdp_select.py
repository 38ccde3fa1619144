"""Choose the R-STDP layer's settings on a validation split of the labelling images.

For each setting (a JSON object of R-STDP parameters, e.g. '{"w_psp": "8mV"}'), the layer
learns on the first ``--train`` labelling images of a trained run (excitatory layer
frozen, ``--epochs`` passes, as ``evaluate --rstdp`` does) and is scored, learning off, on
the next ``--validation`` images of the same labelling set. The test set is never
presented. Writes one CSV row per setting.

    python scripts/rstdp_select.py --run runs/r100_mnist_s0 --train 4000 --validation 1000 \\
        --epochs 3 --setting '{"w_psp": "8mV"}' --setting '{"w_psp": "12mV"}' --out sel.csv
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import runs, seeds
from diehlsim.api import evaluation_rstdp
from diehlsim.api.data import run_training_data
from diehlsim.api.training import simulator_for_run
from diehlsim.protocol import run_phase


def score(run: Path, setting: dict, n_train: int, n_validation: int, epochs: int) -> dict:
    params, settings = runs.load_config(run)
    seed = int(settings["seed"])
    overrides = evaluation_rstdp.parse_overrides(f"{k}={v}" for k, v in setting.items())
    params, state = evaluation_rstdp.with_layer(params, runs.load_state(run), overrides,
                                                epochs, seed)
    data = run_training_data(run, settings, None)
    train_idx = data.pool[:n_train]
    held_out = data.pool[n_train:n_train + n_validation]
    start = time.perf_counter()
    sim = simulator_for_run(params, settings)
    first, state = run_phase(sim, data.images, train_idx, state, learning=False,
                             seed=seeds.phase_seed(seed, "label"), label="R-STDP epoch 1",
                             labels=data.labels, rstdp_learning=True)
    layer = evaluation_rstdp.train_more(sim, data, train_idx, state, epochs, seed, True)
    checked, _ = run_phase(sim, data.images, held_out, layer.state, learning=False,
                           seed=seeds.phase_seed(seed, "label"), label="validation",
                           first_chunk=1_000_000)
    decided = evaluation_rstdp.decided(sim, checked)
    right = decided == data.labels[checked.image_index]
    first_right = evaluation_rstdp.decided(sim, first) == data.labels[first.image_index]
    return {"run": str(run), "setting": json.dumps(setting, sort_keys=True),
            "epochs": epochs, "n_train": len(train_idx), "n_validation": len(decided),
            "validation_accuracy_rstdp": float(np.mean(right)),
            "validation_undecided": int(np.sum(decided < 0)),
            "train_accuracy_per_epoch": json.dumps([float(np.mean(first_right)),
                                                    *layer.epoch_accuracy]),
            "wall_s": time.perf_counter() - start}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", type=Path, required=True)
    p.add_argument("--train", type=int, default=4000)
    p.add_argument("--validation", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--setting", action="append", required=True)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    rows = []
    for text in args.setting:
        rows.append(score(args.run, json.loads(text), args.train, args.validation,
                          args.epochs))
        print(rows[-1], flush=True)
        pd.DataFrame(rows).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
