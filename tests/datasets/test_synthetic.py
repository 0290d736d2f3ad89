import numpy as np
import pytest
import torch

from pyg_weightshare.datasets import ACTIONS, SUBJECTS, Human36M, h36m_cameras
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.datasets.pose_prior import BONE_SPREAD, BONES, HEIGHT_RANGE
from pyg_weightshare.datasets.synthetic import main, random_camera, synthesize_h36m
from pyg_weightshare.skeleton import H36M_PARENTS_17


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A small synthetic dataset with detections, and its loaded dicts."""
    root = tmp_path_factory.mktemp("h36m")
    synthesize_h36m(root, frames=60, seed=3, detections="det")
    load = lambda name, key: np.load(root / name, allow_pickle=True)[key].item()  # noqa: E731
    return (
        root,
        load("data_3d_h36m.npz", "positions_3d"),
        load("data_2d_h36m_gt.npz", "positions_2d"),
        load("data_2d_h36m_det.npz", "positions_2d"),
    )


def test_standard_format(synthetic):
    root, positions_3d, positions_2d, _ = synthetic
    expected_keys = {action + take for action in ACTIONS for take in ("", " 1")}
    assert set(positions_3d) == set(positions_2d) == set(SUBJECTS)
    for subject in SUBJECTS:
        missing = {"Directions"} if subject == "S11" else set()
        assert set(positions_3d[subject]) == expected_keys - missing
        assert set(positions_2d[subject]) == expected_keys - missing
        for key, mocap in positions_3d[subject].items():
            assert mocap.dtype == np.float32 and mocap.shape[1:] == (32, 3)
            views = positions_2d[subject][key]
            assert len(views) == 4
            for view in views:
                assert view.dtype == np.float32 and view.shape == (len(mocap), 17, 2)
    metadata = np.load(root / "data_2d_h36m_gt.npz", allow_pickle=True)["metadata"]
    assert metadata.item() == {
        "num_joints": 17,
        "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]],
        "layout_name": "h36m",
    }


def test_2d_is_the_projection_of_the_3d(synthetic):
    _, positions_3d, positions_2d, _ = synthetic
    for subject in ("S1", "S11"):
        for key in ("Walking", "Sitting 1"):
            world = positions_3d[subject][key][:, MOCAP_INDICES_17].astype(np.float64)
            for camera, view in zip(h36m_cameras(subject), positions_2d[subject][key],
                                    strict=True):  # fmt: skip
                expected = camera.project(camera.world_to_camera(world))
                assert np.abs(view - expected).max() < 1e-3


def test_detections_are_noisy_and_longer(synthetic):
    _, _, positions_2d, detected = synthetic
    lengths = []
    for subject, takes in positions_2d.items():
        for key, views in takes.items():
            for view, detection in zip(views, detected[subject][key], strict=True):
                extra = len(detection) - len(view)
                assert 0 <= extra <= 4
                lengths.append(extra)
                error = np.linalg.norm(detection[: len(view)] - view, axis=-1)
                assert 1 < error.mean() < 15
    assert max(lengths) > 0


def test_deterministic_and_seeded(tmp_path, synthetic):
    _, positions_3d, _, _ = synthetic
    synthesize_h36m(tmp_path / "same", frames=60, seed=3, subjects=["S5"])
    synthesize_h36m(tmp_path / "other", frames=60, seed=4, subjects=["S5"])
    same = np.load(tmp_path / "same/data_3d_h36m.npz", allow_pickle=True)
    other = np.load(tmp_path / "other/data_3d_h36m.npz", allow_pickle=True)
    same, other = same["positions_3d"].item(), other["positions_3d"].item()
    assert set(same) == set(other) == {"S5"}
    for key, mocap in positions_3d["S5"].items():
        assert np.array_equal(same["S5"][key], mocap)
    assert not np.array_equal(other["S5"]["Walking"][:10], same["S5"]["Walking"][:10])


@pytest.mark.parametrize("cameras", ["h36m", "random"])
def test_same_seed_same_files(tmp_path, cameras):
    """Byte for byte, detections and random cameras included."""
    written = [
        synthesize_h36m(
            tmp_path / name, frames=20, seed=1, subjects=["S1"], detections="det",
            cameras=cameras,
        )
        for name in ("first", "second")
    ]  # fmt: skip
    for first, second in zip(*written, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_size_knob(synthetic):
    _, positions_3d, _, _ = synthetic
    lengths = [
        len(mocap) for takes in positions_3d.values() for mocap in takes.values()
    ]
    assert len(lengths) == 7 * 30 - 1
    assert min(lengths) >= 0.75 * 60 - 1 and max(lengths) <= 1.25 * 60 + 1
    assert 55 < np.mean(lengths) < 65


def bone_lengths(mocap: np.ndarray) -> np.ndarray:
    joints = mocap[:, MOCAP_INDICES_17]
    children = [i for i, parent in enumerate(H36M_PARENTS_17) if parent >= 0]
    parents = [H36M_PARENTS_17[i] for i in children]
    return np.linalg.norm(joints[:, children] - joints[:, parents], axis=-1)


def test_rigid_bodies_with_adult_proportions_per_subject(synthetic):
    _, positions_3d, _, _ = synthetic
    per_subject = []
    for takes in positions_3d.values():
        lengths = np.concatenate([bone_lengths(mocap) for mocap in takes.values()])
        # Every bone keeps its length through all the takes of a subject.
        assert np.ptp(lengths, axis=0).max() < 1e-5
        per_subject.append(lengths[0])
    per_subject = np.array(per_subject)
    # RHip-RKnee and RKnee-RFoot within the prior's claimed range.
    for column, bone in ((1, "thigh"), (2, "shin")):
        low = BONES[bone] * HEIGHT_RANGE[0] * (1 - 2.5 * BONE_SPREAD[bone])
        high = BONES[bone] * HEIGHT_RANGE[1] * (1 + 2.5 * BONE_SPREAD[bone])
        assert np.all(
            (low <= per_subject[:, column]) & (per_subject[:, column] <= high)
        )
    # Subjects differ in their proportions, not only in their height.
    ratios = per_subject / per_subject.sum(axis=1, keepdims=True)
    assert np.ptp(ratios, axis=0).max() > 0.01


def test_plausible_placement_and_actions(synthetic):
    _, positions_3d, positions_2d, _ = synthetic
    hip_height = {action: [] for action in ACTIONS}
    upright = []
    for subject, takes in positions_3d.items():
        for key, mocap in takes.items():
            joints = mocap[:, MOCAP_INDICES_17]
            hip_height[key.split(" ")[0]].append(joints[:, 0, 2])
            upright.append(joints[:, 10, 2] > joints[:, 0, 2] + 0.3)
            assert joints[..., 2].min() > -1e-5  # nothing under the floor
            assert np.abs(mocap[:, :, :2]).max() < 2.5  # inside the capture area
            pixels = np.concatenate(positions_2d[subject][key])
            inside = (pixels >= 0) & (pixels <= 1000)
            assert inside.all(axis=-1).mean() > 0.99
    # Mostly upright, but lying, bending and upside-down poses too.
    assert 0.7 < np.concatenate(upright).mean() < 0.97
    median = {action: np.median(np.concatenate(h)) for action, h in hip_height.items()}
    assert median["Sitting"] < median["Walking"] - 0.15
    assert median["Eating"] < median["Directions"] - 0.1


def test_lifting_is_not_trivial(synthetic):
    """A linear 2D -> 3D map leaves a large error: depth is ambiguous, and
    poses, bodies and orientations vary."""
    root = synthetic[0]
    dataset = Human36M(root)
    train, test = dataset.train, dataset.test

    def features(split):
        return torch.cat(
            [split.inputs.flatten(1), torch.ones(len(split), 1)], 1
        ).double()

    weights = torch.linalg.lstsq(
        features(train), train.targets.flatten(1).double()
    ).solution
    predicted = (features(test) @ weights).view_as(test.targets).float()
    error = (predicted - test.targets).norm(dim=-1).mean()
    spread = (test.targets - test.targets.mean(0)).norm(dim=-1).mean()
    assert 0.04 < error < 0.8 * spread


def test_command_line(tmp_path, capsys):
    main(["--out", str(tmp_path), "--frames", "10", "--subjects", "S9", "--seed", "1"])
    output = capsys.readouterr().out
    positions_3d = np.load(tmp_path / "data_3d_h36m.npz", allow_pickle=True)
    num_frames = sum(len(m) for m in positions_3d["positions_3d"].item()["S9"].values())
    assert f"Wrote {num_frames} mocap frames ({4 * num_frames} poses" in output
    assert "data_2d_h36m_gt.npz" in output


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="frames must be at least 2"):
        synthesize_h36m(tmp_path, frames=1)
    with pytest.raises(ValueError, match=r"Unknown subjects \['S2'\]"):
        synthesize_h36m(tmp_path, subjects=["S2"])
    with pytest.raises(ValueError, match="Unknown cameras 'fisheye'"):
        synthesize_h36m(tmp_path, cameras="fisheye")


def test_random_cameras_keep_the_orientation_and_see_the_subject():
    rng = np.random.default_rng(0)
    target = np.array([0.2, 0.3, 0.9])
    distances = []
    for camera in h36m_cameras("S1") * 50:
        moved = random_camera(rng, camera, target)
        assert moved.orientation == camera.orientation
        assert moved.radial_distortion == (0.0, 0.0, 0.0)
        assert 700 <= moved.focal_length[0] <= 1700
        seen = moved.world_to_camera(target)
        distances.append(seen[2])
        pixel = moved.project(seen)
        assert np.all((350 < pixel) & (pixel < 650))
    assert 2 <= min(distances) < 3 and 8 < max(distances) <= 11.4


def test_random_cameras_write_the_same_motion_seen_otherwise(tmp_path, synthetic):
    _, positions_3d, positions_2d, _ = synthetic
    synthesize_h36m(tmp_path, frames=60, seed=3, subjects=["S9"], cameras="random")
    mocap = np.load(tmp_path / "data_3d_h36m.npz", allow_pickle=True)
    views = np.load(tmp_path / "data_2d_h36m_gt.npz", allow_pickle=True)
    mocap, views = mocap["positions_3d"].item(), views["positions_2d"].item()
    for key in mocap["S9"]:
        assert np.array_equal(mocap["S9"][key], positions_3d["S9"][key])
        assert not np.allclose(views["S9"][key][0], positions_2d["S9"][key][0])
    # The loader reads it; the 2D stays inside the image (x and y in [-1, 1]
    # after normalisation) but for a moment at the edge of the path.
    dataset = Human36M(tmp_path, train_subjects=(), test_subjects=("S9",))
    assert len(dataset.test) == 4 * sum(len(m) for m in mocap["S9"].values())
    assert (dataset.test.inputs.abs() < 1).all(-1).float().mean() > 0.97
