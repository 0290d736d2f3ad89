r"""2D keypoint layouts, their mapping to the model's joints, and the
filling of missing keypoints.

Every layout maps to the model's Human3.6M joints by name: Human3.6M
keypoints directly, COCO-17 through :obj:`COCO_TO_H36M`, and the layouts of
OpenPose (BODY_25 and COCO-18) and MediaPipe Pose (33 landmarks) first to
COCO-17 by :obj:`OPENPOSE_TO_COCO` and :obj:`MEDIAPIPE_TO_COCO`, since their
keypoints sit where COCO's annotators put them. Their extra keypoints (feet,
hands, mouth, OpenPose's Neck and MidHip) are not used.

The COCO-17 layout has no pelvis, spine, thorax or head-top keypoint, so
:func:`coco_to_h36m` builds them from the others (:obj:`COCO_TO_H36M`):

* Hip is the midpoint of the hips, Thorax the midpoint of the shoulders, and
  Spine the midpoint of the two (the mean of the four keypoints). When one
  hip is missing and both shoulders are seen, Hip is the seen hip moved
  towards the middle as the Thorax lies from the seen side's shoulder,
  scaled by :obj:`HIP_TO_SHOULDER_WIDTH`; a Thorax with one shoulder
  missing is built from the hips alike. Side views hide the far hip or
  shoulder often, and without this the pelvis (the root of the 3D pose)
  would be lost with it.
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

OPENPOSE_COCO_18 = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow",
    "LWrist", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye",
    "LEye", "REar", "LEar",
)  # fmt: skip

OPENPOSE_BODY_25 = (
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow",
    "LWrist", "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle",
    "REye", "LEye", "REar", "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe",
    "RSmallToe", "RHeel",
)  # fmt: skip

MEDIAPIPE_POSE_33 = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner",
    "right_eye", "right_eye_outer", "left_ear", "right_ear", "mouth_left",
    "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky",
    "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)  # fmt: skip

#: The keypoint names of each input layout, by keypoint count.
LAYOUTS: dict[str, dict[int, tuple[str, ...]]] = {
    "h36m": {17: H36M_JOINTS_17, 16: h36m_skeleton(16).joint_names},
    "coco": {17: COCO_KEYPOINTS},
    "openpose": {25: OPENPOSE_BODY_25, 18: OPENPOSE_COCO_18},
    "mediapipe": {33: MEDIAPIPE_POSE_33},
}

#: Each COCO-17 keypoint as the OpenPose keypoint of that name (BODY_25 and
#: COCO-18 name them alike).
OPENPOSE_TO_COCO: dict[str, str] = {
    "nose": "Nose", "left_eye": "LEye", "right_eye": "REye", "left_ear": "LEar",
    "right_ear": "REar", "left_shoulder": "LShoulder",
    "right_shoulder": "RShoulder", "left_elbow": "LElbow",
    "right_elbow": "RElbow", "left_wrist": "LWrist", "right_wrist": "RWrist",
    "left_hip": "LHip", "right_hip": "RHip", "left_knee": "LKnee",
    "right_knee": "RKnee", "left_ankle": "LAnkle", "right_ankle": "RAnkle",
}  # fmt: skip

#: Each COCO-17 keypoint as the MediaPipe Pose landmark of that name (the
#: same names).
MEDIAPIPE_TO_COCO: dict[str, str] = {name: name for name in COCO_KEYPOINTS}

_TO_COCO = {"openpose": OPENPOSE_TO_COCO, "mediapipe": MEDIAPIPE_TO_COCO}

_HEAD = ("left_eye", "right_eye", "left_ear", "right_ear")

#: The ratio of the width between the hip keypoints to the width between the
#: shoulder keypoints of an average adult: (13.3 + 2) cm against
#: (15.1 + 2.5) cm, from the joint widths of
#: :obj:`~pyg_weightshare.datasets.pose_prior.BONES` and the keypoints' offsets
#: outside the joints (:func:`~pyg_weightshare.datasets.detector.coco_keypoints_3d`).
HIP_TO_SHOULDER_WIDTH = 0.87

#: Each Human3.6M joint as the mean of these COCO keypoints (when all are
#: seen; see :func:`coco_to_h36m` for Hip, Thorax and Spine with one side
#: missing).
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
        layout (str): :obj:`"h36m"` (17 joints, or 16 without Neck/Nose),
            :obj:`"coco"` (17 keypoints), :obj:`"openpose"` (BODY_25 or
            COCO-18) or :obj:`"mediapipe"` (33 landmarks).
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


def model_layout(layout: str) -> str:
    """The layout a model must have been trained on to lift :obj:`layout`:
    :obj:`"h36m"` for Human3.6M keypoints, :obj:`"coco"` for the others.

    Example:
        >>> model_layout("openpose")
        'coco'
    """
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; choose from {list(LAYOUTS)}")
    return "h36m" if layout == "h36m" else "coco"


def to_coco(points: np.ndarray, layout: str) -> np.ndarray:
    """Maps keypoints of :obj:`layout` to COCO-17 by name
    (:obj:`OPENPOSE_TO_COCO`, :obj:`MEDIAPIPE_TO_COCO`).

    Args:
        points (np.ndarray): Keypoints :obj:`[..., K, C]` of :obj:`layout`.
        layout (str): :obj:`"coco"`, :obj:`"openpose"` or
            :obj:`"mediapipe"`.

    Returns:
        np.ndarray: The COCO-17 keypoints :obj:`[..., 17, C]`.

    Example:
        >>> points = np.arange(25.0)[:, None]
        >>> to_coco(points, "openpose")[:3, 0]  # nose, left eye, right eye
        array([ 0., 16., 15.])
    """
    if layout == "coco":
        return points
    names = layout_joints(layout, points.shape[-2])
    table = _TO_COCO[layout]
    index = [names.index(table[name]) for name in COCO_KEYPOINTS]
    return np.take(points, index, axis=-2)


# For each Human3.6M joint, the COCO keypoint it is a copy of (the first
# source of the joints built from several, which coco_to_h36m replaces).
_COCO_SOURCE = [COCO_KEYPOINTS.index(COCO_TO_H36M[name][0]) for name in H36M_JOINTS_17]
_HEAD_SOURCES = [COCO_KEYPOINTS.index(name) for name in _HEAD]


def coco_to_h36m(points: np.ndarray) -> np.ndarray:
    r"""Maps COCO-17 keypoints to the 17 Human3.6M joints (see
    :obj:`COCO_TO_H36M`).

    A joint built from several keypoints is missing (NaN) when one of them
    is, with two exceptions: Head is the mean of the eyes and ears that are
    present, and Hip or Thorax with one side missing is estimated from that
    side's other pair (:obj:`HIP_TO_SHOULDER_WIDTH`); Spine is then the
    midpoint of the two.

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
    joints = np.take(points, _COCO_SOURCE, axis=-2)
    # An all-NaN mean warns, but NaN is the missing value wanted.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        built = _trunk_centres(points)
        built["Head"] = np.nanmean(points[..., _HEAD_SOURCES, :], axis=-2)
    for name, value in built.items():
        joints[..., H36M_JOINTS_17.index(name), :] = value
    return joints


def _trunk_centres(points: np.ndarray) -> dict[str, np.ndarray]:
    """Hip, Thorax and Spine of COCO keypoints :obj:`[..., 17, 2]`, each
    :obj:`[..., 2]`: the midpoints of the hips and of the shoulders, or with
    one side of a pair missing the seen side moved by the other pair's
    half-width (see :func:`coco_to_h36m`)."""

    def pair(left: str, right: str) -> np.ndarray:
        return points[..., [COCO_KEYPOINTS.index(left), COCO_KEYPOINTS.index(right)], :]

    hips = pair("left_hip", "right_hip")
    shoulders = pair("left_shoulder", "right_shoulder")
    hip, thorax = hips.mean(axis=-2), shoulders.mean(axis=-2)
    # Per side, the centre from that side's keypoint alone; NaN where it or
    # the other pair's centre is missing. Where both sides are seen the
    # midpoint is kept, so nanmean only fills a missing centre.
    hip_from_side = hips + HIP_TO_SHOULDER_WIDTH * (thorax[..., None, :] - shoulders)
    thorax_from_side = shoulders + (hip[..., None, :] - hips) / HIP_TO_SHOULDER_WIDTH
    hip = np.where(np.isnan(hip), np.nanmean(hip_from_side, axis=-2), hip)
    thorax = np.where(np.isnan(thorax), np.nanmean(thorax_from_side, axis=-2), thorax)
    return {"Hip": hip, "Thorax": thorax, "Spine": (hip + thorax) / 2}


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
