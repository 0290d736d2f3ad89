import numpy as np
import pytest
import torch

from pyg_weightshare.datasets import detector
from pyg_weightshare.datasets.detector import (
    COCO_KEYPOINTS,
    DISTANCE_RANGE,
    FOCAL_RANGE,
    HEIGHT_RANGE,
    IMAGE_SIDES,
    PAIRS,
    DetectorDataset,
    coco_keypoints_3d,
    detect,
    model_joints,
    sample_cameras,
    synthesize_detector_poses,
)
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.datasets.pose_prior import (
    BONES,
    CHANNELS,
    forward_kinematics,
    sample_poses,
)


def rest_pose(**angles) -> np.ndarray:
    """The 17 Human3.6M joints of the average body, facing +y, right +x."""
    channels = {name: np.array([float(angles.get(name, 0.0))]) for name in CHANNELS}
    body = BONES | {"hip_drop": 0.03, "shoulder_drop": 0.02}
    joints = forward_kinematics(channels, np.eye(3)[None], body)
    return joints[:, list(MOCAP_INDICES_17)]


def keypoint(points: np.ndarray, name: str) -> np.ndarray:
    return points[0, COCO_KEYPOINTS.index(name)]


def test_the_face_is_on_the_head_where_faces_are():
    joints = rest_pose()
    points = coco_keypoints_3d(joints, np.random.default_rng(0))
    nose, head_top = keypoint(points, "nose"), joints[0, 10]
    for side, sign in (("left", -1), ("right", 1)):
        eye, ear = keypoint(points, f"{side}_eye"), keypoint(points, f"{side}_ear")
        # Right is +x: each eye and ear on its own side, the ears wider.
        assert sign * eye[0] > 0.02 and sign * ear[0] > sign * eye[0] + 0.02
        # The eyes above the nose, below the head top; the ears behind them.
        assert nose[2] < eye[2] < head_top[2] - 0.07
        assert ear[1] < eye[1] - 0.05
    # The face looks forward (+y), the nose in the middle.
    assert nose[1] > head_top[1] + 0.05 and abs(nose[0]) < 1e-9


def test_the_face_turns_with_the_head():
    points = coco_keypoints_3d(rest_pose(turn=60.0), np.random.default_rng(0))
    nose, top = keypoint(points, "nose"), rest_pose(turn=60.0)[0, 10]
    # Turned 60 degrees (to its left, +z rotation): the nose moves to -x.
    direction = (nose - top)[:2] / np.linalg.norm((nose - top)[:2])
    turned = [-np.sin(np.radians(60)), np.cos(np.radians(60))]
    assert direction == pytest.approx(turned, abs=0.1)


def test_shoulder_and_hip_keypoints_sit_outside_and_above_the_joints():
    joints = rest_pose()
    points = coco_keypoints_3d(joints, np.random.default_rng(1))
    for side, sign, shoulder, hip in (("left", -1, 11, 4), ("right", 1, 14, 1)):
        for name, joint in (("shoulder", shoulder), ("hip", hip)):
            offset = keypoint(points, f"{side}_{name}") - joints[0, joint]
            assert sign * offset[0] > 0.005 and offset[2] > 0.005
            assert np.linalg.norm(offset) < 0.08
    for coco, joint in (("left_wrist", 13), ("right_knee", 2), ("left_ankle", 6)):
        assert np.array_equal(keypoint(points, coco), joints[0, joint])


def test_cameras_are_within_their_ranges_and_see_the_person():
    rng = np.random.default_rng(0)
    joints, _ = sample_poses(rng, 2000)
    joints = joints[:, list(MOCAP_INDICES_17)]
    cameras = sample_cameras(rng, joints, np.full(len(joints), 1.7))
    center = (joints.min(1) + joints.max(1)) / 2
    distance = np.linalg.norm(cameras.position - center, axis=-1)
    assert distance.min() >= DISTANCE_RANGE[0] - 1e-9
    assert distance.max() <= DISTANCE_RANGE[1] + 1e-9
    assert HEIGHT_RANGE[0] <= cameras.position[:, 2].min()
    assert cameras.position[:, 2].max() <= HEIGHT_RANGE[1]
    longer = cameras.size.max(-1)
    assert set(longer) <= set(IMAGE_SIDES)
    assert np.all(cameras.focal >= FOCAL_RANGE[0] * longer - 1e-6)
    assert np.all(cameras.focal <= FOCAL_RANGE[1] * longer + 1e-6)
    portrait = (cameras.size[:, 1] > cameras.size[:, 0]).mean()
    assert 0.2 < portrait < 0.4
    rotation = cameras.rotation
    assert np.allclose(rotation @ rotation.transpose(0, 2, 1), np.eye(3), atol=1e-9)
    assert np.allclose(np.linalg.det(rotation), 1)
    # The middle of the person is in front and inside the middle of the image.
    pixels = cameras.project(cameras.to_camera(center[:, None]))[:, 0]
    assert np.all(cameras.to_camera(center[:, None])[:, 0, 2] > 0)
    # (the roll turns the offset about the image centre)
    off_centre = np.linalg.norm(pixels - cameras.size / 2, axis=-1)
    assert np.all(off_centre <= 0.25 * np.linalg.norm(cameras.size, axis=-1) + 1e-6)
    # Upright people stand upright in the images, within the roll.
    up = cameras.rotation @ np.array([0.0, 0.0, 1.0])
    roll = np.degrees(np.arctan2(up[:, 0], -up[:, 1]))
    assert np.median(np.abs(roll)) < 10 and np.abs(roll).max() < 90


def _people(n: int = 4000, seed: int = 0):
    rng = np.random.default_rng(seed)
    pixels = rng.uniform(400, 600, size=(n, 17, 2))
    pixels[:, :, 1] += np.linspace(-150, 150, 17)  # a tall person
    depth = np.full((n, 17), 4.5)
    size = np.tile([1000.0, 1000.0], (n, 1))
    return rng, pixels, depth, size


def test_detections_are_noisy_with_heavy_tails_scaled_by_the_person():
    rng, pixels, depth, size = _people()
    detected, confidence = detect(rng, pixels, depth, size, "coco")
    error = np.linalg.norm(detected - pixels, axis=-1)
    assert np.median(error) > 1.0
    # Heavy tails: far more outliers than a Gaussian of that median.
    assert (error > 6 * np.median(error)).mean() > 0.005
    big = 2 * (pixels - 500) + 500
    _, _ = detect(np.random.default_rng(0), big, depth, size * 2, "coco")
    detected2, _ = detect(np.random.default_rng(5), big, depth, size * 4, "coco")
    error2 = np.linalg.norm(detected2 - big, axis=-1)
    assert 1.6 < np.median(error2) / np.median(error) < 2.4
    # The hips, with COCO's largest spread, stray more than the eyes.
    assert np.median(error[:, 11:13]) > 2.5 * np.median(error[:, 1:3])
    assert confidence.min() >= 0 and confidence.max() <= 1


def test_some_left_and_right_keypoints_are_swapped():
    rng, pixels, depth, size = _people(20000)
    # Keypoints 100 px apart in a thin box: the noise (a few px) cannot
    # bring one near another, only a swap does.
    pixels[:, :, 0] = 500.0
    pixels[:, :, 1] = 100 + 50 * np.arange(17)
    detected, _ = detect(rng, pixels, depth, size, "coco")
    swapped = np.zeros(len(pixels), bool)
    for left, right in PAIRS["coco"]:
        to_other = np.linalg.norm(detected[:, left] - pixels[:, right], axis=-1)
        swapped |= to_other < 20
    assert 0.04 < swapped.mean() < 0.07


def test_missing_keypoints_come_in_the_patterns_of_real_detections():
    rng, pixels, depth, size = _people(20000)
    # The person's left side farther from the camera.
    depth[:, [1, 3, 5, 7, 9, 11, 13, 15]] += 0.5
    _, confidence = detect(rng, pixels, depth, size, "coco")
    missing = confidence < detector.CONFIDENCE_THRESHOLD
    assert 0.05 < missing.mean() < 0.35
    # The far limb, from the shoulder or hip down, and the far ear are hidden
    # more often than the near ones.
    assert missing[:, [7, 9, 13, 15]].mean() > missing[:, [8, 10, 14, 16]].mean() + 0.05
    assert missing[:, [5, 11]].mean() > missing[:, [6, 12]].mean() + 0.05
    assert missing[:, 3].mean() > missing[:, 4].mean() + 0.3
    # Border cuts: a whole lower part of the body missing for some people.
    feet_only = missing[:, 15:].all(-1) & ~missing[:, 5:7].any(-1)
    assert feet_only.mean() > 0.02  # about 0.005 without the cuts
    # A keypoint outside the image is never reported.
    rng, pixels, depth, size = _people(100)
    pixels[:, 0] = [-50.0, 500.0]
    _, confidence = detect(rng, pixels, depth, size, "coco")
    assert np.all(confidence[:, 0] == 0)


def test_coco_keypoints_become_the_model_joints_with_nan_propagated():
    keypoints = np.random.default_rng(0).uniform(0, 100, size=(3, 17, 2))
    keypoints[0, COCO_KEYPOINTS.index("left_hip")] = np.nan
    keypoints[1, COCO_KEYPOINTS.index("left_hip")] = np.nan
    keypoints[1, COCO_KEYPOINTS.index("left_shoulder")] = np.nan
    joints = model_joints(keypoints, "coco")
    assert joints.shape == (3, 16, 2)
    missing = np.isnan(joints).any(-1)
    # Hip (0) and Spine (7) come from the right hip and the shoulders.
    assert np.flatnonzero(missing[0]).tolist() == [4]  # LHip
    # Without a side of both pairs, the trunk goes: Hip, LHip, Spine, Thorax
    # and LShoulder.
    assert np.flatnonzero(missing[1]).tolist() == [0, 4, 7, 8, 10]
    assert not missing[2].any()
    h36m = model_joints(np.arange(34.0).reshape(1, 17, 2), "h36m")
    assert h36m[0, 9].tolist() == [20.0, 21.0]  # Head, after dropping Neck/Nose


@pytest.mark.parametrize("layout", ["coco", "h36m"])
def test_synthesized_poses_are_model_ready_and_reproducible(layout):
    poses = synthesize_detector_poses(300, layout, seed=3)
    assert poses.inputs.shape == (300, 16, 3) and poses.targets.shape == (300, 16, 3)
    assert torch.equal(poses.targets[:, 0], torch.zeros(300, 3))
    seen = poses.inputs[..., 2]
    assert seen.sum(-1).min() >= 6 and 0.6 < seen.mean() < 0.95
    assert torch.equal(poses.inputs[seen == 0], torch.zeros(int((seen == 0).sum()), 3))
    assert poses.inputs[..., :2].abs().max() <= 1.0
    # Several people (64 poses each): several thigh lengths.
    thigh = (poses.targets[:, 5] - poses.targets[:, 4]).norm(dim=-1)
    assert len(thigh.round(decimals=4).unique()) >= 4
    again = synthesize_detector_poses(300, layout, seed=3)
    assert torch.equal(poses.inputs, again.inputs)
    other = synthesize_detector_poses(300, layout, seed=4)
    assert not torch.equal(other.inputs, poses.inputs)


def test_the_dataset_splits_share_no_pose():
    dataset = DetectorDataset("coco", 200, 50, 60)
    assert (len(dataset.train), len(dataset.val), len(dataset.test)) == (200, 50, 60)
    assert dataset.skeleton.num_joints == 16
    assert dataset.train.action_names[-1] == "uniform"
    first = dataset.train.targets[:50]
    assert not torch.allclose(first, dataset.val.targets)
