import importlib.util
import json
import runpy
from pathlib import Path

import numpy as np
import pytest
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.cli import main
from pyg_weightshare.datasets import Human36M
from pyg_weightshare.datasets.inputs import missing_to_nan, person_inputs
from pyg_weightshare.datasets.npz import load_pickled_dict
from pyg_weightshare.keypoints import COCO_KEYPOINTS, coco_to_h36m
from pyg_weightshare.lifting import KeypointFile, Keypoints2D, Lifter
from pyg_weightshare.lifting.backends import TorchBackend
from pyg_weightshare.metrics import evaluate_by_action
from pyg_weightshare.nn.models.serialization import load_checkpoint
from pyg_weightshare.skeleton import H36M_JOINTS_17
from pyg_weightshare.training.evaluation import evaluate_checkpoint


def s9_videos(root):
    """S9's ground-truth 2D as one video per sequence and camera, in the
    order of the test split, with each camera's image size."""
    dataset = Human36M(root, num_joints=17, train_subjects=[], test_subjects=["S9"])
    positions_2d = load_pickled_dict(root / "data_2d_h36m_gt.npz", "positions_2d")
    videos = {}
    for key in sorted(positions_2d["S9"]):
        for camera, pixels in zip(
            dataset.cameras("S9"), positions_2d["S9"][key], strict=True
        ):
            videos[f"{key}.{camera.id}"] = (pixels, (camera.res_w, camera.res_h))
    return videos


def write_custom(path, videos, metadata=None):
    """A VideoPose3D custom 2D file, as prepare_data_2d_custom.py writes it."""
    metadata = {
        "layout_name": "h36m",
        "num_joints": 17,
        "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]],
        "video_metadata": {
            name: {"w": size[0], "h": size[1]} for name, (_, size) in videos.items()
        },
    } | (metadata or {})
    positions = {name: {"custom": [pixels]} for name, (pixels, _) in videos.items()}
    np.savez(path, positions_2d=positions, metadata=metadata)


def read_output(path):
    """The output as a plain np.load reads it, poses by video name."""
    with np.load(path) as archive:
        output = {key: archive[key] for key in archive.files}
    output["poses"] = {
        str(name): output[f"poses_{index}"]
        for index, name in enumerate(output["videos"])
    }
    return output


def test_lift_of_a_custom_file_is_what_evaluate_computes(
    tiny_data, checkpoint, tmp_path, capsys
):
    videos = s9_videos(tiny_data)
    write_custom(tmp_path / "data_2d_custom_s9.npz", videos)
    out = tmp_path / "lifted.npz"
    argv = ["lift", "--checkpoint", str(checkpoint), "--out", str(out),
            "--input", str(tmp_path / "data_2d_custom_s9.npz")]  # fmt: skip
    assert main(argv) == 0
    assert f"Lifted {sum(len(p) for p, _ in videos.values())} frames" in (
        capsys.readouterr().out
    )
    output = read_output(out)
    lifted = output["poses"]
    assert list(lifted) == list(videos)
    lifted = torch.from_numpy(np.concatenate(list(lifted.values())))

    errors, config = evaluate_checkpoint(checkpoint, tiny_data, test_subjects=["S9"])
    test = Human36M(
        tiny_data, num_joints=config.num_joints, train_subjects=[],
        test_subjects=["S9"], splits=["test"],
    ).test  # fmt: skip
    lifter = Lifter.from_checkpoint(checkpoint)
    # The model sees exactly the evaluation inputs; the outputs differ only
    # by float rounding between batch sizes.
    inputs = [
        lifter.normalize(lifter.prepare(pixels), size)
        for pixels, size in videos.values()
    ]
    assert torch.equal(torch.cat(inputs), test.inputs)
    assert torch.allclose(lifted, lifter.predict(test.inputs), rtol=0, atol=1e-6)
    ours = evaluate_by_action(
        lifted, test.targets, test.action, test.action_names, scale=1000
    )
    assert ours.mpjpe == pytest.approx(errors.mpjpe, abs=1e-3)
    assert ours.p_mpjpe == pytest.approx(errors.p_mpjpe, abs=1e-3)

    skeleton = h36m_skeleton(config.num_joints)
    assert tuple(output["joint_names"]) == tuple(skeleton.joint_names)
    assert tuple(output["parents"]) == skeleton.parents
    assert str(output["input"]) == str(tmp_path / "data_2d_custom_s9.npz")
    assert str(output["model"]) == str(checkpoint)
    assert output["failures"].shape == (0,)
    first = next(iter(videos.values()))[0]
    assert output["seen_0"].all() and output["frames_0"][-1] == str(len(first) - 1)


def test_lift_of_a_npy_file_is_what_evaluate_computes(tiny_data, checkpoint, tmp_path):
    (pixels, size) = next(iter(s9_videos(tiny_data).values()))
    np.save(tmp_path / "video.npy", pixels)
    out = tmp_path / "lifted"  # .npz is appended
    argv = ["lift", "--checkpoint", str(checkpoint), "--out", str(out),
            "--input", str(tmp_path / "video.npy"), "--layout", "h36m",
            "--image-size", str(size[0]), str(size[1])]  # fmt: skip
    assert main(argv) == 0
    lifted = read_output(tmp_path / "lifted.npz")["poses"]["video"]
    lifter = Lifter.from_checkpoint(checkpoint)
    test = Human36M(
        tiny_data, num_joints=lifter.skeleton.num_joints, train_subjects=[],
        test_subjects=["S9"], splits=["test"],
    ).test  # fmt: skip
    expected = lifter.predict(test.inputs[: len(pixels)])
    assert np.allclose(lifted, expected.numpy(), rtol=0, atol=1e-6)


def coco_from_h36m(pixels_17: np.ndarray) -> np.ndarray:
    """COCO keypoints whose mapping gives back the limbs of ``pixels_17``."""
    coco = np.zeros((*pixels_17.shape[:-2], 17, 3))
    coco[..., 2] = 1.0
    pairs = {
        "nose": "Neck/Nose", "left_shoulder": "LShoulder",
        "right_shoulder": "RShoulder", "left_elbow": "LElbow",
        "right_elbow": "RElbow", "left_wrist": "LWrist", "right_wrist": "RWrist",
        "left_hip": "LHip", "right_hip": "RHip", "left_knee": "LKnee",
        "right_knee": "RKnee", "left_ankle": "LFoot", "right_ankle": "RFoot",
        "left_eye": "Head", "right_eye": "Head", "left_ear": "Head",
        "right_ear": "Head",
    }  # fmt: skip
    for coco_name, h36m_name in pairs.items():
        coco[..., COCO_KEYPOINTS.index(coco_name), :2] = pixels_17[
            ..., H36M_JOINTS_17.index(h36m_name), :
        ]
    return coco


def test_coco_json_lifts_like_its_array(tiny_data, checkpoint, tmp_path):
    _, (pixels, size) = next(iter(s9_videos(tiny_data).items()))
    coco = coco_from_h36m(pixels)
    # Frame 3 is missed by the detector; another person is in frame 5.
    coco[3, :, 2] = 0.0
    results = [
        {"image_id": frame, "category_id": 1, "score": 0.9,
         "keypoints": coco[frame].ravel().tolist()}
        for frame in range(len(coco))
    ] + [
        {"image_id": 5, "category_id": 1, "score": 0.2,
         "keypoints": (coco[5] + [300, 300, 0]).ravel().tolist()},
        {"image_id": 6, "category_id": 2, "score": 1.0,
         "keypoints": (coco[6] + 300).ravel().tolist()},
    ]  # fmt: skip
    (tmp_path / "walk.json").write_text(json.dumps(results[::-1]))
    lifter = Lifter.from_checkpoint(checkpoint)
    lifted = lifter.lift_file(tmp_path / "walk.json", None, size)
    assert list(lifted.videos) == ["person1", "person2"] and not lifted.failures
    walker, other = lifted.videos.values()
    frames = [frame for frame in range(len(coco)) if frame != 3]
    assert walker.frame_ids == tuple(str(frame) for frame in frames)
    assert other.frame_ids == ("5",) and walker.layout == "coco"
    expected = lifter.lift(coco[frames], layout="coco", image_size=size)
    assert np.array_equal(walker.poses, expected)
    mapped = coco_to_h36m(coco[..., :2])[:, [H36M_JOINTS_17.index(n)
                                             for n in lifter.joint_names]]  # fmt: skip
    assert np.allclose(walker.keypoints, mapped[frames])


def test_lift_fills_low_confidence_and_nan_keypoints():
    lifter = Lifter(PoseGCN(h36m_skeleton(17), hidden_channels=8, num_blocks=1))
    rng = np.random.default_rng(0)
    keypoints = np.concatenate(
        [rng.uniform(100, 900, (6, 17, 2)), np.ones((6, 17, 1))], axis=-1
    )
    holed = keypoints.copy()
    holed[2, 4, 2] = 0.05  # low confidence
    holed[3, 4, :2] = np.nan
    holed[0, 7, 2] = 0.0  # before the first sighting: the nearest one
    filled = keypoints.copy()
    step = (keypoints[4, 4, :2] - keypoints[1, 4, :2]) / 3
    filled[2:4, 4, :2] = keypoints[1, 4, :2] + np.outer([1, 2], step)
    filled[0, 7, :2] = keypoints[1, 7, :2]
    assert np.allclose(lifter.prepare(holed), filled[..., :2])
    assert np.allclose(
        lifter.lift(holed, image_size=(1000, 1000)),
        lifter.lift(filled, image_size=(1000, 1000)),
    )


@pytest.mark.parametrize(
    ("keypoints", "kwargs", "problem"),
    [
        (np.zeros((4, 17)), {}, r"shape \[frames, keypoints, 2 or 3\]"),
        (np.zeros((0, 17, 2)), {}, "at least one frame"),
        (np.zeros((4, 15, 2)), {}, "'h36m' layout has 17 or 16 keypoints, got 15"),
        (np.zeros((4, 17, 2)), {"layout": "alphapose"}, "Unknown layout 'alphapose'"),
        (np.zeros((4, 16, 2)), {}, r"no \['Neck/Nose'\], needed by this 17-joint"),
        (np.full((4, 17, 2), np.nan), {}, "no person is seen in any frame"),
        (np.zeros((4, 17, 3)), {}, "no person is seen in any frame"),
    ],
)
def test_bad_keypoints(keypoints, kwargs, problem):
    lifter = Lifter(PoseGCN(h36m_skeleton(17), hidden_channels=8, num_blocks=1))
    with pytest.raises(ValueError, match=problem):
        lifter.lift(keypoints, image_size=(640, 480), **kwargs)


def test_joint_never_seen_and_no_image_size():
    lifter = Lifter(PoseGCN(h36m_skeleton(16), hidden_channels=8, num_blocks=1))
    keypoints = np.ones((4, 17, 3))
    keypoints[:, H36M_JOINTS_17.index("LWrist"), 2] = 0.0
    with pytest.raises(ValueError, match="clip: joint 'LWrist' is never seen"):
        lifter.lift(keypoints, image_size=(640, 480), where="clip: ")
    # A joint the model does not use may be missing.
    keypoints[:, H36M_JOINTS_17.index("LWrist"), 2] = 1.0
    keypoints[:, H36M_JOINTS_17.index("Neck/Nose"), 2] = 0.0
    assert lifter.lift(keypoints, image_size=(640, 480)).shape == (4, 16, 3)
    with pytest.raises(ValueError, match=r"model needs the image size: pass --image"):
        lifter.lift(keypoints)
    with pytest.raises(ValueError, match=r"positive \(width, height\), got \(0, 4\)"):
        lifter.lift(keypoints, image_size=(0, 4))


def test_from_checkpoint_rejects_a_foreign_model(tmp_path, checkpoint):
    state = load_checkpoint(checkpoint)
    state.architecture["hidden_channels"] = 32
    torch.save(state.to_dict(), tmp_path / "other.pt")
    with pytest.raises(ValueError, match=r"other.pt does not hold a usable model"):
        Lifter.from_checkpoint(tmp_path / "other.pt")


def test_lift_command_errors_are_one_line(tmp_path, checkpoint, capsys):
    np.save(tmp_path / "clip.npy", np.zeros((5, 17, 2)))
    base = ["lift", "--checkpoint", str(checkpoint), "--out", str(tmp_path / "o.npz")]
    for extra, problem in [
        (["--input", str(tmp_path / "clip.npy")], "clip.npy does not say its layout"),
        (["--input", str(tmp_path / "clip.npy"), "--layout", "coco"],
         "clip.npy: no image size: this model needs it, pass --image-size W H"),
        (["--input", str(tmp_path / "none.npy")], "No keypoint file at"),
    ]:  # fmt: skip
        assert main(base + extra) == 2
        err = capsys.readouterr().err
        assert problem in err and len(err.strip().splitlines()) == 1, err


def test_lift_without_a_checkpoint_uses_the_bundled_model(tmp_path, capsys):
    keypoints = np.random.default_rng(0).uniform(100, 500, (6, 17, 2))
    lifted = Lifter.pretrained().lift(keypoints, layout="h36m", image_size=(640, 480))
    assert lifted.shape == (6, 16, 3) and np.isfinite(lifted).all()
    np.save(tmp_path / "clip.npy", keypoints)
    out = tmp_path / "poses.npz"
    arguments = ["--input", str(tmp_path / "clip.npy"), "--layout", "h36m"]
    arguments += ["--image-size", "640", "480", "--out", str(out)]
    assert main(["lift", *arguments]) == 0
    assert "bundled model" in capsys.readouterr().out
    with np.load(out, allow_pickle=False) as saved:  # plain arrays only
        assert saved.files


def masked_model(seed: int = 0) -> PoseGCN:
    """A small untrained model that takes whether each joint was seen."""
    torch.manual_seed(seed)
    return PoseGCN(
        h36m_skeleton(16), in_channels=3, root_relative=True, hidden_channels=8
    ).eval()


def walking_coco(frames: int = 4) -> np.ndarray:
    rng = np.random.default_rng(1)
    coco = np.concatenate(
        [rng.uniform(200, 400, (frames, 17, 2)), np.full((frames, 17, 1), 0.9)], -1
    )
    return coco


def test_masked_model_predicts_joints_never_seen():
    model = masked_model()
    lifter = Lifter(model, min_confidence=0.0)
    coco = walking_coco()
    coco[:, COCO_KEYPOINTS.index("left_wrist"), 2] = 0.0  # v=0, never seen
    coco[1, COCO_KEYPOINTS.index("right_hip"), :2] = np.nan
    coco[2, COCO_KEYPOINTS.index("left_eye"), 2] = 0.0  # the head has 3 others
    video = lifter.lift_video(Keypoints2D(coco, "coco", None))
    names = lifter.joint_names
    unseen = {(t, names[j]) for t, j in zip(*np.nonzero(~video.seen), strict=True)}
    expected = {(t, "LWrist") for t in range(4)}
    expected |= {(1, "RHip")}  # Hip and Spine are built from the other side
    assert unseen == expected
    pixels = missing_to_nan(coco[..., :2], coco[..., 2], 0.0)
    joints = coco_to_h36m(pixels)[:, [H36M_JOINTS_17.index(n) for n in names]]
    assert np.array_equal(video.keypoints, joints, equal_nan=True)
    with torch.no_grad():
        poses = model(person_inputs(joints)).numpy()
    assert np.allclose(video.poses, poses, atol=1e-6)
    assert video.poses.dtype == np.float32 and np.isfinite(video.poses).all()
    assert (video.poses[:, 0] == 0).all()  # the root exactly 0
    # The image size is not needed by this model; a frame with nothing
    # seen has no pose.
    coco[3, :, 2] = 0.0
    poses = lifter.lift(coco, layout="coco")
    assert np.isnan(poses[3]).all() and np.isfinite(poses[:3]).all()


def test_openpose_and_mediapipe_lift_through_coco():
    from pyg_weightshare.keypoints import (
        MEDIAPIPE_POSE_33,
        OPENPOSE_BODY_25,
        OPENPOSE_TO_COCO,
    )

    lifter = Lifter(masked_model())
    coco = walking_coco()
    body_25 = np.zeros((4, 25, 3))
    mediapipe = np.zeros((4, 33, 3))
    for index, name in enumerate(COCO_KEYPOINTS):
        body_25[:, OPENPOSE_BODY_25.index(OPENPOSE_TO_COCO[name])] = coco[:, index]
        mediapipe[:, MEDIAPIPE_POSE_33.index(name)] = coco[:, index]
    expected = lifter.lift(coco, layout="coco")
    assert np.array_equal(lifter.lift(body_25, layout="openpose"), expected)
    assert np.array_equal(lifter.lift(mediapipe, layout="mediapipe"), expected)


def test_people_that_cannot_be_lifted_are_listed():
    lifter = Lifter(masked_model())
    coco = walking_coco()
    far = coco.copy()
    far[2, COCO_KEYPOINTS.index("nose"), :2] = [5600, 30]
    people = KeypointFile(
        {"a": Keypoints2D(coco, "coco", (640, 480)),
         "b": Keypoints2D(far, "coco", (640, 480), ("f0", "f1", "f2", "f3")),
         "c": Keypoints2D(np.zeros((2, 17, 3)), "coco", None)},
        (Path("in.json"),),
    )  # fmt: skip
    lifted = lifter.lift_people(people)
    assert list(lifted.videos) == ["a"]
    assert lifted.failures == {
        "b": "frame f2: keypoint 'nose' at (5600, 30) lies far outside the "
        "640x480 image: is the image size right?",
        "c": "no person is seen in any frame",
    }
    broken = masked_model()
    with torch.no_grad():
        broken.output_conv.bias.fill_(np.nan)
    with pytest.raises(ValueError, match="the model's output is not finite"):
        Lifter(broken).lift(coco, layout="coco")


def coco_annotation_file(path, people, size=(640, 480)):
    """COCO keypoint annotations: each person [17, 3] in its own image."""
    images = [
        {"id": index, "file_name": f"{index:012d}.jpg", "width": size[0],
         "height": size[1]}
        for index in range(len(people))
    ]  # fmt: skip
    annotations = [
        {"id": 10 + index, "image_id": index, "category_id": 1,
         "keypoints": keypoints.ravel().tolist(),
         "num_keypoints": int((keypoints[:, 2] > 0).sum())}
        for index, keypoints in enumerate(people)
    ]  # fmt: skip
    path.write_text(json.dumps({"images": images, "annotations": annotations}))
    return path


def test_lift_command_lifts_every_person_it_can(tmp_path, checkpoint, capsys):
    whole = coco_from_h36m(np.random.default_rng(0).uniform(100, 400, (17, 2)))
    wristless = whole.copy()
    wristless[COCO_KEYPOINTS.index("left_wrist")] = 0  # COCO's v=0: unlabelled
    path = coco_annotation_file(tmp_path / "people.json", [whole, wristless])
    out = tmp_path / "poses.npz"
    arguments = ["lift", "--checkpoint", str(checkpoint), "--input", str(path)]
    # --min-confidence 0 still treats v=0 as missing.
    arguments += ["--out", str(out), "--min-confidence", "0"]
    assert main(arguments) == 0
    captured = capsys.readouterr()
    assert f"Lifted 1 frame of 1 person (1 not lifted: see the warnings) to {out}" in (
        captured.out
    )
    assert captured.err == (
        f"pyg-weightshare lift: warning: {path}: 000000000001#11: joint 'LWrist' "
        "is never seen\n"
    )
    with np.load(out) as saved:  # default arguments: no pickle
        assert saved["videos"].tolist() == ["000000000000#10"]
        assert saved["poses_0"].shape == (1, saved["joint_names"].size, 3)
        assert saved["poses_0"].dtype == np.float32
        assert saved["frames_0"].tolist() == ["000000000000"]
        assert saved["image_sizes"].tolist() == [[640, 480]]
        assert saved["failures"].tolist() == [
            "000000000001#11: joint 'LWrist' is never seen"
        ]
    # Nothing lifted: an error, and nothing written.
    path = coco_annotation_file(tmp_path / "none.json", [wristless])
    arguments[4] = str(path)
    arguments[6] = str(tmp_path / "none.npz")
    assert main(arguments) == 2
    assert "none.json: nothing lifted: none of its 1 person could be" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "none.npz").exists()


def test_lift_command_json_output_and_files_it_may_not_write(
    tmp_path, checkpoint, capsys
):
    keypoints = np.random.default_rng(0).uniform(100, 500, (3, 17, 2))
    keypoints[1, 4] = np.nan  # filled in over time for this model
    np.save(tmp_path / "clip.npy", keypoints)
    base = ["lift", "--checkpoint", str(checkpoint), "--input",
            str(tmp_path / "clip.npy"), "--layout", "h36m", "--image-size", "640",
            "480"]  # fmt: skip
    out = tmp_path / "poses.json"
    assert main([*base, "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    (video,) = document["videos"]
    assert video["name"] == "clip" and video["frames"] == ["0", "1", "2"]
    assert np.asarray(video["poses"]).shape == (3, len(document["joint_names"]), 3)
    assert video["seen"][1][4] is False and video["seen"][0][4] is True
    assert document["input"] == str(tmp_path / "clip.npy")
    assert document["failures"] == []
    # Never the input, never an existing file without --force.
    before = out.read_bytes()
    for target, problem in [
        (out, "poses.json exists: pass --force to replace it"),
        (tmp_path / "clip.npy", "clip.npy is also an input of this command"),
    ]:
        capsys.readouterr()
        assert main([*base, "--out", str(target), "--format", "json"]) == 2
        assert problem in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main([*base, "--out", str(out), "--force"]) == 0


def test_example_script(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    keypoints = np.random.default_rng(0).uniform(100, 500, (1, 17, 2))
    np.save(tmp_path / "clip.npy", keypoints)
    example = Path(__file__).parents[2] / "examples" / "lift_keypoints.py"
    arguments = [str(tmp_path / "clip.npy"), "--layout", "h36m"]
    monkeypatch.setattr("sys.argv", ["x", *arguments, "--image-size", "640", "480"])
    runpy.run_path(str(example), run_name="__main__")
    assert "clip: 1 frame(s) of" in capsys.readouterr().out
    assert (tmp_path / "clip_3d_clip.png").is_file()


def test_the_bundled_model_for_each_layout():
    from pyg_weightshare.pretrained import CHECKPOINTS, load_pretrained

    assert set(CHECKPOINTS) == {"h36m", "coco"}
    lifter = Lifter.pretrained(layout="coco")
    assert lifter.source == f"the bundled model {CHECKPOINTS['coco']}"
    with pytest.raises(ValueError, match="No bundled model for the 'openpose' layout"):
        load_pretrained(layout="openpose")


def test_lift_command_with_a_model_that_predicts_missing_joints(tmp_path, capsys):
    from pyg_weightshare.nn.models.serialization import Checkpoint

    model = masked_model()
    checkpoint = Checkpoint(model.architecture, model.state_dict()).to_dict()
    torch.save(checkpoint, tmp_path / "masked.pt")
    coco = walking_coco(3)
    coco[:, COCO_KEYPOINTS.index("left_wrist"), 2] = 0.0  # never seen
    path = coco_annotation_file(tmp_path / "people.json", [coco[0], coco[1]])
    out = tmp_path / "poses.npz"
    arguments = ["lift", "--checkpoint", str(tmp_path / "masked.pt"), "--input"]
    assert main([*arguments, str(path), "--out", str(out)]) == 0
    assert "Lifted 2 frames of 2 people to" in capsys.readouterr().out
    with np.load(out) as saved:
        names = saved["joint_names"].tolist()
        assert saved["seen_1"][0].tolist() == [name != "LWrist" for name in names]
        assert np.isfinite(saved["poses_1"]).all()
        assert (saved["poses_0"][:, 0] == 0).all()
        assert np.isnan(saved["keypoints_1"][0, names.index("LWrist")]).all()


HAS_ONNX = all(
    importlib.util.find_spec(name) is not None for name in ("onnxruntime", "onnxscript")
)


@pytest.mark.skipif(not HAS_ONNX, reason="needs onnxruntime and onnxscript")
def test_lift_with_onnxruntime_gives_the_torch_poses(tmp_path, checkpoint, capsys):
    lifter = Lifter.from_checkpoint(checkpoint, backend="onnxruntime")
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(0, 640, (50, 17, 2))
    expected = Lifter.from_checkpoint(checkpoint).lift(keypoints, image_size=(640, 480))
    actual = lifter.lift(keypoints, image_size=(640, 480))
    assert np.allclose(actual, expected, rtol=0, atol=1e-5)

    np.save(tmp_path / "clip.npy", keypoints)
    base = ["lift", "--checkpoint", str(checkpoint), "--input",
            str(tmp_path / "clip.npy"), "--layout", "h36m",
            "--image-size", "640", "480", "--backend", "onnxruntime"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "ort.npz")]) == 0
    lifted = read_output(tmp_path / "ort.npz")["poses"]["clip"]
    assert np.allclose(lifted, expected, rtol=0, atol=1e-5)
    capsys.readouterr()
    assert main([*base, "--compile", "--out", str(tmp_path / "no.npz")]) == 2
    err = capsys.readouterr().err
    assert "onnxruntime backend does not compile" in err
    assert len(err.strip().splitlines()) == 1


def test_lift_compile_option_reaches_the_backend(checkpoint, monkeypatch, tmp_path):
    chosen = {}
    np.save(tmp_path / "x.npy", np.ones((2, 17, 2)))

    def record(self, *args, **kwargs):
        chosen.update(kwargs)
        raise SystemExit(0)

    monkeypatch.setattr(Lifter, "__init__", record)
    for flag, value in (([], None), (["--compile"], True), (["--no-compile"], False)):
        with pytest.raises(SystemExit):
            main(["lift", "--checkpoint", str(checkpoint), "--input",
                  str(tmp_path / "x.npy"), "--layout", "h36m",
                  "--out", str(tmp_path / "y.npz"), *flag])  # fmt: skip
        assert chosen["compile"] is value and chosen["backend"] == "torch"


def test_lifter_runs_the_fused_network_compiled_when_told():
    """Compiled and eager numbers are compared in tests/lifting/test_backends.py."""
    model = PoseGCN(h36m_skeleton(16), hidden_channels=4, num_blocks=1).eval()
    for compile in (None, True, False):
        backend = Lifter(model, compile=compile).backend
        assert isinstance(backend, TorchBackend) and backend.compile is compile
    keypoints = np.random.default_rng(0).uniform(0, 640, (7, 17, 2))
    lifter = Lifter(model)
    inputs = lifter.normalize(lifter.prepare(keypoints, "coco"), (640, 480))
    with torch.inference_mode():
        expected = model(inputs).numpy()
    lifted = lifter.lift(keypoints, layout="coco", image_size=(640, 480))
    assert np.allclose(lifted, expected, rtol=0, atol=1e-5)
