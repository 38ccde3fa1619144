"""Every read-out's confusion matrix becomes a figure of the run, through the registry."""

from __future__ import annotations

import json

import numpy as np

from diehlsim import figures
from diehlsim.plots import _save


def _run_with_metrics(run, metrics: dict) -> None:
    from diehlsim import runs
    from diehlsim.models.parameters import default_parameters
    from diehlsim.models.state import NetworkState

    run.mkdir()
    runs.save_config(run, default_parameters(4, 9))
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


def test_label_efficiency_refits_on_the_first_n_labelled_presentations(tmp_path):
    import pytest

    from diehlsim import plots
    from diehlsim.analysis import readouts
    from diehlsim.analysis.readouts_efficiency import label_efficiency
    from diehlsim.analysis.validation import AnalysisInputError

    # neuron c fires for class c (3 classes); the first 4 labelled presentations are all of
    # class 0, so 4 labels assign every firing neuron to class 0
    label_counts = np.array([[3, 0, 0]] * 4 + [[0, 3, 0], [0, 0, 3]] * 3)
    label_y = np.array([0] * 4 + [1, 2] * 3)
    test_counts = np.array([[2, 0, 0], [0, 2, 0], [0, 0, 2], [0, 3, 0]])
    test_y = np.array([0, 1, 2, 1])
    first = np.where(label_counts > 0, 1.0, np.inf)
    with pytest.warns(UserWarning, match="linear read-out is left out: .* two classes"):
        table = label_efficiency(readouts.Responses(label_counts, first), label_y,
                                 readouts.Responses(test_counts, np.where(test_counts > 0,
                                                                          2.0, np.inf)),
                                 test_y, [4, 10], n_classes=3)
    votes = table[table["readout"] == "all"].set_index("labelled")["accuracy"]
    # 4 labels: neuron 0 is class 0, 1 and 2 unassigned -> every image goes to class 0,
    # right for 1 of the 4; 10 labels: all right
    assert votes.to_dict() == {4: 0.25, 10: 1.0}
    # the linear read-out needs two classes with two labels each: not at 4, left out
    assert table.groupby("labelled")["readout"].apply(list).to_dict() == {
        4: ["all", "proportion", "first_spike"],
        10: ["all", "proportion", "first_spike", "linear"]}
    assert list(table.columns) == ["labelled", "readout", "title", "accuracy", "n_test"]
    with pytest.raises(AnalysisInputError, match=r"sizes must lie in \[1, 10\]"):
        label_efficiency(readouts.Responses(label_counts), label_y,
                         readouts.Responses(test_counts), test_y, [20], n_classes=3)
    paths = plots.label_efficiency(table, tmp_path / "efficiency", "mnist")
    assert [p.suffix for p in paths] == [".png", ".pdf"]
