r"""2D keypoint layouts, the COCO-17 to Human3.6M mapping, and the filling of
missing keypoints.

The COCO-17 layout has no pelvis, spine, thorax or head-top keypoint, so
:func:`coco_to_h36m` builds them from the others (:obj:`COCO_TO_H36M`):

* Hip is the midpoint of the hips, Thorax the midpoint of the shoulders, and
  Spine the midpoint of the two (the mean of the four keypoints).
* Neck/Nose is the nose.
* Head is the mean of the eyes and ears that are seen: the middle of the
  skull, which sits lower than Human3.6M's head marker. The lifter therefore
  sees a head slightly shorter than in training, and the 3D head is where
  the lifter puts it, not a measurement.
* RFoot/LFoot are the ankles, as in Human3.6M.

What the mapping cannot recover: the head's tilt beyond what the nose and
the eyes show, the bend of the spine (Spine is always halfway between the
pelvis and the thorax), and any keypoint the detector missed in every frame.
"""

from __future__ import annotations

import warnings

import numpy as np

from pyg_weightshare.skeleton import H36M_JOINTS_17, h36m_skeleton

COCO_KEYPOINTS = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip

#: The keypoint names of each input layout, by joint count.
LAYOUTS: dict[str, dict[int, tuple[str, ...]]] = {
    "h36m": {17: H36M_JOINTS_17, 16: h36m_skeleton(16).joint_names},
    "coco": {17: COCO_KEYPOINTS},
}

_HEAD = ("left_eye", "right_eye", "left_ear", "right_ear")

#: Each Human3.6M joint as the mean of these COCO keypoints.
COCO_TO_H36M: dict[str, tuple[str, ...]] = {
    "Hip": ("left_hip", "right_hip"),
    "RHip": ("right_hip",),
    "RKnee": ("right_knee",),
    "RFoot": ("right_ankle",),
    "LHip": ("left_hip",),
    "LKnee": ("left_knee",),
    "LFoot": ("left_ankle",),
    "Spine": ("left_hip", "right_hip", "left_shoulder", "right_shoulder"),
    "Thorax": ("left_shoulder", "right_shoulder"),
    "Neck/Nose": ("nose",),
    "Head": _HEAD,
    "LShoulder": ("left_shoulder",),
    "LElbow": ("left_elbow",),
    "LWrist": ("left_wrist",),
    "RShoulder": ("right_shoulder",),
    "RElbow": ("right_elbow",),
    "RWrist": ("right_wrist",),
}


def layout_joints(layout: str, num_keypoints: int) -> tuple[str, ...]:
    """The names of the :obj:`num_keypoints` keypoints of :obj:`layout`.

    Args:
        layout (str): :obj:`"h36m"` (17 joints, or 16 without Neck/Nose) or
            :obj:`"coco"` (17 keypoints).
        num_keypoints (int): The number of keypoints per frame.

    Returns:
        tuple[str, ...]: The names, in the order of the keypoints.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; choose from {list(LAYOUTS)}")
    names = LAYOUTS[layout].get(num_keypoints)
    if names is None:
        counts = " or ".join(str(count) for count in LAYOUTS[layout])
        raise ValueError(
            f"The {layout!r} layout has {counts} keypoints, got {num_keypoints}"
        )
    return names


def coco_to_h36m(points: np.ndarray) -> np.ndarray:
    r"""Maps COCO-17 keypoints to the 17 Human3.6M joints (see
    :obj:`COCO_TO_H36M`).

    A joint built from several keypoints is missing (NaN) when one of them
    is, except Head, the mean of the eyes and ears that are present.

    Args:
        points (np.ndarray): COCO keypoints :obj:`[..., 17, 2]`, NaN where
            missing.

    Returns:
        np.ndarray: The joints of :obj:`H36M_JOINTS_17`, :obj:`[..., 17, 2]`.

    Example:
        >>> points = np.zeros((17, 2))
        >>> points[COCO_KEYPOINTS.index("left_hip")] = [2.0, 4.0]
        >>> points[COCO_KEYPOINTS.index("left_ear")] = np.nan
        >>> joints = coco_to_h36m(points)
        >>> joints[H36M_JOINTS_17.index("Hip")], joints[H36M_JOINTS_17.index("LHip")]
        (array([1., 2.]), array([2., 4.]))
        >>> bool(np.isnan(joints).any())
        False
    """
    joints = []
    for name in H36M_JOINTS_17:
        sources = points[..., [COCO_KEYPOINTS.index(k) for k in COCO_TO_H36M[name]], :]
        if name == "Head":
            # An all-NaN mean warns, but NaN is the missing value wanted.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                joints.append(np.nanmean(sources, axis=-2))
        else:
            joints.append(sources.mean(axis=-2))
    return np.stack(joints, axis=-2)


def fill_missing(points: np.ndarray, joint_names, where: str = "") -> np.ndarray:
    r"""Fills missing (NaN) keypoints by linear interpolation over time, each
    joint on its own; before its first and after its last sighting a joint
    keeps the nearest seen position.

    Args:
        points (np.ndarray): One video's keypoints :obj:`[T, J, 2]`, NaN where
            missing.
        joint_names (Sequence[str]): The name of each joint, for errors.
        where (str, optional): What the video is, for errors.
            (default: :obj:`""`)

    Returns:
        np.ndarray: The keypoints without NaN, :obj:`[T, J, 2]`.

    Example:
        >>> points = np.array([[[0.0, 0.0]], [[np.nan, np.nan]], [[4.0, 2.0]]])
        >>> fill_missing(points, ["Hip"])[:, 0]
        array([[0., 0.],
               [2., 1.],
               [4., 2.]])
    """
    seen = ~np.isnan(points).any(axis=-1)
    filled = points.copy()
    frames = np.arange(len(points))
    for joint, name in enumerate(joint_names):
        valid = seen[:, joint]
        if valid.all():
            continue
        if not valid.any():
            raise ValueError(f"{where}joint {name!r} is never seen")
        for axis in range(points.shape[-1]):
            filled[:, joint, axis] = np.interp(
                frames, frames[valid], points[valid, joint, axis]
            )
    return filled
