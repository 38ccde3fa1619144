"""The R-STDP decision layer in ``evaluate``: its parameters, its training epochs, its files.

Schedule: the layer learns on a **frozen** excitatory layer (learning and thresholds off),
on the labelling images, after the unsupervised training. Its first epoch *is* the
labelling pass (the layer does not feed back, so the excitatory spikes, and with them every
other read-out, are those of a pass without it); each further epoch presents the labelling
images again in a new random order, with its own input spike trains. Only the layer's
state is taken from those epochs: the validation and test passes start from the state
after the labelling pass, as they do without the layer. They run with the layer's learning
off; its decisions there are ``accuracy_rstdp``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from diehlsim import io, seeds
from diehlsim.errors import ConfigurationError
from diehlsim.models import rstdp
from brian2 import Quantity, have_same_dimensions

from diehlsim.models.parameters import parameters_to_json, parse_quantity
from diehlsim.models.state import NetworkState
from diehlsim.protocol import PhaseResult, run_phase

#: Further epochs continue the labelling phase's seed schedule from this chunk on (epoch e
#: at ``RSTDP_FIRST_CHUNK + e * EPOCH_CHUNKS``), apart from the labelling and validation
#: passes' chunks.
RSTDP_FIRST_CHUNK = 2_000_000
EPOCH_CHUNKS = 100_000


@dataclass
class TrainedLayer:
    state: NetworkState  # the state after labelling, with the layer's state after training
    epochs: int
    epoch_accuracy: list  # accuracy of its decisions (learning) in epochs 2, 3, ...


def layer_parameters(option) -> rstdp.RSTDPParameters | None:
    """``None``/``False``: no layer; ``True``: the defaults; a dict: overrides; a list of
    "NAME=VALUE" strings (as ``--rstdp-param`` and sweep specs give them): overrides."""
    if option is None or option is False:
        return None
    if option is True:
        return rstdp.parameters()
    if isinstance(option, rstdp.RSTDPParameters):
        rstdp.check(option)
        return option
    if isinstance(option, dict):
        return rstdp.parameters(**option)
    if isinstance(option, (list, tuple)):
        return rstdp.parameters(**parse_overrides(option))
    raise ConfigurationError(
        f"rstdp must be True, a dict of R-STDP parameters, NAME=VALUE strings or "
        f"RSTDPParameters, got "
        f"{type(option).__name__}")


def checked_assignments(given) -> bool | list[str]:
    """A sweep spec's ``rstdp``: ``true`` or "NAME=VALUE" overrides, checked now and kept
    as written (a point is JSON)."""
    if given is True:
        return True
    given = [given] if isinstance(given, str) else given
    if not isinstance(given, (list, tuple)) or not all(isinstance(g, str) for g in given):
        raise ConfigurationError(
            f"the evaluate option rstdp must be true or a list of NAME=VALUE overrides such "
            f"as [\"tau_c=500ms\"], got {given!r}")
    parse_overrides(given)
    return list(given)


def parse_overrides(assignments) -> dict:
    """``["tau_c=500ms", "neurons_per_class=2"]`` -> R-STDP parameter overrides; each value
    with the units and type of the parameter's default."""
    defaults = rstdp.RSTDPParameters()
    out = {}
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        name = name.strip()
        if not sep or not hasattr(defaults, name):
            raise ConfigurationError(
                f"--rstdp-param {assignment!r} is not NAME=VALUE with a parameter of the "
                f"R-STDP layer; known: "
                f"{', '.join(f.name for f in dataclasses.fields(defaults))}")
        value = parse_quantity(text, f"--rstdp-param {name}")
        default = getattr(defaults, name)
        if isinstance(default, int) and not isinstance(default, bool):
            if isinstance(value, Quantity) or value != int(value):
                raise ConfigurationError(f"--rstdp-param {name} must be a whole number")
            value = int(value)
        elif hasattr(default, "dim") and not have_same_dimensions(value, default):
            raise ConfigurationError(f"--rstdp-param {name}: give it with the units of its "
                                     f"default, {default!r}")
        out[name] = value
    return out


def with_layer(params, state: NetworkState, option, epochs: int, seed: int):
    """The run's network and state with the decision layer added (initial weights from the
    run's seed), or both unchanged when ``option`` asks for none."""
    layer = layer_parameters(option)
    if layer is None:
        return params, state
    if int(epochs) != epochs or epochs < 1:
        raise ConfigurationError(f"rstdp_epochs must be a whole number >= 1, got {epochs}")
    params = dataclasses.replace(params, rstdp=layer)
    values = {**state.values, **rstdp.initial_rows(params, seed)}
    return params, NetworkState(values, state.step)


def decided(sim, phase: PhaseResult) -> np.ndarray | None:
    """The class the layer decided per presentation (-1: none), when the network has it."""
    if sim.params.rstdp is None or "rstdp_neuron" not in phase.decisions:
        return None
    neuron = phase.decisions["rstdp_neuron"]
    return np.where(neuron >= 0, neuron // sim.params.rstdp.neurons_per_class, -1)


def train_more(sim, data, label_idx, state: NetworkState, epochs: int, seed: int,
               progress: bool) -> TrainedLayer:
    """Epochs 2 .. ``epochs`` of the layer on the labelling images, excitatory layer frozen."""
    trained, accuracy = state, []
    order = np.random.default_rng([seed, RSTDP_FIRST_CHUNK])
    for epoch in range(1, int(epochs)):
        indices = order.permutation(label_idx)
        phase, trained = run_phase(
            sim, data.images, indices, trained, learning=False,
            seed=seeds.phase_seed(seed, "label"), progress=progress,
            first_chunk=RSTDP_FIRST_CHUNK + epoch * EPOCH_CHUNKS,
            label=f"R-STDP epoch {epoch + 1}", labels=data.labels, rstdp_learning=True)
        right = decided(sim, phase) == data.labels[phase.image_index]
        accuracy.append(float(np.mean(right)) if len(right) else float("nan"))
    keys = [row.key for row in rstdp.state(sim.params) if row.carried]
    return TrainedLayer(state.replace(**{k: trained.values[k] for k in keys}), int(epochs),
                        accuracy)


def save(run_dir, sim, labelled: PhaseResult, label_y, layer: TrainedLayer) -> dict:
    """Write ``rstdp_weights.npy`` (n_exc x outputs); the layer's entry of metrics.json."""
    io.write_npy(run_dir / "rstdp_weights.npy", np.asarray(layer.state.rstdp_weights))
    first = decided(sim, labelled) == label_y
    return {"epochs": layer.epochs,
            "train_accuracy_per_epoch": [float(np.mean(first)) if len(first) else None,
                                         *layer.epoch_accuracy],
            "hit_rate": float(layer.state.rstdp_hit_rate),
            "miss_rate": float(layer.state.rstdp_miss_rate),
            "parameters": parameters_to_json(sim.params)["rstdp"]}
