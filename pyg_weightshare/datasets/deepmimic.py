"""The 15 DeepMimic human motion clips that ship with ``pybullet``
(``pybullet_data/data/motions/humanoid3d_*.txt``: real motion capture
retargeted to the DeepMimic humanoid) as Human3.6M joints: a held-out
real-motion test set for models trained on synthetic data. The package
ships none of the motion (its CMU and SFU sources' terms are not cleared
for redistribution); it reads the user's own ``pybullet``.

:func:`read_clips` gives each clip's 17 joints; run as a script to write
them as VideoPose3D files, each clip one take of every subject (so each is
seen by the 28 calibrated cameras, 8 of them the test subjects'), labelled
with one of the 15 Human3.6M action names because the loader groups takes
by action: ``CLIP_ACTIONS`` says which clip each action row holds::

    pip install pybullet  # only for its data files
    python -m pyg_weightshare.datasets.deepmimic --out /tmp/deepmimic
    pyg-weightshare evaluate --checkpoint RUN/best.pt --data-dir /tmp/deepmimic
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from pyg_weightshare.datasets.camera import h36m_cameras, quaternion_to_matrix
from pyg_weightshare.datasets.human36m import (
    MOCAP_INDICES_17,
    NUM_MOCAP_JOINTS,
    SUBJECTS,
)
from pyg_weightshare.skeleton import H36M_LEFT_17, H36M_RIGHT_17

# Human3.6M action name of the row -> DeepMimic clip.
CLIP_ACTIONS = {
    "Directions": "walk",
    "Discussion": "run",
    "Eating": "jump",
    "Greeting": "kick",
    "Phoning": "punch",
    "Photo": "spin",
    "Posing": "spinkick",
    "Purchases": "dance_a",
    "Sitting": "dance_b",
    "SittingDown": "getup_faceup",
    "Smoking": "getup_facedown",
    "Waiting": "crawl",
    "WalkDog": "roll",
    "Walking": "cartwheel",
    "WalkTogether": "backflip",
}
# The DeepMimic humanoid (metres; y up, x forward, z to its right): joint
# offsets from the parent joint, read from pybullet's humanoid.urdf (which is
# 4 times larger).
OFFSETS = {
    "chest": (0, 0.236151, 0),
    "neck": (0, 0.223894, 0),
    "hip": (0, 0, 0.084887),
    "knee": (0, -0.421546, 0),
    "ankle": (0, -0.40987, 0),
    "shoulder": (-0.02405, 0.2435, 0.18311),
    "elbow": (0, -0.274788, 0),
    "wrist": (0, -0.258947, 0),
    # Not joints of the humanoid: the nose and the top of its head sphere.
    "nose": (0.08, 0.12, 0),
    "head": (0.02, 0.25, 0),
}
# Human3.6M world: z up. DeepMimic (x, y, z) -> world (x, -z, y).
TO_WORLD = np.array([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]])
CAPTURE_CENTER = np.array([0.2, 0.3])


def _rotations(frames: np.ndarray, start: int) -> np.ndarray:
    return quaternion_to_matrix(frames[:, start : start + 4])


def _hinge(angle: np.ndarray) -> np.ndarray:
    """Rotations about z (DeepMimic's knee and elbow axis)."""
    cos, sin, zero, one = np.cos(angle), np.sin(angle), 0 * angle, 0 * angle + 1
    return np.stack(
        [
            np.stack([cos, -sin, zero], -1),
            np.stack([sin, cos, zero], -1),
            np.stack([zero, zero, one], -1),
        ],
        -2,
    )


def joints_17(frames: np.ndarray) -> np.ndarray:
    """Human3.6M's 17 joints ``[T, 17, 3]`` (DeepMimic axes) of DeepMimic
    frames ``[T, 44]``."""
    offset = {name: np.array(value, float) for name, value in OFFSETS.items()}
    root = frames[:, 1:4]
    pelvis = _rotations(frames, 4)
    chest = pelvis @ _rotations(frames, 8)
    neck = chest @ _rotations(frames, 12)
    spine = root + pelvis @ offset["chest"]
    thorax = spine + chest @ offset["neck"]
    joints = {
        "Hip": root,
        "Spine": spine,
        "Thorax": thorax,
        "Neck/Nose": thorax + neck @ offset["nose"],
        "Head": thorax + neck @ offset["head"],
    }
    # (side prefix, z sign, hip quaternion, knee, shoulder quaternion, elbow)
    for side, sign, hip_at, knee_at, shoulder_at, elbow_at in (
        ("R", 1.0, 16, 20, 25, 29),
        ("L", -1.0, 30, 34, 39, 43),
    ):
        flip = np.array([1.0, 1.0, sign])
        thigh = pelvis @ _rotations(frames, hip_at)
        shin = thigh @ _hinge(frames[:, knee_at])
        joints[f"{side}Hip"] = root + pelvis @ (offset["hip"] * flip)
        joints[f"{side}Knee"] = joints[f"{side}Hip"] + thigh @ offset["knee"]
        joints[f"{side}Foot"] = joints[f"{side}Knee"] + shin @ offset["ankle"]
        upper_arm = chest @ _rotations(frames, shoulder_at)
        forearm = upper_arm @ _hinge(frames[:, elbow_at])
        shoulder = spine + chest @ (offset["shoulder"] * flip)
        joints[f"{side}Shoulder"] = shoulder
        joints[f"{side}Elbow"] = shoulder + upper_arm @ offset["elbow"]
        joints[f"{side}Wrist"] = joints[f"{side}Elbow"] + forearm @ offset["wrist"]
    names = (
        "Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine",
        "Thorax", "Neck/Nose", "Head", "LShoulder", "LElbow", "LWrist",
        "RShoulder", "RElbow", "RWrist",
    )  # fmt: skip
    return np.stack([joints[name] for name in names], axis=1)


def mocap_32(joints: np.ndarray) -> np.ndarray:
    """The 32-joint mocap array ``[T, 32, 3]`` in the world frame, the clip's
    mean root over the capture centre; the 15 joints the loader does not
    read copy the used joint before them."""
    world = joints @ TO_WORLD.T
    world[..., :2] += CAPTURE_CENTER - world[:, 0, :2].mean(axis=0)
    mocap = np.empty((len(world), NUM_MOCAP_JOINTS, 3), np.float32)
    for joint in range(NUM_MOCAP_JOINTS):
        nearest = max(i for i in MOCAP_INDICES_17 if i <= joint)
        mocap[:, joint] = world[:, MOCAP_INDICES_17.index(nearest)]
    return mocap


def default_motions() -> Path:
    """:obj:`pybullet_data/data/motions` of the installed ``pybullet``.

    Raises:
        FileNotFoundError: ``pybullet`` is not installed.
    """
    spec = find_spec("pybullet_data")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            "pybullet is not installed (pip install pybullet): its data files "
            "hold the DeepMimic clips"
        )
    return Path(spec.origin).parent / "data" / "motions"


def read_clip(path: str | os.PathLike) -> np.ndarray:
    """The Human3.6M world joints :obj:`[T, 17, 3]` (metres, z up) of one
    DeepMimic motion file.

    Raises:
        ValueError: The file is not a DeepMimic motion; the message names it.
    """
    try:
        frames = np.asarray(json.loads(Path(path).read_text())["Frames"], float)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a DeepMimic motion file ({error})") from None
    if frames.ndim != 2 or frames.shape[1] != 44 or len(frames) == 0:
        raise ValueError(
            f"{path} is not a DeepMimic humanoid motion: frames of shape "
            f"{list(frames.shape)}, expected [T, 44]"
        )
    return mocap_32(joints_17(frames))[:, list(MOCAP_INDICES_17)]


def read_clips(motions: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """Every clip of :obj:`CLIP_ACTIONS` as :func:`read_clip` gives it, by
    clip name, from :obj:`motions` (default: :func:`default_motions`)."""
    motions = Path(motions) if motions is not None else default_motions()
    return {
        clip: read_clip(motions / f"humanoid3d_{clip}.txt")
        for clip in CLIP_ACTIONS.values()
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry: writes the clips as VideoPose3D files."""
    parser = argparse.ArgumentParser(
        prog="python -m pyg_weightshare.datasets.deepmimic",
        description="Write pybullet's DeepMimic clips as VideoPose3D files.",
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--motions", type=Path, help="pybullet_data/data/motions")
    args = parser.parse_args(argv)
    motions = args.motions or default_motions()
    positions_3d = {subject: {} for subject in SUBJECTS}
    positions_2d = {subject: {} for subject in SUBJECTS}
    total = 0
    for action, clip in CLIP_ACTIONS.items():
        path = motions / f"humanoid3d_{clip}.txt"
        mocap = mocap_32(joints_17(np.asarray(json.loads(path.read_text())["Frames"])))
        total += len(mocap)
        for subject in SUBJECTS:
            positions_3d[subject][action] = mocap
            world = mocap[:, list(MOCAP_INDICES_17)].astype(np.float64)
            positions_2d[subject][action] = [
                camera.project(camera.world_to_camera(world)).astype(np.float32)
                for camera in h36m_cameras(subject)
            ]
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez(args.out / "data_3d_h36m.npz", positions_3d=positions_3d)
    metadata = {
        "num_joints": 17,
        "keypoints_symmetry": [list(H36M_LEFT_17), list(H36M_RIGHT_17)],
        "layout_name": "h36m",
    }
    np.savez(
        args.out / "data_2d_h36m_gt.npz", positions_2d=positions_2d, metadata=metadata
    )
    print(f"Wrote {len(CLIP_ACTIONS)} clips, {total} frames, to {args.out}")


if __name__ == "__main__":
    main()
