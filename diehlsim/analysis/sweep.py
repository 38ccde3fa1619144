"""The results of a sweep as tables: per setting, mean +- sd over seeds, and paired differences
against a baseline setting matched by seed; the selection of a setting on validation accuracy.

``points`` is the tidy table of a sweep (one row per point: its setting columns, ``seed``,
``status`` and its metrics). :func:`summary_table` returns one row per setting and metric
(a long table, so that any registered read-out's accuracy is one more row, not new columns):

* ``n``, ``mean``, ``sd`` (``ddof=1``), ``ci_low``/``ci_high``: the t confidence interval of
  the mean over the seeds;
* against the baseline, on the seeds both have: ``n_pairs``, ``diff_mean``, ``diff_sd``, the
  paired t statistic ``diff_t`` and its ``diff_p`` (``scipy.stats.ttest_rel``), and the t
  confidence interval of the mean difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from diehlsim.analysis.validation import AnalysisInputError

DONE = "done"
FAILED = "failed"
CONFIDENCE = 0.95

SUMMARY_COLUMNS = ["metric", "n", "mean", "sd", "ci_low", "ci_high", "baseline", "n_pairs",
                   "diff_mean", "diff_sd", "diff_t", "diff_p", "diff_ci_low", "diff_ci_high"]


def mean_ci(values, confidence: float = CONFIDENCE) -> tuple[float, float, float, float]:
    """Mean, sd (``ddof=1``) and the t confidence interval of the mean; NaN where one value
    cannot give them."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return (np.nan,) * 4
    mean = float(np.mean(values))
    if n < 2:
        return mean, np.nan, np.nan, np.nan
    sd = float(np.std(values, ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / np.sqrt(n)
    return mean, sd, mean - half, mean + half


def paired_difference(values, baseline, confidence: float = CONFIDENCE) -> dict:
    """``values - baseline`` pair by pair: mean, sd, paired t, p and the CI of the mean."""
    values, baseline = np.asarray(values, dtype=float), np.asarray(baseline, dtype=float)
    if values.shape != baseline.shape:
        raise AnalysisInputError(
            f"paired values need one baseline value each; got {values.shape} and "
            f"{baseline.shape}")
    diff = values - baseline
    mean, sd, low, high = mean_ci(diff, confidence)
    t, p = np.nan, np.nan
    if len(diff) >= 2 and sd > 0:
        result = stats.ttest_rel(values, baseline)
        t, p = float(result.statistic), float(result.pvalue)
    return {"n_pairs": int(len(diff)), "diff_mean": mean, "diff_sd": sd, "diff_t": t,
            "diff_p": p, "diff_ci_low": low, "diff_ci_high": high}


def summary_table(points: pd.DataFrame, settings: list[str], metrics: list[str],
                  baseline: dict, groups: list[str] = (), seed: str = "seed",
                  confidence: float = CONFIDENCE) -> pd.DataFrame:
    """One row per setting (the values of the ``settings`` columns, within each of the
    ``groups``) and metric, over the points whose status is done. ``baseline`` gives the
    baseline's value of each setting column."""
    _check_columns(points, [*groups, *settings, seed, "status", *metrics])
    done = points[points["status"] == DONE]
    rows = []
    keys = [*groups, *settings]
    for key, frame in done.groupby(keys, sort=False, dropna=False):
        key = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        reference = _baseline_points(done, key, groups, settings, baseline)
        is_baseline = all(key[s] == baseline[s] for s in settings)
        for metric in metrics:
            rows.append({**key, **_metric_row(frame, reference, metric, seed, is_baseline,
                                              confidence)})
    return pd.DataFrame(rows, columns=[*keys, *SUMMARY_COLUMNS])


def _metric_row(frame, reference, metric, seed, is_baseline, confidence) -> dict:
    values = frame[metric].dropna()
    mean, sd, low, high = mean_ci(values, confidence)
    row = {"metric": metric, "n": int(len(values)), "mean": mean, "sd": sd, "ci_low": low,
           "ci_high": high, "baseline": is_baseline}
    paired = frame[[seed, metric]].merge(reference[[seed, metric]], on=seed,
                                         suffixes=("", "_baseline")).dropna()
    if is_baseline or paired.empty:
        row["n_pairs"] = 0
        return row
    row.update(paired_difference(paired[metric], paired[f"{metric}_baseline"], confidence))
    return row


def _baseline_points(done, key, groups, settings, baseline) -> pd.DataFrame:
    match = np.ones(len(done), dtype=bool)
    for column in groups:
        match &= (done[column] == key[column]).to_numpy()
    for column in settings:
        match &= (done[column] == baseline[column]).to_numpy()
    return done[match]


def select_setting(summary: pd.DataFrame, metric: str, settings: list[str],
                   groups: list[str] = ()) -> pd.DataFrame:
    """The setting with the highest mean ``metric`` in each group (ties: the first listed)."""
    _check_columns(summary, [*groups, *settings, "metric", "mean"])
    rows = summary[(summary["metric"] == metric) & summary["mean"].notna()]
    if rows.empty:
        raise AnalysisInputError(
            f"no finished point reports {metric}: nothing to select a setting on")
    if not groups:
        return rows.loc[[rows["mean"].idxmax()]]
    best = rows.groupby(list(groups), sort=False)["mean"].idxmax()
    return rows.loc[best.to_numpy()]


def _check_columns(frame: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisInputError(
            f"the sweep table lacks the column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, frame.columns))}")
