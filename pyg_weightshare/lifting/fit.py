r"""A kinematic body fitted to lifted joints: one skeleton per video with
constant, left/right-symmetric bones, per-frame joint rotations with hinge
knees and elbows inside the pose prior's limits, zero-lag temporal
smoothing and the root's trajectory from the 2D keypoints.

The fit is closed form per joint and vectorised over frames:

1. The lifted joints are low-passed over time (:func:`smooth`).
2. Every segment's orientation is the frame of its bone direction and a
   second direction that fixes its twist: the hip line for the pelvis, the
   shoulder line for the spine and the chest (whose first direction is the
   shoulder line, the head fixing its nod), the plane of the limb for an
   upper arm or a thigh (the body's lateral axis when the limb is straight).
3. Knees and elbows are hinges about the limb's lateral axis, their angle
   clamped to the prior's range
   (:obj:`~pyg_weightshare.datasets.pose_prior.LIMITS`, 0° to 150°).
4. Bone lengths are medians over the frames, averaged between the left and
   right sides; the other offsets (hips, shoulders, head) are median
   directions in their parent's frame, mirrored left to right.
5. The joint rotations are low-passed over time
   (:func:`smooth_rotations`), and forward kinematics of the offsets and
   rotations gives the fitted joints: bone lengths are constant by
   construction and the rotations are what a BVH file stores.
6. With 2D keypoints, the root's position in the camera frame is the
   least-squares translation that projects the fitted joints onto them
   (:func:`root_trajectory`). The body is then fitted again (steps 1 to 5)
   to the lift with every seen joint moved, at its depth, onto the ray of
   its keypoint, so the fit also reprojects onto the 2D, and placed again;
   the trajectory is low-passed too.

What it does not do: the hips, shoulders, spine and head are ball joints
without limits (a lifted knee that bends forwards is fitted as a bent knee
under a thigh turned half a turn), the head turns only with the chest, and
the absolute scale is the lifter's: a body the lifter makes 10% too tall is
placed 10% too far from the camera.

Coordinates: the lifter's camera frame is :math:`x` right, :math:`y` down,
:math:`z` forward. The fitted body lives in a :math:`Y`-up frame, the
camera frame turned half a turn about :math:`x` (:math:`(x, -y, -z)`), the
one :func:`~pyg_weightshare.lifting.bvh.write_bvh` writes: its rest pose
stands along :math:`+Y`, faces :math:`+Z` (towards the camera) with its
left side towards :math:`+X`, limbs hanging.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from pyg_weightshare.datasets.camera import quaternion_to_matrix
from pyg_weightshare.datasets.pose_prior import LIMITS
from pyg_weightshare.skeleton import h36m_skeleton

JOINT_NAMES = h36m_skeleton(16).joint_names
PARENTS = h36m_skeleton(16).parents
_J = {name: index for index, name in enumerate(JOINT_NAMES)}
# Camera frame (y down, z forward) <-> the fitted body's Y-up frame.
CAMERA_TO_BODY = np.diag([1.0, -1.0, -1.0])
# Left joints and their mirror images on the right.
_PAIRS = [
    (_J[f"L{name}"], _J[f"R{name}"])
    for name in ("Hip", "Knee", "Foot", "Shoulder", "Elbow", "Wrist")
]
# (upper joint, hinge joint, end joint, prior channel, sign of flexion about x)
_LIMBS = [
    (f"{side}Hip", f"{side}Knee", f"{side}Foot", f"{side.lower()}_knee", 1.0)
    for side in "LR"
] + [
    (f"{side}Shoulder", f"{side}Elbow", f"{side}Wrist", f"{side.lower()}_elbow", -1.0)
    for side in "LR"
]
# Weight of the body's lateral axis beside the limb's plane when the twist
# of a thigh or upper arm is chosen: only a nearly straight limb follows it.
_STRAIGHT_LIMB = 0.02


class FittedBody(NamedTuple):
    r"""A kinematic body fitted to one video.

    Args:
        joints (np.ndarray): Fitted root-relative joints in the camera frame,
            metres, :obj:`[T, J, 3]`, comparable with the lifted poses.
        trajectory (np.ndarray): The root's position in the camera frame,
            metres, :obj:`[T, 3]`; zeros when no 2D keypoints were given.
        offsets (np.ndarray): Each joint's rest offset from its parent in the
            body frame (:math:`Y` up, metres), :obj:`[J, 3]`; the root's is 0.
        rotations (np.ndarray): Each joint's rotation relative to its
            parent's (the root's: relative to the body frame),
            :obj:`[T, J, 3, 3]`.
        parents (tuple[int, ...]): The parent of each joint, :obj:`-1` for
            the root.
        joint_names (tuple[str, ...]): The joints' names.
    """

    joints: np.ndarray
    trajectory: np.ndarray
    offsets: np.ndarray
    rotations: np.ndarray
    parents: tuple[int, ...]
    joint_names: tuple[str, ...]

    def world_joints(self) -> np.ndarray:
        """The fitted joints on the trajectory, in the body's :math:`Y`-up
        frame, metres, :obj:`[T, J, 3]` (what a BVH player shows)."""
        return (self.joints + self.trajectory[:, None]) @ CAMERA_TO_BODY


def smooth(values: ArrayLike, fps: float, cutoff: float) -> np.ndarray:
    r"""Zero-phase low-pass over time (axis 0): motion slower than
    :obj:`cutoff` passes, faster motion (jitter) is removed.

    The gain at frequency :math:`f` is

    .. math::
        H(f) = \frac{1}{1 + (f / f_c)^4},

    one half at the cutoff :math:`f_c`, applied in the frequency domain to
    the sequence extended at both ends by its point reflection about the
    mean of its first (last) quarter period at the cutoff, so the ends
    neither wrap around nor bend, nor keep the noise of their last sample.
    The filter is not causal, so it has no lag: a fast kick keeps its
    timing, it only loses the part of its peak above the cutoff.

    Args:
        values (array-like): :obj:`[T, ...]` samples at :obj:`fps`.
        fps (float): Frames per second.
        cutoff (float): :math:`f_c` in Hz; :obj:`0` returns the values.

    Returns:
        np.ndarray: The smoothed values, same shape.

    Example:
        >>> t = np.arange(100) / 50
        >>> slow, fast = np.sin(2 * np.pi * t), 0.1 * np.cos(2 * np.pi * 20 * t)
        >>> error = np.abs(smooth(slow + fast, 50, 6) - slow)
        >>> float(error[3:-3].max()) < 0.02, float(error.max()) < 0.1
        (True, True)
    """
    values = np.asarray(values, dtype=np.float64)
    if cutoff <= 0 or len(values) < 2:
        return values.copy()
    # The pivots: the mean of a quarter period at each end, not the end
    # samples themselves, whose noise would otherwise stay.
    ends = max(1, min(len(values), round(fps / cutoff / 4)))
    first, last = values[:ends].mean(0), values[-ends:].mean(0)
    padded = np.concatenate(
        [2 * first - values[:0:-1], values, 2 * last - values[-2::-1]]
    )
    frequencies = np.fft.rfftfreq(len(padded), d=1 / fps)
    gain = 1 / (1 + (frequencies / cutoff) ** 4)
    spectrum = np.fft.rfft(padded, axis=0)
    spectrum *= gain.reshape(-1, *([1] * (values.ndim - 1)))
    smoothed = np.fft.irfft(spectrum, n=len(padded), axis=0)
    return smoothed[len(values) - 1 : 2 * len(values) - 1]


def _unit(vectors: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norm, 1e-9)


def _frame(x: np.ndarray | None = None, y: np.ndarray | None = None, *, first: str):
    """Rotations ``[T, 3, 3]`` whose :obj:`first` axis ("x" or "y") points
    along that vector and whose other given axis is the other vector made
    orthogonal to it (right-handed)."""
    if first == "x":
        x = _unit(x)
        y = _unit(y - (y * x).sum(-1, keepdims=True) * x)
    else:
        y = _unit(y)
        x = _unit(x - (x * y).sum(-1, keepdims=True) * y)
    return np.stack([x, y, np.cross(x, y)], axis=-1)


def _rotation_x(angle: np.ndarray) -> np.ndarray:
    cos, sin = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(angle), np.zeros_like(angle)
    rows = ((one, zero, zero), (zero, cos, -sin), (zero, sin, cos))
    return np.stack([np.stack(row, -1) for row in rows], -2)


def matrix_to_quaternion(matrix: np.ndarray) -> np.ndarray:
    """Quaternions :math:`(w, x, y, z)` ``[..., 4]`` of rotation matrices
    ``[..., 3, 3]`` (the inverse of
    :func:`~pyg_weightshare.datasets.camera.quaternion_to_matrix`), from the
    largest of the four candidate components, so it is accurate everywhere."""
    m = matrix
    trace = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    candidates = np.stack(
        [
            np.stack([1 + trace, m[..., 2, 1] - m[..., 1, 2],
                      m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]], -1),
            np.stack([m[..., 2, 1] - m[..., 1, 2], 1 + 2 * m[..., 0, 0] - trace,
                      m[..., 1, 0] + m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0]], -1),
            np.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] + m[..., 0, 1],
                      1 + 2 * m[..., 1, 1] - trace, m[..., 2, 1] + m[..., 1, 2]], -1),
            np.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0],
                      m[..., 2, 1] + m[..., 1, 2], 1 + 2 * m[..., 2, 2] - trace], -1),
        ],
        -2,
    )  # fmt: skip
    # Candidate k has 4 q_k q_i in place i; the largest diagonal is safest.
    best = np.diagonal(candidates, axis1=-2, axis2=-1).argmax(-1)
    chosen = np.take_along_axis(candidates, best[..., None, None], -2)[..., 0, :]
    return chosen / np.linalg.norm(chosen, axis=-1, keepdims=True)


def smooth_rotations(rotations: np.ndarray, fps: float, cutoff: float) -> np.ndarray:
    """Rotations ``[T, ..., 3, 3]`` low-passed over time (:func:`smooth` of
    their quaternions, each turned to the same hemisphere as the one before,
    then normalised)."""
    if cutoff <= 0 or len(rotations) < 2:
        return rotations.copy()
    quaternions = matrix_to_quaternion(rotations)
    flips = (quaternions[1:] * quaternions[:-1]).sum(-1) < 0
    sign = np.cumprod(np.where(flips, -1.0, 1.0), axis=0)
    quaternions[1:] *= sign[..., None]
    return quaternion_to_matrix(smooth(quaternions, fps, cutoff))


def forward_kinematics(
    offsets: np.ndarray, rotations: np.ndarray, parents: tuple[int, ...]
) -> np.ndarray:
    r"""Joint positions of a body: each joint at its parent plus the parent's
    global rotation applied to its offset,

    .. math::
        p_j = p_{\pi(j)} + G_{\pi(j)} o_j, \quad G_j = G_{\pi(j)} R_j.

    Args:
        offsets (np.ndarray): Rest offsets :obj:`[J, 3]`.
        rotations (np.ndarray): Local rotations :obj:`[T, J, 3, 3]`.
        parents (tuple[int, ...]): Parents, each before its children.

    Returns:
        np.ndarray: Root-relative positions :obj:`[T, J, 3]`.
    """
    positions = np.zeros((*rotations.shape[:2], 3))
    globals_ = np.empty_like(rotations)
    for joint, parent in enumerate(parents):
        if parent < 0:
            globals_[:, joint] = rotations[:, joint]
            continue
        globals_[:, joint] = globals_[:, parent] @ rotations[:, joint]
        positions[:, joint] = (
            positions[:, parent] + globals_[:, parent] @ offsets[joint]
        )
    return positions


def _segment_frames(targets: np.ndarray) -> np.ndarray:
    """Global rotations ``[T, J, 3, 3]`` of every joint's segment for target
    joints ``[T, J, 3]`` (body frame, root-relative); knees and elbows turn
    about their segment's x axis only, within the prior's limits."""
    joint = {name: targets[:, index] for name, index in _J.items()}
    frames = np.tile(np.eye(3), (*targets.shape[:2], 1, 1))
    shoulders = joint["LShoulder"] - joint["RShoulder"]
    frames[:, _J["Hip"]] = _frame(
        joint["LHip"] - joint["RHip"], joint["Spine"] - joint["Hip"], first="y"
    )
    frames[:, _J["Spine"]] = _frame(
        shoulders, joint["Thorax"] - joint["Spine"], first="y"
    )
    frames[:, _J["Thorax"]] = _frame(
        shoulders, joint["Head"] - joint["Thorax"], first="x"
    )
    for upper, middle, end, channel, sign in _LIMBS:
        lateral = frames[:, _J["Hip" if "Hip" in upper else "Thorax"], :, 0]
        above = _unit(joint[middle] - joint[upper])
        below = _unit(joint[end] - joint[middle])
        # The limb's plane turns the segment's x axis, so the limb bends
        # forwards (elbow) or backwards (knee) in it; the nearer the limb is
        # to straight, the more the x axis follows the body's lateral axis.
        normal = sign * np.cross(above, below)
        frame = _frame(normal + _STRAIGHT_LIMB * lateral, -above, first="y")
        frames[:, _J[upper]] = frame
        local = np.einsum("tji,tj->ti", frame, below)
        # Flexion turns the hanging segment (-y) towards -z (knee) or +z (elbow).
        angle = np.arctan2(-sign * local[:, 2], -local[:, 1])
        low, high = np.radians(LIMITS[channel])
        frames[:, _J[middle]] = frame @ _rotation_x(sign * np.clip(angle, low, high))
    # A leaf's segment is its parent's (no rotation of its own).
    for leaf in (_J["Head"], _J["LFoot"], _J["RFoot"], _J["LWrist"], _J["RWrist"]):
        frames[:, leaf] = frames[:, PARENTS[leaf]]
    return frames


def _symmetric_offsets(local: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Rest offsets ``[J, 3]`` from each joint's offsets in its parent's frame
    ``[T, J, 3]`` and bone lengths ``[J]``: the median direction scaled to
    the length, mirrored left to right and averaged."""
    directions = _unit(np.median(local, axis=0))
    for left, right in _PAIRS:
        mirrored = directions[right] * np.array([-1.0, 1.0, 1.0])
        directions[left] = directions[right] = _unit(directions[left] + mirrored)
        directions[right] *= np.array([-1.0, 1.0, 1.0])
    return directions * lengths[:, None]


def _bone_lengths(targets: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Median bone lengths ``[J]`` over the frames where both ends are seen
    (all frames for a bone never seen whole), averaged left and right."""
    lengths = np.zeros(len(PARENTS))
    for child, parent in enumerate(PARENTS):
        if parent < 0:
            continue
        bone = np.linalg.norm(targets[:, child] - targets[:, parent], axis=-1)
        both = seen[:, child] & seen[:, parent]
        lengths[child] = np.median(bone[both] if both.any() else bone)
    for left, right in _PAIRS:
        lengths[left] = lengths[right] = (lengths[left] + lengths[right]) / 2
    return lengths


def _fit_body(
    poses: np.ndarray, seen: np.ndarray, fps: float, cutoff: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets ``[J, 3]``, local rotations ``[T, J, 3, 3]`` and root-relative
    joints in the camera frame ``[T, J, 3]`` of the body fitted to camera-
    frame poses ``[T, J, 3]`` (steps 1 to 5 of the module's description)."""
    targets = smooth(poses @ CAMERA_TO_BODY, fps, cutoff)
    targets -= targets[:, :1]
    frames = _segment_frames(targets)
    parents = [max(parent, 0) for parent in PARENTS]
    local = np.einsum(
        "tjik,tji->tjk", frames[:, parents], targets - targets[:, parents]
    )
    offsets = _symmetric_offsets(local, _bone_lengths(targets, seen))
    offsets[0] = 0.0
    # Limb segments hang along -y in the rest pose, by construction.
    for _, middle, end, *_ in _LIMBS:
        for joint in (_J[middle], _J[end]):
            offsets[joint] = [0.0, -np.linalg.norm(offsets[joint]), 0.0]
    rotations = frames.copy()
    rotations[:, 1:] = frames[:, parents[1:]].swapaxes(-1, -2) @ frames[:, 1:]
    rotations = smooth_rotations(rotations, fps, cutoff)
    for _, middle, _, channel, sign in _LIMBS:
        # Smoothing keeps a hinge a hinge; clip its slight overshoot.
        hinge = rotations[:, _J[middle]]
        angle = np.arctan2(hinge[:, 2, 1], hinge[:, 1, 1])
        low, high = np.radians(LIMITS[channel])
        rotations[:, _J[middle]] = _rotation_x(sign * np.clip(sign * angle, low, high))
    joints = forward_kinematics(offsets, rotations, PARENTS) @ CAMERA_TO_BODY
    return offsets, rotations, joints


def _onto_rays(
    poses: np.ndarray,
    trajectory: np.ndarray,
    keypoints: np.ndarray,
    focal_length: float,
    center: tuple[float, float],
    seen: np.ndarray,
) -> np.ndarray:
    """Root-relative poses ``[T, J, 3]`` whose seen joints are moved, at
    their depth, onto the rays of their 2D keypoints."""
    depth = poses[..., 2:] + trajectory[:, None, 2:]
    rays = (keypoints - np.asarray(center, dtype=np.float64)) / focal_length
    onto = rays * depth - trajectory[:, None, :2]
    usable = (seen & np.isfinite(keypoints).all(-1))[..., None]
    moved = poses.copy()
    moved[..., :2] = np.where(usable, onto, poses[..., :2])
    return moved


def root_trajectory(
    joints: np.ndarray,
    keypoints: np.ndarray,
    focal_length: float,
    center: tuple[float, float],
    seen: np.ndarray | None = None,
) -> np.ndarray:
    r"""The root's position per frame: the translation :math:`t` that best
    projects root-relative joints :math:`P_j` onto their pixels
    :math:`(u_j, v_j)` through a pinhole camera,

    .. math::
        \min_t \sum_j \left(f (P_{j,x} + t_x) - (u_j - c_x)(P_{j,z} + t_z)
        \right)^2 + \left(f (P_{j,y} + t_y) - (v_j - c_y)(P_{j,z} + t_z)\right)^2,

    a linear least-squares problem per frame. The body's size sets the
    depth: a body twice as large is placed twice as far.

    Args:
        joints (np.ndarray): Root-relative joints in the camera frame, metres,
            :obj:`[T, J, 3]`.
        keypoints (np.ndarray): Their pixels :obj:`[T, J, 2]`.
        focal_length (float): :math:`f` in pixels.
        center (tuple[float, float]): The principal point :math:`(c_x, c_y)`.
        seen (np.ndarray, optional): :obj:`[T, J]`, :obj:`False` for pixels
            that were not seen (left out). (default: :obj:`None`, all seen)

    Returns:
        np.ndarray: :obj:`[T, 3]` in the camera frame, metres; frames with
        fewer than two seen joints are interpolated from their neighbours.
    """
    num_frames, num_joints = joints.shape[:2]
    weight = np.ones((num_frames, num_joints)) if seen is None else seen.astype(float)
    weight = weight * np.isfinite(keypoints).all(-1)
    offset = np.nan_to_num(keypoints - np.asarray(center, dtype=np.float64))
    rows = np.zeros((num_frames, num_joints, 2, 3))
    rows[..., 0, 0] = rows[..., 1, 1] = focal_length
    rows[..., 2] = -offset
    rhs = offset * joints[..., 2:] - focal_length * joints[..., :2]
    rows = rows * np.sqrt(weight)[..., None, None]
    rhs = rhs * np.sqrt(weight)[..., None]
    rows = rows.reshape(num_frames, -1, 3)
    normal = rows.swapaxes(1, 2) @ rows
    usable = weight.sum(1) >= 2
    normal[~usable] = np.eye(3)
    trajectory = np.linalg.solve(
        normal, rows.swapaxes(1, 2) @ rhs.reshape(num_frames, -1, 1)
    )[..., 0]
    if not usable.any():
        raise ValueError("no frame has two seen keypoints to place the body")
    frames = np.arange(num_frames)
    return np.stack(
        [np.interp(frames, frames[usable], axis[usable]) for axis in trajectory.T], -1
    )


def fit_skeleton(
    poses: ArrayLike,
    keypoints: np.ndarray | None = None,
    image_size: tuple[int, int] | None = None,
    focal_length: float | None = None,
    fps: float = 50.0,
    cutoff: float = 4.0,
    seen: np.ndarray | None = None,
) -> FittedBody:
    r"""Fits one kinematic body to one video's lifted joints (see the module).

    Args:
        poses (array-like): Lifted root-relative joints of the 16 Human3.6M
            joints (:func:`~pyg_weightshare.h36m_skeleton`) in the
            camera frame, metres, :obj:`[T, 16, 3]`.
        keypoints (np.ndarray, optional): Their pixels :obj:`[T, 16, 2]`,
            for the trajectory and the reprojection. (default: :obj:`None`,
            the root stays at the origin)
        image_size (tuple[int, int], optional): :obj:`(width, height)`; its
            centre is the principal point. Needed with :obj:`keypoints`.
            (default: :obj:`None`)
        focal_length (float, optional): In pixels. (default: :obj:`None`,
            the image's larger side, a 53° field of view)
        fps (float, optional): Frames per second. (default: :obj:`50.0`)
        cutoff (float, optional): Motion faster than this many Hz is jitter:
            the joints before the fit and the rotations after it are both
            low-passed at it (:func:`smooth`), so motion at the cutoff keeps
            a quarter of its amplitude, at half of it 89%, at a quarter 99%.
            Raise it for fast motion (sports, dance) at the price of more
            jitter; :obj:`0` does not smooth. (default: :obj:`4.0`)
        seen (np.ndarray, optional): :obj:`[T, 16]` booleans, :obj:`False`
            for joints the lifter predicted without seeing them: they are
            left out of the bone lengths (unless a bone is never seen whole)
            and of the trajectory. (default: :obj:`None`, all seen)

    Returns:
        FittedBody: The fitted body.

    Example:
        >>> poses = np.random.default_rng(0).normal(0, 0.3, (4, 16, 3))
        >>> body = fit_skeleton(poses)
        >>> body.joints.shape, body.rotations.shape
        ((4, 16, 3), (4, 16, 3, 3))
    """
    poses = np.asarray(poses, dtype=np.float64)
    if poses.ndim != 3 or poses.shape[1:] != (len(JOINT_NAMES), 3) or not len(poses):
        raise ValueError(
            f"the fit needs poses [frames, {len(JOINT_NAMES)}, 3] of the Human3.6M "
            f"joints with at least one frame, got {poses.shape}"
        )
    if not np.isfinite(poses).all():
        raise ValueError("the poses to fit are not all finite (NaN or infinity)")
    seen = np.ones(poses.shape[:2], bool) if seen is None else np.asarray(seen, bool)
    if seen.shape != poses.shape[:2]:
        raise ValueError(f"seen must have shape {poses.shape[:2]}, got {seen.shape}")
    offsets, rotations, joints = _fit_body(poses, seen, fps, cutoff)
    trajectory = np.zeros((len(poses), 3))
    if keypoints is not None:
        if image_size is None:
            raise ValueError("placing the body needs the image size (width, height)")
        keypoints = np.asarray(keypoints, dtype=np.float64)
        if keypoints.shape != (*poses.shape[:2], 2):
            raise ValueError(
                f"keypoints must have shape {(*poses.shape[:2], 2)}, got "
                f"{keypoints.shape}"
            )
        width, height = image_size
        focal = float(focal_length or max(width, height))
        center = (width / 2, height / 2)
        trajectory = root_trajectory(joints, keypoints, focal, center, seen)
        # Once placed, the body is fitted again to the lift with its seen
        # joints moved onto the rays of their keypoints, at their depth.
        relative = poses - poses[:, :1]
        moved = _onto_rays(relative, trajectory, keypoints, focal, center, seen)
        offsets, rotations, joints = _fit_body(moved, seen, fps, cutoff)
        trajectory = root_trajectory(joints, keypoints, focal, center, seen)
        trajectory = smooth(trajectory, fps, cutoff)
    return FittedBody(joints, trajectory, offsets, rotations, PARENTS, JOINT_NAMES)
