"""Tidy result tables: one row per (class, neuron, input, measure, estimator).

Every information result is a DataFrame with the columns :data:`TIDY_COLUMNS`; a column that
does not apply to a row holds -1 (``class``, ``neuron``, ``input``) or NaN (``p_value``,
``q_value``). ``neuron`` is an excitatory (output) neuron, ``input`` an input neuron (pixel).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TIDY_COLUMNS = [
    "class", "neuron", "input", "measure", "estimator", "bits", "p_value", "q_value", "n_samples",
]
_INTEGER_COLUMNS = ("class", "neuron", "input", "n_samples")
_FLOAT_COLUMNS = ("bits", "p_value", "q_value")
_DEFAULTS = {"class": -1, "neuron": -1, "input": -1, "p_value": np.nan, "q_value": np.nan}


def tidy_frame(**columns) -> pd.DataFrame:
    """Build a tidy frame; scalars are broadcast, missing optional columns get their default.

    ``class`` is a Python keyword, so it is passed as ``class_=``.
    """
    if "class_" in columns:
        columns["class"] = columns.pop("class_")
    unknown = set(columns) - set(TIDY_COLUMNS)
    if unknown:
        raise KeyError(f"unknown tidy columns {sorted(unknown)}; allowed: {TIDY_COLUMNS}")
    lengths = {len(np.atleast_1d(v)) for v in columns.values() if np.ndim(v) > 0}
    if len(lengths) > 1:
        raise ValueError(f"tidy columns have different lengths {sorted(lengths)}")
    length = lengths.pop() if lengths else 1
    data = {}
    for name in TIDY_COLUMNS:
        value = columns.get(name, _DEFAULTS.get(name))
        if value is None:
            raise KeyError(f"tidy column {name!r} is required")
        data[name] = np.broadcast_to(np.asarray(value), (length,))
    return _typed(pd.DataFrame(data))


def concat_tidy(frames) -> pd.DataFrame:
    """Concatenate tidy frames (an empty list gives an empty frame with the tidy columns)."""
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return _typed(pd.DataFrame({name: [] for name in TIDY_COLUMNS}))
    return _typed(pd.concat(frames, ignore_index=True))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[TIDY_COLUMNS].copy()
    for name in _INTEGER_COLUMNS:
        frame[name] = frame[name].astype(np.int64)
    for name in _FLOAT_COLUMNS:
        frame[name] = frame[name].astype(float)
    for name in ("measure", "estimator"):
        frame[name] = frame[name].astype(str)
    return frame.reset_index(drop=True)


def format_neuron_set(indices) -> str:
    """Sorted, space-separated neuron indices ('' for the empty set)."""
    return " ".join(str(int(i)) for i in np.sort(np.asarray(indices, dtype=np.int64)))


def parse_neuron_set(text) -> np.ndarray:
    """Inverse of :func:`format_neuron_set` (NaN, as pandas reads an empty cell, is empty)."""
    if not isinstance(text, str) or not text.strip():
        return np.zeros(0, dtype=np.int64)
    return np.array([int(token) for token in text.split()], dtype=np.int64)
