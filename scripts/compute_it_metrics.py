"""Information-theoretic metrics of a trained, tested run (Capozzi et al. 2023, step 3).

Records the first K test images of each class with the trained network and writes the
analysis tables (table2.csv, capozzi_entropy.csv, capozzi_mi.csv, ...) and their figures.

    python scripts/compute_it_metrics.py --run runs/mnist [--samples 10] [--out DIR]
"""

import argparse
from pathlib import Path

from diehlsim import datasets, figures, runs
from diehlsim.analysis.cli import load_assignments
from diehlsim.analysis.report import analyze
from diehlsim.commands import record_analysis_spikes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="trained (and tested) run")
    parser.add_argument("--out", type=Path, default=None,
                        help="output directory (default: RUN/information)")
    parser.add_argument("--samples", type=int, default=10, help="test images per class")
    parser.add_argument("--permutations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0, help="seed of the permutations")
    args = parser.parse_args()

    out = args.out or args.run / "information"
    dataset = runs.load_config(args.run)[1]["dataset"]
    recording = record_analysis_spikes(args.run, args.samples)
    recording.save(out / "spikes.npz")
    analyze(recording, out, assignments=load_assignments(args.run, recording.n_exc),
            n_permutations=args.permutations, seed=args.seed)
    figures.information_figures(out, out / "figures", dataset, datasets.image_shape(dataset),
                                out / "spikes.npz")
    print(f"wrote {out}/table2.csv and the other tables; figures in {out}/figures")


if __name__ == "__main__":
    main()
