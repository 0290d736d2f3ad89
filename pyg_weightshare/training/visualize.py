"""A figure like the paper's Fig. 7: 2D input, predicted and true 3D pose."""

from __future__ import annotations

import os
from pathlib import Path

import torch


def visualize_checkpoint(
    checkpoint_path: str | os.PathLike,
    out: str | os.PathLike | None = None,
    data_dir: str | None = None,
    num_poses: int = 4,
) -> Path:
    """Draws :obj:`num_poses` test poses spread over the test actions and
    returns the path of the PNG (default: :obj:`poses.png` beside the
    checkpoint)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pyg_weightshare.datasets import ACTIONS
    from pyg_weightshare.training.evaluation import predict, restore

    model, dataset, _ = restore(checkpoint_path, data_dir)
    test = dataset.test
    chosen = torch.linspace(0, len(test) - 1, num_poses).long()
    poses = test[chosen]
    predicted = predict(model, poses.inputs, torch.device("cpu"))
    bones = dataset.skeleton.bones

    figure = plt.figure(figsize=(9, 3 * num_poses))
    for row in range(num_poses):
        title = ACTIONS[int(poses.action[row])]
        axis = figure.add_subplot(num_poses, 3, 3 * row + 1)
        joints = poses.inputs[row]
        for child, parent in bones:
            axis.plot(*joints[[child, parent]].T, color="tab:blue")
        axis.set(title=f"{title}: 2D input", aspect="equal")
        axis.invert_yaxis()
        for column, (name, pose) in enumerate(
            (("predicted 3D", predicted[row]), ("ground truth 3D", poses.targets[row])),
            2,
        ):
            axis = figure.add_subplot(num_poses, 3, 3 * row + column, projection="3d")
            # Camera frame: x right, y down, z forward; draw y up.
            x, y, z = pose[:, 0], pose[:, 2], -pose[:, 1]
            for child, parent in bones:
                axis.plot(
                    x[[child, parent]],
                    y[[child, parent]],
                    z[[child, parent]],
                    color="tab:red" if column == 2 else "tab:green",
                )
            axis.set(title=name, xlim=(-1, 1), ylim=(-1, 1), zlim=(-1, 1))
            axis.set_xticklabels([])
            axis.set_yticklabels([])
            axis.set_zticklabels([])
    figure.tight_layout()
    path = (
        Path(out) if out is not None else Path(checkpoint_path).with_name("poses.png")
    )
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
