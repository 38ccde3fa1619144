"""State monitors declared with the network: which variables of which neurons to record.

A :class:`MonitorRequest` names variables as ``LAYER.VARIABLE`` (``exc.v``, ``inh.gi``), the
neurons to record and the presentations of a phase to keep. The monitors are Brian2
``StateMonitor`` objects created with the network, before a standalone project is built,
so they are part of the compiled code (and of the build cache key); a monitor added to
``Simulator.model.net`` after the build would record nothing. The presentations are
chosen by the Python driver after each chunk: they do not change the generated code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import StateMonitor, get_unit, second
from brian2.units.fundamentalunits import DIMENSIONLESS

from diehlsim.errors import ConfigurationError

#: Layer prefixes of ``--monitor`` (the ``--param`` section names) -> Brian2 group names.
LAYERS = {"exc": "excitatory", "inh": "inhibitory"}


@dataclass(frozen=True)
class MonitorRequest:
    """``variables`` as ``LAYER.VARIABLE``; ``neurons`` recorded in every monitored layer;
    ``presentations`` of a phase (0 = its first, re-presentations counted) to keep."""

    variables: tuple[str, ...]
    neurons: tuple[int, ...] = (0,)
    presentations: tuple[int, ...] = (0,)

    def by_group(self) -> dict[str, tuple[str, ...]]:
        """Brian2 group name -> its monitored variables, in the order given."""
        out: dict[str, list[str]] = {}
        for name in self.variables:
            layer, variable = name.split(".", 1)
            out.setdefault(LAYERS[layer], []).append(variable)
        return {group: tuple(variables) for group, variables in out.items()}

    def cache_key(self) -> dict:
        """What shapes the generated code: the presentations kept do not."""
        return {"variables": list(self.variables), "neurons": list(self.neurons)}


def monitor_name(group: str) -> str:
    return f"{group}_traces"


def check(request: MonitorRequest, table, n_exc: int) -> None:
    """Refuse, naming the fix, variables that the layers' state table does not list and
    neurons outside the layers. ``table`` is the network's state table
    (:func:`diehlsim.models.network.state_table`): the early check needs no Brian2 device."""
    if not request.variables:
        raise ConfigurationError("--monitor names no variable; give e.g. exc.v,exc.ge")
    known = recordable(table)
    for name in request.variables:
        layer, dot, variable = name.partition(".")
        if not dot or layer not in LAYERS:
            raise ConfigurationError(
                f"--monitor {name!r}: write LAYER.VARIABLE with LAYER one of "
                f"{', '.join(LAYERS)}, e.g. exc.v")
        if variable not in known[layer]:
            raise ConfigurationError(
                f"--monitor {name!r}: the {LAYERS[layer]} layer of this network has no "
                f"variable {variable!r}; choose from {', '.join(known[layer])}")
    if len(set(request.variables)) != len(request.variables):
        raise ConfigurationError(f"--monitor names a variable twice: {','.join(request.variables)}")
    outside = [i for i in request.neurons if not 0 <= i < n_exc]
    if outside:
        raise ConfigurationError(
            f"--monitor-neurons {outside[0]} is outside the layers' neurons 0-{n_exc - 1}")
    if not request.neurons or not request.presentations:
        raise ConfigurationError("--monitor-neurons and --monitor-presentations need at "
                                 "least one index")


def recordable(table) -> dict[str, tuple[str, ...]]:
    """Per layer prefix, the variables a monitor request may name: the layer's rows of the
    state table (what its component declares it carries between chunks)."""
    return {layer: tuple(row.variable for row in table if row.group == group and row.carried)
            for layer, group in LAYERS.items()}


def build(request: MonitorRequest, groups: dict) -> dict[str, StateMonitor]:
    """One StateMonitor per monitored layer, every time step, named ``GROUP_traces``."""
    monitors = {}
    for group_name, variables in request.by_group().items():
        group = groups[group_name]
        missing = [v for v in variables if v not in group.variables]
        if missing:  # a component that declares a row it does not have
            raise ConfigurationError(
                f"the {group_name} group has no variable {missing[0]!r} to monitor")
        monitors[group_name] = StateMonitor(group, list(variables), record=list(request.neurons),
                                            name=monitor_name(group_name))
    return monitors


@dataclass
class Traces:
    """A chunk's recorded traces: ``values[LAYER.VARIABLE]`` is (neurons, steps) in the
    variable's SI unit ``units[...]``, at absolute time steps ``steps``."""

    steps: np.ndarray
    neurons: np.ndarray
    values: dict
    units: dict


def read(request: MonitorRequest, monitors: dict, step_offset: int, dt: float) -> Traces:
    """The monitors' records after a chunk; ``step_offset`` turns the run's step into the
    absolute step."""
    values, units, steps = {}, {}, None
    for name in request.variables:
        layer, variable = name.split(".", 1)
        monitor = monitors[LAYERS[layer]]
        if steps is None:
            steps = np.round(np.asarray(monitor.t[:] / second) / dt).astype(np.int64) + step_offset
        values[name] = np.array(getattr(monitor, variable + "_")[:], dtype=float)
        units[name] = unit_name(monitor.variables[variable].dim)
    return Traces(steps, np.asarray(request.neurons, dtype=np.int64), values, units)


def unit_name(dim) -> str:
    """The SI unit of a dimension as text; ``"1"`` for dimensionless (Brian2's
    ``get_unit`` would name it ``rad``)."""
    return "1" if dim is DIMENSIONLESS else str(get_unit(dim))


def clear(monitors: dict) -> None:
    """Runtime monitors accumulate across runs: empty them after each chunk."""
    for monitor in monitors.values():
        monitor.resize(0)
