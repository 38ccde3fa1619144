"""Analysis of recorded spikes: counts, labelling, metrics and information theory.

Pure numpy/scipy/pandas/scikit-learn; nothing here imports Brian2. See ``docs/analysis.md``.
"""

from diehlsim.analysis.capozzi import CapozziResult, capozzi_analysis
from diehlsim.analysis.counts import (
    binarised_raster,
    binarised_rasters,
    counts_from_recording,
    spike_counts,
)
from diehlsim.analysis.information import (
    ENTROPY_ESTIMATORS,
    MI_ESTIMATORS,
    Estimate,
    PairwiseInformation,
    PermutationResult,
    benjamini_hochberg,
    binary_pair_counts,
    binary_pairwise_tables,
    conditional_entropy,
    conditional_mutual_information,
    contingency_table,
    entropy,
    g_test,
    independence_g_test,
    joint_entropy,
    mutual_information,
    mutual_information_estimates,
    pairwise_contingency,
    pairwise_information,
    permutation_p_value,
    permutation_test,
    quadratic_extrapolation,
    stratified_g_test,
)
from diehlsim.analysis.informative import class_information, input_information
from diehlsim.analysis.labelling import (
    assign_labels,
    class_mean_rates,
    class_proportions,
    online_accuracy,
    predict,
    vote_scores,
)
from diehlsim.analysis.metrics import (
    accuracy,
    confusion,
    evaluation_metrics,
    per_class_scores,
    roc_auc_ovr,
)
from diehlsim.analysis.report import analyze
from diehlsim.analysis.sources import (
    from_nwb,
    from_rasters,
    from_spike_arrays,
    from_spike_monitor,
    read_nwb,
    to_recording,
)
from diehlsim.analysis.tidy import TIDY_COLUMNS
from diehlsim.analysis.validation import AnalysisInputError
from diehlsim.recordings import SpikeRecording

__all__ = [
    "AnalysisInputError",
    "CapozziResult",
    "ENTROPY_ESTIMATORS",
    "Estimate",
    "MI_ESTIMATORS",
    "PairwiseInformation",
    "PermutationResult",
    "SpikeRecording",
    "TIDY_COLUMNS",
    "accuracy",
    "analyze",
    "assign_labels",
    "benjamini_hochberg",
    "binarised_raster",
    "binarised_rasters",
    "binary_pair_counts",
    "binary_pairwise_tables",
    "capozzi_analysis",
    "class_information",
    "class_mean_rates",
    "class_proportions",
    "conditional_entropy",
    "conditional_mutual_information",
    "confusion",
    "contingency_table",
    "counts_from_recording",
    "entropy",
    "evaluation_metrics",
    "from_nwb",
    "from_rasters",
    "from_spike_arrays",
    "from_spike_monitor",
    "g_test",
    "independence_g_test",
    "input_information",
    "joint_entropy",
    "mutual_information",
    "mutual_information_estimates",
    "online_accuracy",
    "pairwise_contingency",
    "pairwise_information",
    "per_class_scores",
    "permutation_p_value",
    "permutation_test",
    "predict",
    "quadratic_extrapolation",
    "read_nwb",
    "roc_auc_ovr",
    "spike_counts",
    "stratified_g_test",
    "to_recording",
    "vote_scores",
]
