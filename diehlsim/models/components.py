"""Model components and their registry.

A component keeps its equation strings, its parameters (a frozen dataclass whose fields
carry Brian2 units, listed in its ``UNITS``), the function that builds its Brian2 object
and its rows of the state table together, in one module. A network names one component of
each kind (``NetworkParameters.components``); adding one is one module that calls
:func:`register`.

Kinds:

* ``excitatory`` and ``inhibitory`` — :class:`NeuronModel`: the two layers. The
  excitatory layer must provide what the learning machinery reads: ``ge``/``gi`` (the
  synaptic targets), ``post1``/``post2`` (:data:`LEARNING_EQUATIONS`), ``colsum`` and
  ``colscale`` (the weight normalisation) and the shared ``learning`` and ``stdp_rate``.
* ``input`` — :class:`InputModel`: images -> the stimulus values of a chunk (Python side)
  and the input layer that turns them into spikes (generated code).
* ``plasticity`` — the learning rule of the input synapses
  (:class:`diehlsim.models.stdp.STDPRule`).

Read-outs are registered in :mod:`diehlsim.analysis.readouts`: they work on recorded
spike counts and need no Brian2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from diehlsim.errors import ConfigurationError
from diehlsim.registry import Registry

_NOUNS = {"excitatory": "excitatory neuron model", "inhibitory": "inhibitory neuron model",
          "input": "input model", "plasticity": "STDP rule"}
KINDS = tuple(_NOUNS)
_REGISTRY = {kind: Registry(noun, ConfigurationError) for kind, noun in _NOUNS.items()}

# What every excitatory model adds to its own equations for STDP and normalisation: the
# nearest-spike postsynaptic traces (time constants from the rule), the per-neuron
# normalisation sum and factor, and the per-chunk flags the driver sets.
LEARNING_EQUATIONS = """
dpost1/dt = -post1 / tau_post1 : 1  # postsynaptic trace 1 (set to 1 on a spike)
dpost2/dt = -post2 / tau_post2 : 1  # postsynaptic trace 2
colsum : 1  # sum of the neuron's input weights (normalisation)
colscale : 1  # factor that brings colsum to the target
learning : 1 (shared)  # 1 while training, 0 while labelling and testing
stdp_rate : 1 (shared)  # factor on every weight change (training schedule)
"""
LEARNING_RESET = """
post1 = 1
post2 = 1
"""


def add_companion(group, obj) -> None:
    """Register ``obj`` (e.g. Synapses within a layer) as built with ``group``: the network
    adds it at the top level of its ``Network``. (A group's ``contained_objects`` would run
    it too, but brian2cuda declares only the Synapses it finds at the top level.)"""
    group.__dict__.setdefault("_diehlsim_companions", []).append(obj)


def companions(group) -> list:
    """The objects :func:`add_companion` registered with ``group``."""
    return list(group.__dict__.get("_diehlsim_companions", []))


def section_namespace(section) -> dict:
    """A parameter dataclass as a Brian2 namespace (field name -> value)."""
    return {f.name: getattr(section, f.name) for f in dataclasses.fields(section)}


@dataclass(frozen=True)
class NeuronModel:
    """One layer's neuron model. ``build(params, namespace)`` returns the NeuronGroup named
    after the layer; ``state(params)`` its rows of the state table."""

    name: str
    description: str
    parameters: type  # the parameter dataclass (fields with units, ``UNITS``)
    build: Callable
    state: Callable


@dataclass(frozen=True)
class NoParameters:
    """The parameter section of a component that has none (Poisson input: its rate per
    grey level is ``protocol.rate_per_pixel``)."""

    UNITS: ClassVar[dict] = {}
    RANGES: ClassVar[dict] = {}


@dataclass(frozen=True)
class InputModel:
    """The input layer. ``encode(images, params)`` gives the stimulus values of a chunk
    (``n x n_input``, in ``stimulus_unit`` at intensity 1); ``build(params, controller,
    stimulus)`` the group that reads ``stimulus(image_index * second, i)`` while the
    controller's ``input_on`` is set; ``state(params)`` its rows. ``negative_allowed``
    is for codes where a value below zero means something (a latency code's "never");
    for the others a negative value is a caller's mistake and is refused. ``parameters``
    is its section ``input`` of the network parameters (fields with units); ``channels``
    the inputs per pixel (2 for an on/off-centre filter: ``n_input = channels x pixels``)."""

    name: str
    description: str
    stimulus_unit: object
    encode: Callable
    build: Callable
    state: Callable
    negative_allowed: bool = False
    parameters: type = NoParameters
    channels: int = 1


def check_channels(input_model: str, n_input: int) -> None:
    """``n_input`` must be whole pixels of the input model's channels."""
    channels = get("input", input_model).channels
    if n_input % channels:
        raise ConfigurationError(
            f"the input model {input_model} has {channels} inputs per pixel, so n_input "
            f"({n_input}) must be a multiple of {channels}: give the pixels instead, as "
            f"default_parameters(pixels=...)")


def register(kind: str, component, *, replace: bool = False):
    """Make ``component`` selectable by its name for ``kind``; returns it."""
    return _kind(kind).register(component, replace=replace)


def unregister(kind: str, name: str) -> None:
    _kind(kind).unregister(name)


def get(kind: str, name: str):
    return _kind(kind).get(name)


def names(kind: str) -> list[str]:
    return _kind(kind).names()


def _kind(kind: str) -> Registry:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ConfigurationError(
            f"unknown component kind {kind!r}; the kinds are {', '.join(KINDS)}") from None
