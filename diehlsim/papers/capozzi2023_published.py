"""Capozzi et al. (RECPAD 2023) as they ran it: BindsNET's ``DiehlAndCook2015`` with their
settings (``TiagoFilipeSousaGoncalves/computational-neuroscience``, ``code/train_*.py``).

:data:`MODEL` and :data:`PROTOCOL` are ``default_parameters`` keywords (the model preset and
the protocol preset); :func:`published_parameters` combines them for a dataset's input size.
What differs from their code is listed in ``docs/capozzi2023.md``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from brian2 import Hz, ms

from diehlsim import api, datasets, io, runs, seeds
from diehlsim.analysis import bindsnet_labels
from diehlsim.errors import RunDirectoryError
from diehlsim.models.parameters import NetworkParameters, default_parameters
from diehlsim.papers.common import RunOptions, Sizes
from diehlsim.protocol import run_phase

#: The components: current-based LIF layers, BindsNET's Poisson encoder, PostPre STDP.
COMPONENTS = {"excitatory_model": "bindsnet", "inhibitory_model": "bindsnet",
              "input_model": "bindsnet-poisson"}
STDP_RULE = "bindsnet-postpre"
#: The model preset: the components' defaults are BindsNET's; these are the connections.
MODEL = {
    **COMPONENTS,
    "conn__w_input_min": 0.0, "conn__w_input_max": 0.3,  # 0.3 * torch.rand
    "conn__w_max": 1.0,  # wmax of the input connection
    "conn__delay_input_min": 0 * ms, "conn__delay_input_max": 0 * ms,  # one step, all
    "conn__w_exc_inh": 22.5,  # exc=22.5 (mV)
    "conn__w_inh_exc": 120.0,  # their --inh 120 (BindsNET's default is 17.5)
    "conn__weight_sum": 78.4,  # norm=78.4 for 784 inputs; 1024 / 10 = 102.4 for CIFAR-10
}
#: The protocol preset: 250 ms per image at dt = 1 ms, 128 Hz for a white pixel, no rest,
#: no re-presentation, the state reset between images.
PROTOCOL = {
    "protocol__dt": 1 * ms, "protocol__presentation_time": 250 * ms,
    "protocol__rest_time": 0 * ms, "protocol__rate_per_pixel": (128 / 255) * Hz,
    "protocol__start_intensity": 1.0, "protocol__intensity_step": 0.0,
    "protocol__min_spikes": 0, "protocol__max_repeats": 0,
    "protocol__reset_each_image": True,
}


def published_overrides() -> dict:
    """Both presets as ``default_parameters`` keywords."""
    return {**MODEL, **PROTOCOL}


def published_parameters(n_exc: int = 100, n_input: int = 784) -> NetworkParameters:
    """The network Capozzi et al. trained (``n_input`` 784, or 1024 for CIFAR-10)."""
    return default_parameters(n_exc, n_input, STDP_RULE, **published_overrides())


#: Test images behind their numbers: the test logs (``project/results/test_*.txt`` at
#: commit 0148589) stop at these counts, so 72 / 46 / 9 % are running values over them.
PUBLISHED_TEST_IMAGES = {"mnist": 3301, "fashion-mnist": 3301, "cifar10": 5301}


def published_dataset(dataset_dir: Path, dataset: str, neurons: int, sizes: Sizes,
                      options: RunOptions) -> dict:
    """One dataset as they ran it: train one shuffled epoch (labels accumulated during
    training, :mod:`diehlsim.analysis.bindsnet_labels`), test frozen, record and analyse."""
    dataset_dir = Path(dataset_dir)
    run_dir = dataset_dir / "run"
    print(f"== {dataset}: {neurons} neurons, as published (BindsNET DiehlAndCook2015)")
    simulator = _train_or_reuse(run_dir, dataset, neurons, sizes.train_images, options)
    metrics = _label_and_test(run_dir, dataset, simulator, sizes.test_samples, options)
    api.analyze(run_dir, sizes.analysis_samples, sizes.permutations, options.seed,
                out_dir=dataset_dir)
    _, settings = runs.load_config(run_dir)
    return {"dataset": dataset, "neurons": neurons, "images": int(settings["train_images"]),
            "accuracy_all": metrics["accuracy_all"],
            "accuracy_proportion": metrics["accuracy_proportion"],
            "accuracy_all_published_n": metrics["accuracy_all_published_n"],
            "published_n": metrics["published_n"], "input_transform": "none"}


def _train_or_reuse(run_dir: Path, dataset: str, neurons: int, train_images, options):
    if not options.force and (run_dir / "config.json").exists():
        _check_same_run(run_dir, dataset, neurons, options)
    if not options.force and api.training_finished(run_dir):
        print(f"reusing the finished training run in {run_dir}")
        params, settings = runs.load_config(run_dir)
        return api.simulator_for_run(params, settings,
                                     delays=runs.load_state(run_dir).delays)
    if not options.force and (run_dir / "config.json").exists():
        print(f"continuing the interrupted training run in {run_dir}")
        return _finish(run_dir, api.resume(run_dir, progress=options.progress))
    run = api.train(run_dir, dataset, neurons, epochs=1 if train_images is None else None,
                    train_samples=train_images, stdp_rule=STDP_RULE, device=options.device,
                    seed=options.seed, threads=options.threads, force=options.force,
                    progress=options.progress, overrides=published_overrides(),
                    shuffle_seed=options.seed)
    return _finish(run_dir, run)


def _check_same_run(run_dir: Path, dataset: str, neurons: int, options) -> None:
    params, settings = runs.load_config(run_dir)
    wanted = published_parameters(neurons, api.input_size_of(dataset))
    if (params != wanted or settings["dataset"] != dataset
            or int(settings["seed"]) != options.seed):
        raise RunDirectoryError(
            f"{run_dir} holds another training run (not the as-published network for "
            f"{dataset}, {neurons} neurons, seed {options.seed}); pass --force to train "
            f"again or choose another --out")


def _finish(run_dir: Path, run):
    """BindsNET normalises the input weights after every image, the last one included."""
    runs.save_state(run_dir, normalised(run.state, run.params.normalisation_target()))
    return run.simulator


def normalised(state, target: float):
    """The state with every neuron's input weights scaled to sum to ``target``
    (``Connection.normalize``: a neuron whose weights sum to 0 keeps them)."""
    weights = np.asarray(state.weights, dtype=float)
    sums = weights.sum(axis=0, keepdims=True)
    return state.replace(weights=weights * target / np.where(sums == 0, 1.0, sums))


def _label_and_test(run_dir: Path, dataset: str, simulator, test_samples, options) -> dict:
    params, settings = runs.load_config(run_dir)
    counts, image_index = runs.load_train_responses(run_dir)
    _, train_labels = datasets.load(dataset, "train")
    rates = bindsnet_labels.block_rates(counts, train_labels[image_index])
    assignments, proportions = bindsnet_labels.assignments_from_rates(rates)
    test_images, test_labels = datasets.load(dataset, "test")
    n_test = len(test_labels) if test_samples is None else min(test_samples, len(test_labels))
    # Their test loop runs the test set in file order, learning and theta frozen.
    tested, _ = run_phase(simulator, test_images, np.arange(n_test), runs.load_state(run_dir),
                          learning=False, seed=seeds.phase_seed(options.seed, "test"),
                          label="test", progress=options.progress)
    labels = test_labels[tested.image_index]
    vote_all = bindsnet_labels.all_activity(tested.counts, assignments)
    vote_prop = bindsnet_labels.proportion_weighting(tested.counts, assignments, proportions)
    first = min(PUBLISHED_TEST_IMAGES.get(dataset, n_test), n_test)
    metrics = {
        "accuracy_all": float(np.mean(vote_all == labels)),
        "accuracy_proportion": float(np.mean(vote_prop == labels)),
        "accuracy_all_published_n": bindsnet_labels.running_accuracy(vote_all, labels, first),
        "accuracy_proportion_published_n": bindsnet_labels.running_accuracy(
            vote_prop, labels, first),
        "published_n": first, "n_test": int(n_test), "n_label_blocks": len(range(bindsnet_labels.UPDATE_INTERVAL, len(counts),
                                    bindsnet_labels.UPDATE_INTERVAL)),
        "silent_test_images": int(np.sum(tested.counts.sum(axis=1) == 0)),
        "mean_test_spikes": float(tested.counts.sum(axis=1).mean()),
        "seed": options.seed,
        "shuffle_seed": settings.get("shuffle_seed"), "test_sim_s": tested.sim_s,
        "labelling": "assign_labels summed over the 250-image blocks of training",
    }
    for name, array in (("assignments", assignments), ("proportions", proportions),
                        ("label_rates", rates)):
        io.write_npy(run_dir / f"{name}.npy", array)
    io.write_npy(run_dir / "test_counts.npy", tested.counts)
    io.write_npy(run_dir / "test_labels.npy", labels)
    io.write_json(run_dir / "metrics.json", metrics)
    print(f"{dataset}: all-activity {100 * metrics['accuracy_all']:.2f} % on {n_test} test "
          f"images, {100 * metrics['accuracy_all_published_n']:.2f} % on the first {first}")
    return metrics
