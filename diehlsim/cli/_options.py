"""Options that several commands share: the device, and the model choices of ``train`` and
``build``."""

from __future__ import annotations

import argparse

from diehlsim import api


def add_device(parser, default: str | None = "cpp_standalone") -> None:
    parser.add_argument("--device", choices=api.DEVICES, default=default,
                        help="Brian2 device (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=0,
                        help="OpenMP threads for cpp_standalone (0 = none, the fastest here)")


def add_model_options(parser) -> None:
    """The model choices shared by ``train`` and ``build``: learning rule, lockout, integrator."""
    parser.add_argument("--stdp", choices=api.STDP_RULES, default="triplet")
    parser.add_argument("--stdp-param", action="append", default=[], metavar="NAME=VALUE",
                        help="override a parameter of the STDP rule, e.g. nu_post=0.02 or "
                             "tau_pre=25ms (repeatable; docs/model.md lists each rule's)")
    parser.add_argument("--lockout", type=float, default=None,
                        help="spike lockout in ms (default 5 = refractory only; Brian2 ports "
                             "use 50)")
    parser.add_argument("--integration", choices=api.INTEGRATIONS, default=None,
                        help="numerical method of both layers (default exponential_euler; "
                             "euler is what the Brian 1 original ran)")
    parser.add_argument("--input-transform", choices=api.INPUT_TRANSFORMS, default=None,
                        help="per-image contrast transform of the grey levels before the rates "
                             "(default none, as in the paper; see docs/model.md)")
    parser.add_argument("--excitatory-model", choices=api.MODEL_CHOICES["excitatory"],
                        default=None, help="excitatory neuron model (default diehl-cook: "
                        "adaptive threshold; lif: fixed threshold; bindsnet: Capozzi et al.'s "
                        "current-based LIF; docs/model.md)")
    parser.add_argument("--inhibitory-model", choices=api.MODEL_CHOICES["inhibitory"],
                        default=None, help="inhibitory neuron model (default diehl-cook; "
                        "bindsnet: docs/capozzi2023.md)")
    parser.add_argument("--input-model", choices=api.MODEL_CHOICES["input"], default=None,
                        help="input encoder (default poisson; latency, periodic, dog-poisson, "
                             "dog-latency: docs/model.md; bindsnet-poisson: "
                             "docs/capozzi2023.md; their parameters: --param input.NAME)")
    parser.add_argument("--recurrent", choices=api.RECURRENT_KINDS, default=None,
                        help="excitatory -> excitatory projection (default none; fixed: "
                             "all-to-all, fixed weight rec.w_exc_exc)")
    parser.add_argument("--param", action="append", default=[], metavar="SECTION.NAME=VALUE",
                        help="override any network parameter, with its units, e.g. "
                             "conn.w_inh_exc=25 or exc.theta_plus=0.1mV (repeatable; sections "
                             "exc, inh, conn, protocol, input, rec as in docs/model.md)")


def model_overrides(args: argparse.Namespace) -> dict:
    """Parameter overrides (``default_parameters`` keywords) for the options of
    :func:`add_model_options` (and ``train``'s ``--stdp-rate-final``)."""
    return api.model_overrides(
        args.stdp, stdp_params=args.stdp_param, lockout_ms=args.lockout,
        integration=args.integration, input_transform=args.input_transform,
        stdp_rate_final=getattr(args, "stdp_rate_final", None), params=args.param,
        **{key: getattr(args, key, None) for key in
           ("excitatory_model", "inhibitory_model", "input_model", "recurrent")})


def add_validation(parser) -> None:
    """``--validation K`` of ``train`` and ``sweep``."""
    parser.add_argument("--validation", type=int, default=None, metavar="K",
                        help="hold out K training images, stratified by class (fixed seed): "
                             "never trained on; evaluate reports accuracy on them for choosing "
                             "settings (default: none held out)")


def add_rstdp(parser) -> None:
    """--rstdp, --rstdp-epochs and --rstdp-param: the R-STDP decision layer read-out."""
    parser.add_argument("--rstdp", action="store_true",
                        help="add the R-STDP decision layer: it learns on the labelling "
                             "images (excitatory layer frozen) and is reported as "
                             "accuracy_rstdp (docs/readouts.md)")
    parser.add_argument("--rstdp-epochs", type=int, default=1, metavar="E",
                        help="passes of the R-STDP layer over the labelling images; the "
                             "first is the labelling pass itself (default: %(default)s)")
    parser.add_argument("--rstdp-param", action="append", default=[], metavar="NAME=VALUE",
                        help="an R-STDP parameter, with its units, e.g. tau_c=500ms or "
                             "neurons_per_class=2 (repeatable; implies --rstdp)")


def rstdp_assignments(args: argparse.Namespace) -> tuple[str, ...] | bool | None:
    """What --rstdp/--rstdp-param ask for, as ``api.evaluate(rstdp=...)`` takes it: None
    (no layer), True (the defaults) or the NAME=VALUE overrides as given."""
    if args.rstdp_param:
        return tuple(args.rstdp_param)
    return True if args.rstdp else None


def add_monitors(parser) -> None:
    """--monitor, --monitor-neurons, --monitor-presentations of ``train`` and ``evaluate``."""
    parser.add_argument("--monitor", default=None, metavar="LAYER.VAR,...",
                        help="record these state variables in the compiled network, e.g. "
                             "exc.v,exc.ge,exc.theta (layers exc, inh; docs/monitors.md)")
    parser.add_argument("--monitor-neurons", default=None, metavar="RANGE",
                        help="neurons to record, e.g. 0-4 or 0,3,7 (default 0)")
    parser.add_argument("--monitor-presentations", default=None, metavar="RANGE",
                        help="presentations of each phase to keep, 0 = the first, "
                             "re-presentations counted, e.g. 0-9 (default 0)")


def monitor_options(args: argparse.Namespace) -> dict:
    """The keywords of ``api.train`` / ``api.evaluate`` for :func:`add_monitors`."""
    return {"monitor": args.monitor, "monitor_neurons": args.monitor_neurons,
            "monitor_presentations": args.monitor_presentations}
