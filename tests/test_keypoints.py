import numpy as np
import pytest

from pyg_weightshare.datasets.detector import coco_keypoints_3d
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.datasets.pose_prior import sample_poses
from pyg_weightshare.keypoints import (
    COCO_KEYPOINTS,
    HIP_TO_SHOULDER_WIDTH,
    coco_to_h36m,
    fill_missing,
    layout_joints,
)
from pyg_weightshare.skeleton import H36M_JOINTS_17


def coco_points() -> np.ndarray:
    """Keypoint k at (k, 100 + 2k), so every mean is easy to write down."""
    k = np.arange(17.0)
    return np.stack([k, 100 + 2 * k], axis=-1)


def at(*names: str) -> np.ndarray:
    points = coco_points()
    return points[[COCO_KEYPOINTS.index(n) for n in names]].mean(axis=0)


EXPECTED = {
    "Hip": at("left_hip", "right_hip"),
    "RHip": at("right_hip"),
    "RKnee": at("right_knee"),
    "RFoot": at("right_ankle"),
    "LHip": at("left_hip"),
    "LKnee": at("left_knee"),
    "LFoot": at("left_ankle"),
    "Spine": (at("left_hip", "right_hip") + at("left_shoulder", "right_shoulder")) / 2,
    "Thorax": at("left_shoulder", "right_shoulder"),
    "Neck/Nose": at("nose"),
    "Head": at("left_eye", "right_eye", "left_ear", "right_ear"),
    "LShoulder": at("left_shoulder"),
    "LElbow": at("left_elbow"),
    "LWrist": at("left_wrist"),
    "RShoulder": at("right_shoulder"),
    "RElbow": at("right_elbow"),
    "RWrist": at("right_wrist"),
}


@pytest.mark.parametrize("joint", H36M_JOINTS_17)
def test_coco_mapping_joint_by_joint(joint):
    mapped = coco_to_h36m(coco_points())
    assert np.allclose(mapped[H36M_JOINTS_17.index(joint)], EXPECTED[joint])


def test_coco_mapping_with_missing_keypoints():
    points = np.stack([coco_points()] * 2)
    points[0, COCO_KEYPOINTS.index("left_ear")] = np.nan
    points[0, COCO_KEYPOINTS.index("left_eye")] = np.nan
    points[1, 1:5] = np.nan  # no eye or ear at all
    mapped = coco_to_h36m(points)
    head = H36M_JOINTS_17.index("Head")
    assert np.allclose(mapped[0, head], at("right_eye", "right_ear"))
    assert np.isnan(mapped[1, head]).all()
    assert not np.isnan(np.delete(mapped[1], head, axis=0)).any()


@pytest.mark.parametrize(
    "hidden, built, missing",
    [
        ("left_hip", "Hip", {"LHip"}),
        ("right_hip", "Hip", {"RHip"}),
        ("left_shoulder", "Thorax", {"LShoulder"}),
        ("right_shoulder", "Thorax", {"RShoulder"}),
    ],
)
def test_coco_mapping_builds_a_trunk_centre_from_one_side(hidden, built, missing):
    points = coco_points()
    points[COCO_KEYPOINTS.index(hidden)] = np.nan
    mapped = coco_to_h36m(points)
    lost = {H36M_JOINTS_17[j] for j in np.isnan(mapped).any(-1).nonzero()[0]}
    assert lost == missing
    # The seen side moved as the other pair's centre lies from its keypoint
    # on that side.
    side, pair = hidden.split("_")
    seen = ("right_" if side == "left" else "left_") + pair
    other = {"hip": ("left_shoulder", "right_shoulder"),
             "shoulder": ("left_hip", "right_hip")}[pair]  # fmt: skip
    other_seen = other[0] if seen.startswith("left") else other[1]
    ratio = HIP_TO_SHOULDER_WIDTH if pair == "hip" else 1 / HIP_TO_SHOULDER_WIDTH
    expected = at(seen) + ratio * (at(*other) - at(other_seen))
    assert np.allclose(mapped[H36M_JOINTS_17.index(built)], expected)
    spine = (
        mapped[H36M_JOINTS_17.index("Hip")] + mapped[H36M_JOINTS_17.index("Thorax")]
    ) / 2
    assert np.allclose(mapped[H36M_JOINTS_17.index("Spine")], spine)


def test_coco_mapping_of_bodies_seen_from_any_side_with_one_hip_hidden():
    rng = np.random.default_rng(0)
    mocap, _ = sample_poses(rng, 256)  # any heading, metres, z up
    keypoints = coco_keypoints_3d(mocap[:, list(MOCAP_INDICES_17)], rng)
    keypoints = keypoints[..., [0, 2]]  # seen along y
    left_hip = COCO_KEYPOINTS.index("left_hip")
    hidden = keypoints.copy()
    hidden[:, left_hip] = np.nan
    hip = H36M_JOINTS_17.index("Hip")
    centre = coco_to_h36m(keypoints)[:, hip]
    error = np.linalg.norm(coco_to_h36m(hidden)[:, hip] - centre, axis=-1)
    # Far better than taking the seen hip for the centre (a half-width off).
    seen_hip = keypoints[:, COCO_KEYPOINTS.index("right_hip")]
    assert np.median(error) < 0.5 * np.median(
        np.linalg.norm(seen_hip - centre, axis=-1)
    )


def test_coco_mapping_loses_the_trunk_without_a_side_of_each_pair():
    points = coco_points()
    points[
        [COCO_KEYPOINTS.index("left_hip"), COCO_KEYPOINTS.index("right_shoulder")]
    ] = np.nan
    mapped = coco_to_h36m(points)
    lost = {H36M_JOINTS_17[j] for j in np.isnan(mapped).any(-1).nonzero()[0]}
    assert lost == {"Hip", "Thorax", "Spine", "LHip", "RShoulder"}


def test_layout_joints():
    assert layout_joints("coco", 17) == COCO_KEYPOINTS
    assert "Neck/Nose" not in layout_joints("h36m", 16)
    with pytest.raises(ValueError, match="'coco' layout has 17 keypoints, got 16"):
        layout_joints("coco", 16)
    with pytest.raises(ValueError, match="Unknown layout 'mpii'"):
        layout_joints("mpii", 16)


def test_fill_missing_interpolates_each_joint_over_time():
    points = np.array(
        [[[0.0, 0.0], [5.0, 5.0]],
         [[np.nan, np.nan], [6.0, 6.0]],
         [[np.nan, np.nan], [np.nan, np.nan]],
         [[3.0, 6.0], [np.nan, np.nan]]]
    )  # fmt: skip
    filled = fill_missing(points, ["a", "b"])
    assert np.allclose(filled[:, 0], [[0, 0], [1, 2], [2, 4], [3, 6]])
    # After its last sighting a joint stays where it was last seen.
    assert np.allclose(filled[:, 1], [[5, 5], [6, 6], [6, 6], [6, 6]])
    assert np.isnan(points).any()  # the input is left alone
    with pytest.raises(ValueError, match="clip 'x': joint 'b' is never seen"):
        fill_missing(np.where(np.arange(2)[:, None] == 1, np.nan, points),
                     ["a", "b"], "clip 'x': ")  # fmt: skip
