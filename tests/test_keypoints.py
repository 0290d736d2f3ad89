import numpy as np
import pytest

from pyg_weightshare.keypoints import (
    COCO_KEYPOINTS,
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
    points[0, COCO_KEYPOINTS.index("left_hip")] = np.nan
    points[0, [COCO_KEYPOINTS.index("left_ear"), COCO_KEYPOINTS.index("left_eye")]] = (
        np.nan
    )
    points[1, 1:5] = np.nan  # no eye or ear at all
    mapped = coco_to_h36m(points)
    missing = {H36M_JOINTS_17[j] for j in np.isnan(mapped[0]).any(-1).nonzero()[0]}
    # A joint built from several keypoints needs all of them, except Head.
    assert missing == {"Hip", "LHip", "Spine"}
    head = H36M_JOINTS_17.index("Head")
    assert np.allclose(mapped[0, head], at("right_eye", "right_ear"))
    assert np.isnan(mapped[1, head]).all()
    assert not np.isnan(np.delete(mapped[1], head, axis=0)).any()


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
