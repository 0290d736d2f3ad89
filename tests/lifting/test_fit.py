import numpy as np
import pytest

from pyg_weightshare.datasets import h36m_cameras
from pyg_weightshare.datasets.camera import quaternion_to_matrix
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.datasets.pose_prior import sample_body, sample_take
from pyg_weightshare.lifting.fit import (
    JOINT_NAMES,
    PARENTS,
    fit_skeleton,
    matrix_to_quaternion,
    smooth,
)

FPS = 50
NECK = 9  # of the 17 Human3.6M joints


@pytest.fixture(scope="module")
def walk():
    """A walk of the pose prior seen by a Human3.6M camera: camera-frame
    joints [T, 16, 3] (root included), their pixels and the camera."""
    rng = np.random.default_rng(0)
    world = sample_take(rng, sample_body(rng), 150, {"walk": 1.0})
    world = world[:, [index for k, index in enumerate(MOCAP_INDICES_17) if k != NECK]]
    camera = h36m_cameras("S9")[0]
    joints = camera.world_to_camera(world)
    return joints, camera.project(joints), camera


def _jitter(joints):
    return np.linalg.norm(np.diff(joints, n=2, axis=0), axis=-1).mean()


def _bone_lengths(joints):
    return np.stack(
        [
            np.linalg.norm(joints[:, child] - joints[:, parent], axis=-1)
            for child, parent in enumerate(PARENTS)
            if parent >= 0
        ],
        -1,
    )


def test_fit_of_a_clean_walk_is_close_and_rigid(walk):
    joints, _, _ = walk
    relative = joints - joints[:, :1]
    body = fit_skeleton(relative, fps=FPS, cutoff=0)
    # The prior's hips hang below the pelvis and its head nods on its own:
    # the fitted body has neither, which costs about a centimetre.
    assert float(np.linalg.norm(body.joints - relative, axis=-1).mean()) < 0.015
    lengths = _bone_lengths(body.joints)
    np.testing.assert_allclose(lengths, lengths[:1].repeat(len(lengths), 0), atol=1e-9)
    # Left and right bones are equally long.
    bones = [child for child, parent in enumerate(PARENTS) if parent >= 0]
    for left, right in (("LKnee", "RKnee"), ("LWrist", "RWrist"), ("LHip", "RHip")):
        i = bones.index(JOINT_NAMES.index(left))
        j = bones.index(JOINT_NAMES.index(right))
        assert lengths[0, i] == pytest.approx(lengths[0, j])


def test_noise_is_smoothed_away(walk):
    joints, _, _ = walk
    relative = joints - joints[:, :1]
    noisy = relative + np.random.default_rng(1).normal(0, 0.02, relative.shape)
    noisy[:, 0] = 0
    body = fit_skeleton(noisy, fps=FPS)
    error = np.linalg.norm(body.joints - relative, axis=-1).mean()
    assert error < 0.8 * np.linalg.norm(noisy - relative, axis=-1).mean()
    assert _jitter(body.joints) < 2 * _jitter(relative) < _jitter(noisy) / 10


def test_knees_and_elbows_are_hinges_within_limits(walk):
    joints, _, _ = walk
    relative = joints - joints[:, :1]
    # A wrist folded past 150 degrees onto its shoulder.
    folded = relative.copy()
    shoulder, elbow = JOINT_NAMES.index("RShoulder"), JOINT_NAMES.index("RElbow")
    folded[:, JOINT_NAMES.index("RWrist")] = (
        folded[:, shoulder] + 0.1 * (folded[:, elbow] - folded[:, shoulder]) + 0.03
    )
    body = fit_skeleton(folded, fps=FPS, cutoff=0)
    for name in ("LKnee", "RKnee", "LElbow", "RElbow"):
        rotation = body.rotations[:, JOINT_NAMES.index(name)]
        np.testing.assert_allclose(rotation[:, 0], [[1, 0, 0]] * len(rotation))
        angle = np.degrees(np.arctan2(rotation[:, 2, 1], rotation[:, 1, 1]))
        bend = angle if "Knee" in name else -angle
        assert bend.min() >= -1e-6 and bend.max() <= 150 + 1e-6
    angle = np.degrees(np.arctan2(*body.rotations[:, elbow, [2, 1], 1].T))
    np.testing.assert_allclose(-angle, 150, atol=1e-6)


def test_trajectory_from_the_2d(walk):
    joints, pixels, camera = walk
    size = (camera.res_w, camera.res_h)
    body = fit_skeleton(
        joints - joints[:, :1], pixels, size, camera.focal_length[0], FPS
    )
    # Distortion and the principal point off the centre cost a few cm.
    assert np.linalg.norm(body.trajectory - joints[:, 0], axis=-1).max() < 0.15
    walked = np.linalg.norm(np.diff(joints[:, 0], axis=0), axis=-1).sum()
    fitted = np.linalg.norm(np.diff(body.trajectory, axis=0), axis=-1).sum()
    assert fitted == pytest.approx(walked, rel=0.1)
    world = body.world_joints()
    np.testing.assert_allclose(world[:, 0], body.trajectory * [1, -1, -1])


def test_the_fit_reprojects_onto_the_2d(walk):
    joints, pixels, camera = walk
    relative = joints - joints[:, :1]
    # A lift wrong across the image but right in depth.
    wrong = relative.copy()
    wrong[..., :2] += np.random.default_rng(2).normal(0, 0.03, wrong[..., :2].shape)
    size, focal = (camera.res_w, camera.res_h), camera.focal_length[0]
    alone = fit_skeleton(wrong, fps=FPS, cutoff=0)
    with_2d = fit_skeleton(wrong, pixels, size, focal, FPS, cutoff=0)
    error = np.linalg.norm(with_2d.joints - relative, axis=-1).mean()
    assert error < 0.5 * np.linalg.norm(alone.joints - relative, axis=-1).mean()


def test_one_frame_and_unseen_joints(walk):
    joints, pixels, _ = walk
    relative = joints - joints[:, :1]
    single = fit_skeleton(relative[:1], pixels[:1], (1000, 1002), 1145.0)
    assert single.joints.shape == (1, 16, 3) and np.isfinite(single.joints).all()
    seen = np.ones(relative.shape[:2], bool)
    seen[:, JOINT_NAMES.index("LWrist")] = False  # never seen: all frames used
    seen[:10] = False  # nothing seen: placed from the frames around
    body = fit_skeleton(relative, pixels, (1000, 1002), 1145.0, FPS, seen=seen)
    assert np.isfinite(body.joints).all() and np.isfinite(body.trajectory).all()


def test_bad_inputs(walk):
    joints, pixels, _ = walk
    relative = joints - joints[:, :1]
    broken = relative.copy()
    broken[3, 4, 1] = np.nan
    with pytest.raises(ValueError, match="not all finite"):
        fit_skeleton(broken)
    with pytest.raises(ValueError, match=r"\[frames, 16, 3\]"):
        fit_skeleton(relative[:0])
    with pytest.raises(ValueError, match="image size"):
        fit_skeleton(relative, pixels)
    with pytest.raises(ValueError, match="no frame has two seen keypoints"):
        fit_skeleton(relative, pixels, (1000, 1002), seen=np.zeros((150, 16), bool))


def test_smooth_keeps_slow_motion_and_has_no_lag():
    t = np.arange(200) / FPS
    slow = np.sin(2 * np.pi * 0.5 * t)
    smoothed = smooth(slow + 0.1 * np.sin(2 * np.pi * 20 * t), FPS, 3)
    np.testing.assert_allclose(smoothed[5:-5], slow[5:-5], atol=0.01)
    # The ends are pinned to the first and last samples, noise included.
    np.testing.assert_allclose(smoothed, slow, atol=0.1)
    np.testing.assert_array_equal(smooth(slow[:1], FPS, 3), slow[:1])


def test_matrix_to_quaternion_inverts_quaternion_to_matrix():
    quaternions = np.random.default_rng(0).normal(size=(1000, 4))
    quaternions /= np.linalg.norm(quaternions, axis=-1, keepdims=True)
    quaternions *= np.sign(quaternions[:, :1])
    back = matrix_to_quaternion(quaternion_to_matrix(quaternions))
    np.testing.assert_allclose(back * np.sign(back[:, :1]), quaternions, atol=1e-9)
