"""Every figure of the package, drawn with Matplotlib's object API (PNG and PDF).

Each function takes arrays, pandas frames or a :class:`~diehlsim.recordings.SpikeRecording`
and an output path stem, writes ``stem.png`` and ``stem.pdf`` atomically and returns both
paths. Nothing here reads a run directory (:mod:`diehlsim.figures` does) and nothing touches
pyplot or the Matplotlib backend, so importing this package changes no global state.

* :mod:`~diehlsim.plots.network` — receptive fields, thresholds, confusion matrix, accuracy
  during training, training log;
* :mod:`~diehlsim.plots.papers` — accuracy next to a paper's numbers, repeated test passes;
* :mod:`~diehlsim.plots.readouts` — read-outs against the number of labelled images;
* :mod:`~diehlsim.plots.information` — entropy maps, MI heatmaps and pixel maps,
  informative neurons, spike raster.
"""

from diehlsim.plots._save import save
from diehlsim.plots.information import (
    NEURON_CATEGORIES,
    entropy_maps,
    informative_neurons,
    mi_heatmaps,
    mi_pixel_maps,
    neuron_categories,
    spike_raster,
)
from diehlsim.plots.names import CLASS_NAMES, DATASET_TITLES, class_names, dataset_title
from diehlsim.plots.network import (
    accuracy_vs_images,
    confusion_matrix,
    receptive_field_grid,
    receptive_fields,
    theta_distribution,
    training_log,
)
from diehlsim.plots.papers import accuracy_vs_paper, test_repeats
from diehlsim.plots.readouts import label_efficiency

__all__ = [
    "CLASS_NAMES", "DATASET_TITLES", "NEURON_CATEGORIES", "accuracy_vs_images",
    "accuracy_vs_paper", "class_names", "confusion_matrix", "dataset_title", "entropy_maps",
    "informative_neurons", "label_efficiency", "mi_heatmaps", "mi_pixel_maps", "neuron_categories",
    "receptive_field_grid", "receptive_fields", "save", "spike_raster", "test_repeats",
    "theta_distribution", "training_log",
]
