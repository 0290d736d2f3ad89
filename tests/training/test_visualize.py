"""The visualize figure: 2D input in pixels, prediction over ground truth in
mm with each pose's error, left/right colours, and what produced it."""

import pytest

from pyg_weightshare import h36m_skeleton
from pyg_weightshare.plotting import CENTER_COLOR, LEFT_COLOR, RIGHT_COLOR
from pyg_weightshare.training import TrainConfig, train
from pyg_weightshare.training.visualize import TRUTH_COLOR, visualize_checkpoint


def test_figure_overlays_prediction_and_truth_with_units(
    tiny_data, tiny_run, tmp_path, saved_figures
):
    out = str(tmp_path / "run")
    config = TrainConfig(out=out, data_dir=str(tiny_data), epochs=1, **tiny_run)
    train(config, progress=False)
    path = visualize_checkpoint(tmp_path / "run" / "best.pt", num_poses=3)
    assert path == tmp_path / "run" / "poses.png"
    figure = saved_figures["poses.png"]

    title = figure._suptitle.get_text()
    assert title == "Test poses lifted by pre_agg (checkpoint of epoch 1 of 1)"
    caption = "\n".join(text.get_text() for text in figure.texts)
    assert f"Data: Human3.6M-format files in {tiny_data}, ground-truth 2D" in caption
    assert "Training: recipe demo, 1 epochs" in caption
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert legend == ["left", "right", "centre", "ground truth (3D)"]

    panels_2d = [axis for axis in figure.axes if axis.name != "3d"]
    panels_3d = [axis for axis in figure.axes if axis.name == "3d"]
    assert len(panels_2d) == len(panels_3d) == 3
    num_bones = len(h36m_skeleton(16).bones)
    for axis in panels_2d:
        assert (axis.get_xlabel(), axis.get_ylabel()) == ("x (px)", "y (px)")
        assert axis.get_title().endswith("2D input")
        assert axis.yaxis_inverted()
    for axis in panels_3d:
        labels = axis.get_xlabel(), axis.get_ylabel(), axis.get_zlabel()
        assert all(label.endswith("(mm)") for label in labels)
        assert axis.get_title().startswith("3D: MPJPE ")
        assert " mm, P-MPJPE " in axis.get_title()
        colors = [line.get_color() for line in axis.lines]
        # The ground truth under the prediction, in one panel.
        assert colors[:num_bones] == [TRUTH_COLOR] * num_bones
        assert set(colors[num_bones:]) == {LEFT_COLOR, RIGHT_COLOR, CENTER_COLOR}
        # The pose fills a cube of equal extents.
        limits = axis.get_xlim(), axis.get_ylim(), axis.get_zlim()
        extents = [high - low for low, high in limits]
        assert max(extents) == pytest.approx(min(extents))
