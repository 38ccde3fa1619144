"""Every read-out's confusion matrix becomes a figure of the run, through the registry."""

from __future__ import annotations

import json

import numpy as np

from diehlsim import figures
from diehlsim.plots import _save


def _run_with_metrics(run, metrics: dict) -> None:
    from diehlsim import runs
    from diehlsim.models.state import NetworkState

    run.mkdir()
    matrix = np.full((9, 4), 0.1)
    vector = np.zeros(4)
    runs.save_state(run, NetworkState(dict(
        weights=matrix, delays=matrix, lastpre=matrix, theta=vector + 0.02, exc_v=vector,
        exc_ge=vector, exc_gi=vector, exc_post1=vector, exc_post2=vector, inh_v=vector,
        inh_ge=vector, inh_gi=vector, intensity=2.0, repeats=0)))
    (run / "metrics.json").write_text(json.dumps(metrics))


def test_each_read_out_gets_its_confusion_figure(tmp_path, monkeypatch):
    titles = []
    save = _save.save

    def save_and_keep(fig, stem):
        titles.append(fig.axes[0].get_title())
        return save(fig, stem)

    monkeypatch.setattr(_save, "save", save_and_keep)
    eye = np.eye(10).tolist()
    _run_with_metrics(tmp_path / "run", {
        "confusion": eye, "accuracy_all": 1.0,
        "confusions": {"all": eye, "first_spike": eye, "linear": eye}})
    paths = figures.run_figures(tmp_path / "run", tmp_path / "figures", "mnist")
    stems = [p.stem for p in paths if p.suffix == ".png"]
    assert stems == ["receptive_fields", "theta", "confusion", "confusion_first_spike",
                     "confusion_linear"]
    assert titles[2:] == ["Confusion matrix, MNIST, all vote",
                          "Confusion matrix, MNIST, first spike",
                          "Confusion matrix, MNIST, linear"]


def test_metrics_without_per_read_out_matrices_draw_the_primary_one(tmp_path):
    _run_with_metrics(tmp_path / "run", {"confusion": np.eye(10).tolist()})
    paths = figures.run_figures(tmp_path / "run", tmp_path / "figures", "mnist")
    assert [p.stem for p in paths if p.suffix == ".png"] == ["receptive_fields", "theta",
                                                              "confusion"]
