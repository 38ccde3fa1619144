"""The two steps shared by the per-dataset scripts (Capozzi et al. 2023 workflow): each runs a
``diehlsim`` command with the script's dataset and its default run directory, ``runs/DATASET``.
"""

import argparse
import sys
from pathlib import Path

from diehlsim import api, cli
from diehlsim.errors import RunDirectoryError


def train_main(dataset: str) -> int:
    """``diehlsim train`` of 100 neurons for one epoch into runs/DATASET; the script's
    options (``--out``, ``--neurons``, ``--epochs``, ``--device`` ...) come after and win."""
    return cli.main(["train", "--dataset", dataset, "--neurons", "100",
                     "--out", f"runs/{dataset}", *sys.argv[1:]])


def test_main(dataset: str) -> int:
    """``diehlsim evaluate`` of runs/DATASET (or ``--run``), once the run is known to be a
    network trained on ``dataset``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--run", type=Path, default=Path(f"runs/{dataset}"))
    run = parser.parse_known_args()[0].run
    try:
        trained_on = api.load_config(run)[1]["dataset"]
    except RunDirectoryError:
        trained_on = dataset  # no run there: evaluate says so, in its own words
    if trained_on != dataset:
        parser.error(f"{run} was trained on {trained_on}, not {dataset}")
    return cli.main(["evaluate", "--run", str(run), *sys.argv[1:]])
