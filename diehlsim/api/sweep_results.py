"""A sweep's results: points.csv, summary.csv (through :mod:`diehlsim.analysis.sweep`), the
selection on validation accuracy, and the figure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from diehlsim import io
from diehlsim.analysis import readouts
from diehlsim.analysis import sweep as tables
from diehlsim.api.evaluation import validation_columns, validation_key
from diehlsim.api.sweep_spec import SweepSpec

@dataclass
class SweepResult:
    sweep_dir: Path
    points: pd.DataFrame  # one row per point (points.csv)
    summary: pd.DataFrame  # one row per setting and metric (summary.csv)
    selection: dict  # which setting was selected, on what, and its test accuracy
    figure: list[Path]


def write_results(sweep_dir: Path, spec: SweepSpec, points: list[dict], rows: list[dict],
                  say=print) -> SweepResult:
    """points.csv, summary.csv, selection.json and the figure, each written atomically."""
    frame = pd.DataFrame(rows)
    settings = [a.name for a in spec.axes]
    frame[settings] = frame[settings].astype(str)
    io.write_csv(sweep_dir / "points.csv", frame)
    present = set(frame.columns)
    metrics = [m for m in [*validation_columns(present), *readouts.accuracy_columns(present)]
               if m in present]
    summary = tables.summary_table(frame, settings, metrics, spec.baseline)
    selection = _select(summary, spec, settings)
    summary = _hide_unselected_tests(summary, selection, settings)
    io.write_csv(sweep_dir / "summary.csv", summary)
    io.write_json(sweep_dir / "selection.json", selection)
    figure = _figure(sweep_dir, frame, summary, spec, settings, selection)
    say(f"sweep: {selection['text']}")
    drawn = f" and {figure[0].name}" if figure else ""
    say(f"sweep: points.csv, summary.csv, selection.json{drawn} in {sweep_dir}")
    return SweepResult(sweep_dir, frame, summary, selection, figure)


def _select(summary: pd.DataFrame, spec: SweepSpec, settings: list[str]) -> dict:
    readout = readouts.get(spec.select) if spec.select else readouts.readouts()[0]
    metric = validation_key(readout)
    baseline = {s: spec.baseline[s] for s in settings}
    if metric not in set(summary["metric"]):
        return {"selected": None, "metric": None, "baseline": baseline,
                "text": "nothing selected: the sweep has no validation split (--validation "
                        "K), and settings are never chosen on the test set; test accuracy "
                        "is reported for every setting"}
    best = tables.select_setting(summary, metric, settings).iloc[0]
    chosen = {s: best[s] for s in settings}
    test_key = readouts.accuracy_key(readout)
    tests = summary[summary["metric"] == test_key]
    chosen_test = _row_of(tests, chosen, settings)
    base_test = _row_of(tests, baseline, settings)
    text = (f"selected {_setting_text(chosen)}: the highest mean validation accuracy "
            f"({readout.title}), {100 * best['mean']:.2f} % over {int(best['n'])} seed(s); "
            f"its test accuracy {_pm(chosen_test)}; baseline {_setting_text(baseline)} test "
            f"accuracy {_pm(base_test)}")
    return {"selected": chosen, "metric": metric, "validation_mean": float(best["mean"]),
            "n": int(best["n"]), "test_metric": test_key,
            "test_mean": _value(chosen_test, "mean"), "test_sd": _value(chosen_test, "sd"),
            "baseline": baseline, "baseline_test_mean": _value(base_test, "mean"),
            "baseline_test_sd": _value(base_test, "sd"), "text": text}


def _row_of(frame, setting, settings):
    match = np.ones(len(frame), dtype=bool)
    for s in settings:
        match &= (frame[s] == setting[s]).to_numpy()
    rows = frame[match]
    return None if rows.empty else rows.iloc[0]


def _value(row, column):
    return None if row is None or pd.isna(row[column]) else float(row[column])


def _pm(row) -> str:
    if row is None:
        return "not measured"
    sd = "" if pd.isna(row["sd"]) else f" +- {100 * row['sd']:.2f}"
    return f"{100 * row['mean']:.2f}{sd} % (n = {int(row['n'])})"


def _setting_text(setting: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in setting.items())


def _hide_unselected_tests(summary, selection, settings) -> pd.DataFrame:
    """Test accuracy only for the selected setting and the baseline: it is reported once,
    after the choice, never compared across the settings the choice was made among."""
    summary = summary.copy()
    summary["role"] = ""
    if selection["selected"] is None:
        return summary
    chosen = np.ones(len(summary), dtype=bool)
    for s in settings:
        chosen &= (summary[s] == selection["selected"][s]).to_numpy()
    why = f"selected (highest mean {selection['metric']})"
    summary.loc[chosen, "role"] = why
    summary.loc[summary["baseline"] & chosen, "role"] = f"{why}, baseline"
    summary.loc[summary["baseline"] & ~chosen, "role"] = "baseline"
    is_test = summary["metric"].isin(readouts.accuracy_columns(summary["metric"]))
    return summary[~is_test | (summary["role"] != "")].reset_index(drop=True)


def _figure(sweep_dir, frame, summary, spec, settings, selection) -> list[Path]:
    from diehlsim.plots.sweep import sweep_accuracy  # matplotlib: only when drawing

    labels = [_setting_text(dict(zip(settings, key))) for key in
              summary[settings].drop_duplicates().itertuples(index=False)]
    keys = summary[settings].drop_duplicates().to_dict("records")
    done = frame[frame["status"] == tables.DONE]
    present = set(summary["metric"])
    metrics = [m for m in validation_columns(present) if m in present] or [
        m for m in readouts.accuracy_columns(present) if m in present]
    panels = []
    for metric in metrics:
        rows = [_row_of(summary[summary["metric"] == metric], k, settings) for k in keys]
        values = [done[np.logical_and.reduce([(done[s] == k[s]).to_numpy() for s in settings])
                       ][metric].dropna().to_numpy() for k in keys]
        marks = {i: _mark(r) for i, r in enumerate(rows) if r is not None and r["role"]}
        panels.append({"title": metric.replace("_", " "), "settings": labels,
                       "values": values, "mean": [_nan(r, "mean") for r in rows],
                       "ci_low": [_nan(r, "ci_low") for r in rows],
                       "ci_high": [_nan(r, "ci_high") for r in rows], "marks": marks})
    if not panels:  # no point finished: nothing to draw
        return []
    return sweep_accuracy(panels, sweep_dir / "sweep_accuracy",
                          title=f"{len(frame)} points, {len(spec.seeds)} seed(s) per setting")


def _nan(row, column) -> float:
    return np.nan if row is None or pd.isna(row[column]) else float(row[column])


def _mark(row) -> str:
    """The figure's short note for a setting: selected, baseline, or both."""
    notes = (["selected"] if row["role"].startswith("selected") else []) + (
        ["baseline"] if row["baseline"] else [])
    return ", ".join(notes)
