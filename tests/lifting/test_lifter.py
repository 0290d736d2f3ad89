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
from pyg_weightshare.datasets.npz import load_pickled_dict
from pyg_weightshare.lifting import COCO_KEYPOINTS, Lifter, coco_to_h36m
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
    with np.load(path, allow_pickle=True) as archive:
        return {key: archive[key] for key in archive.files}


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
    lifted = output["positions_3d"].item()
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
    assert output["layout"] == "h36m"


def test_lift_of_a_npy_file_is_what_evaluate_computes(tiny_data, checkpoint, tmp_path):
    (pixels, size) = next(iter(s9_videos(tiny_data).values()))
    np.save(tmp_path / "video.npy", pixels)
    out = tmp_path / "lifted"  # .npz is appended
    argv = ["lift", "--checkpoint", str(checkpoint), "--out", str(out),
            "--input", str(tmp_path / "video.npy"), "--layout", "h36m",
            "--image-size", str(size[0]), str(size[1])]  # fmt: skip
    assert main(argv) == 0
    lifted = read_output(tmp_path / "lifted.npz")["positions_3d"].item()["video"]
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
    # Frame 3 is missed by the detector: only a low-scoring other person.
    coco[3, :, 2] = 0.0
    results = [
        {"image_id": frame, "category_id": 1, "score": 0.9,
         "keypoints": coco[frame].ravel().tolist()}
        for frame in range(len(coco))
    ] + [
        {"image_id": 5, "category_id": 1, "score": 0.2,
         "keypoints": (coco[5] + 300).ravel().tolist()},
        {"image_id": 6, "category_id": 2, "score": 1.0,
         "keypoints": (coco[6] + 300).ravel().tolist()},
    ]  # fmt: skip
    (tmp_path / "walk.json").write_text(json.dumps(results[::-1]))
    lifter = Lifter.from_checkpoint(checkpoint)
    (name, video) = next(
        iter(lifter.lift_file(tmp_path / "walk.json", None, size).items())
    )
    assert name == "walk" and video.layout == "coco"
    expected = lifter.lift(coco, layout="coco", image_size=size)
    assert np.array_equal(video.poses, expected)
    # The missed frame is interpolated from its neighbours.
    mapped = coco_to_h36m(coco[..., :2])[:, [H36M_JOINTS_17.index(n)
                                             for n in lifter.joint_names]]  # fmt: skip
    assert np.allclose(video.keypoints[3], (mapped[2] + mapped[4]) / 2)
    assert np.allclose(video.keypoints[5], mapped[5])


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
        (np.zeros((4, 17, 2)), {"layout": "openpose"}, "Unknown layout 'openpose'"),
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
    with pytest.raises(ValueError, match=r"needs the image size \(width, height\)"):
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
         "clip.npy: no image size for video 'clip': pass --image-size W H"),
        (["--input", str(tmp_path / "none.npy")], "No keypoint file at"),
    ]:  # fmt: skip
        assert main(base + extra) == 2
        err = capsys.readouterr().err
        assert problem in err and len(err.strip().splitlines()) == 1, err


def test_plot_writes_a_gif(tiny_data, checkpoint, tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image

    name, (pixels, size) = next(iter(s9_videos(tiny_data).items()))
    write_custom(tmp_path / "clip.npz", {name: (pixels, size)})
    out = tmp_path / "lifted.npz"
    argv = ["lift", "--checkpoint", str(checkpoint), "--out", str(out),
            "--input", str(tmp_path / "clip.npz"), "--plot"]  # fmt: skip
    assert main(argv) == 0
    (gif,) = tmp_path.glob("lifted_*.gif")
    with Image.open(gif) as image:
        assert image.n_frames == len(pixels)


def test_example_script(tiny_data, checkpoint, tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    name, (pixels, size) = next(iter(s9_videos(tiny_data).items()))
    write_custom(tmp_path / "clip.npz", {name: (pixels, size)})
    example = Path(__file__).parents[2] / "examples" / "lift_keypoints.py"
    monkeypatch.setattr("sys.argv", ["x", str(checkpoint), str(tmp_path / "clip.npz")])
    runpy.run_path(str(example), run_name="__main__")
    assert f"{name}: {len(pixels)} frames of" in capsys.readouterr().out
    assert len(list(tmp_path.glob("*_3d.gif"))) == 1


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
    lifted = read_output(tmp_path / "ort.npz")["positions_3d"].item()["clip"]
    assert np.allclose(lifted, expected, rtol=0, atol=1e-5)
    capsys.readouterr()
    assert main([*base, "--compile", "--out", str(tmp_path / "no.npz")]) == 2
    err = capsys.readouterr().err
    assert "onnxruntime backend does not compile" in err
    assert len(err.strip().splitlines()) == 1


def test_lift_compile_option_reaches_the_backend(checkpoint, monkeypatch):
    chosen = {}

    def record(self, *args, **kwargs):
        chosen.update(kwargs)
        raise SystemExit(0)

    monkeypatch.setattr(Lifter, "__init__", record)
    for flag, value in (([], None), (["--compile"], True), (["--no-compile"], False)):
        with pytest.raises(SystemExit):
            main(["lift", "--checkpoint", str(checkpoint), "--input", "x.npy",
                  "--out", "y.npz", *flag])  # fmt: skip
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
