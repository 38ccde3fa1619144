"""Any spike source as one :class:`~diehlsim.recordings.SpikeRecording`.

The analysis reads one type; these converters make it from what simulators and files hold:

* a Brian2 ``SpikeMonitor`` and the schedule of presentations (duck-typed: ``monitor.i[:]``
  and ``monitor.t_[:]``, so nothing here imports Brian2);
* ``(indices, times)`` arrays and the schedule;
* binary rasters, ``T x N`` per presentation (as BindsNET and Capozzi et al. record them);
* an NWB ``Units`` table and a ``TimeIntervals`` table of presentations (``read_nwb`` opens
  a file; pynwb is imported only then).

A spike belongs to presentation ``p`` when ``start[p] <= t < stop[p]``; its time in the
recording is ``t - start[p]``. Spikes in the rests between presentations are dropped.

Why one module: every converter ends in the same windowing of spikes into presentations
(``_windowed``) and the same checks of labels and schedule; apart, each would repeat them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from diehlsim.analysis.counts import _as_times
from diehlsim.analysis.validation import AnalysisInputError, as_array, as_integer_array
from diehlsim.recordings import SpikeRecording

#: Presentations of one recording may differ in length by float rounding only.
DURATION_TOLERANCE_S = 1e-6
#: Values of the ``layer`` column of an NWB Units table (diehlsim's exports write it).
NWB_LAYERS = ("exc", "input")


def from_spike_arrays(indices, times, presentation_start, duration, labels, n_neurons: int,
                      *, input_indices=None, input_times=None, n_input: int = 0,
                      image_index=None, presentation_stop=None) -> SpikeRecording:
    """A recording from absolute spike ``times`` (s) of neurons ``indices``.

    ``presentation_start`` (s) is when each presentation's input came on, ``duration`` (s)
    how long it stayed on (or ``presentation_stop``, s, per presentation); ``labels`` are
    the class of each presentation. Input spikes, when recorded, come as ``input_indices``
    and ``input_times`` of ``n_input`` inputs.
    """
    start = as_array(presentation_start, "presentation_start", 1).astype(float)
    stop = _stops(start, duration, presentation_stop)
    labels = _labels(labels, len(start))
    exc = _windowed(indices, times, start, stop, n_neurons, "exc")
    if input_indices is None and input_times is None:
        inputs = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        n_input = 0
    else:
        inputs = _windowed(input_indices, input_times, start, stop, n_input, "input")
    return SpikeRecording(
        n_input=int(n_input), n_exc=int(n_neurons), duration=_duration(start, stop),
        labels=labels, image_index=_image_index(image_index, len(start)),
        input_presentation=inputs[0], input_neuron=inputs[1], input_time=inputs[2],
        exc_presentation=exc[0], exc_neuron=exc[1], exc_time=exc[2])


def from_spike_monitor(monitor, presentation_start, duration, labels, *, n_neurons=None,
                       input_monitor=None, n_input=None, image_index=None) -> SpikeRecording:
    """A recording from a Brian2 ``SpikeMonitor`` of the analysed layer (and optionally of
    the inputs), with the presentation schedule in seconds (``presentation_start``,
    ``duration``; Brian2 quantities of time work too). Layer sizes default to the size of
    each monitor's source group."""
    extra = {}
    if input_monitor is not None:
        extra = dict(input_indices=np.asarray(input_monitor.i[:]),
                     input_times=np.asarray(input_monitor.t_[:]),
                     n_input=_monitor_size(input_monitor, n_input, "n_input"))
    return from_spike_arrays(
        np.asarray(monitor.i[:]), np.asarray(monitor.t_[:]), np.asarray(presentation_start),
        float(duration), labels, _monitor_size(monitor, n_neurons, "n_neurons"),
        image_index=image_index, **extra)


def from_rasters(rasters, labels, bin_size: float, *, input_rasters=None,
                 image_index=None) -> SpikeRecording:
    """A recording from rasters: per presentation a ``T x N`` array of spike counts per time
    bin of ``bin_size`` seconds (0/1 for binary rasters). A spike is placed at the start of
    its bin, so :func:`~diehlsim.analysis.binarised_raster` with the same ``bin_size`` gives
    the binary raster back."""
    bin_size = float(bin_size)
    if not (np.isfinite(bin_size) and bin_size > 0):
        raise AnalysisInputError(f"bin_size must be a positive number of seconds, got {bin_size}")
    exc = _raster_spikes(rasters, bin_size, "rasters")
    labels = _labels(labels, exc.n_presentations)
    if input_rasters is None:
        inputs = _RasterSpikes(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 0,
                               exc.n_presentations, exc.n_bins)
    else:
        inputs = _raster_spikes(input_rasters, bin_size, "input_rasters")
        if (inputs.n_presentations, inputs.n_bins) != (exc.n_presentations, exc.n_bins):
            raise AnalysisInputError(
                f"input_rasters hold {inputs.n_presentations} presentations of {inputs.n_bins} "
                f"bins but rasters {exc.n_presentations} of {exc.n_bins}: give both layers "
                f"for the same presentations and bins")
    return SpikeRecording(
        n_input=inputs.n_neurons, n_exc=exc.n_neurons, duration=exc.n_bins * bin_size,
        labels=labels, image_index=_image_index(image_index, exc.n_presentations),
        input_presentation=inputs.presentation, input_neuron=inputs.neuron,
        input_time=inputs.time, exc_presentation=exc.presentation, exc_neuron=exc.neuron,
        exc_time=exc.time)


def from_nwb(units, presentations, *, label_column: str = "label") -> SpikeRecording:
    """A recording from an NWB ``Units`` table and the ``TimeIntervals`` of the presentations.

    Units: ``spike_times`` (s); a ``layer`` column (``exc`` or ``input``) tells the layers
    apart, all units are the analysed (``exc``) layer without one; a ``neuron`` column, when
    present, is each unit's index in its layer (else the order of the rows). Presentations:
    ``start_time``, ``stop_time`` (input on), ``label_column`` (class), and optionally
    ``image_index`` and ``accepted`` (presentations with ``accepted`` false are left out).
    Any object with ``to_dataframe()`` works (pynwb's tables do).
    """
    table = _nwb_frame(presentations, "presentations")
    for column in ("start_time", "stop_time"):
        if column not in table:
            raise AnalysisInputError(
                f"the presentations table has no {column!r} column: give a TimeIntervals "
                f"table (start_time, stop_time per presentation)")
    if label_column not in table:
        raise AnalysisInputError(
            f"the presentations table has no {label_column!r} column (it has "
            f"{', '.join(map(str, table.columns))}): class information needs labels; add a "
            f"column with the class of each presentation, or name it with label_column=")
    if "accepted" in table:
        table = table[table["accepted"].astype(bool)]
    spikes = _nwb_layers(_nwb_frame(units, "units"))
    exc_index, exc_time, n_exc = spikes["exc"]
    if n_exc == 0:
        raise AnalysisInputError(
            "the units table has no unit of the analysed layer: its layer column must name "
            "some units 'exc' (or leave the column out: then every unit is analysed)")
    input_spikes = {}
    if spikes["input"][2] > 0:
        in_index, in_time, n_input = spikes["input"]
        input_spikes = dict(input_indices=in_index, input_times=in_time, n_input=n_input)
    image_index = table["image_index"].to_numpy() if "image_index" in table else None
    start = table["start_time"].to_numpy(dtype=float)
    return from_spike_arrays(exc_index, exc_time, start, None, table[label_column].to_numpy(),
                             n_exc, image_index=image_index,
                             presentation_stop=table["stop_time"].to_numpy(dtype=float),
                             **input_spikes)


def read_nwb(path, *, intervals: str | None = None, label_column: str = "label"
             ) -> SpikeRecording:
    """The recording in the NWB file ``path``: its ``Units`` and the intervals table named
    ``intervals`` (default: ``presentations``, else ``trials``)."""
    from diehlsim import nwb  # pynwb: only when a file is read

    with nwb.open_file(Path(path)) as nwbfile:
        if nwbfile.units is None:
            raise AnalysisInputError(
                f"{path} has no Units table: the analysis needs the spikes of the analysed "
                f"layer as NWB units")
        return from_nwb(nwbfile.units, nwb.intervals_table(nwbfile, intervals, path),
                        label_column=label_column)


def to_recording(source, **options) -> SpikeRecording:
    """Any supported spike source as a recording: a SpikeRecording (returned as it is), a
    path to an NWB file, a spike monitor, ``(indices, times)``, or rasters (a 3-d array or a
    list of 2-d arrays). ``options`` go to the matching ``from_*`` / :func:`read_nwb`."""
    if isinstance(source, SpikeRecording):
        return source
    if isinstance(source, (str, Path)):
        return read_nwb(source, **options)
    if hasattr(source, "i") and hasattr(source, "t_"):
        return from_spike_monitor(source, **options)
    if isinstance(source, tuple) and len(source) == 2:
        return from_spike_arrays(source[0], source[1], **options)
    if isinstance(source, (list, np.ndarray)):
        return from_rasters(source, **options)
    raise AnalysisInputError(
        f"cannot read spikes from a {type(source).__name__}: give a SpikeRecording, an NWB "
        f"file path, a SpikeMonitor, (indices, times) arrays or rasters")


def _windowed(indices, times, start, stop, n_neurons, layer):
    """``(presentation, neuron, time from the presentation's start)`` of the spikes inside
    a presentation."""
    if indices is None or times is None:
        raise AnalysisInputError(
            f"{layer} spikes need both indices and times: give both, or neither")
    if int(n_neurons) != n_neurons or n_neurons < 1:
        raise AnalysisInputError(
            f"the {layer} layer size must be a positive integer, got {n_neurons!r}")
    neuron = np.asarray(indices)
    time = _as_times(times, f"{layer} spike times")
    if len(neuron) != len(time):
        raise AnalysisInputError(
            f"{layer} spikes: {len(neuron)} indices but {len(time)} times; give one of each "
            f"per spike")
    if len(neuron) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    neuron = as_integer_array(neuron, f"{layer} spike indices", 1)
    if neuron.min() < 0 or neuron.max() >= n_neurons:
        raise AnalysisInputError(
            f"{layer} spike indices lie in [{neuron.min()}, {neuron.max()}] but the layer has "
            f"{n_neurons} neurons: give the layer's size")
    candidate = np.searchsorted(start, time, side="right") - 1
    inside = candidate >= 0
    inside[inside] = time[inside] < stop[candidate[inside]]
    presentation = candidate[inside]
    order = np.lexsort((time[inside], presentation))
    return (presentation[order].astype(np.int64), neuron[inside][order],
            (time[inside] - start[presentation])[order])


def _stops(start, duration, presentation_stop):
    if presentation_stop is None:
        if duration is None or not (np.isfinite(float(duration)) and float(duration) > 0):
            raise AnalysisInputError(
                f"duration must be a positive number of seconds, got {duration}")
        stop = start + float(duration)
    else:
        stop = as_array(presentation_stop, "presentation_stop", 1).astype(float)
        if len(stop) != len(start):
            raise AnalysisInputError(
                f"{len(stop)} presentation stops for {len(start)} starts: give one of each")
    if np.any(stop <= start) or np.any(start[1:] < stop[:-1]):
        raise AnalysisInputError(
            "presentations must be in time order, each of positive length, and may not "
            "overlap: pass the schedule in presentation order")
    return stop


def _duration(start, stop) -> float:
    lengths = stop - start
    if lengths.max() - lengths.min() > DURATION_TOLERANCE_S:
        raise AnalysisInputError(
            f"presentations last from {lengths.min()} s to {lengths.max()} s: the analysis "
            f"compares presentations of one length; analyse each length separately")
    return float(lengths.max())


def _labels(labels, n_presentations: int) -> np.ndarray:
    if labels is None:
        raise AnalysisInputError(
            "labels are missing: class information needs the class of each presentation; "
            "pass labels=")
    labels = as_integer_array(labels, "labels", 1)
    if len(labels) != n_presentations:
        raise AnalysisInputError(
            f"{len(labels)} labels for {n_presentations} presentations: give one class per "
            f"presentation")
    return labels


def _image_index(image_index, n_presentations: int) -> np.ndarray:
    if image_index is None:
        return np.arange(n_presentations, dtype=np.int64)
    image_index = as_integer_array(image_index, "image_index", 1)
    if len(image_index) != n_presentations:
        raise AnalysisInputError(
            f"{len(image_index)} image indices for {n_presentations} presentations")
    return image_index


def _monitor_size(monitor, given, name: str) -> int:
    if given is not None:
        return int(given)
    source = getattr(monitor, "source", None)
    if source is None:
        raise AnalysisInputError(
            f"the monitor has no source group to take the layer size from: pass {name}=")
    return int(len(source))


class _RasterSpikes:
    def __init__(self, presentation, neuron, time, n_neurons, n_presentations, n_bins):
        self.presentation, self.neuron, self.time = presentation, neuron, time
        self.n_neurons, self.n_presentations, self.n_bins = n_neurons, n_presentations, n_bins


def _raster_spikes(rasters, bin_size: float, name: str) -> _RasterSpikes:
    shapes = {np.shape(r) for r in rasters} if isinstance(rasters, list) else None
    if shapes is not None and len(shapes) > 1:
        raise AnalysisInputError(
            f"{name} have different shapes {sorted(shapes)}: every presentation needs the same "
            f"T x N raster")
    array = as_integer_array(np.asarray(rasters), name, 3)
    if (array < 0).any():
        raise AnalysisInputError(f"{name} hold negative values: a raster counts spikes (>= 0)")
    presentation, bins, neuron = np.nonzero(array)
    repeats = array[presentation, bins, neuron]
    n_presentations, n_bins, n_neurons = array.shape
    time = np.repeat(bins * bin_size, repeats)
    return _RasterSpikes(np.repeat(presentation, repeats).astype(np.int64),
                         np.repeat(neuron, repeats).astype(np.int64), time, int(n_neurons),
                         int(n_presentations), int(n_bins))


def _nwb_frame(table, name: str):
    if not hasattr(table, "to_dataframe"):
        raise AnalysisInputError(
            f"the {name} must be an NWB table (with to_dataframe()), got "
            f"{type(table).__name__}")
    return table.to_dataframe()


def _nwb_layers(units) -> dict:
    """Per layer ``(neuron of each spike, time of each spike, layer size)``."""
    if "spike_times" not in units:
        raise AnalysisInputError("the units table has no spike_times column")
    layer = units["layer"].astype(str).to_numpy() if "layer" in units else np.full(
        len(units), "exc")
    unknown = sorted(set(layer) - set(NWB_LAYERS))
    if unknown:
        raise AnalysisInputError(
            f"the units table's layer column holds {unknown}: it may only name the layers "
            f"{NWB_LAYERS}")
    out = {}
    for name in NWB_LAYERS:
        rows = units[layer == name]
        neuron = (rows["neuron"].to_numpy(dtype=np.int64) if "neuron" in rows
                  else np.arange(len(rows)))
        trains = [np.asarray(t, dtype=float) for t in rows["spike_times"]]
        sizes = [len(t) for t in trains]
        out[name] = (np.repeat(neuron, sizes),
                     np.concatenate(trains) if trains else np.zeros(0),
                     int(neuron.max()) + 1 if len(neuron) else 0)
    return out
