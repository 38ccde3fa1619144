"""diehlsim.plots draws every figure from arrays and frames, once, without pyplot; and
diehlsim.figures turns run and analysis directories into those figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diehlsim import figures, plots
from diehlsim.analysis.tidy import concat_tidy, format_neuron_set, tidy_frame
from diehlsim.plots import _save
from diehlsim.recordings import SpikeRecording

REPO_ROOT = Path(__file__).resolve().parents[1]
IMAGE_SHAPE = (3, 3)
N_INPUT, N_EXC, N_CLASSES = 9, 4, 3


@pytest.fixture
def captured(monkeypatch):
    """Figures handed to the save helper, still written so the paths are real."""
    kept = []
    save = _save.save

    def save_and_keep(fig, stem):
        kept.append(fig)
        return save(fig, stem)

    monkeypatch.setattr(_save, "save", save_and_keep)
    return kept


def _assert_png_and_pdf(paths, stem: Path) -> None:
    assert paths == [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    assert paths[0].read_bytes().startswith(b"\x89PNG")
    assert paths[1].read_bytes().startswith(b"%PDF")


def _entropy() -> pd.DataFrame:
    pixels = np.arange(N_INPUT)
    inputs = [tidy_frame(class_=c, input=pixels, measure="input_entropy", estimator="plugin",
                         bits=0.1 * (c + 1) * pixels / N_INPUT, n_samples=350)
              for c in range(N_CLASSES)]
    outputs = [tidy_frame(class_=c, neuron=np.arange(N_EXC), measure="output_entropy",
                          estimator="plugin", bits=0.01, n_samples=350)
               for c in range(N_CLASSES)]
    return concat_tidy(inputs + outputs)


def _mi() -> pd.DataFrame:
    # class 2 has no output spikes, so no pair carries information
    frames = [tidy_frame(class_=c, neuron=c, input=np.arange(N_INPUT),
                         measure="mutual_information", estimator="plugin",
                         bits=np.linspace(0, 1e-3, N_INPUT) * (c < 2), n_samples=350)
              for c in range(N_CLASSES)]
    return concat_tidy(frames)


def _table2() -> pd.DataFrame:
    sets = [([0, 1, 2], [0, 1], [1]), ([0, 3], [3], []), ([], [], [])]
    return pd.DataFrame([{"class": str(c), "spiked": format_neuron_set(s),
                          "with_mi": format_neuron_set(m), "informative": format_neuron_set(i)}
                         for c, (s, m, i) in enumerate(sets)])


def _recording() -> SpikeRecording:
    return SpikeRecording(
        n_input=N_INPUT, n_exc=N_EXC, duration=0.35, labels=np.array([1, 2]),
        image_index=np.array([7, 8]), input_presentation=np.array([0, 0, 0, 1]),
        input_neuron=np.array([0, 4, 8, 2]), input_time=np.array([0.01, 0.02, 0.2, 0.1]),
        exc_presentation=np.array([0, 1]), exc_neuron=np.array([3, 0]),
        exc_time=np.array([0.05, 0.3]))


def _repeats() -> pd.DataFrame:
    return pd.DataFrame({"repeat": [0, 1, 2], "accuracy_all": [0.80, 0.82, 0.81],
                         "accuracy_proportion": [0.81, 0.83, 0.82]})


def _table1() -> pd.DataFrame:
    return pd.DataFrame([{"dataset": "mnist", "neurons": 100, "images": 60000,
                          "accuracy_all": 0.8, "accuracy_proportion": 0.81}])


_LOG = pd.DataFrame({"images": [100, 100], "images_per_s": [50.0, 55.0],
                     "mean_spikes": [12.0, 9.0]})

DRAWINGS = {
    "receptive_fields": lambda stem: plots.receptive_fields(
        np.random.default_rng(0).random((N_INPUT, N_EXC)), stem, "mnist"),
    "theta_distribution": lambda stem: plots.theta_distribution(np.full(N_EXC, 0.02), stem),
    "confusion_matrix": lambda stem: plots.confusion_matrix(np.eye(10) * 5, stem, "cifar10"),
    "accuracy_vs_images": lambda stem: plots.accuracy_vs_images(
        np.array([100, 200]), np.array([0.3, 0.5]), 100, stem, "mnist", final=0.6),
    "training_log": lambda stem: plots.training_log({"run": _LOG}, stem),
    "accuracy_vs_paper": lambda stem: plots.accuracy_vs_paper(_table1(), {"mnist": 0.72}, stem),
    "test_repeats": lambda stem: plots.test_repeats(_repeats(), stem, paper=0.829),
    "entropy_maps": lambda stem: plots.entropy_maps(_entropy(), IMAGE_SHAPE, stem, "mnist"),
    "mi_heatmaps": lambda stem: plots.mi_heatmaps(_mi(), N_EXC, N_INPUT, stem, "mnist"),
    "mi_pixel_maps": lambda stem: plots.mi_pixel_maps(_mi(), IMAGE_SHAPE, stem),
    "informative_neurons": lambda stem: plots.informative_neurons(_table2(), N_EXC, stem),
    "spike_raster": lambda stem: plots.spike_raster(_recording(), 0, stem, "mnist"),
}


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_every_plot_writes_a_png_and_a_pdf(tmp_path, name):
    stem = tmp_path / "out" / name
    _assert_png_and_pdf(DRAWINGS[name](stem), stem)
    assert sorted(p.name for p in stem.parent.iterdir()) == [f"{name}.pdf", f"{name}.png"]


def test_receptive_fields_tile_the_neurons_on_a_near_square_grid(tmp_path, captured):
    weights = np.arange(N_INPUT * 7, dtype=float).reshape(N_INPUT, 7)
    plots.receptive_fields(weights, tmp_path / "fields", "mnist")
    (fig,) = captured
    image = fig.axes[0].get_images()[0].get_array()
    assert image.shape == (9, 9)  # 7 neurons of 3 x 3 pixels on a 3 x 3 grid
    np.testing.assert_array_equal(image[3:6, 0:3], weights[:, 3].reshape(3, 3))
    assert np.isnan(np.ma.filled(image[6:9, 3:9], np.nan)).all()  # two empty cells
    assert fig.axes[0].get_title() == "Receptive fields, MNIST (7 of 7 neurons)"


def test_receptive_fields_show_at_most_max_neurons(tmp_path, captured):
    plots.receptive_fields(np.ones((4, 150)), tmp_path / "fields")
    image = captured[0].axes[0].get_images()[0].get_array()
    assert image.shape == (20, 20)  # 10 x 10 neurons of 2 x 2 pixels
    assert captured[0].axes[0].get_title() == "Receptive fields (100 of 150 neurons)"


def test_confusion_matrix_writes_each_count_with_the_class_names(tmp_path, captured):
    counts = np.arange(100).reshape(10, 10)
    plots.confusion_matrix(counts, tmp_path / "confusion", "fashion-mnist")
    ax = captured[0].axes[0]
    assert [int(t.get_text()) for t in ax.texts] == list(counts.ravel())
    assert [t.get_text() for t in ax.get_yticklabels()] == plots.class_names("fashion-mnist")
    rows = ax.get_images()[0].get_array()
    np.testing.assert_allclose(rows.sum(axis=1), 1.0)  # shaded by fraction of the true class


def test_confusion_matrix_of_another_size_labels_its_own_classes(tmp_path, captured):
    plots.confusion_matrix([[3, 1], [0, 4]], tmp_path / "confusion", "mnist")
    assert [t.get_text() for t in captured[0].axes[0].get_xticklabels()] == ["0", "1"]


def test_neuron_categories_keep_the_most_specific_set():
    matrix = plots.neuron_categories(_table2(), N_EXC)
    np.testing.assert_array_equal(matrix, [[2, 3, 1, 0], [1, 0, 0, 2], [0, 0, 0, 0]])


def test_importing_the_plots_changes_no_backend_and_loads_no_pyplot_or_simulation():
    code = ("import sys, matplotlib; import diehlsim.plots, diehlsim.figures\n"
            "loaded = [m for m in ('matplotlib.pyplot', 'brian2', 'diehlsim.simulation',"
            " 'diehlsim.runs') if m in sys.modules]\n"
            "print(loaded, matplotlib.get_backend())")
    env = {**os.environ, "MPLBACKEND": "svg",
           "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "svg"]


def _analysis_dir(directory: Path) -> Path:
    directory.mkdir()
    _entropy().to_csv(directory / "capozzi_entropy.csv", index=False)
    _mi().to_csv(directory / "capozzi_mi.csv", index=False)
    _table2().to_csv(directory / "table2.csv", index=False)
    _recording().save(directory / "spikes.npz")
    return directory


def test_information_figures_draw_every_figure_of_an_analysis_directory(tmp_path, captured):
    analysis = _analysis_dir(tmp_path / "analysis")
    paths = figures.information_figures(analysis, tmp_path / "figures", "mnist", IMAGE_SHAPE,
                                        analysis / "spikes.npz")
    names = ["entropy_maps", "mi_heatmaps", "mi_pixel_maps", "informative_neurons",
             "spike_raster"]
    assert [p.name for p in paths] == [f"{n}{s}" for n in names for s in (".png", ".pdf")]
    assert all(p.stat().st_size > 1000 for p in paths)
    informative = captured[3].axes[0].get_images()[0].get_array()
    assert informative.shape == (N_CLASSES, N_EXC)  # n_exc read from the output entropy


def test_information_figures_without_a_recording_draw_no_raster(tmp_path):
    analysis = _analysis_dir(tmp_path / "analysis")
    paths = figures.information_figures(analysis, tmp_path / "figures", "mnist", IMAGE_SHAPE)
    assert "spike_raster.png" not in {p.name for p in paths}


def test_run_figures_draw_the_trained_network_and_its_confusion_matrix(tmp_path):
    from diehlsim import runs
    from diehlsim.models.parameters import default_parameters
    from diehlsim.models.state import NetworkState

    run = tmp_path / "run"
    run.mkdir()
    runs.save_config(run, default_parameters(N_EXC, N_INPUT))
    matrix = np.full((N_INPUT, N_EXC), 0.1)
    vector = np.zeros(N_EXC)
    runs.save_state(run, NetworkState(dict(
        weights=matrix, delays=matrix, lastpre=matrix, theta=vector + 0.02, exc_v=vector,
        exc_ge=vector, exc_gi=vector, exc_post1=vector, exc_post2=vector, inh_v=vector,
        inh_ge=vector, inh_gi=vector, intensity=2.0, repeats=0)))
    (run / "metrics.json").write_text(json.dumps({"confusion": np.eye(10).tolist(),
                                                  "accuracy_all": 1.0}))
    paths = figures.run_figures(run, tmp_path / "figures", "mnist")
    # no saved training responses: no accuracy-during-training curve
    assert [p.name for p in paths] == [f"{n}{s}" for n in ("receptive_fields", "theta",
                                                          "confusion") for s in (".png", ".pdf")]
