import json

import numpy as np
import pytest

from pyg_weightshare.lifting import read_keypoints


def custom_file(path, videos, metadata):
    positions = {name: {"custom": [array]} for name, array in videos.items()}
    np.savez(path, positions_2d=positions, metadata=metadata)
    return path


def test_custom_file(tmp_path):
    rng = np.random.default_rng(0)
    walk, run = rng.uniform(0, 1920, (4, 17, 2)), rng.uniform(0, 640, (3, 17, 3))
    path = custom_file(
        tmp_path / "data_2d_custom_clips.npz",
        {"walk.mp4": walk.astype(np.float32), "run.mp4": run},
        {"layout_name": "coco", "num_joints": 17,
         "video_metadata": {"walk.mp4": {"w": 1920, "h": 1080},
                            "run.mp4": {"w": 640, "h": 480}}},
    )  # fmt: skip
    videos = read_keypoints(path)
    assert list(videos) == ["walk.mp4", "run.mp4"]
    assert videos["walk.mp4"].image_size == (1920, 1080)
    assert videos["run.mp4"].image_size == (640, 480)
    # Every value as written (float32 widened exactly), confidence included.
    assert videos["walk.mp4"].keypoints.dtype == np.float64
    assert np.array_equal(videos["walk.mp4"].keypoints, walk.astype(np.float32))
    assert np.array_equal(videos["run.mp4"].keypoints, run)
    assert {video.layout for video in videos.values()} == {"coco"}
    # The flag wins over the metadata.
    assert read_keypoints(path, image_size=(10, 20))["walk.mp4"].image_size == (10, 20)


def test_coco_results_take_the_best_person_per_image(tmp_path):
    def result(image_id, score, value, category=1):
        return {"image_id": image_id, "category_id": category, "score": score,
                "keypoints": [value] * 51}  # fmt: skip

    results = [result(2, 0.5, 2.0), result(10, 0.9, 10.0), result(2, 0.8, 3.0),
               result(1, 0.3, 1.0), result(1, 1.0, 9.0, category=3)]  # fmt: skip
    (tmp_path / "dance.json").write_text(json.dumps(results))
    (video,) = read_keypoints(tmp_path / "dance.json", image_size=(64, 48)).values()
    assert video.layout == "coco" and video.image_size == (64, 48)
    # Frames by image id (numeric order), the highest score in each.
    assert video.keypoints[:, 0, 0].tolist() == [1.0, 3.0, 10.0]
    assert video.keypoints.shape == (3, 17, 3)


@pytest.mark.parametrize("channels", [2, 3])
def test_npy_is_one_video_named_after_the_file(tmp_path, channels):
    clip = np.random.default_rng(1).uniform(0, 640, (6, 16, channels))
    np.save(tmp_path / "my clip.npy", clip.astype(np.float32))
    videos = read_keypoints(tmp_path / "my clip.npy", "h36m", (640, 480))
    assert list(videos) == ["my clip"]
    video = videos["my clip"]
    assert np.array_equal(video.keypoints, clip.astype(np.float32))
    assert video.keypoints.dtype == np.float64
    assert (video.layout, video.image_size) == ("h36m", (640, 480))


METADATA = {"layout_name": "h36m", "num_joints": 17}


@pytest.mark.parametrize(
    ("name", "write", "kwargs", "problem"),
    [
        ("a.txt", lambda p: p.write_text("x"), {}, "unknown keypoint format '.txt'"),
        ("a.npy", lambda p: np.save(p, np.zeros((3, 17, 2))), {},
         "a.npy does not say its layout"),
        ("a.npy", lambda p: np.save(p, np.zeros((3, 17, 2))), {"layout": "coco"},
         "a.npy: no image size for video 'a'"),
        ("a.npy", lambda p: np.save(p, np.zeros((3, 17))),
         {"layout": "coco", "image_size": (9, 9)},
         r"a.npy: video 'a' has shape \(3, 17\)"),
        ("a.npy", lambda p: np.save(p, np.zeros((0, 17, 2))),
         {"layout": "coco", "image_size": (9, 9)}, "a.npy: video 'a' has no frames"),
        ("a.npy", lambda p: np.save(p, np.array([{}]), allow_pickle=True),
         {"layout": "coco"}, "a.npy is not a readable .npy file"),
        ("a.npy", lambda p: p.write_bytes(b""), {},
         "a.npy is not a readable .npy file"),
        ("a.npz", lambda p: p.write_bytes(b"PK garbage"), {},
         "a.npz is not a readable VideoPose3D .npz file"),
        ("a.npz", lambda p: np.savez(p, poses=np.zeros(3)), {},
         "a.npz has no key 'positions_2d'"),
        ("a.npz", lambda p: custom_file(p, {}, METADATA), {}, "a.npz holds no videos"),
        ("a.npz", lambda p: custom_file(p, {"v": np.zeros((3, 17, 2))}, {}), {},
         "a.npz does not say its layout"),
        ("a.npz", lambda p: custom_file(p, {"v": np.zeros((3, 17, 2))}, METADATA),
         {"layout": "coco"}, "a.npz holds the 'h36m' layout, not 'coco'"),
        ("a.npz", lambda p: custom_file(p, {"v": np.zeros((3, 17, 2))},
                                         {"layout_name": "openpose"}), {},
         "a.npz holds the 'openpose' layout"),
        ("a.npz", lambda p: custom_file(p, {"v": np.zeros((3, 17, 2))},
                                         {"layout_name": ["coco"]}), {},
         r"a.npz holds the \['coco'\] layout"),
        ("a.npz", lambda p: custom_file(p, {"v": np.zeros((3, 17, 2))},
                                         METADATA | {"video_metadata": [1]}), {},
         "a.npz: no image size for video 'v'"),
        ("a.npz", lambda p: custom_file(p, {"v": np.zeros((3, 16, 2))}, METADATA),
         {}, "video 'v' has 16 keypoints, but the metadata says num_joints=17"),
        ("a.npz", lambda p: custom_file(p, {"v": np.zeros((3, 17, 2))}, METADATA),
         {}, "a.npz: no image size for video 'v'"),
        ("a.npz", lambda p: np.savez(p, positions_2d={"v": np.zeros(3)}),
         {"layout": "coco"}, r"video 'v' must hold \{'custom'"),
        ("a.json", lambda p: p.write_text("[]"), {}, "a.json holds no detections"),
        ("a.json", lambda p: p.write_text("{"), {}, "a.json is not a readable JSON"),
        ("a.json", lambda p: p.write_text('{"a": 1}'), {}, "must hold a list of COCO"),
        ("a.json", lambda p: p.write_text('[{"image_id": 1}]'), {},
         "result 0 is not a COCO keypoint result"),
        ("a.json", lambda p: p.write_text('[{"image_id": 1, "keypoints": [1, 2]}]'),
         {}, "result 0 must have a numeric score, an image_id and 51 keypoint"),
        ("a.json", lambda p: p.write_text(
            '[{"image_id": 1, "category_id": 2, "keypoints": []}]'), {},
         r"a.json holds no person \(category_id 1\)"),
        ("a.json", lambda p: p.write_text(
            json.dumps([{"image_id": 1, "keypoints": [0] * 51}])), {"layout": "h36m"},
         "a.json holds the 'coco' layout, not 'h36m'"),
        ("a.json", lambda p: p.write_text(
            json.dumps([{"image_id": 1, "keypoints": [0] * 51}])), {},
         "a.json: no image size for video 'a'"),
    ],
)  # fmt: skip
def test_bad_files_are_named_with_the_problem(tmp_path, name, write, kwargs, problem):
    path = tmp_path / name
    write(path)
    with pytest.raises((ValueError, KeyError), match=problem) as error:
        read_keypoints(path, **kwargs)
    assert str(path) in str(error.value)


def test_missing_file_and_unknown_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No keypoint file at .*nothing\.npz"):
        read_keypoints(tmp_path / "nothing.npz")
    np.save(tmp_path / "a.npy", np.zeros((3, 17, 2)))
    with pytest.raises(ValueError, match="Unknown layout 'h37m'"):
        read_keypoints(tmp_path / "a.npy", "h37m", (9, 9))


def test_positions_that_are_not_a_dict(tmp_path):
    np.savez(tmp_path / "a.npz", positions_2d=np.zeros((3, 17, 2)))
    with pytest.raises(ValueError, match=r"a\.npz: 'positions_2d' must hold a \{"):
        read_keypoints(tmp_path / "a.npz")
