import json

import numpy as np
import pytest

from pyg_weightshare.datasets.deepmimic import (
    CLIP_ACTIONS,
    OFFSETS,
    read_clip,
    read_clips,
)
from pyg_weightshare.skeleton import H36M_JOINTS_17

IDENTITY = [1.0, 0.0, 0.0, 0.0]


def deepmimic_frames(num_frames: int = 5, knee: float = 0.0) -> list[list[float]]:
    """A DeepMimic humanoid standing still (every joint at rest, the knees
    bent by ``knee`` radians), root 0.9 m up."""
    frame = [1 / 30, 0.0, 0.9, 0.0]
    frame += IDENTITY * 4  # root, chest, neck, right hip (4 to 19)
    frame += [knee, *IDENTITY, *IDENTITY, 0.0]  # right knee, ankle, shoulder, elbow
    frame += [*IDENTITY, knee, *IDENTITY, *IDENTITY, 0.0]  # the left side
    assert len(frame) == 44
    return [frame] * num_frames


def write_clip(path, frames) -> None:
    path.write_text(json.dumps({"Loop": "wrap", "Frames": frames}))


def test_a_clip_becomes_human36m_joints_in_metres_z_up(tmp_path):
    write_clip(tmp_path / "clip.txt", deepmimic_frames(knee=-0.5))
    joints = read_clip(tmp_path / "clip.txt")
    assert joints.shape == (5, 17, 3)
    index = {name: i for i, name in enumerate(H36M_JOINTS_17)}
    thigh = np.linalg.norm(joints[0, index["RKnee"]] - joints[0, index["RHip"]])
    assert thigh == pytest.approx(abs(OFFSETS["knee"][1]), rel=1e-6)
    assert joints[0, index["Head"], 2] > joints[0, index["Thorax"], 2] > joints[0, 0, 2]
    # The right side is to the body's right: facing +x (DeepMimic's forward)
    # with z up, right is -y.
    assert joints[0, index["RHip"], 1] < joints[0, index["LHip"], 1]


def test_a_bad_motion_file_is_one_clear_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("not json")
    with pytest.raises(ValueError, match=f"{path} is not a DeepMimic motion file"):
        read_clip(path)
    write_clip(path, [[0.0] * 10])
    with pytest.raises(ValueError, match=r"frames of shape \[1, 10\], expected"):
        read_clip(path)


def test_every_clip_is_read_from_a_motions_directory(tmp_path):
    for clip in CLIP_ACTIONS.values():
        write_clip(tmp_path / f"humanoid3d_{clip}.txt", deepmimic_frames(3))
    clips = read_clips(tmp_path)
    assert list(clips) == list(CLIP_ACTIONS.values())
    assert all(joints.shape == (3, 17, 3) for joints in clips.values())
