"""State monitors declared with the network (``--monitor``, ``Simulator(monitors=...)``).

The network and inputs are test_standalone.py's deterministic ones (16 inputs, 4 excitatory
neurons, 40 + 20 ms slots, 0/255 pixels at intensity 100: a bright pixel fires on every
step), so runtime and cpp_standalone run the same spikes and their traces differ only by
floating-point round-off. Two cpp_standalone projects are compiled for the whole module,
into one directory: first without monitors, then with them (the rebuild).
"""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import StateMonitor, ms, set_device

from diehlsim import api, cli, run_traces
from diehlsim.errors import ConfigurationError
from diehlsim.models.encoding import rates_per_intensity
from diehlsim.models.monitors import MonitorRequest
from diehlsim.models.network import initial_state
from diehlsim.models.parameters import default_parameters
from diehlsim.protocol import run_phase
from diehlsim.simulation import Simulator, default_build_name

N_INPUT, N_EXC, SLOTS = 16, 4, 2
PARAMS = default_parameters(N_EXC, N_INPUT, "triplet", protocol__start_intensity=100.0,
                            protocol__presentation_time=40 * ms, protocol__rest_time=20 * ms)
SLOT_STEPS = 120
VARIABLES = "exc.v,exc.ge,exc.gi,exc.theta,inh.v"
REQUEST = api.monitor_request(PARAMS, VARIABLES, "0-2", "1-2")
HALF = np.tile((np.arange(N_INPUT) % 2) * 255, (4, 1)).astype(np.uint8)
# The traces are the state the chunk carries, recorded every step: the bound of
# test_standalone.assert_states_close holds for them too (in each variable's SI unit).
RTOL, ATOL = 1e-9, 1e-12


def rates(images) -> np.ndarray:
    return rates_per_intensity(np.asarray(images, np.uint8), N_INPUT,
                               float(PARAMS.protocol.rate_per_pixel))


def monitored_phase(sim):
    """Four images in two chunks, learning on; the traces each chunk reports."""
    saved = {}
    run_phase(sim, HALF, np.arange(len(HALF)), initial_state(PARAMS, seed=4), learning=True,
              seed=1, progress=False, on_traces=lambda chunk, arrays: saved.update({chunk: arrays}))
    return saved


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """Unmonitored and monitored cpp_standalone simulators built in the same directory,
    and what running the unmonitored one with a monitor added after its build raised (the
    route that used to record nothing; Brian2 refuses new objects once the device has
    been rebuilt, so it is tried in between)."""
    build_dir = tmp_path_factory.mktemp("monitors") / "build"
    plain = Simulator(PARAMS, "cpp_standalone", slots=SLOTS, build_dir=build_dir)
    plain_result, _ = plain.run_chunk(rates(HALF[:SLOTS]), initial_state(PARAMS, seed=4),
                                      learning=True, seed=1)
    late = StateMonitor(plain.model.exc, "v", record=[0], name="late_monitor")
    plain.model.net.add(late)
    with pytest.raises(ConfigurationError) as refused:
        plain.run_chunk(rates(HALF[:SLOTS]), initial_state(PARAMS, seed=4), learning=True,
                        seed=1)
    plain.model.net.remove(late)
    monitored = Simulator(PARAMS, "cpp_standalone", slots=SLOTS, build_dir=build_dir,
                          monitors=REQUEST)
    yield plain, plain_result, monitored, str(refused.value)
    set_device("runtime")


@pytest.fixture(scope="module")
def runtime_traces(projects):  # after the standalone builds: they reinitialise the device
    return monitored_phase(Simulator(PARAMS, "runtime", slots=SLOTS, monitors=REQUEST))


def test_standalone_traces_equal_runtime_traces(projects, runtime_traces):
    standalone_traces = monitored_phase(projects[2])
    assert sorted(standalone_traces) == sorted(runtime_traces) == [0, 1]
    for chunk, expected in runtime_traces.items():
        got = standalone_traces[chunk]
        assert list(got["variables"]) == VARIABLES.split(",")
        for name in ("presentation", "image", "repeats", "neurons", "exc_spike_neuron",
                     "input_spike_neuron"):
            np.testing.assert_array_equal(got[name], expected[name], err_msg=name)
        np.testing.assert_allclose(got["t"], expected["t"], rtol=0, atol=1e-12)
        for name in got["variables"]:
            assert np.isfinite(got[name]).all()
            np.testing.assert_allclose(got[name], expected[name], rtol=RTOL, atol=ATOL,
                                       err_msg=name)
    # the membranes moved: the monitor recorded the simulation, not initial values
    v = standalone_traces[0]["exc.v"]
    assert np.ptp(v) > 1e-3


def test_traces_keep_only_requested_presentations_with_units(runtime_traces):
    kept = np.concatenate([a["presentation"] for a in runtime_traces.values()])
    np.testing.assert_array_equal(kept, [1, 2])
    arrays = runtime_traces[0]
    assert dict(zip(arrays["variables"], arrays["units"])) == {
        "exc.v": "V", "exc.ge": "1", "exc.gi": "1", "exc.theta": "V", "inh.v": "V"}
    assert arrays["exc.v"].shape == (1, 3, SLOT_STEPS)  # presentations, neurons, steps
    np.testing.assert_array_equal(arrays["neurons"], [0, 1, 2])
    # presentation 1 is the second slot: its first step is step SLOT_STEPS of the phase
    np.testing.assert_allclose(arrays["t"][0, 0], SLOT_STEPS * float(PARAMS.protocol.dt))
    assert -0.1 < arrays["exc.v"].min() < arrays["exc.v"].max() < 0.0  # volts, not mV


def test_monitor_request_rebuilds_the_project_in_place(projects):
    plain, plain_result, monitored, _ = projects
    assert plain_result.traces is None
    assert monitored.build_dir == plain.build_dir
    assert monitored.model.traces.keys() == {"excitatory", "inhibitory"}
    result, _ = monitored.run_chunk(rates(HALF[:SLOTS]), initial_state(PARAMS, seed=4),
                                    learning=True, seed=1)
    assert result.traces.values["exc.v"].shape == (3, SLOTS * SLOT_STEPS)
    # the monitors change neither the spikes nor the presentations
    np.testing.assert_array_equal(result.counts, plain_result.counts)
    np.testing.assert_array_equal(result.exc_spikes[1], plain_result.exc_spikes[1])


def test_monitor_added_after_the_build_is_refused_with_the_working_route(projects):
    message = projects[3]
    assert message.startswith("late_monitor was added to the network after its "
                              "cpp_standalone project was compiled")
    assert "record nothing" in message and "monitors=MonitorRequest" in message
    assert "--monitor exc.v" in message


def test_the_build_cache_key_includes_the_monitored_variables_and_neurons():
    plain = default_build_name(PARAMS, "cpp_standalone", SLOTS, False)
    assert plain == default_build_name(PARAMS, "cpp_standalone", SLOTS, False, None, None)
    names = {default_build_name(PARAMS, "cpp_standalone", SLOTS, False, None, request)
             for request in (REQUEST, MonitorRequest(("exc.v",), (0, 1, 2), (1, 2)),
                             MonitorRequest(REQUEST.variables, (0,), (1, 2)))}
    assert len(names) == 3 and plain not in names
    # the presentations kept are chosen in Python: same generated code, same project
    assert default_build_name(PARAMS, "cpp_standalone", SLOTS, False, None, REQUEST) == \
        default_build_name(PARAMS, "cpp_standalone", SLOTS, False, None,
                           MonitorRequest(REQUEST.variables, REQUEST.neurons, (7,)))


@pytest.mark.parametrize("kwargs, message", [
    ({"monitor": "exc.foo"}, r"no variable 'foo'; choose from .*theta"),
    ({"monitor": "v"}, r"LAYER.VARIABLE .*exc, inh"),
    ({"monitor": "out.v"}, r"LAYER.VARIABLE"),
    ({"monitor": "exc.v,exc.v"}, "twice"),
    ({"monitor": "exc.v", "neurons": "0-9"}, r"--monitor-neurons 4 is outside .*0-3"),
    ({"monitor": "exc.v", "neurons": "4-1"}, "backwards: write 1-4"),
    ({"monitor": "exc.v", "presentations": "a-b"}, r"--monitor-presentations 'a-b'.*0-4"),
    ({"monitor": "exc.v", "presentations": "-3"}, "not an index range"),
    ({"neurons": "0-3"}, "--monitor-neurons needs --monitor"),
])
def test_bad_monitor_options_name_the_problem_and_the_fix(kwargs, message):
    with pytest.raises(ConfigurationError, match=message):
        api.monitor_request(PARAMS, kwargs.get("monitor"), kwargs.get("neurons"),
                            kwargs.get("presentations"))


def test_index_ranges():
    assert api.monitor_request(PARAMS, ["exc.v"], range(2), [3, 0]).neurons == (0, 1)
    request = api.monitor_request(PARAMS, "exc.v", "0,2-3", "0-2,5")
    assert request.neurons == (0, 2, 3) and request.presentations == (0, 1, 2, 5)


def test_cli_error_is_one_line_without_traceback(tmp_path, capsys):
    code = cli.main(["train", "--dataset", "mnist-sample", "--neurons", "4", "--device",
                     "runtime", "--out", str(tmp_path / "run"), "--monitor", "exc.foo"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no variable 'foo'" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()  # refused before anything was written


def test_train_saves_traces_in_the_run_and_plot_traces_draws_them(tmp_path, capsys):
    run_dir = tmp_path / "run"
    images = np.asarray(HALF[:, :].reshape(4, 4, 4))
    labels = np.arange(4)
    api.train(run_dir, (images, labels), N_EXC, epochs=1, device="runtime", slots=SLOTS,
              progress=False, overrides={"protocol__start_intensity": 100.0,
                                         "protocol__presentation_time": 40 * ms,
                                         "protocol__rest_time": 20 * ms},
              monitor="exc.v,exc.theta", monitor_neurons="0-1", monitor_presentations="3")
    files = sorted((run_dir / run_traces.TRACES / "train").glob("chunk_*.npz"))
    assert [f.name for f in files] == ["chunk_00001.npz"]  # presentation 3: second chunk
    one = run_traces.load_presentation_traces(run_dir, "train", 3)
    assert one["exc.v"].shape == (2, SLOT_STEPS) and one["units"] == ["V", "V"]
    assert len(one["input_spike_t"]) > 0
    with pytest.raises(Exception, match="presentation 0 .* recorded: 3"):
        run_traces.load_presentation_traces(run_dir, "train", 0)
    assert cli.main(["traces", "--run", str(run_dir), "--presentation", "3"]) == 0
    assert (run_dir / "figures" / "traces_train_3.png").stat().st_size > 0
    assert cli.main(["traces", "--run", str(run_dir), "--phase", "test"]) == 2
    assert "no traces of the test phase" in capsys.readouterr().err
