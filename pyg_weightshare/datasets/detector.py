r"""Detector-shaped training data: people of the wide pose prior seen by the
cameras people use, as a 2D keypoint detector reports them.

One pose becomes one training pair:

1. **A person and a pose**
   (:func:`~pyg_weightshare.datasets.pose_prior.sample_poses`: children to
   tall adults, sports and everyday postures, and poses drawn uniformly
   within the joint limits).
2. **A camera** (:func:`sample_cameras`): 2 to 15 m away, from the floor to
   above the head, any direction around the person, a little roll; portrait
   or landscape images of 640 to 3840 pixels; the focal length of a phone,
   a webcam or a broadcast lens (0.5 to 10 times the image's longer side),
   the person anywhere in the frame, cut by its border at times.
3. **Keypoints where annotators put them** (:func:`coco_keypoints_3d`): the
   nose, eyes and ears on a head with a face direction, the shoulder and hip
   keypoints outside and above the joint centres; or the Human3.6M joints.
4. **A detector's mistakes** (:func:`detect`): heavy-tailed noise scaled by
   the person's size and each keypoint's COCO spread, occasional left/right
   swaps, a confidence score, and missing keypoints: at random, the far
   side's limb from the shoulder or hip hidden behind the body, a far ear
   behind the head, and everything outside the image.

The model input is :func:`~pyg_weightshare.datasets.inputs.person_inputs` of
the 16 Human3.6M joints (COCO keypoints mapped by
:func:`~pyg_weightshare.keypoints.coco_to_h36m`); the target is the
root-relative 3D of the same joints in the camera frame (metres; x right,
y down, z forward, as Human3.6M's cameras).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17, SPLITS, PoseSplit
from pyg_weightshare.datasets.inputs import person_inputs
from pyg_weightshare.datasets.pose_prior import WIDE_POSTURES, sample_poses
from pyg_weightshare.keypoints import COCO_KEYPOINTS, coco_to_h36m
from pyg_weightshare.skeleton import H36M_JOINTS_17, Skeleton, h36m_skeleton

LAYOUTS = ("h36m", "coco")
#: COCO's per-keypoint spread (the OKS constants): how far annotators, and
#: detectors, stray from each keypoint, relative to the person's size.
COCO_SPREAD = np.array(
    [0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062,
     0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089]
)  # fmt: skip
#: The same for the 17 Human3.6M joints (the inner joints from their
#: neighbours: a detector finds the pelvis and spine less precisely).
H36M_SPREAD = np.array(
    [0.08, 0.107, 0.087, 0.089, 0.107, 0.087, 0.089, 0.08, 0.06, 0.026, 0.04,
     0.079, 0.072, 0.062, 0.079, 0.072, 0.062]
)  # fmt: skip
# Keypoints of the face relative to the head top, in the head's frame (x to
# the person's right, y where the face looks, z up), metres for an adult
# head of 0.24 m from the thorax to the top.
_FACE = {
    "nose": (0.0, 0.10, -0.155),
    "left_eye": (-0.032, 0.085, -0.115),
    "right_eye": (0.032, 0.085, -0.115),
    "left_ear": (-0.075, 0.0, -0.125),
    "right_ear": (0.075, 0.0, -0.125),
}
_ADULT_HEAD = 0.24
# The left/right pairs of each layout (indices into its keypoints).
PAIRS = {
    "coco": ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16)),
    "h36m": ((4, 1), (5, 2), (6, 3), (11, 14), (12, 15), (13, 16)),
}
# The joints of each limb from the shoulder or hip (hidden when the limb is
# behind the body), per layout: left arm, right arm, left leg, right leg.
_LIMBS = {
    "coco": ((5, 7, 9), (6, 8, 10), (11, 13, 15), (12, 14, 16)),
    "h36m": ((11, 12, 13), (14, 15, 16), (4, 5, 6), (1, 2, 3)),
}
#: A keypoint with a confidence below this counts as missing.
CONFIDENCE_THRESHOLD = 0.3
# The 16 joints of the model among the 17 of Human3.6M (without Neck/Nose).
_MODEL_JOINTS = [H36M_JOINTS_17.index(name) for name in h36m_skeleton(16).joint_names]


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True).clip(1e-9)


def coco_keypoints_3d(joints: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The 17 COCO keypoints in 3D of Human3.6M joints: the face on the head
    (its frame from the thorax, the nose joint and the head top), the
    shoulder keypoints 2-3 cm outside and above the joint centres, the hip
    keypoints a little outside and above theirs (each person its own
    offsets), and the limbs' joints as they are.

    Args:
        joints (numpy.ndarray): The 17 Human3.6M joints :obj:`[N, 17, 3]`,
            metres.
        rng (numpy.random.Generator): Draws each person's offsets.

    Returns:
        numpy.ndarray: :obj:`[N, 17, 3]` in :obj:`COCO_KEYPOINTS` order.
    """
    index = {name: H36M_JOINTS_17.index(name) for name in H36M_JOINTS_17}
    n = len(joints)
    thorax, nose, top = (joints[:, index[k]] for k in ("Thorax", "Neck/Nose", "Head"))
    up = _unit(top - thorax)
    to_nose = nose - thorax
    forward = _unit(to_nose - (to_nose * up).sum(-1, keepdims=True) * up)
    right = np.cross(forward, up)
    frame = np.stack([right, forward, up], axis=-1)  # columns: the head's axes
    head_size = np.linalg.norm(top - thorax, axis=-1) / _ADULT_HEAD
    face = np.array(list(_FACE.values()))  # [5, 3]
    face = face * rng.uniform(0.9, 1.1, size=(n, 1, 3)) * head_size[:, None, None]
    keypoints = {
        name: top + np.einsum("nij,nj->ni", frame, face[:, k])
        for k, name in enumerate(_FACE)
    }
    trunk_up = _unit(thorax - joints[:, index["Hip"]])
    for side, sign in (("left", -1.0), ("right", 1.0)):
        prefix = side[0].upper()
        for joint, (outward, upward) in (
            ("Shoulder", (0.025, 0.025)),
            ("Hip", (0.02, 0.03)),
        ):
            other = joints[:, index[("R" if sign < 0 else "L") + joint]]
            here = joints[:, index[prefix + joint]]
            lateral = _unit(here - other)
            scale = rng.uniform(0.5, 1.5, size=(n, 2))
            keypoints[f"{side}_{joint.lower()}"] = (
                here
                + outward * scale[:, :1] * lateral
                + upward * scale[:, 1:] * trunk_up
            )
        for coco, h36m in (("elbow", "Elbow"), ("wrist", "Wrist"), ("knee", "Knee"),
                           ("ankle", "Foot")):  # fmt: skip
            keypoints[f"{side}_{coco}"] = joints[:, index[prefix + h36m]]
    return np.stack([keypoints[name] for name in COCO_KEYPOINTS], axis=1)


@dataclass
class Cameras:
    """Pinhole cameras, one per pose, without lens distortion.

    Args:
        rotation (numpy.ndarray): World to camera :obj:`[N, 3, 3]` (camera
            x right, y down, z forward).
        position (numpy.ndarray): Centres in the world :obj:`[N, 3]`, metres.
        focal (numpy.ndarray): Focal lengths :obj:`[N]`, pixels.
        size (numpy.ndarray): Image width and height :obj:`[N, 2]`, pixels;
            the principal point is the image centre.
    """

    rotation: np.ndarray
    position: np.ndarray
    focal: np.ndarray
    size: np.ndarray

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points :obj:`[N, K, 3]` in each camera's frame."""
        return np.einsum("nij,nkj->nki", self.rotation, points - self.position[:, None])

    def project(self, points: np.ndarray) -> np.ndarray:
        """Camera-frame points :obj:`[N, K, 3]` to pixels :obj:`[N, K, 2]`."""
        return self.focal[:, None, None] * points[..., :2] / points[..., 2:] + (
            self.size[:, None] / 2
        )


# Camera ranges (see sample_cameras).
DISTANCE_RANGE = (2.0, 15.0)
HEIGHT_RANGE = (0.1, 3.0)
FOCAL_RANGE = (0.5, 10.0)  # times the image's longer side
IMAGE_SIDES = (640, 1280, 1920, 3840)
ASPECTS = (4 / 3, 16 / 9)
PORTRAIT_SHARE = 0.3


def _rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotations :obj:`[N, 3, 3]` taking unit vectors :obj:`a` to :obj:`b`
    (Rodrigues), both :obj:`[N, 3]`, never opposite."""
    axis = np.cross(a, b)
    cos = (a * b).sum(-1)[:, None, None]
    skew = np.zeros((len(a), 3, 3))
    skew[:, 0, 1], skew[:, 0, 2], skew[:, 1, 2] = -axis[:, 2], axis[:, 1], -axis[:, 0]
    skew = skew - skew.transpose(0, 2, 1)
    return np.eye(3) + skew + skew @ skew / (1 + cos)


def sample_cameras(
    rng: np.random.Generator, joints: np.ndarray, person_height: np.ndarray
) -> Cameras:
    r"""A camera for each pose, as people film people.

    The camera stands :obj:`DISTANCE_RANGE` (log-uniform) from the middle of
    the person, at a height of :obj:`HEIGHT_RANGE` above the floor, in any
    direction, and looks at the person turned so that they appear anywhere
    in the middle half of the image, with a roll of a few degrees (a quarter
    of the time up to 25 degrees). Images are landscape or (30%) portrait,
    4:3 or 16:9, with a longer side among :obj:`IMAGE_SIDES`. The focal
    length makes the person's height span a random 20% to 100% of the image
    height, within :obj:`FOCAL_RANGE` times the longer side (a phone's wide
    lens is about 0.75, broadcast zooms up to 10), so near people may be cut
    by the border and far ones are small.

    Args:
        rng (numpy.random.Generator): The random generator.
        joints (numpy.ndarray): World joints :obj:`[N, K, 3]` (z up, floor 0).
        person_height (numpy.ndarray): Each person's standing height
            :obj:`[N]`, metres.

    Returns:
        Cameras: The cameras.
    """
    n = len(joints)
    center = (joints.min(axis=1) + joints.max(axis=1)) / 2
    distance = np.exp(rng.uniform(*np.log(DISTANCE_RANGE), size=n))
    height = rng.uniform(*HEIGHT_RANGE, size=n)
    rise = height - center[:, 2]
    across = np.sqrt(np.maximum(distance**2 - rise**2, 0.25))
    azimuth = rng.uniform(0, 2 * np.pi, size=n)
    position = center + np.column_stack(
        [across * np.cos(azimuth), across * np.sin(azimuth), rise]
    )
    forward = _unit(center - position)
    right = _unit(np.cross(forward, [0.0, 0.0, 1.0]))
    down = np.cross(forward, right)
    look = np.stack([right, down, forward], axis=1)

    longer = rng.choice(IMAGE_SIDES, size=n).astype(float)
    shorter = np.round(longer / rng.choice(ASPECTS, size=n))
    portrait = rng.random(n) < PORTRAIT_SHARE
    size = np.where(
        portrait[:, None],
        np.column_stack([shorter, longer]),
        np.column_stack([longer, shorter]),
    )
    span = rng.uniform(0.2, 1.0, size=n)
    focal = span * size[:, 1] * distance / person_height
    focal = np.clip(focal, FOCAL_RANGE[0] * longer, FOCAL_RANGE[1] * longer)

    # Turn the camera so the person's middle lands off the image centre.
    offset = rng.uniform(-0.25, 0.25, size=(n, 2)) * size
    seen_at = _unit(np.column_stack([offset / focal[:, None], np.ones(n)]))
    turn = _rotation_between(seen_at, np.tile([0.0, 0.0, 1.0], (n, 1)))
    roll = rng.normal(0, 3, size=n)
    wide = rng.random(n) < 0.25
    roll[wide] = rng.uniform(-25, 25, size=wide.sum())
    roll = np.radians(roll)
    cos, sin, zero, one = np.cos(roll), np.sin(roll), 0 * roll, 0 * roll + 1
    rolled = np.stack(
        [np.stack([cos, -sin, zero], -1), np.stack([sin, cos, zero], -1),
         np.stack([zero, zero, one], -1)], -2
    )  # fmt: skip
    return Cameras(rolled @ turn.transpose(0, 2, 1) @ look, position, focal, size)


def detect(
    rng: np.random.Generator,
    pixels: np.ndarray,
    depth: np.ndarray,
    size: np.ndarray,
    layout: str,
) -> tuple[np.ndarray, np.ndarray]:
    """What a 2D detector reports for true keypoint pixels.

    * **Noise**: per person a level (log-uniform 0.4 to 1.5), per keypoint
      its spread (:obj:`COCO_SPREAD`, :obj:`H36M_SPREAD`) times the
      person's size (the square root of the keypoints' box area), drawn from
      a Student t with 4 degrees of freedom (heavy tails).
    * **Swaps**: 4% of the people have one left/right pair exchanged, 1%
      every pair (the detector took their back for their front).
    * **Confidence**: how close the detection is to the truth (COCO's
      keypoint similarity), times a per-person factor of 0.75 to 1.
    * **Missing** (confidence 0 or below :obj:`CONFIDENCE_THRESHOLD`): each
      keypoint at a per-person rate of 0 (40% of the people) or 0 to 25%; the
      shoulder, elbow and wrist or hip, knee and ankle of the side farther
      from the camera, each hidden behind the body two times in three, for
      a quarter of the people; the farther ear when
      the head is turned away from it; for 15% of the people the image cut at a
      random height through the body (an upper-body shot) or side; and every
      keypoint outside the image.

    Args:
        rng (numpy.random.Generator): The random generator.
        pixels (numpy.ndarray): True keypoints :obj:`[N, K, 2]`.
        depth (numpy.ndarray): Their camera depths :obj:`[N, K]`, metres.
        size (numpy.ndarray): Image width and height :obj:`[N, 2]`.
        layout (str): :obj:`"coco"` or :obj:`"h36m"`, the keypoints' layout.

    Returns:
        tuple[numpy.ndarray, numpy.ndarray]: Detected pixels :obj:`[N, K, 2]`
        and confidences in :math:`[0, 1]` :obj:`[N, K]`, 0 for a keypoint
        the detector did not report.
    """
    n, k = pixels.shape[:2]
    spread = {"coco": COCO_SPREAD, "h36m": H36M_SPREAD}[layout]
    extent = pixels.max(axis=1) - pixels.min(axis=1)
    scale = np.sqrt(extent.prod(axis=-1)).clip(1.0)
    level = np.exp(rng.uniform(np.log(0.4), np.log(1.5), size=n))
    sigma = level[:, None] * spread * scale[:, None]
    detected = pixels + sigma[..., None] * rng.standard_t(4, size=(n, k, 2)) / np.sqrt(
        2
    )

    pairs = np.array(PAIRS[layout])
    one = rng.random(n) < 0.04
    chosen = pairs[rng.integers(len(pairs), size=n)]
    rows = np.flatnonzero(one)
    detected[rows[:, None], chosen[rows]] = detected[rows[:, None], chosen[rows, ::-1]]
    every = np.flatnonzero(rng.random(n) < 0.01)
    detected[every[:, None], pairs[:, 0]], detected[every[:, None], pairs[:, 1]] = (
        detected[every[:, None], pairs[:, 1]],
        detected[every[:, None], pairs[:, 0]].copy(),
    )

    error = np.linalg.norm(detected - pixels, axis=-1)
    similarity = np.exp(-(error**2) / (2 * (2 * spread * scale[:, None]) ** 2))
    confidence = similarity * rng.uniform(0.75, 1.0, size=(n, 1))

    rate = np.where(rng.random((n, 1)) < 0.4, 0.0, rng.uniform(0, 0.25, size=(n, 1)))
    missing = rng.random((n, k)) < rate
    limbs = np.array(_LIMBS[layout])  # [4, 3]: left arm, right arm, left leg, right leg
    hidden = np.flatnonzero(rng.random(n) < 0.25)
    leg = rng.integers(2, size=len(hidden))
    left, right = limbs[2 * leg], limbs[2 * leg + 1]
    farther_left = depth[hidden[:, None], left].mean(-1) > depth[
        hidden[:, None], right
    ].mean(-1)
    far = np.where(farther_left[:, None], left, right)
    confidence[hidden[:, None], far] *= rng.uniform(0, 0.5, size=far.shape)
    if layout == "coco":
        ears = np.array([3, 4])
        behind = depth[:, ears] > depth[:, [0]] + 0.06
        confidence[:, ears] *= np.where(behind, rng.uniform(0, 0.5, (n, 2)), 1.0)

    low, high = np.zeros((n, 2)), size.astype(float).copy()
    cut = np.flatnonzero(rng.random(n) < 0.15)
    box_low, box_high = pixels.min(axis=1)[cut], pixels.max(axis=1)[cut]
    line = rng.uniform(box_low + 0.3 * (box_high - box_low), box_high)
    axis = (rng.random(len(cut)) < 0.25).astype(int)  # mostly the bottom edge
    high[cut, axis] = np.minimum(high[cut, axis], line[np.arange(len(cut)), axis])
    outside = ((detected < low[:, None]) | (detected > high[:, None])).any(-1)
    outside |= ((pixels < low[:, None]) | (pixels > high[:, None])).any(-1)
    confidence[missing | outside] = 0.0
    return detected, confidence


def model_joints(keypoints: np.ndarray, layout: str) -> np.ndarray:
    """The model's 16 Human3.6M joints :obj:`[N, 16, 2]` of detected
    keypoints with NaN where missing: COCO through
    :func:`~pyg_weightshare.keypoints.coco_to_h36m`, Human3.6M
    without Neck/Nose."""
    if layout == "coco":
        keypoints = coco_to_h36m(keypoints)
    return keypoints[..., _MODEL_JOINTS, :]


@dataclass
class DetectorPoses:
    """Poses of :func:`synthesize_detector_poses`.

    Args:
        inputs (torch.Tensor): Model inputs :obj:`[N, 16, 3]`.
        targets (torch.Tensor): Root-relative camera-frame joints
            :obj:`[N, 16, 3]`, metres.
        posture (torch.Tensor): Posture index :obj:`[N]` into
            :obj:`posture_names`.
        keypoints (numpy.ndarray): Detected keypoints :obj:`[N, K, 2]`.
        confidence (numpy.ndarray): Their confidences :obj:`[N, K]`.
        posture_names (tuple[str, ...]): The postures, :obj:`"uniform"`
            last.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    posture: torch.Tensor
    keypoints: np.ndarray
    confidence: np.ndarray
    posture_names: tuple[str, ...]


def synthesize_detector_poses(
    num_poses: int, layout: str = "coco", seed: int = 0, min_seen: int = 6
) -> DetectorPoses:
    """Detector-shaped poses: people of the wide prior, cameras, keypoints
    and a detector's mistakes (see the module). Poses with fewer than
    :obj:`min_seen` of the model's joints seen, or with a keypoint behind
    the camera, are drawn again, so exactly :obj:`num_poses` come back.

    Args:
        num_poses (int): The number of poses.
        layout (str, optional): :obj:`"coco"` or :obj:`"h36m"`.
            (default: :obj:`"coco"`)
        seed (int, optional): The random seed; the output depends only on
            the arguments. (default: :obj:`0`)
        min_seen (int, optional): The fewest joints a pose may show.
            (default: :obj:`6`)

    Returns:
        DetectorPoses: The poses.

    Example:
        >>> poses = synthesize_detector_poses(64, "coco")
        >>> poses.inputs.shape, poses.keypoints.shape
        (torch.Size([64, 16, 3]), (64, 17, 2))
    """
    if layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; choose from {list(LAYOUTS)}")
    rng = np.random.default_rng([seed, LAYOUTS.index(layout)])
    kept: list[tuple] = []
    count = 0
    while count < num_poses:
        batch = max(64, int(1.3 * (num_poses - count)))
        mocap, posture = sample_poses(rng, batch)
        joints = mocap[:, list(MOCAP_INDICES_17)]
        standing = np.linalg.norm(joints[:, 10] - joints[:, 3], axis=-1) + 0.1
        height = np.maximum(standing, 0.6)
        cameras = sample_cameras(rng, joints, height)
        points = joints if layout == "h36m" else coco_keypoints_3d(joints, rng)
        in_camera = cameras.to_camera(points)
        joints_camera = cameras.to_camera(joints)
        in_front = (in_camera[..., 2] > 0.2).all(-1) & (
            joints_camera[..., 2] > 0.2
        ).all(-1)
        pixels = cameras.project(np.where(in_camera[..., 2:] > 0.2, in_camera, 1.0))
        detected, confidence = detect(
            rng, pixels, in_camera[..., 2], cameras.size, layout
        )
        missing = confidence < CONFIDENCE_THRESHOLD
        with_nan = np.where(missing[..., None], np.nan, detected)
        model = model_joints(with_nan, layout)
        enough = (np.isfinite(model).all(-1).sum(-1) >= min_seen) & in_front
        rows = np.flatnonzero(enough)[: num_poses - count]
        targets = joints_camera[rows][:, _MODEL_JOINTS]
        targets = targets - targets[:, :1]
        kept.append(
            (model[rows], targets, posture[rows], detected[rows], confidence[rows])
        )
        count += len(rows)
    model, targets, posture, detected, confidence = (
        np.concatenate(parts) for parts in zip(*kept, strict=True)
    )
    return DetectorPoses(
        inputs=person_inputs(model),
        targets=torch.as_tensor(targets, dtype=torch.float32),
        posture=torch.as_tensor(posture),
        keypoints=detected.astype(np.float32),
        confidence=confidence.astype(np.float32),
        posture_names=(*WIDE_POSTURES, "uniform"),
    )


@dataclass
class DetectorDataset:
    """Training, validation and test splits of detector-shaped poses, in
    the form :class:`~pyg_weightshare.training.trainer.Trainer` takes: each
    split a :class:`~pyg_weightshare.datasets.PoseSplit` whose "actions" are
    the postures. The splits come from different seeds, so they share no
    person, pose or camera.

    Args:
        layout (str): :obj:`"coco"` or :obj:`"h36m"`.
        num_train (int): Training poses.
        num_val (int): Validation poses.
        num_test (int): Test poses.
        seed (int, optional): The seed of the training split; validation
            and test use the next two. (default: :obj:`0`)
    """

    layout: str
    num_train: int
    num_val: int
    num_test: int
    seed: int = 0

    def __post_init__(self) -> None:
        self.skeleton: Skeleton = h36m_skeleton(16)
        self.train, self.val, self.test = (
            self._split(count, self.seed + SPLITS.index(split))
            for split, count in zip(
                SPLITS, (self.num_train, self.num_val, self.num_test), strict=True
            )
        )

    @property
    def description(self) -> str:
        """The data in one line, as a run's report names it."""
        return (
            f"detector-shaped {self.layout} keypoints of the wide pose prior, "
            f"synthesized by pyg-weightshare ({self.num_train:,} training "
            f"poses, seed {self.seed})"
        )

    def split_label(self, split: str) -> str:
        """The poses of :obj:`split` (:obj:`"train"`, :obj:`"val"` or
        :obj:`"test"`) as a report names them, e.g. :obj:`"poses of seed 2"`."""
        return f"poses of seed {self.seed + SPLITS.index(split)}"

    def _split(self, count: int, seed: int) -> PoseSplit:
        poses = synthesize_detector_poses(count, self.layout, seed)
        zeros = torch.zeros(count, dtype=torch.long)
        return PoseSplit(
            poses.inputs,
            poses.targets,
            poses.posture,
            zeros,
            zeros,
            action_names=poses.posture_names,
            subject_names=(f"seed{seed}",),
        )


__all__ = [
    "CONFIDENCE_THRESHOLD",
    "Cameras",
    "DetectorDataset",
    "DetectorPoses",
    "coco_keypoints_3d",
    "detect",
    "model_joints",
    "sample_cameras",
    "synthesize_detector_poses",
]
