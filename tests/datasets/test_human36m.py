import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import torch

from pyg_weightshare.datasets import ACTIONS, SUBJECTS, Human36M, h36m_cameras
from pyg_weightshare.datasets.camera import (
    cameras_from_calibration,
    quaternion_to_matrix,
)
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17, action_of

LENGTHS = {
    "S1": {"Walking": 7, "Walking 1": 5, "TakingPhoto": 4},
    "S9": {"Directions": 6, "Sitting 2": 3},
    "S11": {"Directions": 9, "Directions 1": 4, "Eating": 5},
}


def write_h36m(
    root: Path,
    lengths=LENGTHS,
    extra_frames: int = 0,
    seed: int = 0,
    cameras=h36m_cameras,
):
    """A tiny dataset in the VideoPose3D format; returns its 3D and 2D dicts.

    The mocap joints stand 1 m above the floor at the centre of the capture
    area; the 2D is their projection, ``extra_frames`` longer like detections.
    """
    rng = np.random.default_rng(seed)
    positions_3d, positions_2d = {}, {}
    for subject, takes in lengths.items():
        positions_3d[subject], positions_2d[subject] = {}, {}
        for key, num_frames in takes.items():
            mocap = rng.uniform(-0.4, 0.4, (num_frames, 32, 3)) + np.array([0, 0, 1])
            positions_3d[subject][key] = mocap.astype(np.float32)
            padded = np.concatenate([mocap, mocap[-1:].repeat(extra_frames, 0)])
            positions_2d[subject][key] = [
                camera.project(
                    camera.world_to_camera(padded[:, MOCAP_INDICES_17])
                ).astype(np.float32)
                for camera in cameras(subject)
            ]
    save(root, positions_3d, positions_2d)
    return positions_3d, positions_2d


def save(root: Path, positions_3d: dict, positions_2d: dict, name: str = "gt"):
    np.savez(root / "data_3d_h36m.npz", positions_3d=positions_3d)
    np.savez(root / f"data_2d_h36m_{name}.npz", positions_2d=positions_2d)


def load(root: Path, **kwargs) -> Human36M:
    kwargs = {"train_subjects": ["S1"], "test_subjects": ["S9", "S11"]} | kwargs
    return Human36M(root, **kwargs)


@pytest.mark.parametrize("num_joints", [16, 17])
def test_shapes_and_dtypes(tmp_path, num_joints):
    write_h36m(tmp_path)
    dataset = load(tmp_path, num_joints=num_joints)
    # S1: 7 + 5 + 4 frames; S9: 6 + 3; S11 without "Directions": 4 + 5.
    assert len(dataset.train) == 4 * 16 and len(dataset.test) == 4 * 18
    assert len(dataset.val) == 0
    split = dataset.train
    assert split.inputs.shape == (64, num_joints, 2)
    assert split.targets.shape == (64, num_joints, 3)
    for tensor in (split.inputs, split.targets):
        assert tensor.dtype == torch.float32 and tensor.is_contiguous()
    for ids in (split.action, split.subject, split.camera):
        assert ids.shape == (64,) and ids.dtype == torch.long
    assert dataset.skeleton.num_joints == num_joints


@pytest.mark.parametrize("num_joints", [16, 17])
def test_targets_are_root_relative_camera_coordinates(tmp_path, num_joints):
    positions_3d, _ = write_h36m(tmp_path)
    dataset = load(tmp_path, num_joints=num_joints)
    # The first poses are S1 "TakingPhoto" (keys are sorted) seen by camera 0.
    mocap = positions_3d["S1"]["TakingPhoto"].astype(np.float64)
    camera = h36m_cameras("S1")[0]
    names_17 = [0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27]
    joints = names_17 if num_joints == 17 else names_17[:9] + names_17[10:]
    expected = camera.world_to_camera(mocap[:, joints])
    expected -= expected[:, :1]
    assert np.allclose(dataset.train.targets[:4].numpy(), expected, atol=1e-5)
    assert torch.all(dataset.train.targets[:, 0] == 0)
    # The rotation into each camera frame keeps the bone lengths.
    rotation = quaternion_to_matrix(np.array(camera.orientation))
    assert np.allclose(dataset.train.targets[:4].numpy() @ rotation.T,
                       mocap[:, joints] - mocap[:, :1], atol=1e-5)  # fmt: skip


def test_inputs_are_normalised_per_camera(tmp_path):
    _, positions_2d = write_h36m(tmp_path)
    dataset = load(tmp_path, num_joints=17)
    inputs, camera = dataset.train.inputs, dataset.train.camera
    # Camera 0 is 1000 x 1002 pixels, camera 1 1000 x 1000.
    pixels = positions_2d["S1"]["TakingPhoto"]
    first = (camera == 0).nonzero()[0, 0]
    second = (camera == 1).nonzero()[0, 0]
    assert np.allclose(inputs[first], pixels[0][0] / 1000 * 2 - [1, 1.002], atol=1e-6)
    assert np.allclose(inputs[second], pixels[1][0] / 1000 * 2 - [1, 1], atol=1e-6)
    # Points in the image land in [-1, 1] (x) and [-h/w, h/w] (y).
    assert inputs.abs().max() <= 1.002


def test_2d_file_with_16_joints(tmp_path):
    _, positions_2d = write_h36m(tmp_path)
    with_17 = load(tmp_path).train.inputs
    neck = 9
    for takes in positions_2d.values():
        for key, views in takes.items():
            takes[key] = [np.delete(view, neck, axis=1) for view in views]
    np.savez(tmp_path / "data_2d_h36m_sixteen.npz", positions_2d=positions_2d)
    assert torch.equal(load(tmp_path, keypoints="sixteen").train.inputs, with_17)
    with pytest.raises(
        ValueError, match=r"sixteen.npz.*16 joints, without \['Neck/Nose'\]"
    ):
        load(tmp_path, keypoints="sixteen", num_joints=17)


def test_wrong_joint_count(tmp_path):
    _, positions_2d = write_h36m(tmp_path)
    positions_2d["S1"]["Walking"] = [
        view[:, :15] for view in positions_2d["S1"]["Walking"]
    ]
    np.savez(tmp_path / "data_2d_h36m_gt.npz", positions_2d=positions_2d)
    with pytest.raises(
        ValueError, match=r"data_2d_h36m_gt.npz: S1 'Walking' has 15 joints"
    ):
        load(tmp_path)


def test_longer_detections_are_truncated(tmp_path):
    write_h36m(tmp_path, extra_frames=3)
    truncated = load(tmp_path)
    write_h36m(tmp_path)
    exact = load(tmp_path)
    assert len(truncated.train) == len(exact.train)
    assert torch.equal(truncated.train.inputs, exact.train.inputs)


def test_shorter_2d_is_rejected(tmp_path):
    positions_3d, positions_2d = write_h36m(tmp_path)
    positions_2d["S9"]["Sitting 2"] = [
        view[:2] for view in positions_2d["S9"]["Sitting 2"]
    ]
    save(tmp_path, positions_3d, positions_2d)
    with pytest.raises(
        ValueError, match=r"S9 'Sitting 2' has 2 frames, fewer than the 3"
    ):
        load(tmp_path)


def test_s11_directions_excluded_and_actions_grouped(tmp_path):
    write_h36m(tmp_path)
    test = load(tmp_path).test
    s11 = test.subject == SUBJECTS.index("S11")
    actions = [ACTIONS[i] for i in test.action[s11].tolist()]
    # Only "Directions 1" (4 frames) and "Eating" (5) of S11 remain.
    assert actions.count("Directions") == 4 * 4 and actions.count("Eating") == 4 * 5
    s9 = [ACTIONS[i] for i in test.action[~s11].tolist()]
    assert s9.count("Directions") == 4 * 6 and s9.count("Sitting") == 4 * 3
    train = [ACTIONS[i] for i in load(tmp_path).train.action.tolist()]
    assert train.count("Walking") == 4 * 12 and train.count("Photo") == 4 * 4


def test_action_of():
    assert action_of("Walking 1") == "Walking"
    assert action_of("WalkingDog 1") == "WalkDog"
    assert action_of("SittingDown 2") == "SittingDown"
    assert action_of("Climb 1") == "Climb"


def test_action_filter(tmp_path):
    write_h36m(tmp_path)
    dataset = load(tmp_path, actions=["Walking"])
    assert len(dataset.train) == 4 * 12 and len(dataset.test) == 0
    with pytest.raises(ValueError, match=r"Unknown actions \['Dancing'\]"):
        load(tmp_path, actions=["Dancing"])


def test_stride(tmp_path):
    write_h36m(tmp_path)
    full, strided = load(tmp_path), load(tmp_path, stride=3)
    # TakingPhoto 4 -> 2 frames, Walking 7 -> 3, Walking 1 5 -> 2.
    assert len(strided.train) == 4 * 7
    first_take = full.train.inputs[:4]  # TakingPhoto, camera 0
    assert torch.equal(strided.train.inputs[:2], first_take[::3])
    assert torch.equal(strided.train.targets[:2], full.train.targets[:4][::3])
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        load(tmp_path, stride=0)


def test_validation_subject(tmp_path):
    write_h36m(tmp_path)
    dataset = load(tmp_path, train_subjects=["S1"], val_subjects=["S9"],
                   test_subjects=["S11"])  # fmt: skip
    assert set(dataset.val.subject.tolist()) == {SUBJECTS.index("S9")}
    assert len(dataset.val) == 4 * 9 and len(dataset.test) == 4 * 9
    with pytest.raises(ValueError, match="'S9' is in both the val and the test split"):
        load(tmp_path, val_subjects=["S9"])


def test_pose_split_slicing(tmp_path):
    write_h36m(tmp_path)
    split = load(tmp_path).train
    index = torch.tensor([5, 0, 17])
    batch = split[index]
    assert len(batch) == 3
    assert torch.equal(batch.inputs, split.inputs[index])
    assert torch.equal(batch.camera, split.camera[index])
    assert torch.equal(split[2:4].targets, split.targets[2:4])
    assert repr(batch) == "PoseSplit(num_poses=3)"


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data_3d_h36m\.npz"):
        load(tmp_path)
    write_h36m(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"data_2d_h36m_cpn_ft_h36m_dbb\.npz"):
        load(tmp_path, keypoints="cpn_ft_h36m_dbb")


def test_missing_key(tmp_path):
    positions_3d, _ = write_h36m(tmp_path)
    np.savez(tmp_path / "data_2d_h36m_gt.npz", poses=positions_3d)
    with pytest.raises(
        KeyError, match=r"data_2d_h36m_gt.npz has no key 'positions_2d'"
    ):
        load(tmp_path)


def test_unknown_subject(tmp_path):
    write_h36m(tmp_path)
    with pytest.raises(KeyError, match=r"data_3d_h36m.npz has no subject 'S5'"):
        load(tmp_path, train_subjects=["S5"])


def test_sequence_missing_from_2d(tmp_path):
    positions_3d, positions_2d = write_h36m(tmp_path)
    del positions_2d["S1"]["Walking 1"]
    save(tmp_path, positions_3d, positions_2d)
    with pytest.raises(
        KeyError, match=r"data_2d_h36m_gt.npz has no sequence S1 'Walking 1'"
    ):
        load(tmp_path)


def test_other_actions_follow_the_human36m_ones(tmp_path):
    positions_3d, positions_2d = write_h36m(tmp_path)
    positions_3d["S1"]["Dancing 2"] = positions_3d["S1"]["Walking"]
    positions_2d["S1"]["Dancing 2"] = positions_2d["S1"]["Walking"]
    save(tmp_path, positions_3d, positions_2d)
    dataset = load(tmp_path)
    assert dataset.action_names == (*ACTIONS, "Dancing")
    assert dataset.train.action_names == dataset.action_names
    dancing = dataset.train.action == len(ACTIONS)
    assert int(dancing.sum()) == 4 * 7
    # Human3.6M actions keep their ids.
    assert set(dataset.train.action[~dancing].tolist()) == {
        ACTIONS.index("Walking"),
        ACTIONS.index("Photo"),
    }


def test_wrong_mocap_shape(tmp_path):
    positions_3d, positions_2d = write_h36m(tmp_path)
    positions_3d["S9"]["Directions"] = positions_3d["S9"]["Directions"][:, :20]
    save(tmp_path, positions_3d, positions_2d)
    with pytest.raises(
        ValueError, match=r"S9 'Directions' has shape \(6, 20, 3\), expected"
    ):
        load(tmp_path)


def test_3d_file_with_the_17_joints(tmp_path):
    positions_3d, positions_2d = write_h36m(tmp_path)
    full = load(tmp_path, num_joints=17)
    for takes in positions_3d.values():
        for key, mocap in takes.items():
            takes[key] = mocap[:, MOCAP_INDICES_17]
    save(tmp_path, positions_3d, positions_2d)
    reduced = load(tmp_path, num_joints=17)
    assert torch.equal(reduced.train.targets, full.train.targets)
    assert torch.equal(reduced.test.inputs, full.test.inputs)


@pytest.mark.parametrize("where", ["3d", "2d"])
def test_nan_is_rejected(tmp_path, where):
    positions_3d, positions_2d = write_h36m(tmp_path)
    if where == "3d":
        positions_3d["S1"]["Walking 1"][3, 0, 1] = np.nan
    else:
        positions_2d["S1"]["Walking 1"][2][1, 5, 0] = np.nan
    save(tmp_path, positions_3d, positions_2d)
    with pytest.raises(ValueError, match=rf"data_{where}_h36m.*NaN .* S1 'Walking 1'"):
        load(tmp_path)


def packaged_calibration() -> dict:
    source = resources.files("pyg_weightshare.datasets").joinpath("cameras.json")
    return json.loads(source.read_text())


def own_calibration() -> dict:
    """Two cameras named "front" and "side" (1920 x 1080 and 640 x 480) for
    the subjects "alice" (placed like S1's first two) and "bob" (like S9's)."""
    h36m = packaged_calibration()
    first, second = h36m["camera_order"][:2]
    intrinsics = {
        "front": h36m["intrinsics"][first] | {"res_w": 1920, "res_h": 1080},
        "side": h36m["intrinsics"][second] | {"res_w": 640, "res_h": 480},
    }
    extrinsics = {
        name: {
            "front": h36m["extrinsics"][subject][first],
            "side": h36m["extrinsics"][subject][second],
        }
        for name, subject in (("alice", "S1"), ("bob", "S9"))
    }
    return {
        "camera_order": ["front", "side"],
        "intrinsics": intrinsics,
        "extrinsics": extrinsics,
    }


OWN_LENGTHS = {
    "alice": {"Climb 1": 6, "Climb 2": 4, "Jump": 5},
    "bob": {"Jump 1": 3, "Crawl": 7},
}


def write_own_dataset(root: Path):
    calibration = own_calibration()
    (root / "cameras.json").write_text(json.dumps(calibration))
    return write_h36m(
        root,
        OWN_LENGTHS,
        cameras=lambda subject: cameras_from_calibration(calibration, subject),
    )


@pytest.mark.parametrize("num_joints", [16, 17])
def test_own_names_and_cameras(tmp_path, num_joints):
    positions_3d, positions_2d = write_own_dataset(tmp_path)
    dataset = Human36M(
        tmp_path,
        num_joints=num_joints,
        train_subjects=["alice"],
        test_subjects=["bob"],
    )
    assert dataset.action_names == (*ACTIONS, "Climb", "Crawl", "Jump")
    assert dataset.subject_names == (*SUBJECTS, "alice", "bob")
    # Two cameras per frame: alice 6 + 4 + 5 frames, bob 3 + 7.
    assert len(dataset.train) == 2 * 15 and len(dataset.test) == 2 * 10
    test = dataset.test
    names = [test.action_names[i] for i in test.action.tolist()]
    assert names.count("Jump") == 2 * 3 and names.count("Crawl") == 2 * 7
    assert set(test.subject.tolist()) == {len(SUBJECTS) + 1}

    # bob's first sequence ("Crawl", keys are sorted) in the "side" camera,
    # 640 x 480 pixels, with bob's own extrinsics.
    side = dataset.cameras("bob")[1]
    assert side.id == "side" and side.translation[0] == pytest.approx(
        own_calibration()["extrinsics"]["bob"]["side"]["translation"][0] / 1000
    )
    rows = (test.camera == 1).nonzero().squeeze(1)[:7]
    joints = [i for i in range(17) if num_joints == 17 or i != 9]
    mocap = positions_3d["bob"]["Crawl"][:, [MOCAP_INDICES_17[i] for i in joints]]
    expected = side.world_to_camera(mocap.astype(np.float64))
    expected -= expected[:, :1]
    assert np.allclose(test.targets[rows].numpy(), expected, atol=1e-5)
    pixels = positions_2d["bob"]["Crawl"][1][:, joints]
    assert np.allclose(
        test.inputs[rows].numpy(), pixels / 640 * 2 - [1, 480 / 640], atol=1e-6
    )


def test_cameras_json_beside_the_data_wins(tmp_path):
    write_h36m(tmp_path)
    packaged = load(tmp_path)
    calibration = packaged_calibration()
    calibration["extrinsics"]["S1"]["54138969"]["orientation"] = [1, 0, 0, 0]
    (tmp_path / "cameras.json").write_text(json.dumps(calibration))
    own = load(tmp_path)
    assert own.cameras("S1")[0].orientation == (1, 0, 0, 0)
    first = (packaged.train.camera == 0) & (
        packaged.train.subject == SUBJECTS.index("S1")
    )
    # Without rotation the camera frame is the world frame.
    assert not torch.allclose(own.train.targets[first], packaged.train.targets[first])
    assert torch.equal(own.train.targets[~first], packaged.train.targets[~first])


def test_subject_without_camera(tmp_path):
    write_own_dataset(tmp_path)
    (tmp_path / "cameras.json").unlink()
    with pytest.raises(KeyError, match=r"calibration for subject 'alice'.*cameras"):
        Human36M(tmp_path, train_subjects=["alice"], test_subjects=[])
    calibration = own_calibration()
    del calibration["extrinsics"]["bob"]
    write_own_dataset(tmp_path)
    (tmp_path / "cameras.json").write_text(json.dumps(calibration))
    with pytest.raises(KeyError, match=r"subject 'bob' in .*cameras.json"):
        Human36M(tmp_path, train_subjects=["alice"], test_subjects=["bob"])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nests deeper than the 64 levels read"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"camera_order": ["front"]}', "must hold 'camera_order', 'intrinsics'"),
    ],
)
def test_broken_cameras_json(tmp_path, content, problem):
    write_own_dataset(tmp_path)
    (tmp_path / "cameras.json").write_text(content)
    with pytest.raises(ValueError, match=rf"cameras.json.*{problem}"):
        Human36M(tmp_path, train_subjects=["alice"], test_subjects=["bob"])


def test_malformed_camera(tmp_path):
    calibration = own_calibration()
    calibration["intrinsics"]["side"]["focal_length"] = [1000.0]
    write_own_dataset(tmp_path)
    (tmp_path / "cameras.json").write_text(json.dumps(calibration))
    with pytest.raises(
        ValueError, match=r"cameras.json: camera 'side' of 'alice': focal_length"
    ):
        Human36M(tmp_path, train_subjects=["alice"], test_subjects=["bob"])


def test_wrong_number_of_views(tmp_path):
    positions_3d, positions_2d = write_own_dataset(tmp_path)
    positions_2d["alice"]["Jump"].append(positions_2d["alice"]["Jump"][0])
    save(tmp_path, positions_3d, positions_2d)
    with pytest.raises(ValueError, match=r"'Jump' has 3 cameras, expected the 2"):
        Human36M(tmp_path, train_subjects=["alice"], test_subjects=["bob"])


def save_with_metadata(root: Path, positions_2d: dict, metadata: dict):
    np.savez(root / "data_2d_h36m_gt.npz", positions_2d=positions_2d, metadata=metadata)


H36M_METADATA = {
    "layout_name": "h36m",
    "num_joints": 17,
    "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]],
}


def drop_joint(positions_2d: dict, joint: int) -> dict:
    return {
        subject: {
            key: [np.delete(view, joint, axis=1) for view in views]
            for key, views in takes.items()
        }
        for subject, takes in positions_2d.items()
    }


def test_metadata_of_the_2d_file(tmp_path):
    _, positions_2d = write_h36m(tmp_path)
    plain = load(tmp_path, num_joints=17).train.inputs
    save_with_metadata(tmp_path, positions_2d, H36M_METADATA)
    assert torch.equal(load(tmp_path, num_joints=17).train.inputs, plain)
    # VideoPose3D's 16-joint convention drops Neck/Nose.
    sixteen = H36M_METADATA | {
        "num_joints": 16,
        "keypoints_symmetry": [[4, 5, 6, 10, 11, 12], [1, 2, 3, 13, 14, 15]],
    }
    save_with_metadata(tmp_path, drop_joint(positions_2d, 9), sixteen)
    assert torch.equal(
        load(tmp_path).train.inputs, plain[:, [*range(9), *range(10, 17)]]
    )
    with pytest.raises(ValueError, match=r"metadata num_joints is 16.*needs 17"):
        load(tmp_path, num_joints=17)


@pytest.mark.parametrize(
    ("change", "dropped", "problem"),
    [
        ({"layout_name": "coco"}, None, "layout_name is 'coco'"),
        ({"num_joints": 15}, None, "num_joints is 15"),
        ({"num_joints": [17]}, None, r"num_joints is \[17\]"),
        (
            {
                "num_joints": 16,
                "keypoints_symmetry": [[4, 5, 6, 10, 11, 12], [1, 2, 3, 13, 14, 15]],
            },
            None,
            "has 17 joints, but the file's metadata says 16",
        ),
        # A 16-joint file that dropped the right hip, not Neck/Nose.
        (
            {
                "num_joints": 16,
                "keypoints_symmetry": [[3, 4, 5, 10, 11, 12], [1, 2, 13, 14, 15]],
            },
            1,
            r"keypoints_symmetry .* is not the Human3.6M one for 16 joints",
        ),
    ],
)
def test_metadata_disagrees(tmp_path, change, dropped, problem):
    _, positions_2d = write_h36m(tmp_path)
    if dropped is not None:
        positions_2d = drop_joint(positions_2d, dropped)
    save_with_metadata(tmp_path, positions_2d, H36M_METADATA | change)
    with pytest.raises(ValueError, match=rf"data_2d_h36m_gt.npz: .*{problem}"):
        load(tmp_path)


def test_only_requested_splits_are_built(tmp_path):
    write_h36m(tmp_path)
    full = load(tmp_path, val_subjects=["S9"], test_subjects=["S11"])
    only_test = load(
        tmp_path, val_subjects=["S9"], test_subjects=["S11"], splits=["test"]
    )
    assert len(only_test.train) == 0 and len(only_test.val) == 0
    assert torch.equal(only_test.test.inputs, full.test.inputs)
    assert torch.equal(only_test.test.action, full.test.action)
    with pytest.raises(ValueError, match=r"Unknown splits \['tset'\]"):
        load(tmp_path, splits=["tset"])
