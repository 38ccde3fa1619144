"""Writing and opening NWB files (Neurodata Without Borders, with pynwb).

What a diehlsim export holds is assembled in :mod:`diehlsim.api.export`; this module knows
the NWB side only: one ``Units`` table for every layer (a ``layer`` and a ``neuron``
column), the presentations as a ``TimeIntervals`` table, and tables in a processing module.
Files are written atomically (a temporary sibling, then a rename). pynwb is imported
inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterator

import numpy as np

from diehlsim import io
from diehlsim.errors import DiehlsimError

PRESENTATIONS = "presentations"
DEFAULT_INTERVALS = (PRESENTATIONS, "trials")


class NWBFileError(DiehlsimError, ValueError):
    """An NWB file is missing, unreadable, or lacks a table the analysis needs."""


@dataclass(frozen=True)
class Column:
    """One column of an NWB table: its values (one per row) and what it means (units)."""

    description: str
    values: np.ndarray


@dataclass(frozen=True)
class UnitsLayer:
    """The units of one layer: ``spike_times[j]`` (s) of neuron ``j``, and more columns."""

    name: str  # "exc" or "input"
    spike_times: list
    columns: dict = field(default_factory=dict)  # column name -> Column


@dataclass(frozen=True)
class Contents:
    """Everything an NWB file of diehlsim holds."""

    session_description: str
    identifier: str
    session_start_time: datetime
    experiment_description: str
    spike_resolution_s: float  # the smallest difference between two spike times (the step)
    layers: list  # of UnitsLayer; their extra columns must have the same names
    presentations: dict  # column name -> Column (start_time and stop_time in s included)
    presentations_description: str
    tables: dict  # name -> (description, {column name: Column}), in the processing module
    processing_name: str = "network"
    processing_description: str = ""
    source_script: str = ""
    notes: str = ""
    keywords: tuple = ()


def write_file(path: Path, contents: Contents) -> Path:
    """Write ``contents`` into ``path`` atomically; an existing file is replaced."""
    from pynwb import NWBHDF5IO

    nwbfile = _build(contents)
    with io.atomic_path(path, suffix=".nwb") as tmp:
        with NWBHDF5IO(str(tmp), "w") as writer:
            writer.write(nwbfile)
    return Path(path)


@contextlib.contextmanager
def open_file(path: Path) -> Iterator:
    """The ``NWBFile`` in ``path``, open while the block runs."""
    from pynwb import NWBHDF5IO

    path = Path(path)
    if not path.is_file():
        raise NWBFileError(f"{path} does not exist: give the path of an NWB (.nwb) file")
    try:
        reader = NWBHDF5IO(str(path), "r")
        nwbfile = reader.read()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NWBFileError(
            f"{path} cannot be read as an NWB file ({type(exc).__name__}: {exc}); check that "
            f"it is an NWB 2 (HDF5) file") from None
    try:
        yield nwbfile
    finally:
        reader.close()


def intervals_table(nwbfile, name: str | None, path) -> object:
    """The intervals table ``name`` of ``nwbfile`` (default: presentations, else trials)."""
    available = dict(nwbfile.intervals or {})
    for candidate in ([name] if name else DEFAULT_INTERVALS):
        if candidate in available:
            return available[candidate]
    wanted = name or " or ".join(DEFAULT_INTERVALS)
    raise NWBFileError(
        f"{path} has no intervals table {wanted} (it has: {', '.join(available) or 'none'}): "
        f"the analysis needs the start, stop and class of every presentation; name the "
        f"table that holds them")


def _build(contents: Contents):
    from pynwb import NWBFile, ProcessingModule
    from pynwb.misc import Units
    from pynwb.epoch import TimeIntervals
    from hdmf.common import DynamicTable, VectorData

    nwbfile = NWBFile(
        session_description=contents.session_description, identifier=contents.identifier,
        session_start_time=contents.session_start_time,
        source_script=contents.source_script or None,
        source_script_file_name="diehlsim" if contents.source_script else None,
        notes=contents.notes or None, keywords=list(contents.keywords) or None,
        experiment_description=contents.experiment_description)
    nwbfile.units = Units(name="units", resolution=contents.spike_resolution_s,
                          description="spikes of every recorded neuron, seconds")
    _add_units(nwbfile, contents.layers)
    intervals = TimeIntervals(name=PRESENTATIONS,
                              description=contents.presentations_description)
    for name, column in contents.presentations.items():
        if name not in ("start_time", "stop_time"):
            intervals.add_column(name=name, description=column.description)
    n = len(contents.presentations["start_time"].values)
    for row in range(n):
        intervals.add_row({name: _scalar(column.values[row])
                           for name, column in contents.presentations.items()})
    nwbfile.add_time_intervals(intervals)
    if contents.tables:
        module = ProcessingModule(name=contents.processing_name,
                                  description=contents.processing_description)
        for name, (description, columns) in contents.tables.items():
            module.add(DynamicTable(name=name, description=description, columns=[
                VectorData(name=column, description=spec.description,
                           data=_data(spec.values))
                for column, spec in columns.items()]))
        nwbfile.add_processing_module(module)
    return nwbfile


def _add_units(nwbfile, layers) -> None:
    extra = list(layers[0].columns) if layers else []
    nwbfile.add_unit_column(name="layer", description="the layer of the unit: exc "
                            "(excitatory neurons) or input (input neurons)")
    nwbfile.add_unit_column(name="neuron", description="index of the unit in its layer")
    for name in extra:
        nwbfile.add_unit_column(name=name, description=layers[0].columns[name].description)
    for layer in layers:
        for j, times in enumerate(layer.spike_times):
            nwbfile.add_unit(spike_times=np.asarray(times, dtype=float), layer=layer.name,
                             neuron=j, **{name: layer.columns[name].values[j]
                                          for name in extra})


def _scalar(value):
    return value.item() if isinstance(value, np.generic) else value



def _data(values: np.ndarray):
    # h5py stores text from a list of str, not from an object array
    return values.tolist() if values.dtype == object else values
