"""Animated GIFs of lifted videos: the 2D input beside the 3D skeleton."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from pyg_weightshare.plotting import bone_colors
from pyg_weightshare.skeleton import Skeleton


def animate_lift(
    keypoints: np.ndarray,
    poses: np.ndarray,
    skeleton: Skeleton,
    path: str | os.PathLike,
    image_size: tuple[int, int],
    fps: int = 25,
    max_frames: int = 250,
) -> Path:
    r"""Writes an animated GIF: the 2D keypoints in the image on the left,
    the lifted 3D skeleton on the right, both on fixed axes, bones coloured
    by side (left blue, right red).

    Args:
        keypoints (np.ndarray): 2D joints in pixels :obj:`[T, J, 2]`.
        poses (np.ndarray): Root-relative 3D joints in the camera frame, in
            metres, :obj:`[T, J, 3]`.
        skeleton (Skeleton): The joints' skeleton.
        path (str or os.PathLike): The :obj:`.gif` file to write.
        image_size (tuple[int, int]): :obj:`(width, height)` in pixels.
        fps (int, optional): Frames per second. (default: :obj:`25`)
        max_frames (int, optional): Longer videos are shown every
            :math:`\lceil T / \text{max\_frames} \rceil`-th frame.
            (default: :obj:`250`)

    Returns:
        pathlib.Path: :obj:`path`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter

    step = -(-len(poses) // max_frames)
    keypoints, poses = keypoints[::step], poses[::step]
    # Camera frame (x right, y down, z forward) drawn with z as depth and
    # -y up, so the person stands upright.
    drawn = np.stack([poses[..., 0], poses[..., 2], -poses[..., 1]], axis=-1)
    extent = float(np.abs(drawn).max()) or 1.0
    width, height = image_size
    bones, colours = skeleton.bones, bone_colors(skeleton)

    figure = plt.figure(figsize=(8, 4), dpi=80)
    image = figure.add_subplot(1, 2, 1)
    image.set(xlim=(0, width), ylim=(height, 0), aspect="equal", title="2D input")
    image.set_xticks([])
    image.set_yticks([])
    space = figure.add_subplot(1, 2, 2, projection="3d")
    space.set(
        xlim=(-extent, extent),
        ylim=(-extent, extent),
        zlim=(-extent, extent),
        xlabel="x (m)",
        ylabel="depth (m)",
        zlabel="up (m)",
        title="3D, root-relative",
    )
    ticks = [-round(extent, 1), 0, round(extent, 1)]
    space.set(xticks=ticks, yticks=ticks, zticks=ticks)
    space.view_init(elev=15, azim=-70)
    lines_2d = [image.plot([], [], color=c, lw=2)[0] for c in colours]
    lines_3d = [space.plot([], [], [], color=c, lw=2)[0] for c in colours]
    caption = figure.suptitle("")

    def draw(frame: int):
        for line, (joint, parent) in zip(lines_2d, bones, strict=True):
            line.set_data(*keypoints[frame, [joint, parent]].T)
        for line, (joint, parent) in zip(lines_3d, bones, strict=True):
            x, y, z = drawn[frame, [joint, parent]].T
            line.set_data_3d(x, y, z)
        caption.set_text(f"frame {frame * step}")
        return [*lines_2d, *lines_3d, caption]

    figure.tight_layout()
    animation = FuncAnimation(figure, draw, frames=len(poses), blit=False)
    path = Path(path)
    animation.save(path, writer=PillowWriter(fps=fps))
    plt.close(figure)
    return path
