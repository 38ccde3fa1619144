"""What both paper reproductions share: data sizes, run options, and training that continues
an interrupted run or reuses a finished one.

Re-running a reproduction with the same ``--out`` continues an interrupted training run from
its checkpoint and reuses a finished one (labelling, testing and analysis run again);
``--force`` trains from scratch.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from diehlsim import api, datasets, runs
from diehlsim.errors import RunDirectoryError


@dataclass(frozen=True)
class Sizes:
    """How much data each phase uses; ``None`` means the paper's amount (all of it)."""

    train_images: int | None
    label_samples: int | None
    test_samples: int | None
    analysis_samples: int = api.DEFAULT_SAMPLES_PER_CLASS
    permutations: int = api.DEFAULT_PERMUTATIONS


@dataclass(frozen=True)
class RunOptions:
    """Settings shared by every training run of a reproduction."""

    device: str = "cpp_standalone"
    seed: int = 0
    stdp_rule: str = "triplet"
    input_transform: str = "none"  # encoding.INPUT_TRANSFORMS; the papers used "none"
    # the components (the papers': Diehl & Cook's neurons, Poisson input, no recurrence)
    excitatory_model: str = "diehl-cook"
    input_model: str = "poisson"
    recurrent: str = "none"
    threads: int = 0
    force: bool = False
    progress: bool = True
    # the optional R-STDP read-out of the evaluation: None (off), True (its defaults) or its
    # "NAME=VALUE" overrides; it learns for rstdp_epochs passes over the labelling images
    rstdp: bool | tuple[str, ...] | None = None
    rstdp_epochs: int = 1


def evaluate_run(run_dir: Path, sizes: Sizes, options: RunOptions,
                 simulator: api.Simulator) -> dict:
    """``api.evaluate`` with the reproduction's sizes, on ``simulator``; with the R-STDP
    layer in a fresh process, since building the layer's network here would clear the
    arrays of ``simulator`` (still needed for the test repeats) and give the next network
    of this process other code-object names than its cached build."""
    if not options.rstdp:
        return api.evaluate(run_dir, label_samples=sizes.label_samples,
                            test_samples=sizes.test_samples, simulator=simulator,
                            progress=options.progress)
    return in_fresh_process(_evaluate_with_layer, run_dir, sizes, options)


def _evaluate_with_layer(run_dir: Path, sizes: Sizes, options: RunOptions) -> dict:
    return api.evaluate(run_dir, label_samples=sizes.label_samples,
                        test_samples=sizes.test_samples, progress=options.progress,
                        rstdp=options.rstdp, rstdp_epochs=options.rstdp_epochs)


def train_or_reuse(run_dir: Path, dataset: str, neurons: int, train_images: int | None,
                   options: RunOptions) -> api.Simulator:
    """Train a network into ``run_dir`` (one epoch when ``train_images`` is None), continue an
    interrupted run from its checkpoint, or reuse a finished one; return a compiled simulator
    for the run's network."""
    run_dir = Path(run_dir)
    if options.force or not (run_dir / "config.json").exists():
        run = api.train(run_dir, dataset, neurons, epochs=1 if train_images is None else None,
                        train_samples=train_images, stdp_rule=options.stdp_rule,
                        device=options.device, seed=options.seed, threads=options.threads,
                        force=options.force, progress=options.progress,
                        overrides={"protocol__input_transform": options.input_transform,
                                   "excitatory_model": options.excitatory_model,
                                   "input_model": options.input_model,
                                   "recurrent": options.recurrent})
        return run.simulator
    params, settings = runs.load_config(run_dir)
    expected_images = train_images or len(datasets.load(dataset, "train")[1])
    _check_same_run(run_dir, params, settings, dataset, neurons, expected_images, options)
    if runs.load_checkpoint(run_dir).position < int(settings["train_images"]):
        print(f"continuing the interrupted training run in {run_dir}")
        return api.resume(run_dir, progress=options.progress).simulator
    print(f"reusing the finished training run in {run_dir}")
    return api.simulator_for_run(params, settings, delays=runs.load_state(run_dir).delays)


def _check_same_run(run_dir, params, settings, dataset, neurons, train_images, options) -> None:
    wanted = {"dataset": dataset, "neurons": int(neurons), "train images": int(train_images),
              "seed": options.seed, "device": options.device, "stdp": options.stdp_rule,
              "input transform": options.input_transform,
              "components": (options.excitatory_model, options.input_model, options.recurrent)}
    found = {"dataset": settings["dataset"], "neurons": params.n_exc,
             "train images": int(settings["train_images"]), "seed": int(settings["seed"]),
             "device": settings["device"], "stdp": params.stdp_rule,
             "input transform": params.protocol.input_transform,
             "components": (params.excitatory_model, params.input_model, params.recurrent)}
    differ = [f"{key} {found[key]} (asked for {wanted[key]})" for key in wanted
              if found[key] != wanted[key]]
    if differ:
        raise RunDirectoryError(
            f"{run_dir} holds another training run: {', '.join(differ)}; pass --force to "
            f"train again or choose another --out")


def in_fresh_process(function, *args):
    """``function(*args)`` in a new Python process; its result or exception comes back.

    Brian2 names the code objects of a network after those still alive in the process
    (``normalise_scale_codeobject``, then ``..._1``, ``..._2``), so the second network made in
    one process gets other file names than the cached build of the same shape and compiles
    again. One process per dataset keeps the names, and so the cached builds, the same."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(function, *args).result()
