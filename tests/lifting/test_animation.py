from pathlib import Path

import numpy as np
import pytest
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.lifting import KeypointFile, Keypoints2D, Lifter

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")
animation = pytest.importorskip("matplotlib.animation")

from pyg_weightshare.lifting.animation import (  # noqa: E402
    WIDTH_PIXELS,
    plot_lifted,
)


def lifted_people(frames: int, image_size=(640, 480)):
    torch.manual_seed(0)
    model = PoseGCN(
        h36m_skeleton(16), in_channels=3, root_relative=True, hidden_channels=8
    )
    lifter = Lifter(model)
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(200, 400, (frames, 17, 3))
    keypoints[..., 2] = 1.0
    keypoints[:, 9, 2] = 0.0  # the left wrist is predicted
    ids = tuple(f"{index:06d}" for index in range(frames))
    people = KeypointFile(
        {"a/b": Keypoints2D(keypoints, "coco", image_size, ids),
         "a_b": Keypoints2D(keypoints + 5, "coco", image_size, ids)},
        (Path("in.json"),),
    )  # fmt: skip
    return lifter.lift_people(people), lifter.skeleton


def test_one_frame_is_a_wide_png_on_the_image(tmp_path):
    lifted, skeleton = lifted_people(1)
    red = np.zeros((480, 640, 3), dtype=np.uint8)
    red[..., 0] = 255
    Image.fromarray(red).save(tmp_path / "photo.png")
    paths = plot_lifted(
        lifted, skeleton, tmp_path / "poses.npz", tmp_path / "photo.png"
    )
    # One picture per person, even when their names sanitise alike.
    assert [path.name for path in paths] == ["poses_a_b.png", "poses_a_b-2.png"]
    with Image.open(paths[0]) as picture:
        assert picture.size[0] == WIDTH_PIXELS >= 1280
        pixels = np.asarray(picture.convert("RGB")).reshape(-1, 3)
    # The photograph is drawn under the 2D keypoints.
    assert (pixels == [255, 0, 0]).all(axis=1).mean() > 0.05
    with pytest.raises(ValueError, match=r"poses_a_b\.png exists: pass --force"):
        plot_lifted(lifted, skeleton, tmp_path / "poses.npz")


def test_a_video_is_a_gif_without_ffmpeg(tmp_path, monkeypatch):
    lifted, skeleton = lifted_people(5)
    frames = tmp_path / "frames"
    frames.mkdir()
    for index in range(5):
        # Named by frame number: 3.png is frame "000003".
        Image.new("RGB", (640, 480), (0, 0, 40 * index)).save(frames / f"{index}.png")
    monkeypatch.setattr(animation.writers, "is_available", lambda name: False)
    paths = plot_lifted(lifted, skeleton, tmp_path / "poses.npz", video_frames=frames)
    assert paths[0].suffix == ".gif"
    with Image.open(paths[0]) as gif:
        assert gif.n_frames == 5 and gif.size[0] >= 1280
        gif.seek(4)
        pixels = np.asarray(gif.convert("RGB")).reshape(-1, 3).astype(int)
    # The last frame's image (GIF colours are approximate).
    assert (np.abs(pixels - [0, 0, 160]).max(axis=1) < 16).mean() > 0.05


def test_a_video_is_an_mp4_with_ffmpeg(tmp_path):
    if not animation.writers.is_available("ffmpeg"):
        pytest.skip("ffmpeg is not installed")
    lifted, skeleton = lifted_people(3)
    (path, _) = plot_lifted(lifted, skeleton, tmp_path / "poses.npz")
    assert path.suffix == ".mp4" and path.read_bytes()[4:8] == b"ftyp"


def test_lift_plot_command(tmp_path, checkpoint, capsys):
    from pyg_weightshare.cli import main

    keypoints = np.random.default_rng(0).uniform(100, 500, (1, 17, 2))
    np.save(tmp_path / "clip.npy", keypoints)
    Image.new("RGB", (640, 480), (200, 0, 0)).save(tmp_path / "photo.jpg")
    base = ["lift", "--checkpoint", str(checkpoint), "--input",
            str(tmp_path / "clip.npy"), "--layout", "h36m", "--image-size", "640",
            "480", "--out", str(tmp_path / "poses.npz"), "--plot"]  # fmt: skip
    assert main([*base, "--video-frames", str(tmp_path / "none")]) == 2
    assert "No directory at" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.npy", "photo.jpg"]
    assert main([*base, "--image", str(tmp_path / "photo.jpg")]) == 0
    assert f"Wrote {tmp_path / 'poses_clip.png'}" in capsys.readouterr().out
    with Image.open(tmp_path / "poses_clip.png") as picture:
        assert picture.size[0] >= 1280
