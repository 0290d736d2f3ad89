"""Draws poses of the wide prior that the bundled lifters are trained on:
one 3D pose of each posture and of the uniform draws, and COCO keypoints of
a few people as the detector model reports them in their images.

Usage::

    python docs/scripts/plot_wide_prior.py [--out docs/images/wide_prior.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from pyg_weightshare.datasets.detector import (
    CONFIDENCE_THRESHOLD,
    synthesize_detector_poses,
)
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.datasets.pose_prior import WIDE_POSTURES, sample_poses
from pyg_weightshare.plotting import bone_colors
from pyg_weightshare.skeleton import h36m_skeleton

SEED = 0
# COCO-17 edges: (keypoint, keypoint, colour) with the person's left blue.
COCO_EDGES = [
    (0, 1, "tab:blue"), (0, 2, "tab:red"), (1, 3, "tab:blue"), (2, 4, "tab:red"),
    (5, 6, "black"), (5, 7, "tab:blue"), (7, 9, "tab:blue"), (6, 8, "tab:red"),
    (8, 10, "tab:red"), (5, 11, "black"), (6, 12, "black"), (11, 12, "black"),
    (11, 13, "tab:blue"), (13, 15, "tab:blue"), (12, 14, "tab:red"),
    (14, 16, "tab:red"),
]  # fmt: skip
SKELETON = h36m_skeleton(17)
# Each bone (joint, parent) with the colour of its side.
BONES = list(zip(SKELETON.bones, bone_colors(SKELETON), strict=True))


def draw_3d(axis, points: np.ndarray) -> None:
    for (joint, parent), color in BONES:
        axis.plot(*points[[parent, joint]].T, color=color, linewidth=2)
    axis.scatter(*points.T, s=5, color="black")


def draw_coco(axis, keypoints: np.ndarray, seen: np.ndarray) -> None:
    for a, b, color in COCO_EDGES:
        if seen[a] and seen[b]:
            axis.plot(*keypoints[[a, b]].T, color=color, linewidth=2)
    axis.scatter(*keypoints[seen].T, s=8, color="black", zorder=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images/wide_prior.png"))
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    joints, posture = sample_poses(rng, 4000)
    names = [*WIDE_POSTURES, "uniform"]
    figure = plt.figure(figsize=(15, 12.5))
    for index, name in enumerate(names):
        pose = joints[np.flatnonzero(posture == index)[0]][list(MOCAP_INDICES_17)]
        axis = figure.add_subplot(4, 6, index + 1, projection="3d")
        draw_3d(axis, pose)
        center = pose[0]
        axis.set_xlim(center[0] - 1, center[0] + 1)
        axis.set_ylim(center[1] - 1, center[1] + 1)
        axis.set_zlim(0, 2)
        axis.set_box_aspect((1, 1, 1))
        axis.set_title(f"{name} (3D, 2 m cube)", fontsize=11)
        axis.set_xticklabels([])
        axis.set_yticklabels([])
        axis.set_zticklabels([])

    people = synthesize_detector_poses(200, "coco", seed=SEED)
    for slot, person in enumerate(range(0, 5 * 7, 7)):
        axis = figure.add_subplot(4, 6, 20 + slot)
        keypoints = people.keypoints[person]
        seen = people.confidence[person] >= CONFIDENCE_THRESHOLD
        draw_coco(axis, keypoints, seen)
        low, high = keypoints[seen].min(0), keypoints[seen].max(0)
        middle, half = (low + high) / 2, (high - low).max() / 2 * 1.3 + 1
        axis.set_xlim(middle[0] - half, middle[0] + half)
        axis.set_ylim(middle[1] + half, middle[1] - half)
        axis.set_aspect("equal")
        axis.set_title(f"detected COCO, {int(seen.sum())}/17 seen (px)", fontsize=9)
        axis.tick_params(labelsize=6)
    figure.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    figure.subplots_adjust(wspace=0.05, hspace=0.1)
    figure.savefig(args.out, dpi=72)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
