"""Reliability: resume after SIGKILL is bit-identical, outputs are atomic, bad input gets a
clear error that names the problem and the fix."""

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from brian2 import Hz, ms, mV

from diehlsim import api, io, runs
from diehlsim.cli import build_parser
from diehlsim.cli import main as cli_main
from diehlsim.cli._options import model_overrides
from diehlsim.models.encoding import check_images
from diehlsim.errors import ConfigurationError, RunDirectoryError, ToolchainError
from diehlsim.models.parameters import default_parameters, parse_parameter
from diehlsim.models.network import initial_state
from diehlsim.simulation import Simulator

# --stdp-rate-final 0: the falling STDP rate must continue across the resume as well
TRAIN = ["train", "--dataset", "mnist-sample", "--neurons", "6", "--train-samples", "24",
         "--chunk", "4", "--seed", "3", "--stdp-rate-final", "0"]


# Long enough (about 40 chunks) for a signal to arrive while a chunk runs.
LONG_IMAGES = 160
LONG_TRAIN = [*TRAIN[:TRAIN.index("--train-samples") + 1], str(LONG_IMAGES),
              *TRAIN[TRAIN.index("--train-samples") + 2:]]


def _cli(args, env):
    return subprocess.Popen([sys.executable, "-m", "diehlsim", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    """The uninterrupted run every interrupted one is compared with, and the environment
    (one build cache) they all share."""
    root = tmp_path_factory.mktemp("signals")
    environment = dict(os.environ, DIEHLSIM_BUILD_DIR=str(root / "builds"))
    reference = root / "reference"
    out = _cli([*LONG_TRAIN, "--out", str(reference)], environment).communicate()[0]
    assert (reference / "weights.npy").exists(), out
    return reference, environment


def _start_and_wait_for_a_checkpoint(out: Path, env) -> subprocess.Popen:
    """Start training in its own process group, as a shell starts a foreground job, and
    return once the first chunk is checkpointed and the next one is running."""
    process = subprocess.Popen([sys.executable, "-m", "diehlsim", *LONG_TRAIN, "--out", str(out)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    deadline = time.time() + 600
    while time.time() < deadline and process.poll() is None:
        if (out / "checkpoint.npz").exists() and _position(out) > 0:
            break
        time.sleep(0.05)
    return process


def _stop(process: subprocess.Popen, how: str, rng) -> None:
    time.sleep(rng.uniform(0, 0.3))
    if process.poll() is not None:
        return
    if how == "sigkill":
        process.send_signal(signal.SIGKILL)
    elif how == "ctrl-c":  # what a terminal does: SIGINT to the whole foreground group
        os.killpg(process.pid, signal.SIGINT)
    elif how == "ctrl-c twice":
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
    elif how == "sigint to python":
        process.send_signal(signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["sigkill", "ctrl-c", "ctrl-c twice", "sigint to python",
                                 "sigterm"])
def test_interrupted_then_resumed_run_is_bit_identical_on_cpp_standalone(
        tmp_path, reference_run, how):
    reference, env = reference_run
    killed = tmp_path / "killed"
    process = _start_and_wait_for_a_checkpoint(killed, env)
    _stop(process, how, np.random.default_rng(len(how)))
    output = process.communicate()[0]
    if (killed / "weights.npy").exists():
        pytest.skip(f"the run finished before the {how} arrived")
    if how != "sigkill":
        assert process.returncode == 130, output
        assert "Traceback" not in output, output
        assert f"interrupted: the last completed chunk is checkpointed in {killed}" in output
        assert f"train --resume --out {killed}" in output
    resumed = _cli(["train", "--resume", "--out", str(killed)], env).communicate()[0]
    assert (killed / "weights.npy").exists(), resumed
    for name in ("weights.npy", "theta.npy"):
        assert np.array_equal(np.load(reference / name), np.load(killed / name)), name
    # the training responses cover every image once, as in the uninterrupted run
    expected_counts, expected_index = runs.load_train_responses(reference)
    counts, index = runs.load_train_responses(killed)
    np.testing.assert_array_equal(expected_index, np.arange(LONG_IMAGES))
    np.testing.assert_array_equal(index, expected_index)
    np.testing.assert_array_equal(counts, expected_counts)
    assert not list(killed.glob(".*.tmp")) and not list(killed.glob(".*npz"))
    # each chunk's STDP rate falls linearly with the images trained before it
    log = pd.read_csv(killed / "train_log.csv")
    before = np.concatenate([[0], np.cumsum(log["images"])[:-1]])
    np.testing.assert_allclose(log["stdp_rate"], 1 - before / LONG_IMAGES, rtol=1e-12)
    assert log["stdp_rate"].iloc[-1] < 0.5


def test_stop_signals_raise_once_and_are_ignored_during_the_clean_up():
    before = signal.getsignal(signal.SIGINT)
    unwound = []
    with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
        with runs.stop_signals_to_interrupt():
            with runs.stop_signals_to_interrupt():  # nested, as api.train inside the CLI
                try:
                    os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(1)
                finally:
                    os.kill(os.getpid(), signal.SIGINT)  # a second one while unwinding
                    time.sleep(0.1)
                    unwound.append(True)
    assert unwound == [True]
    assert signal.getsignal(signal.SIGINT) is before  # the outermost put it back
    with pytest.raises(KeyboardInterrupt, match="SIGINT"):  # and the next run stops again
        with runs.stop_signals_to_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
    # the CLI's use: after a stop, the signals stay ignored until the process has exited
    try:
        with pytest.raises(KeyboardInterrupt):
            with runs.stop_signals_to_interrupt(ignore_after_a_stop=True):
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with runs.stop_signals_to_interrupt(ignore_after_a_stop=True):
        pass  # no stop: everything is put back
    assert signal.getsignal(signal.SIGINT) is before


def test_io_removes_what_a_killed_write_left(tmp_path):
    with pytest.raises(RuntimeError):
        with io.atomic_path(tmp_path / "checkpoint.npz") as partial:
            partial.write_bytes(b"half")
            leftover = partial.with_name(partial.name + "-copy")
            leftover.write_bytes(b"half")  # as if the process had died here
            raise RuntimeError
    (tmp_path / "state.npz").write_bytes(b"kept")
    assert [p.name for p in io.remove_partial_writes(tmp_path)] == [leftover.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.npz"]


def _position(run_dir: Path) -> int:
    try:
        return runs.load_checkpoint(run_dir).position
    except Exception:
        return 0


def test_disk_full_during_checkpoint_keeps_the_previous_one(tmp_path, monkeypatch):
    params = default_parameters(3, 4)
    state = initial_state(params, 0)
    runs.save_checkpoint(tmp_path, runs.Checkpoint(5, 1, state))
    before = (tmp_path / "checkpoint.npz").read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", full_disk)
    with pytest.raises(OSError):
        runs.save_checkpoint(tmp_path, runs.Checkpoint(9, 2, state))
    assert (tmp_path / "checkpoint.npz").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.npz"]
    assert runs.load_checkpoint(tmp_path).position == 5


def test_atomic_write_leaves_previous_version_on_failure(tmp_path):
    target = tmp_path / "metrics.json"
    io.write_json(target, {"a": 1})
    with pytest.raises(TypeError):
        io.write_json(target, {"a": object()})
    assert target.read_text().strip().startswith("{")
    assert '"a": 1' in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_existing_run_directory_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(RunDirectoryError, match="already holds a run; overwrite it with "
                                                "--force"):
        runs.prepare_new(tmp_path)  # no checkpoint: --resume would find nothing
    (tmp_path / "checkpoint.npz").write_bytes(b"")
    with pytest.raises(RunDirectoryError, match="continue it with --resume, overwrite it "
                                                "with --force"):
        runs.prepare_new(tmp_path)


def test_a_directory_of_other_files_is_not_trained_into(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RunDirectoryError, match="holds other files .*new or empty --out"):
        runs.prepare_new(tmp_path)
    assert runs.prepare_new(tmp_path, force=True) == tmp_path
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_evaluate_on_an_interrupted_run_points_to_resume(saved_run):
    run, _ = saved_run
    (run / "state.npz").unlink()
    with pytest.raises(RunDirectoryError, match="was interrupted: continue it with .*--resume"):
        api.evaluate(run, progress=False)


def test_training_on_a_gpu_device_without_a_gpu_fails_before_compiling(tmp_path, monkeypatch):
    from diehlsim.devices import cuda

    def no_gpu(gpu_id=0):
        raise ToolchainError("no usable NVIDIA GPU (test); build with 'diehlsim build "
                             "--device cuda_standalone' here")

    from diehlsim.api import training

    built = []
    monkeypatch.setattr(cuda, "check_gpu", no_gpu)
    monkeypatch.setattr(training, "make_simulator", lambda *a, **k: built.append(a))
    with pytest.raises(ToolchainError, match="diehlsim build"):
        api.train(tmp_path / "run", "mnist-sample", 4, device="cuda_standalone",
                  progress=False)
    assert built == [] and not (tmp_path / "run").exists()  # nothing compiled or written


def test_unwritable_output_directory(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(RunDirectoryError, match="writable --out"):
        runs.prepare_new(blocker / "run")


def test_resume_without_checkpoint(tmp_path):
    with pytest.raises(RunDirectoryError, match="no checkpoint"):
        runs.load_checkpoint(tmp_path)


@pytest.mark.parametrize("neurons", [0, -3])
def test_non_positive_neuron_count(tmp_path, neurons):
    with pytest.raises(ConfigurationError, match="positive"):
        api.train(tmp_path / "run", "mnist-sample", neurons)


def test_unknown_rule_and_device():
    with pytest.raises(ConfigurationError, match="unknown STDP rule 'hebb'.*triplet"):
        Simulator(default_parameters(2, 4, "hebb"), "runtime", slots=1)
    with pytest.raises(ConfigurationError, match="unknown device 'gpu'"):
        Simulator(default_parameters(2, 4), "gpu", slots=1)


def test_unknown_rule_is_rejected_by_get_rule():
    from diehlsim.models.stdp import get_rule

    with pytest.raises(ConfigurationError, match="choose one of"):
        get_rule("hebb")


def test_cli_errors_are_one_line_without_traceback(tmp_path, capsys):
    code = cli_main(["train", "--dataset", "mnist-sample", "--neurons", "0", "--out",
                     str(tmp_path / "r")])
    assert code == 2
    err = capsys.readouterr().err
    assert "positive" in err and "Traceback" not in err


def test_parameter_without_units_names_the_parameter():
    with pytest.raises(ConfigurationError, match=r"exc\.tau_m .*units of ms"):
        default_parameters(2, 4, exc__tau_m=100)
    with pytest.raises(ConfigurationError, match=r"protocol\.dt"):
        default_parameters(2, 4, protocol__dt=0.5 * ms * ms)


@pytest.mark.parametrize("assignment, key, value", [
    ("conn.w_inh_exc=25", "conn__w_inh_exc", 25.0),
    ("exc.theta_plus = 0.1mV", "exc__theta_plus", 0.1 * mV),
    ("protocol.rate_per_pixel=0.25Hz", "protocol__rate_per_pixel", 0.25 * Hz),
    ("protocol.max_repeats=10", "protocol__max_repeats", 10),
    ("protocol.integration=euler", "protocol__integration", "euler"),
])
def test_param_assignment_parses_to_a_checked_override(assignment, key, value):
    parsed_key, parsed = parse_parameter(assignment)
    assert parsed_key == key and type(parsed) is type(value) and np.all(parsed == value)


@pytest.mark.parametrize("assignment, problem", [
    ("w_inh_exc=25", "SECTION.NAME=VALUE"),
    ("conn.w_inh_exc", "SECTION.NAME=VALUE"),
    ("net.w_inh_exc=25", "unknown section 'net'.*exc, inh, conn, protocol"),
    ("conn.w_ie=25", "conn has no parameter 'w_ie'.*w_inh_exc"),
    ("exc.theta_plus=0.1", r"units of mV"),
    ("exc.theta_plus=0.1ms", r"units of mV"),
    ("conn.w_inh_exc=25mV", "plain number, without units"),
    ("protocol.max_repeats=2.5", "whole number"),
    ("exc.tau_m=100 furlongs", "unknown unit 'furlongs'"),
    ("exc.tau_m=fast", "not a number"),
])
def test_bad_param_assignment_names_the_problem(assignment, problem):
    with pytest.raises(ConfigurationError, match=problem):
        parse_parameter(assignment)


def test_cli_param_reaches_the_network_parameters_once():
    parser = build_parser()
    args = parser.parse_args(["train", "--dataset", "mnist", "--neurons", "4", "--out", "r",
                              "--param", "conn.w_inh_exc=25", "--param", "exc.theta_plus=0.1mV"])
    params = default_parameters(4, 784, **model_overrides(args))
    assert params.conn.w_inh_exc == 25.0 and params.exc.theta_plus == 0.1 * mV
    assert params.inh == default_parameters(4, 784).inh  # nothing else moved
    twice = parser.parse_args(["train", "--dataset", "mnist", "--neurons", "4", "--out", "r",
                               "--lockout", "50", "--param", "exc.spike_lockout=20ms"])
    with pytest.raises(ConfigurationError, match="exc.spike_lockout.*give it once"):
        model_overrides(twice)


@pytest.mark.parametrize("images, problem", [
    (np.full((2, 28, 28), np.nan), "NaN"),
    (np.full((2, 28, 28), -1.0), "0..255"),
    (np.full((2, 28, 28), 300), "0..255"),
    (np.zeros((2, 28, 28), dtype=bool), "numeric"),
    (np.zeros((2, 32, 32), dtype=np.uint8), "1024 pixels but the network has 784"),
    (np.zeros(5, dtype=np.uint8), "stack of images"),
])
def test_bad_images(images, problem):
    with pytest.raises(ConfigurationError, match=problem):
        check_images(images, 784)


def test_missing_cpp_compiler(monkeypatch, tmp_path):
    monkeypatch.setenv("CXX", "no-such-compiler-here")
    with pytest.raises(ToolchainError, match="apt-get install g\\+\\+"):
        Simulator(default_parameters(2, 4), "cpp_standalone", slots=1, build_dir=tmp_path)


@pytest.mark.slow
def test_evaluate_and_analyze_with_data_dir_alone(tmp_path, reference_run):
    """No $DIEHLSIM_DATA and an empty user cache: --data-dir must reach the figure step."""
    from conftest import shared_data_dir

    _, env = reference_run
    env = {k: v for k, v in env.items() if k != "DIEHLSIM_DATA"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    data = str(shared_data_dir())
    run = tmp_path / "run"
    trained = _cli(["train", "--dataset", "mnist", "--neurons", "6", "--train-samples", "8",
                    "--chunk", "4", "--data-dir", data, "--out", str(run)], env).communicate()
    assert (run / "weights.npy").exists(), trained[0]
    process = _cli(["evaluate", "--run", str(run), "--label-samples", "8", "--test-samples",
                    "8", "--data-dir", data], env)
    output = process.communicate()[0]
    assert process.returncode == 0, output
    assert (run / "figures" / "accuracy_vs_images.png").exists(), output
    process = _cli(["analyze", "--run", str(run), "--samples", "1", "--permutations", "2",
                    "--data-dir", data], env)
    output = process.communicate()[0]
    assert process.returncode == 0, output
    assert (run / "information" / "table2.csv").exists(), output


@pytest.mark.parametrize("failure", ["binary failed", "cut short"])
def test_a_failed_or_cut_short_binary_run_is_an_error_not_a_chunk(tmp_path, monkeypatch,
                                                                   brian_state, failure):
    from brian2 import get_device

    from diehlsim.errors import SimulationError

    params = default_parameters(3, 16)
    sim = Simulator(params, "cpp_standalone", slots=2, build_dir=tmp_path / "cpp",
                    compile=False)

    def fake_run(self, directory=None, with_output=True, run_args=None, **kwargs):
        if failure == "binary failed":
            raise RuntimeError("Project run failed (project directory: ...)")
        self._last_run_completed_fraction = 0.4

    monkeypatch.setattr(type(get_device()), "run", fake_run)
    finished = []
    monkeypatch.setattr(type(sim), "_finish", lambda self, state, wall: finished.append(1))
    match = "failed or was stopped" if failure == "binary failed" else "after 40 % of the chunk"
    with pytest.raises(SimulationError, match=match):
        sim.run_chunk(np.zeros((1, 16)), initial_state(params, 0), learning=True, seed=1)
    assert finished == []  # nothing was read back as a chunk


@pytest.fixture
def saved_run(tmp_path):
    """A run directory as training leaves it (config, state, checkpoint), without training."""
    params = default_parameters(3, 16)
    run = tmp_path / "run"
    run.mkdir()
    runs.save_config(run, params, dataset="mnist-sample", seed=0, device="runtime", slots=4,
                     threads=0, train_images=8, epochs=None)
    state = initial_state(params, 0)
    runs.save_state(run, state)
    runs.save_checkpoint(run, runs.Checkpoint(8, 2, state))
    return run, state


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
@pytest.mark.parametrize("name", ["state.npz", "checkpoint.npz"])
def test_a_damaged_state_file_is_named_with_what_to_do(saved_run, damage, name):
    run, _ = saved_run
    path = run / name
    data = path.read_bytes()
    path.write_bytes({"garbage": b"not a zip file at all", "truncated": data[: len(data) // 2],
                      "empty": b""}[damage])
    load = runs.load_state if name == "state.npz" else runs.load_checkpoint
    remedy = "authoritative copy" if name == "state.npz" else "cannot be resumed"
    with pytest.raises(RunDirectoryError, match=rf"{name} is damaged .*{remedy}"):
        load(run)


@pytest.mark.parametrize("change", ["nan theta", "wrong shape", "missing"])
def test_a_state_that_is_not_this_runs_network_is_refused(saved_run, change):
    run, state = saved_run
    values = dict(state.values)
    if change == "nan theta":
        values["theta"] = np.full(3, np.nan)
    elif change == "wrong shape":
        values["weights"] = np.zeros((16, 4))
    else:
        del values["inh_v"]
    io.write_npz(run / "state.npz", **values, step=np.asarray(0))
    expected = {"nan theta": "theta is not all finite", "wrong shape": r"weights has shape "
                r"\(16, 4\), expected \(16, 3\)", "missing": "inh_v is missing"}[change]
    with pytest.raises(RunDirectoryError, match=rf"state.npz does not hold .*{expected}"):
        runs.load_state(run)


def test_a_broken_config_is_named_and_the_cli_says_it_in_one_line(saved_run, capsys):
    run, _ = saved_run
    (run / "config.json").write_text('{"network": {"n_exc": 3')
    with pytest.raises(RunDirectoryError, match="config.json is damaged .*JSONDecodeError"):
        runs.load_config(run)
    assert cli_main(["evaluate", "--run", str(run)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "config.json is damaged" in error


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_evaluate_refuses_a_read_only_run_before_simulating(saved_run):
    run, _ = saved_run
    run.chmod(0o555)
    try:
        with pytest.raises(RunDirectoryError, match="cannot write to .*make it writable"):
            api.evaluate(run, progress=False)
    finally:
        run.chmod(0o755)


def test_evaluate_checks_writability_first(saved_run, monkeypatch):
    """The check that catches a read-only run (as root cannot be tested directly) runs
    before any simulator is made."""
    run, _ = saved_run
    order = []
    monkeypatch.setattr(runs, "check_writable", lambda *a: order.append("writable check"))
    from diehlsim.api import evaluation

    def no_simulator(*args, **kwargs):
        order.append("simulator")
        raise RuntimeError("stop here")

    monkeypatch.setattr(evaluation, "simulator_for_run", no_simulator)
    with pytest.raises(RuntimeError, match="stop here"):
        api.evaluate(run, progress=False)
    assert order == ["writable check", "simulator"]


@pytest.mark.parametrize("arguments, message", [
    ({"seed": -1}, r"seed must be a whole number >= 0, got -1"),
    ({"slots": 0}, r"slots must be a positive whole number, got 0"),
    ({"seed": 2**31}, r"seed must be at most"),
    ({"threads": -1}, r"threads must be a whole number >= 0, got -1"),
    ({"n_exc": 0}, r"n_exc, the number of excitatory neurons, must be a positive whole number, "
                   r"got 0"),
    ({"n_exc": 1_000_000_000}, r"784,000,000,000 input synapses, about .* GiB of memory; "
                               r"this machine has .* GiB: choose fewer neurons"),
    ({"epochs": 0.0001}, r"0.0001 epochs of 2000 images is 0.2 images: train on at least"),
])
def test_bad_training_requests_fail_before_anything_is_written(tmp_path, arguments, message):
    request = {"n_exc": 4, "epochs": 1, **arguments}
    with pytest.raises(ConfigurationError, match=message):
        api.train(tmp_path / "run", "mnist-sample", request.pop("n_exc"), progress=False,
                  **request)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("override, message", [
    ({"exc__tau_m": -5 * ms}, r"exc.tau_m = -5. \* msecond is out of range: it must be > 0"),
    ({"exc__spike_lockout": -1 * ms}, r"exc.spike_lockout .* must be >= 0"),
    ({"conn__w_inh_exc": -3}, r"conn.w_inh_exc = -3 is out of range: it must be >= 0"),
    ({"conn__w_input_min": 0.5}, r"w_input_min \(0.5\) must not exceed conn.w_input_max"),
    ({"protocol__min_spikes": -1}, r"protocol.min_spikes = -1 .* must be >= 0"),
    ({"stdp": {"nu_post": "abc"}}, r"STDP parameter nu_post = 'abc' must be a number"),
    ({"stdp": {"tau_pre": -20 * ms}}, r"STDP parameter tau_pre .* must be > 0"),
])
def test_physically_wrong_parameters_are_refused_in_one_place(override, message):
    with pytest.raises(ConfigurationError, match=message):
        default_parameters(4, 16, **override)
    assert "--" not in message  # the API's messages name parameters, not CLI options


def test_the_cli_refuses_a_negative_time_constant_in_one_line(tmp_path, capsys):
    assert cli_main(["train", "--dataset", "mnist-sample", "--neurons", "4", "--out",
                     str(tmp_path / "run"), "--param", "exc.tau_m=-5ms"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "out of range" in error
    assert not (tmp_path / "run").exists()


def test_images_scaled_to_one_are_refused():
    with pytest.raises(ConfigurationError, match=r"look scaled to 0..1 .*images \* 255"):
        check_images(np.full((2, 16), 0.5), 16)
    assert check_images(np.zeros((2, 16)), 16).shape == (2, 16)  # dark images are fine


@pytest.mark.parametrize("stimulus, message", [
    (np.zeros((2, 5)), r"must be \(images, 16\) values.*got shape \(2, 5\)"),
    (np.full((1, 16), np.nan), "NaN or infinite"),
    (np.full((1, 16), -2.0), "must be >= 0 .*minimum of -2"),
])
def test_a_malformed_chunk_stimulus_is_refused(stimulus, message):
    params = default_parameters(3, 16)
    sim = Simulator(params, "runtime", slots=2)
    with pytest.raises(ConfigurationError, match=message):
        sim.run_chunk(stimulus, initial_state(params, 0), learning=False, seed=1)


def test_build_without_compiling_removes_an_older_binary(tmp_path, brian_state):
    out = tmp_path / "project"
    out.mkdir()
    (out / "makefile").write_text("# an older project\n")
    (out / "main").write_text("old binary")
    result = api.build(out, "cpp_standalone", 3, compile=False)
    assert result.binary is None and not (out / "main").exists()
    assert (out / "makefile").read_text() != "# an older project\n"


def test_resume_of_a_finished_run_builds_nothing(saved_run, monkeypatch, capsys):
    from diehlsim.api import training

    run, _ = saved_run
    built = []
    monkeypatch.setattr(training, "make_simulator", lambda *a, **k: built.append(a))
    with pytest.raises(RunDirectoryError, match="has finished .*nothing to resume"):
        api.resume(run, progress=False)
    assert cli_main(["train", "--resume", "--out", str(run)]) == 0
    assert "nothing to resume" in capsys.readouterr().out
    assert built == []
