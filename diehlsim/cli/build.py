"""``diehlsim build``: write (and compile) a self-contained standalone project."""

from __future__ import annotations

from pathlib import Path

from diehlsim import api
from diehlsim.cli._options import add_model_options, model_overrides


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "build", help="write (and compile) a standalone C++ or CUDA project",
        description="Write a self-contained Brian2 standalone project for the network into "
                    "--out and compile it (nvcc is enough for CUDA: no GPU needed).")
    p.add_argument("--device", choices=api.BUILD_DEVICES, required=True)
    p.add_argument("--neurons", type=int, required=True, help="excitatory neurons")
    p.add_argument("--input-size", type=int, choices=api.INPUT_SIZES, default=784,
                   help="784 = 28x28 (MNIST), 1024 = 32x32 (CIFAR-10 grey)")
    p.add_argument("--out", type=Path, required=True, help="project directory")
    p.add_argument("--compute-capability", default=None,
                   help="CUDA: GPU compute capability, e.g. 9.0 (H100/H200, default), 8.0")
    p.add_argument("--gpu-id", type=int, default=0, help="CUDA: GPU the binary uses")
    p.add_argument("--no-compile", action="store_true", help="only write the project")
    p.add_argument("--portable", action="store_true", help="no -march=native")
    add_model_options(p)
    p.add_argument("--chunk", type=int, default=None,
                   help=f"presentation slots per run of the binary (default {api.DEFAULT_SLOTS} "
                        f"up to {api.SLOTS_NEURONS} neurons, {api.DEFAULT_SLOTS} more per "
                        f"further {api.SLOTS_NEURONS})")
    p.add_argument("--threads", type=int, default=0, help="cpp_standalone: OpenMP threads")
    p.add_argument("--seed", type=int, default=0,
                   help="--param conn.input_layout=by-delay: the seed whose initial delays "
                        "the input synapses are split by (default %(default)s)")
    p.set_defaults(func=cmd_build)


def cmd_build(args) -> int:
    result = api.build(
        args.out, args.device, args.neurons, args.input_size, stdp_rule=args.stdp,
        slots=args.chunk, compile=not args.no_compile,
        compute_capability=args.compute_capability, portable=args.portable,
        gpu_id=args.gpu_id, threads=args.threads, overrides=model_overrides(args),
        seed=args.seed)
    what = (f"binary {result.binary}" if result.binary else "not compiled (--no-compile)")
    timing = f"generated in {result.generate_s:.1f} s"
    if result.compile_s is not None:
        timing += f", compiled in {result.compile_s:.1f} s"
    print(f"{args.device} project for {args.neurons} neurons in {result.directory}: {what}; "
          f"{timing}; see {result.directory / 'README.md'}")
    if result.problems:
        for problem in result.problems:
            print(f"protocol check: {problem}")
        return 1
    return 0
