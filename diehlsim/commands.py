"""CLI commands that drive the model: train, evaluate, demo."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from diehlsim import api, datasets, runs, seeds
from diehlsim.errors import ConfigurationError
from diehlsim.models.parameters import (INPUT_TRANSFORMS, INTEGRATIONS, parse_parameter,
                                        parse_quantity)
from diehlsim.models.stdp import RULES, get_rule
from diehlsim.simulation import DEVICES


def register(subparsers) -> None:
    _register_train(subparsers)
    _register_evaluate(subparsers)
    _register_demo(subparsers)


def _add_device(parser, default: str | None = "cpp_standalone") -> None:
    parser.add_argument("--device", choices=DEVICES, default=default,
                        help="Brian2 device (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=0,
                        help="OpenMP threads for cpp_standalone (0 = none, the fastest here)")


def add_model_options(parser) -> None:
    """The model choices shared by ``train`` and ``build``: learning rule, lockout, integrator."""
    parser.add_argument("--stdp", choices=sorted(RULES), default="triplet")
    parser.add_argument("--stdp-param", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter of the STDP rule, e.g. nu_post=0.02 or "
                             "tau_pre=25ms (repeatable; docs/model.md lists each rule's)")
    parser.add_argument("--lockout", type=float, default=None,
                        help="spike lockout in ms (default 5 = refractory only; Brian2 ports "
                             "use 50)")
    parser.add_argument("--integration", choices=INTEGRATIONS, default=None,
                        help="numerical method of both layers (default exponential_euler; "
                             "euler is what the Brian 1 original ran)")
    parser.add_argument("--input-transform", choices=INPUT_TRANSFORMS, default=None,
                        help="per-image contrast transform of the grey levels before the rates "
                             "(default none, as in the paper; see docs/model.md)")
    parser.add_argument("--param", action="append", default=[], metavar="SECTION.NAME=VALUE",
                        help="override any network parameter, with its units, e.g. "
                             "conn.w_inh_exc=25 or exc.theta_plus=0.1mV (repeatable; sections "
                             "exc, inh, conn, protocol as in docs/model.md)")


def stdp_parameters(rule: str, assignments: list[str]) -> dict:
    """``["nu_post=0.02", "tau_pre=25ms"]`` -> overrides of ``rule``'s parameters, checked."""
    from brian2 import have_same_dimensions

    values = {}
    for text in assignments:
        name, sep, value = text.partition("=")
        if not name.strip() or not sep:
            raise ConfigurationError(
                f"--stdp-param {text!r} is not NAME=VALUE with a number (and ms or s for a "
                f"time constant), e.g. nu_post=0.02 or tau_pre=25ms")
        values[name.strip()] = parse_quantity(value, f"--stdp-param {text!r}")
    chosen = get_rule(rule)
    chosen.parameters(values)  # unknown names fail here, naming the rule's own
    for name, value in values.items():
        if not have_same_dimensions(value, chosen.defaults[name]):
            raise ConfigurationError(
                f"--stdp-param {name}: give it in the units of its default "
                f"({chosen.defaults[name]!r}): a plain number, or a number with ms or s for a "
                f"time constant")
    return values


def model_overrides(args) -> dict:
    """Parameter overrides (``default_parameters`` keywords) for the options of
    ``add_model_options``."""
    overrides = {}
    if args.stdp_param:
        overrides["stdp"] = stdp_parameters(args.stdp, args.stdp_param)
    if args.lockout is not None:
        from brian2 import ms

        overrides["exc__spike_lockout"] = args.lockout * ms
    if args.integration is not None:
        overrides["protocol__integration"] = args.integration
    if args.input_transform is not None:
        overrides["protocol__input_transform"] = args.input_transform
    if getattr(args, "stdp_rate_final", None) is not None:  # train only
        overrides["protocol__stdp_rate_final"] = args.stdp_rate_final
    for assignment in args.param:
        key, value = parse_parameter(assignment)
        if key in overrides:
            raise ConfigurationError(
                f"--param {assignment!r} sets {key.replace('__', '.')}, which another option "
                f"(or an earlier --param) already sets; give it once")
        overrides[key] = value
    return overrides


def _register_train(subparsers) -> None:
    p = subparsers.add_parser("train", help="train a network with STDP")
    p.add_argument("--dataset", choices=datasets.DATASETS, help="required unless --resume")
    p.add_argument("--neurons", type=int, help="excitatory neurons (required unless --resume)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--epochs", type=float, default=None)
    group.add_argument("--train-samples", type=int, default=None)
    add_model_options(p)
    p.add_argument("--stdp-rate-final", type=float, default=None, metavar="F",
                   help="STDP rate factor at the last training image, reached linearly from 1 "
                        "(default 1: the original's constant rate; 0 anneals to zero)")
    _add_device(p)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, type=Path, help="run directory")
    p.add_argument("--chunk", type=int, default=api.DEFAULT_SLOTS,
                   help="presentation slots per compiled run (default %(default)s)")
    p.add_argument("--data-dir", type=Path, default=None)
    p.add_argument("--force", action="store_true", help="overwrite an existing run directory")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out from its last checkpoint")
    p.set_defaults(func=cmd_train)


def cmd_train(args) -> int:
    if not args.resume and (args.dataset is None or args.neurons is None):
        raise ConfigurationError("train needs --dataset and --neurons (or --resume --out RUN)")
    overrides = model_overrides(args)
    epochs = None if args.train_samples is not None else (
        1 if args.epochs is None else args.epochs)
    start = time.perf_counter()
    try:
        run = _train_or_resume(args, epochs, overrides)
    except KeyboardInterrupt:
        print(f"\ninterrupted: the last completed chunk is checkpointed in {args.out}; "
              f"continue with `diehlsim train --resume --out {args.out}`")
        return 130
    n = int(sum(c.images for c in run.phase.chunks))
    print(f"trained {run.params.n_exc} neurons on {n} images in "
          f"{time.perf_counter() - start:.1f} s (build {run.simulator.build_s:.1f} s, "
          f"simulation {run.phase.sim_s:.1f} s = {1000 * run.phase.sim_s / max(1, n):.2f} "
          f"ms/image); run in {args.out}")
    return 0


def _train_or_resume(args, epochs, overrides):
    if args.resume:
        return api.resume(args.out, data_dir=args.data_dir)
    return api.train(args.out, args.dataset, args.neurons, epochs=epochs,
                     train_samples=args.train_samples, stdp_rule=args.stdp, device=args.device,
                     seed=args.seed, slots=args.chunk, threads=args.threads,
                     data_dir=args.data_dir, force=args.force, overrides=overrides)


def _register_evaluate(subparsers) -> None:
    p = subparsers.add_parser("evaluate", help="label neurons and test a trained run")
    p.add_argument("--run", required=True, type=Path)
    p.add_argument("--label-samples", type=int, default=None)
    p.add_argument("--test-samples", type=int, default=None)
    _add_device(p, default=None)
    p.add_argument("--data-dir", type=Path, default=None)
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args) -> int:
    metrics = api.evaluate(args.run, label_samples=args.label_samples,
                           test_samples=args.test_samples, device=args.device,
                           data_dir=args.data_dir)
    figures = make_run_figures(args.run)
    print(f"accuracy (all vote) {100 * metrics['accuracy_all']:.2f} %, "
          f"(proportion vote) {100 * metrics['accuracy_proportion']:.2f} % on "
          f"{metrics['n_test']} test images, labelled with {metrics['n_label']}")
    print(f"metrics: {Path(args.run) / 'metrics.json'}; figures: {figures}")
    return 0


def make_run_figures(run_dir: Path) -> Path:
    """Receptive fields, thresholds, confusion matrix (after evaluate) and accuracy vs
    images seen, in ``RUN/figures``."""
    from diehlsim import figures as run_figures

    out = Path(run_dir) / "figures"
    _, settings = runs.load_config(Path(run_dir))
    run_figures.run_figures(Path(run_dir), out, settings["dataset"])
    return out


def _register_demo(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="train and evaluate 100 neurons on the embedded MNIST sample")
    p.add_argument("--out", type=Path, default=Path("runs/demo"))
    p.add_argument("--neurons", type=int, default=100)
    _add_device(p)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_demo)


def cmd_demo(args) -> int:
    start = time.perf_counter()
    run = api.train(args.out, "mnist-sample", args.neurons, epochs=1, device=args.device,
                    seed=args.seed, threads=args.threads, force=True)
    metrics = api.evaluate(args.out, simulator=run.simulator)
    figures = make_run_figures(args.out)
    n_train = int(sum(c.images for c in run.phase.chunks))
    print(f"\ndemo: {args.neurons} excitatory neurons, {n_train} training images of the "
          f"embedded MNIST sample, {metrics['n_label']} labelling, {metrics['n_test']} test")
    print(f"accuracy: {100 * metrics['accuracy_all']:.1f} % (all vote), "
          f"{100 * metrics['accuracy_proportion']:.1f} % (proportion vote)")
    print(f"results: {args.out}/ (metrics.json, weights.npy, theta.npy, train_log.csv)")
    print(f"figures: {figures}/ (receptive_fields, theta, confusion, accuracy_vs_images; PNG and PDF)")
    print(f"wall time {time.perf_counter() - start:.0f} s")
    return 0


def record_analysis_spikes(run_dir: Path, samples_per_class: int = 10):
    """Simulate test images (the first ``samples_per_class`` of each class) with learning
    off and return their input and excitatory spikes as a SpikeRecording."""
    from diehlsim.protocol import run_phase

    params, settings = runs.load_config(Path(run_dir))
    state = runs.load_state(Path(run_dir))
    images, labels = datasets.load(settings["dataset"], "test")
    chosen = np.sort(np.concatenate([np.flatnonzero(labels == c)[:samples_per_class]
                                     for c in range(10)]))
    sim = api.make_simulator(params, settings["device"], min(api.DEFAULT_SLOTS, len(chosen)),
                             record_input=True)
    phase, _ = run_phase(sim, images, chosen, state, learning=False,
                         seed=seeds.phase_seed(int(settings["seed"]), "record"), label="record", keep_spikes=True)
    return _to_recording(phase, params, labels, sim)


def _to_recording(phase, params, labels, sim):
    from diehlsim.recordings import SpikeRecording

    dt = float(params.protocol.dt)
    steps_on = int(round(float(params.protocol.presentation_time) / dt))
    layers = {"input": ([], [], []), "exc": ([], [], [])}
    image_index = []
    for (exc, start_step, image, accepted, batch), inputs in zip(phase.exc_spikes,
                                                                phase.input_spikes):
        keep = accepted & (image < len(batch))
        for p in np.flatnonzero(keep):
            number = len(image_index)
            image_index.append(int(batch[image[p]]))
            for name, (neuron, step) in (("exc", exc), ("input", inputs)):
                inside = (step >= start_step[p]) & (step < start_step[p] + steps_on)
                layers[name][0].append(np.full(int(inside.sum()), number))
                layers[name][1].append(neuron[inside])
                layers[name][2].append((step[inside] - start_step[p]) * dt)
    cat = [np.concatenate(v) if v else np.zeros(0) for v in
           (*layers["input"], *layers["exc"])]
    image_index = np.asarray(image_index, dtype=np.int64)
    return SpikeRecording(
        n_input=params.n_input, n_exc=params.n_exc,
        duration=float(params.protocol.presentation_time), labels=labels[image_index],
        image_index=image_index, input_presentation=cat[0].astype(np.int64),
        input_neuron=cat[1].astype(np.int64), input_time=cat[2].astype(float),
        exc_presentation=cat[3].astype(np.int64), exc_neuron=cat[4].astype(np.int64),
        exc_time=cat[5].astype(float))
