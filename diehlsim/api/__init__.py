"""Python API, the front door of diehlsim: train, resume, evaluate, test again, record,
analyze, build; and the choices (devices, datasets, rules ...) the command line offers.

Example::

    from diehlsim import api
    run = api.train("runs/r1", dataset="mnist-sample", n_exc=100, epochs=1)
    metrics = api.evaluate("runs/r1")
    sim = run.simulator            # .model.net is the Brian2 Network, .model.exc_spikes a monitor
"""

from diehlsim.api.evaluation import RepeatResult, evaluate, load_assignments, repeat_test
from diehlsim.api.options import model_overrides, stdp_parameters
from diehlsim.api.project import build, figures, information_figures
from diehlsim.api.recording import (
    ANALYSIS_SUBDIR,
    DEFAULT_PERMUTATIONS,
    DEFAULT_SAMPLES_PER_CLASS,
    Analysis,
    analyze,
    record,
)
from diehlsim.api.training import (
    DEFAULT_SLOTS,
    TrainedRun,
    input_size_of,
    make_simulator,
    resume,
    simulator_for_run,
    train,
)
from diehlsim.build import BUILD_DEVICES, INPUT_SIZES
from diehlsim.datasets import DATASETS
from diehlsim.datasets.catalog import DOWNLOADABLE, MIRROR_ENV
from diehlsim.datasets.download import download
from diehlsim.datasets.locate import user_cache_dir
from diehlsim.models.parameters import INPUT_TRANSFORMS, INTEGRATIONS, parse_parameter
from diehlsim.models.stdp import RULES as _RULES
from diehlsim.runs import load_config
from diehlsim.simulation import DEVICES, Simulator

STDP_RULES = tuple(sorted(_RULES))

__all__ = [
    "ANALYSIS_SUBDIR", "Analysis", "BUILD_DEVICES", "DATASETS", "DEFAULT_PERMUTATIONS", "DEFAULT_SAMPLES_PER_CLASS",
    "DEFAULT_SLOTS", "DEVICES",
    "DOWNLOADABLE", "INPUT_SIZES", "INPUT_TRANSFORMS", "INTEGRATIONS", "MIRROR_ENV",
    "RepeatResult", "STDP_RULES", "Simulator", "TrainedRun", "analyze", "build", "download",
    "evaluate", "figures", "information_figures", "input_size_of", "load_assignments",
    "load_config", "make_simulator", "model_overrides", "parse_parameter", "record",
    "repeat_test", "resume", "simulator_for_run", "stdp_parameters", "train",
    "user_cache_dir",
]
