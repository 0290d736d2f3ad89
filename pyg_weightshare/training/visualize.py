"""A figure like the paper's Fig. 7: the 2D input of a few test poses, and
the predicted 3D pose drawn over the true one."""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch
from torch import Tensor

from pyg_weightshare.plotting import (
    CENTER_COLOR,
    LEFT_COLOR,
    RIGHT_COLOR,
    bone_colors,
)

TRUTH_COLOR = "0.6"
POSES_PER_ROW = 2
HEADER_INCHES = 1.1  # title, caption and legend


def visualize_checkpoint(
    checkpoint_path: str | os.PathLike,
    out: str | os.PathLike | None = None,
    data_dir: str | None = None,
    num_poses: int = 4,
) -> Path:
    """Draws :obj:`num_poses` test poses spread over the test actions and
    returns the path of the PNG (default: :obj:`poses.png` beside the
    checkpoint).

    Each pose gets two panels: the 2D input in the pixels of its camera, and
    the predicted 3D pose (root-relative, mm) over the ground truth, titled
    with the pose's MPJPE and P-MPJPE. The title names the model, the data
    and the recipe."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pyg_weightshare.datasets.camera import image_coordinates
    from pyg_weightshare.metrics import mpjpe, p_mpjpe
    from pyg_weightshare.nn.models.inference import predict
    from pyg_weightshare.nn.models.serialization import load_checkpoint
    from pyg_weightshare.training.factory import restore
    from pyg_weightshare.training.report import data_note, recipe_note

    checkpoint = load_checkpoint(checkpoint_path)
    model, dataset, config = restore(checkpoint, data_dir, splits=("test",))
    epoch = checkpoint.training["epoch"]
    test = dataset.test
    poses = test[torch.linspace(0, len(test) - 1, num_poses).long()]
    predicted = predict(model, poses.inputs, torch.device("cpu"))
    errors = mpjpe(predicted, poses.targets, reduction="none") * 1000
    aligned = p_mpjpe(predicted, poses.targets, reduction="none") * 1000
    skeleton = dataset.skeleton
    bones = list(zip(skeleton.bones, bone_colors(skeleton), strict=True))

    per_row = min(num_poses, POSES_PER_ROW)
    rows = math.ceil(num_poses / per_row)
    figure = plt.figure(figsize=(7.2 * per_row, 3.9 * rows + HEADER_INCHES))
    # Per pose a 2D and a 3D column; a narrow spacer column between poses.
    grid = figure.add_gridspec(
        rows,
        3 * per_row - 1,
        width_ratios=([1, 1.35, 0.12] * per_row)[:-1],
        left=0.05,
        right=0.97,
        bottom=0.06 / rows,
        top=1 - HEADER_INCHES / figure.get_figheight(),
        wspace=0.25,
        hspace=0.2,
    )
    for index in range(num_poses):
        row, column = divmod(index, per_row)
        subject = poses.subject_names[int(poses.subject[index])]
        camera = dataset.cameras(subject)[int(poses.camera[index])]
        action = poses.action_names[int(poses.action[index])]
        _draw_input(
            figure.add_subplot(grid[row, 3 * column]),
            image_coordinates(poses.inputs[index], camera.res_w, camera.res_h),
            bones,
            f"{subject} {action}, camera {camera.id}\n2D input",
        )
        _draw_3d(
            figure.add_subplot(grid[row, 3 * column + 1], projection="3d"),
            1000 * predicted[index],
            1000 * poses.targets[index],
            bones,
            f"3D: MPJPE {errors[index]:.0f} mm, P-MPJPE {aligned[index]:.0f} mm",
        )
    _header(
        figure,
        f"Test poses lifted by {config.scheme} (checkpoint of epoch {epoch} of "
        f"{config.epochs})",
        f"Data: {data_note(config)}\nTraining: {recipe_note(config)}",
    )
    path = (
        Path(out) if out is not None else Path(checkpoint_path).with_name("poses.png")
    )
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _draw_input(axis, pixels: Tensor, bones: list, title: str) -> None:
    """The 2D pose in image pixels, in a square box around it."""
    for (child, parent), color in bones:
        axis.plot(*pixels[[child, parent]].T, color=color, linewidth=2)
    _fit_box(axis, pixels, ticks=4)
    axis.set_aspect("equal")
    axis.invert_yaxis()  # image rows grow downwards
    axis.set_xlabel("x (px)", fontsize=8)
    axis.set_ylabel("y (px)", fontsize=8)
    axis.tick_params(labelsize=7)
    axis.set_title(title, fontsize=9)


def _draw_3d(axis, predicted: Tensor, truth: Tensor, bones: list, title: str) -> None:
    """The predicted pose, coloured by side, over the wide grey ground truth,
    in a cube with equal scales around both (mm)."""
    # Camera frame: x right, y down, z forward; drawn with y up.
    predicted, truth = (
        pose[:, [0, 2, 1]] * pose.new_tensor([1, 1, -1]) for pose in (predicted, truth)
    )
    for (child, parent), _ in bones:
        axis.plot(*truth[[child, parent]].T, color=TRUTH_COLOR, linewidth=5, alpha=0.7)
    for (child, parent), color in bones:
        axis.plot(*predicted[[child, parent]].T, color=color, linewidth=2)
    _fit_box(axis, torch.cat([predicted, truth]), ticks=3)
    # Zoomed: matplotlib leaves a wide margin around 3D boxes.
    axis.set_box_aspect((1, 1, 1), zoom=1.1)
    axis.set_proj_type("ortho")
    axis.view_init(elev=12, azim=-65)
    axis.set_xlabel("x (mm)", fontsize=8, labelpad=-4)
    axis.set_ylabel("depth z (mm)", fontsize=8, labelpad=-4)
    axis.set_zlabel("height −y (mm)", fontsize=8, labelpad=-4)
    axis.tick_params(labelsize=6, pad=-2)
    axis.set_title(title, fontsize=9)


def _fit_box(axis, points: Tensor, ticks: int) -> None:
    """Limits with equal extents on every axis around :obj:`points`, so the
    pose fills its panel, and at most :obj:`ticks` ticks per axis, so their
    labels never overlap."""
    from matplotlib.ticker import MaxNLocator

    low, high = points.min(dim=0).values, points.max(dim=0).values
    center, half = (low + high) / 2, 0.55 * float((high - low).max())
    names = "xyz"[: points.size(1)]
    axis.set(
        **{
            f"{n}lim": (float(c) - half, float(c) + half)
            for n, c in zip(names, center, strict=True)
        }
    )
    for name in names:
        getattr(axis, f"{name}axis").set_major_locator(MaxNLocator(ticks))


def _header(figure, title: str, caption: str) -> None:
    """Title and caption at the top left, the colour legend at the top right."""
    from matplotlib.lines import Line2D

    height = figure.get_figheight()
    figure.suptitle(title, x=0.01, y=1 - 0.1 / height, ha="left", fontweight="bold")
    figure.text(0.01, 1 - 0.4 / height, caption, fontsize=8, va="top")
    handles = [
        Line2D([], [], color=LEFT_COLOR, linewidth=2, label="left"),
        Line2D([], [], color=RIGHT_COLOR, linewidth=2, label="right"),
        Line2D([], [], color=CENTER_COLOR, linewidth=2, label="centre"),
        Line2D([], [], color=TRUTH_COLOR, linewidth=5, label="ground truth (3D)"),
    ]
    figure.legend(
        handles=handles,
        loc="upper right",
        ncols=4,
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.99, 1 - 0.35 / height),
    )
