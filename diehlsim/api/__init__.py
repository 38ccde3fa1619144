"""Python API, the front door of diehlsim: train, resume, evaluate, test again, record,
analyze, build, sweep; and the choices (devices, datasets, rules ...) the command line offers.

Example::

    from diehlsim import api
    run = api.train("runs/r1", dataset="mnist-sample", n_exc=100, epochs=1)
    metrics = api.evaluate("runs/r1")
    sim = run.simulator            # .model.net is the Brian2 Network, .model.exc_spikes a monitor
"""

from diehlsim.analysis.readouts import accuracies, accuracy_columns
from diehlsim.api.evaluation import (
    RepeatResult,
    evaluate,
    load_assignments,
    repeat_test,
    validation_accuracies,
    validation_columns,
)
from diehlsim.api.evaluation_rstdp import parse_overrides as rstdp_overrides
from diehlsim.api.export import ExportResult, export, export_formats, export_phases
from diehlsim.api.nwb_analysis import analysis_figures, analyze_nwb
from diehlsim.api.options import model_overrides, monitor_request, stdp_parameters
from diehlsim.api.project import build, figures, information_figures, plot_traces
from diehlsim.api.recording import (
    ANALYSIS_SUBDIR,
    DEFAULT_PERMUTATIONS,
    DEFAULT_SAMPLES_PER_CLASS,
    Analysis,
    analyze,
    record,
)
from diehlsim.api.sweep import SweepResult, sweep
from diehlsim.api.sweep_spec import SweepSpec
from diehlsim.api.sweep_spec import load_spec as load_sweep_spec
from diehlsim.api.sweep_spec import spec_from_dict as sweep_spec_from_dict
from diehlsim.api.sweep_spec import spec_from_grid as sweep_spec_from_grid
from diehlsim.api.data import ARRAYS
from diehlsim.api.training import (
    DEFAULT_SLOTS,
    TrainedRun,
    input_size_of,
    make_simulator,
    resume,
    simulator_for_run,
    train,
    training_finished,
)
from diehlsim.devices import SLOTS_NEURONS, default_slots
from diehlsim.devices.project import BUILD_DEVICES, INPUT_SIZES
from diehlsim.datasets import DATASETS
from diehlsim.datasets.catalog import DOWNLOADABLE, MIRROR_ENV
from diehlsim.datasets.download import download
from diehlsim.datasets.locate import user_cache_dir
from diehlsim.models.components import names as component_names
from diehlsim.models.parameters import INPUT_TRANSFORMS, INTEGRATIONS, parse_parameter
from diehlsim.models.recurrent import KINDS as RECURRENT_KINDS
from diehlsim.models.stdp import rule_names
from diehlsim.runs import load_config, stop_signals_to_interrupt
from diehlsim.simulation import DEVICES, Simulator

STDP_RULES = tuple(rule_names())
#: The neuron and input components by kind (``--excitatory-model`` ...).
MODEL_CHOICES = {kind: tuple(component_names(kind))
                 for kind in ("excitatory", "inhibitory", "input")}

__all__ = [
    "accuracies", "accuracy_columns", "Analysis", "ANALYSIS_SUBDIR", "analyze", "build",
    "BUILD_DEVICES", "component_names", "DATASETS", "DEFAULT_PERMUTATIONS", "DEFAULT_SAMPLES_PER_CLASS",
    "DEFAULT_SLOTS", "default_slots", "SLOTS_NEURONS", "DEVICES", "download", "DOWNLOADABLE", "evaluate", "figures",
    "information_figures", "input_size_of", "INPUT_SIZES", "INPUT_TRANSFORMS", "INTEGRATIONS",
    "load_assignments", "load_config", "make_simulator", "MIRROR_ENV", "MODEL_CHOICES",
    "model_overrides", "monitor_request", "parse_parameter", "plot_traces", "record", "RECURRENT_KINDS", "repeat_test",
    "rstdp_overrides", "RepeatResult", "resume", "Simulator",
    "simulator_for_run", "stdp_parameters", "STDP_RULES", "stop_signals_to_interrupt",
    "train", "TrainedRun", "training_finished",
    "user_cache_dir", "validation_accuracies", "validation_columns", "ARRAYS",
    "sweep", "SweepResult", "SweepSpec", "load_sweep_spec", "sweep_spec_from_dict",
    "sweep_spec_from_grid", "export", "export_formats", "export_phases", "ExportResult", "analyze_nwb", "analysis_figures",
]
