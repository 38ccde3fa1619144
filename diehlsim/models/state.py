"""The state table: every variable that a chunk reads or writes, in one place.

Each component contributes its rows (:class:`StateVariable`): the Brian2 object and
variable, the unit, whether it is carried from one chunk to the next, and what it means.
From the rows of a network come

* :class:`NetworkState`, the state carried between chunks (and saved in runs),
* the run arguments of a standalone chunk and the values a runtime chunk sets in place,
* the read-back of the state after a chunk,
* the build manifest and README of a standalone project (``diehlsim.devices.project``).

Carried rows have a ``key`` (the name in :class:`NetworkState` and in saved runs) and an
``initial`` value; *settings* (``carried=False``) are set for every chunk by the driver
(images, seed, learning on or off) and are not read back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

NEURONS, SYNAPSES, ONE = "neurons", "synapses", "one"


@dataclass(frozen=True)
class StateVariable:
    """One row of the state table."""

    group: str  # name of the Brian2 object (NeuronGroup, Synapses or TimedArray)
    variable: str  # its variable ("values" for a TimedArray)
    unit: object  # Brian2 unit of the stored values (1 for dimensionless)
    meaning: str
    key: str = ""  # NetworkState name of a carried variable
    # NEURONS (n_exc), SYNAPSES (n_input x n_exc), ONE (a scalar), or a tuple of ints for an
    # array of its own shape (a decision layer's weights, stored flat like SYNAPSES)
    shape: str | tuple = NEURONS
    carried: bool = True
    # initial(params, rng, shape) -> value in base units, for carried rows; drawn in table
    # order from one generator, so the rows' order fixes the initial random numbers
    initial: Callable | None = None
    dtype: type = float

    @property
    def run_name(self) -> str:
        """The name the standalone binary knows (``group.variable``)."""
        return f"{self.group}.{self.variable}"


def setting(group: str, variable: str, meaning: str, unit=1) -> StateVariable:
    """A per-chunk setting: written by the driver before each chunk, never read back."""
    return StateVariable(group, variable, unit, meaning, carried=False)


def constant(value) -> Callable:
    """``initial`` of a row that starts at ``value`` everywhere (``value(params)`` when
    callable)."""
    def initial(params, rng, shape):
        return np.full(shape, float(value(params) if callable(value) else value))
    return initial


class NetworkState:
    """Everything that carries from one chunk to the next, by the table's keys, plus the
    driver's clock ``step`` (absolute simulated time steps so far). Synaptic arrays are
    ``n_input x n_exc``; values are in base SI units (volts, seconds)."""

    __slots__ = ("values", "step")

    def __init__(self, values: dict, step: int = 0):
        object.__setattr__(self, "values", dict(values))
        object.__setattr__(self, "step", int(step))

    def __getattr__(self, name):
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"the network state has no {name!r}; it holds "
                                 f"{', '.join(self.values)} and step") from None

    def __setattr__(self, name, value):
        if name == "step":
            object.__setattr__(self, "step", int(value))
        elif name in self.values:
            self.values[name] = value
        else:
            raise AttributeError(f"the network state has no {name!r}")

    def keys(self) -> list[str]:
        return list(self.values)

    def copy(self) -> NetworkState:
        return NetworkState({k: _copy(v) for k, v in self.values.items()}, self.step)

    def replace(self, **changes) -> NetworkState:
        """A copy with ``changes`` (keys of the state, or ``step``) applied."""
        new = self.copy()
        for name, value in changes.items():
            setattr(new, name, value)
        return new

    def to_arrays(self) -> dict:
        return {**{k: np.asarray(v) for k, v in self.values.items()},
                "step": np.asarray(self.step)}

    @classmethod
    def from_arrays(cls, arrays) -> NetworkState:
        """Rebuild the state that :meth:`to_arrays` wrote: every array but ``step`` (runs
        check it against the network's table, ``runs.check_state``)."""
        values = {}
        for key in arrays.keys():
            if key != "step":
                value = np.array(arrays[key])
                values[key] = value.item() if value.ndim == 0 else value
        return cls(values, int(arrays["step"]))


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def carried_rows(table: list[StateVariable]) -> list[StateVariable]:
    return [row for row in table if row.carried]


def shape_of(row: StateVariable, n_input: int, n_exc: int) -> tuple[int, ...]:
    if isinstance(row.shape, tuple):
        return row.shape
    return {NEURONS: (n_exc,), SYNAPSES: (n_input, n_exc), ONE: ()}[row.shape]


def is_matrix(row: StateVariable) -> bool:
    """Whether the row is a 2-D array that Brian2 holds flat (synapses, row-major)."""
    return row.shape == SYNAPSES or (isinstance(row.shape, tuple) and len(row.shape) == 2)


def initial_values(table: list[StateVariable], params, seed: int) -> NetworkState:
    """The initial state: each carried row's ``initial``, drawn in table order from
    ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    values = {}
    for row in carried_rows(table):
        value = row.initial(params, rng, shape_of(row, params.n_input, params.n_exc))
        values[row.key] = row.dtype(value) if row.shape == ONE else value
    return NetworkState(values, 0)
