"""Draws a sample of the synthetic Human3.6M: 2D poses as the cameras see
them, over the image frame, and poses drawn at random in 3D.

Usage::

    python docs/scripts/plot_synthetic_poses.py [--out docs/images/synthetic_poses.png]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from pyg_weightshare.datasets import CAMERA_IDS, h36m_cameras, synthesize_h36m
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.plotting import bone_colors
from pyg_weightshare.skeleton import h36m_skeleton

# (subject, take, camera index, fraction of the take) of each 2D panel.
PANELS = [
    ("S1", "Walking", 0, 0.3),
    ("S5", "Sitting 1", 1, 0.5),
    ("S6", "SittingDown", 2, 0.6),
    ("S7", "Phoning", 3, 0.4),
    ("S8", "Greeting 1", 0, 0.5),
    ("S9", "Posing", 1, 0.35),
]
NUM_3D = 12
SEED = 0
SKELETON = h36m_skeleton(17)
# Each bone (joint, parent) with the colour of its side.
BONES = list(zip(SKELETON.bones, bone_colors(SKELETON), strict=True))


def draw_skeleton(axis, points: np.ndarray) -> None:
    for (joint, parent), color in BONES:
        axis.plot(*points[[parent, joint]].T, color=color, linewidth=2)
    axis.scatter(*points.T, s=6, color="black", zorder=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("docs/images/synthetic_poses.png")
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        synthesize_h36m(root, frames=300, seed=SEED)
        positions_3d = np.load(f"{root}/data_3d_h36m.npz", allow_pickle=True)[
            "positions_3d"
        ].item()
        positions_2d = np.load(f"{root}/data_2d_h36m_gt.npz", allow_pickle=True)[
            "positions_2d"
        ].item()

    figure = plt.figure(figsize=(16, 10.5))
    for index, (subject, take, camera_index, fraction) in enumerate(PANELS):
        camera = h36m_cameras(subject)[camera_index]
        view = positions_2d[subject][take][camera_index]
        axis = figure.add_subplot(3, 6, index + 1)
        draw_skeleton(axis, view[int(fraction * (len(view) - 1))])
        axis.set_xlim(0, camera.res_w)
        axis.set_ylim(camera.res_h, 0)
        axis.set_aspect("equal")
        axis.set_title(
            f"{subject} {take}, camera {CAMERA_IDS[camera_index]}", fontsize=8
        )
        axis.tick_params(labelsize=6)

    # Poses drawn uniformly over every take and frame, in the world frame.
    rng = np.random.default_rng(SEED)
    takes = [(s, k) for s, keys in positions_3d.items() for k in keys]
    for index in range(NUM_3D):
        subject, take = takes[rng.integers(len(takes))]
        mocap = positions_3d[subject][take]
        pose = mocap[rng.integers(len(mocap)), list(MOCAP_INDICES_17)]
        axis = figure.add_subplot(3, 6, 7 + index, projection="3d")
        draw_skeleton(axis, pose)
        center = pose[0]
        axis.set_xlim(center[0] - 1, center[0] + 1)
        axis.set_ylim(center[1] - 1, center[1] + 1)
        axis.set_zlim(0, 2)
        axis.set_box_aspect((1, 1, 1))
        axis.set_title(f"{subject} {take} (3D, m)", fontsize=8)
        axis.tick_params(labelsize=5)

    figure.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.out, dpi=80)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
