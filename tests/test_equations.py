"""Neuron equations of the Diehl & Cook network against their closed-form solutions.

Tiny networks from :func:`build_network` (4 inputs, 2 excitatory and 2 inhibitory neurons)
run on the ``runtime`` device. The controller has no images (``n_images = 0``), so the
inputs stay silent and only what the test sets moves the neurons. Both layers integrate
with ``exponential_euler``, which is exact for the linear equations tested here: the
closed forms hold to floating-point precision.
"""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import StateMonitor, defaultclock, mV, ms, prefs, second, set_device

from diehlsim.models.network import build_network
from diehlsim.models.parameters import default_parameters

RTOL = 1e-9  # a few hundred steps of float64 round-off, far below any modelled effect


@pytest.fixture(autouse=True)
def runtime_device():
    set_device("runtime")
    prefs.codegen.target = "cython"
    yield


def _network(**overrides):
    params = default_parameters(2, 4, "triplet", **overrides)
    defaultclock.dt = params.protocol.dt
    model = build_network(params, capacity=1)
    monitors = {
        "exc": StateMonitor(model.exc, ["v", "ge", "gi", "theta"], record=True, name="exc_mon"),
        "inh": StateMonitor(model.inh, ["v", "ge", "gi"], record=True, name="inh_mon"),
    }
    model.net.add(*monitors.values())
    return params, model, model.net, monitors


def test_membrane_relaxes_to_rest_exponentially():
    params, model, net, mon = _network()
    v0_exc = np.array([-90.0, -55.0]) * mV  # below and above rest, under threshold
    v0_inh = np.array([-75.0, -45.0]) * mV
    model.exc.v = v0_exc
    model.inh.v = v0_inh
    model.exc.ge = model.exc.gi = model.inh.ge = model.inh.gi = 0
    net.run(60 * ms)

    t = np.asarray(mon["exc"].t / second)
    assert len(t) == 120 and t[0] == 0
    for layer, v0, section in (("exc", v0_exc, params.exc), ("inh", v0_inh, params.inh)):
        v_rest, tau = float(section.v_rest), float(section.tau_m)
        expected = v_rest + (np.asarray(v0)[:, None] - v_rest) * np.exp(-t[None, :] / tau)
        recorded = np.asarray(mon[layer].v_)
        np.testing.assert_allclose(recorded, expected, rtol=RTOL, atol=0)
        # the conductances stay zero: no input, no spikes
        assert not np.any(mon[layer].ge_) and not np.any(mon[layer].gi_)
    assert model.exc_spikes.num_spikes == 0
    # the excitatory cell relaxes ten times slower than the inhibitory one (100 vs 10 ms)
    exc_left = (mon["exc"].v_[0, -1] - float(params.exc.v_rest)) / (float(v0_exc[0] - params.exc.v_rest))
    inh_left = (mon["inh"].v_[0, -1] - float(params.inh.v_rest)) / (float(v0_inh[0] - params.inh.v_rest))
    assert exc_left == pytest.approx(np.exp(-59.5 / 100), rel=1e-9)
    assert inh_left == pytest.approx(np.exp(-59.5 / 10), rel=1e-9)


def test_conductances_decay_with_their_time_constants():
    params, model, net, mon = _network()
    model.exc.v = params.exc.v_rest
    model.inh.v = params.inh.v_rest
    model.exc.ge = [0.8, 0.2]
    model.exc.gi = [0.5, 1.5]
    model.inh.ge = [0.3, 0.6]  # small enough to keep the inhibitory cells under threshold
    model.inh.gi = [2.0, 0.1]
    net.run(10 * ms)

    t = np.asarray(mon["exc"].t / second)
    for layer, section, g0 in (("exc", params.exc, {"ge": [0.8, 0.2], "gi": [0.5, 1.5]}),
                               ("inh", params.inh, {"ge": [0.3, 0.6], "gi": [2.0, 0.1]})):
        for name, tau in (("ge", section.tau_ge), ("gi", section.tau_gi)):
            expected = np.asarray(g0[name])[:, None] * np.exp(-t[None, :] / float(tau))
            np.testing.assert_allclose(getattr(mon[layer], name + "_"), expected, rtol=RTOL,
                                       atol=0, err_msg=f"{layer}.{name}")
    # gi (2 ms) decays slower than ge (1 ms): after 5 ms, e^-5 vs e^-2.5
    i5 = int(np.argmin(np.abs(t - 0.005)))
    assert mon["exc"].ge_[0, i5] / 0.8 == pytest.approx(np.exp(-5), rel=1e-9)
    assert mon["exc"].gi_[0, i5] / 0.5 == pytest.approx(np.exp(-2.5), rel=1e-9)
    assert model.exc_spikes.num_spikes == 0
    # ge drives v towards E_exc = 0 mV, gi towards E_inh: the first cell depolarises (ge > gi
    # at the start), the second hyperpolarises
    assert mon["exc"].v_[0, 1] > float(params.exc.v_rest) > mon["exc"].v_[1, 1]


def _spike_three_times(model, net, neuron=0):
    """Push ``neuron`` over threshold three times, 20 ms apart (beyond the 5 ms refractory)."""
    for _ in range(3):
        potentials = np.asarray(model.exc.v_[:]).copy()
        potentials[neuron] = -30e-3  # above v_thresh + theta - theta_offset (-52 mV + 0.15 mV)
        model.exc.v_ = potentials
        net.run(20 * ms)


def _expected_theta(theta0, spike_steps, n_steps, learning, params):
    """Step by step: the state update decays theta, then the reset adds learning * theta_plus."""
    factor = np.exp(-learning * float(params.protocol.dt) / float(params.exc.tau_theta))
    theta = float(theta0)
    spikes = set(int(s) for s in spike_steps)
    for step in range(n_steps):
        theta *= factor
        if step in spikes:
            theta += learning * float(params.exc.theta_plus)
    return theta


@pytest.mark.parametrize("learning", [1, 0])
def test_threshold_adaptation(learning):
    params, model, net, mon = _network()
    model.exc.learning = learning
    theta0 = np.asarray(model.exc.theta_[:]).copy()
    assert np.all(theta0 == float(params.exc.theta_init))
    _spike_three_times(model, net, neuron=0)

    dt = float(params.protocol.dt)
    n_steps = int(round(float(net.t) / dt))
    spike_i = np.asarray(model.exc_spikes.i[:])
    spike_steps = np.round(np.asarray(model.exc_spikes.t / second) / dt).astype(int)
    assert list(spike_i) == [0, 0, 0]  # neuron 1 never reaches threshold
    assert list(spike_steps) == [0, 40, 80]
    theta = np.asarray(model.exc.theta_[:])
    if learning:
        expected0 = _expected_theta(theta0[0], spike_steps, n_steps, 1, params)
        expected1 = _expected_theta(theta0[1], [], n_steps, 1, params)
        assert theta[0] == pytest.approx(expected0, rel=1e-12, abs=0)
        assert theta[1] == pytest.approx(expected1, rel=1e-12, abs=0)
        # 0.05 mV per spike (which then decays too), on top of the silent neuron's decay
        assert theta[0] - theta[1] == pytest.approx(3 * 0.05e-3, abs=1e-9)
        # the decay over 60 ms with tau 1e7 ms: 20 mV * 6e-6 = 0.12 uV
        decay = theta0[1] - theta[1]
        assert decay == pytest.approx(float(theta0[1]) * (1 - np.exp(-60 / 1e7)), rel=1e-6)
        assert decay > 1e-7
        # the increments show up in the recorded theta right after each spike
        trace = np.asarray(mon["exc"].theta_[0])
        jumps = np.diff(trace)
        assert list(np.flatnonzero(jumps > 1e-6)) == [0, 40, 80]
    else:
        # neither increments nor decay while learning is off
        np.testing.assert_array_equal(theta, theta0)
        assert np.all(np.asarray(mon["exc"].theta_) == theta0[:, None])


def test_theta_lifts_the_threshold():
    """The excitatory threshold is v_thresh + theta - theta_offset."""
    params, model, net, mon = _network()
    model.exc.learning = 0
    model.exc.theta = [20 * mV, 30 * mV]  # thresholds -52 mV and -42 mV
    model.exc.v = [-47 * mV, -47 * mV]
    net.run(0.5 * ms)
    assert list(model.exc_spikes.i[:]) == [0]


def _free_running_group(section, equations, threshold, reset, refractory, v_rest_above):
    """A layer whose resting potential lies above its threshold: it fires, is clamped for the
    refractory period, relaxes back up and fires again, with no input at all."""
    from brian2 import NeuronGroup

    namespace = {name: getattr(section, name) for name in section.__dataclass_fields__}
    namespace.update(v_rest=v_rest_above, tau_post1=20 * ms, tau_post2=40 * ms,
                     weight_sum_target=78)
    group = NeuronGroup(3, equations, threshold=threshold, reset=reset, refractory=refractory,
                        method="exponential_euler", namespace=namespace)
    group.v = v_rest_above
    if "learning" in group.variables:
        group.learning = 0
        group.theta = section.theta_init
    return group


@pytest.mark.parametrize("layer", ["exc", "inh"])
def test_refractory_condition_clamps_the_same_steps_as_brian2_quantity_refractoriness(layer):
    """The model writes refractoriness as a comparison of times (it lets the compiler vectorise
    the state updaters); it must clamp exactly the steps Brian2's ``refractory=5*ms`` does."""
    from brian2 import Network, SpikeMonitor

    from diehlsim.models import excitatory, inhibitory

    params = default_parameters(2, 4, "triplet")
    defaultclock.dt = params.protocol.dt
    if layer == "exc":
        section, spec = params.exc, (excitatory.EQUATIONS, excitatory.THRESHOLD, excitatory.RESET)
        v_rest_above = -30 * mV  # threshold -52 mV: fires again ~46 ms after each reset
    else:
        section, spec = params.inh, (inhibitory.EQUATIONS, inhibitory.THRESHOLD, inhibitory.RESET)
        v_rest_above = -30 * mV  # threshold -40 mV: fires again ~4 ms after each reset
    ours = _free_running_group(section, *spec, excitatory.REFRACTORY, v_rest_above)
    brian = _free_running_group(section, *spec, section.refractory, v_rest_above)
    monitors = [StateMonitor(g, "v", record=True) for g in (ours, brian)]
    spikes = [SpikeMonitor(g) for g in (ours, brian)]
    Network(ours, brian, *monitors, *spikes).run(200 * ms)

    dt = float(params.protocol.dt)
    steps = [np.round(np.asarray(s.t / second) / dt).astype(int) for s in spikes]
    assert len(steps[0]) >= 4  # several spike-refractory-relax cycles
    np.testing.assert_array_equal(steps[0], steps[1])
    np.testing.assert_allclose(monitors[0].v_, monitors[1].v_, rtol=1e-12, atol=0)
    # v sits at v_reset for exactly refractory / dt steps after a spike, then moves again
    clamp = int(round(float(section.refractory) / dt))
    first = steps[0][0]
    trace = np.asarray(monitors[0].v_[0])
    np.testing.assert_array_equal(trace[first + 1: first + clamp + 1], float(section.v_reset))
    assert trace[first + clamp + 1] > float(section.v_reset)


def test_euler_integration_is_the_brian1_update_and_keeps_the_charge_per_spike():
    """``protocol.integration = "euler"`` (what the Brian 1 original ran): one forward Euler
    step of the membrane, conductances multiplied by 1 - dt/tau per step, so the charge
    dt * sum(g) equals g0 * tau exactly, unlike exponential Euler's e^(-dt/tau) per step."""
    params, model, net, mon = _network(protocol__integration="euler")
    exc = params.exc
    dt = float(params.protocol.dt)
    v0, ge0, gi0 = -60e-3, 0.4, 0.3
    model.exc.v_ = [v0, v0]
    model.exc.ge = [ge0, 0]
    model.exc.gi = [gi0, 0]
    net.run(60 * ms)

    ge, gi = np.asarray(mon["exc"].ge_[0]), np.asarray(mon["exc"].gi_[0])
    steps = np.arange(len(ge))
    np.testing.assert_allclose(ge, ge0 * (1 - dt / float(exc.tau_ge)) ** steps, rtol=RTOL)
    np.testing.assert_allclose(gi, gi0 * (1 - dt / float(exc.tau_gi)) ** steps, rtol=RTOL)
    assert ge[1] / ge[0] == pytest.approx(0.5)  # exponential Euler would give e^-0.5 = 0.61
    assert dt * ge.sum() == pytest.approx(ge0 * float(exc.tau_ge), rel=1e-12)
    assert dt * gi.sum() == pytest.approx(gi0 * float(exc.tau_gi), rel=1e-12)
    v1 = v0 + dt / float(exc.tau_m) * ((float(exc.v_rest) - v0) + ge0 * (float(exc.E_exc) - v0)
                                       + gi0 * (float(exc.E_inh) - v0))
    assert mon["exc"].v_[0, 1] == pytest.approx(v1, rel=1e-12)
    # without conductances the membrane decays geometrically towards rest
    v = np.asarray(mon["exc"].v_[1])
    expected = float(exc.v_rest) + (v0 - float(exc.v_rest)) * (1 - dt / float(exc.tau_m)) ** steps
    np.testing.assert_allclose(v, expected, rtol=RTOL)


def test_unknown_integration_is_rejected():
    from diehlsim.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="integration.*euler"):
        default_parameters(2, 4, "triplet", protocol__integration="rk4")
