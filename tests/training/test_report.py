"""Every report file says which data, recipe and epoch produced it, and the
plots show what evaluation.md has."""

import json

import pytest

from pyg_weightshare.datasets import ACTIONS
from pyg_weightshare.datasets.detector import DetectorDataset
from pyg_weightshare.metrics import ActionErrors
from pyg_weightshare.training import TrainConfig
from pyg_weightshare.training.report import DataLabels, write_report

EPOCHS = 3


def errors(scale: float) -> ActionErrors:
    return ActionErrors(
        ACTIONS,
        tuple(100 + index for index in range(len(ACTIONS))),
        tuple(scale * (50 + index) for index in range(len(ACTIONS))),
        tuple(scale * (30 + index) for index in range(len(ACTIONS))),
    )


def texts(figure) -> str:
    """Every text of a figure: titles, captions, labels, tick labels, legends."""
    found = [
        text.get_text() for text in figure.findobj(lambda a: hasattr(a, "get_text"))
    ]
    return "\n".join(found)


def run_directory(tmp_path, config):
    out = tmp_path / "run"
    out.mkdir()
    rows = [
        {
            "epoch": epoch,
            "train_loss": 1.0 / epoch,
            "val_mpjpe": 90.0 + (epoch - 2) ** 2,
            "val_p_mpjpe": 60.0 + epoch,
        }
        for epoch in range(1, EPOCHS + 1)
    ]
    (out / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def test_default_run_names_the_synthetic_data_and_the_recipe(
    tmp_path, saved_figures, capsys
):
    config = TrainConfig(out=str(tmp_path / "run"), epochs=EPOCHS)
    out = run_directory(tmp_path, config)
    report = write_report(out, config, errors(1.0), errors(2.0), 2, 1234)

    stored = json.loads((out / "evaluation.json").read_text())
    assert stored == report
    assert stored["data"]["synthetic"] is True
    assert stored["data"]["keypoints"] == "gt"
    assert "synthetic Human3.6M" in stored["data"]["description"]
    assert "cannot be compared with the paper's" in stored["data"]["description"]
    assert stored["recipe"]["name"] == "demo"
    assert stored["recipe"]["epochs"] == EPOCHS
    assert stored["recipe"]["stride"] == 4
    assert stored["recipe"]["description"] == (
        f"recipe demo, {EPOCHS} epochs, batch 256, lr 0.001, 1 in 4 training poses"
    )
    assert stored["best_epoch"] == 2

    markdown = (out / "evaluation.md").read_text()
    assert "- Data: synthetic Human3.6M" in markdown
    assert f"- Training: recipe demo, {EPOCHS} epochs, batch 256" in markdown
    assert f"- Model of epoch 2 of {EPOCHS} (best epoch on the validation " in markdown

    for name in ("curves.png", "per_action.png"):
        assert (out / name).stat().st_size > 10_000
        shown = texts(saved_figures[name])
        assert "Data: synthetic Human3.6M" in shown, name
        assert f"Training: recipe demo, {EPOCHS} epochs" in shown, name
        assert f"epoch 2 of {EPOCHS}" in shown, name


def test_files_of_real_data_name_the_directory_and_the_input(tmp_path):
    config = TrainConfig(
        out=str(tmp_path / "run"), data_dir="/data/h36m", recipe="benchmark", epochs=3
    )
    out = run_directory(tmp_path, config)
    report = write_report(out, config, errors(1.0), errors(2.0), 3, 1234)
    assert report["data"] == {
        "data_dir": "/data/h36m",
        "synthetic": False,
        "keypoints": "cpn_ft_h36m_dbb",
        "test_subjects": ["S9", "S11"],
        "test_split": "subjects S9 S11",
        "description": "Human3.6M-format files in /data/h36m, 2D input cpn_ft_h36m_dbb",
    }
    assert report["recipe"]["description"] == (
        "recipe benchmark, 3 epochs, batch 256, lr 0.0001, dropout 0.2, "
        "non-local blocks"
    )
    assert "- Data: Human3.6M-format files in /data/h36m" in (
        (out / "evaluation.md").read_text()
    )


def test_data_held_in_memory_is_named_by_the_dataset_not_the_config(
    tmp_path, saved_figures
):
    config = TrainConfig(out=str(tmp_path / "run"), epochs=EPOCHS)
    out = run_directory(tmp_path, config)
    labels = DataLabels.of(config, DetectorDataset("coco", 8, 8, 8, seed=4))
    report = write_report(out, config, errors(1.0), errors(2.0), 2, 1234, labels)
    assert report["data"]["description"].startswith("detector-shaped coco keypoints")
    assert report["data"]["test_split"] == "poses of seed 6"
    assert report["selection"] == "best epoch on the validation poses of seed 5"
    written = (out / "evaluation.md").read_text() + texts(saved_figures["curves.png"])
    assert "Test poses of seed 6." in written and "S9" not in written
    assert "S8" not in written and "synthetic Human3.6M" not in written


def test_per_action_plot_has_the_baseline_and_the_action_mean(tmp_path, saved_figures):
    config = TrainConfig(out=str(tmp_path / "run"), epochs=EPOCHS)
    out = run_directory(tmp_path, config)
    test, baseline = errors(1.0), errors(2.0)
    write_report(out, config, test, baseline, 2, 1234)
    (axis,) = saved_figures["per_action.png"].axes
    labels = [label.get_text() for label in axis.get_xticklabels()]
    assert labels == [*ACTIONS, "action mean"]
    bars = {
        container.get_label(): [bar.get_height() for bar in container]
        for container in axis.containers
    }
    assert bars["model MPJPE"] == pytest.approx([*test.mpjpe, test.mpjpe_action_mean])
    assert bars["mean-pose baseline P-MPJPE"] == pytest.approx(
        [*baseline.p_mpjpe, baseline.p_mpjpe_action_mean]
    )
    assert axis.get_ylabel() == "error (mm)"


def test_curves_name_the_selection_split_and_mark_the_chosen_epoch(
    tmp_path, saved_figures
):
    config = TrainConfig(out=str(tmp_path / "run"), epochs=EPOCHS)
    out = run_directory(tmp_path, config)
    write_report(out, config, errors(1.0), errors(2.0), 2, 1234)
    loss_axis, error_axis = saved_figures["curves.png"].axes
    legend = [text.get_text() for text in error_axis.get_legend().get_texts()]
    assert legend == [
        "validation (subjects S8) MPJPE",
        "validation (subjects S8) P-MPJPE",
        "chosen: epoch 2, MPJPE 90.0 mm",
    ]
    chosen = error_axis.lines[-1]
    assert list(chosen.get_xdata()) == [2]
    assert loss_axis.get_ylabel().endswith("(mean squared error, m²)")
    assert error_axis.get_ylabel() == "action-wise mean error (mm)"


def test_curves_without_selection_split(tmp_path, saved_figures):
    config = TrainConfig(out=str(tmp_path / "run"), epochs=EPOCHS, select_on="last")
    out = run_directory(tmp_path, config)
    write_report(out, config, errors(1.0), errors(2.0), EPOCHS, 1234)
    (loss_axis,) = saved_figures["curves.png"].axes
    assert "last epoch, no selection" in texts(saved_figures["curves.png"])
    assert [t.get_text() for t in loss_axis.get_legend().get_texts()] == [
        f"chosen epoch ({EPOCHS})"
    ]
