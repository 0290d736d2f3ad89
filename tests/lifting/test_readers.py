import json

import numpy as np
import pytest

from pyg_weightshare.keypoints import (
    COCO_KEYPOINTS,
    LAYOUTS,
    MEDIAPIPE_POSE_33,
    OPENPOSE_BODY_25,
    OPENPOSE_COCO_18,
    OPENPOSE_TO_COCO,
)
from pyg_weightshare.lifting import (
    read_keypoints,
    readers,
    track_people,
)
from pyg_weightshare.lifting.readers import natural_order


def custom_file(path, videos, metadata):
    positions = {
        name: {"custom": arrays if isinstance(arrays, list) else [arrays]}
        for name, arrays in videos.items()
    }
    np.savez(path, positions_2d=positions, metadata=metadata)
    return path


def person(x, y, size=100.0, confidence=1.0):
    """COCO-17 keypoints [17, 3] of a person whose box starts at (x, y)."""
    rng = np.random.default_rng(0)
    points = rng.uniform(0, size, (17, 2)) + np.array([x, y])
    return np.concatenate([points, np.full((17, 1), confidence)], -1)


def test_custom_file_reads_every_entry_of_every_video(tmp_path):
    rng = np.random.default_rng(0)
    walk, run = rng.uniform(0, 1920, (4, 17, 2)), rng.uniform(0, 640, (3, 17, 3))
    run2 = rng.uniform(0, 640, (2, 17, 3))
    path = custom_file(
        tmp_path / "data_2d_custom_clips.npz",
        {"walk.mp4": walk.astype(np.float32), "run.mp4": [run, run2]},
        {"layout_name": "coco", "num_joints": 17,
         "video_metadata": {"walk.mp4": {"w": 1920, "h": 1080},
                            "run.mp4": {"w": 640, "h": 480}}},
    )  # fmt: skip
    videos = read_keypoints(path).videos
    assert list(videos) == ["walk.mp4", "run.mp4#0", "run.mp4#1"]
    assert videos["walk.mp4"].image_size == (1920, 1080)
    assert videos["run.mp4#1"].image_size == (640, 480)
    assert videos["run.mp4#1"].frame_ids == ("0", "1")
    # Every value as written (float32 widened exactly), confidence included.
    assert videos["walk.mp4"].keypoints.dtype == np.float64
    assert np.array_equal(videos["walk.mp4"].keypoints, walk.astype(np.float32))
    assert np.array_equal(videos["run.mp4#0"].keypoints, run)
    assert np.array_equal(videos["run.mp4#1"].keypoints, run2)
    assert {video.layout for video in videos.values()} == {"coco"}
    # The flag wins over the metadata.
    flagged = read_keypoints(path, image_size=(10, 20)).videos
    assert flagged["walk.mp4"].image_size == (10, 20)


@pytest.mark.parametrize("channels", [2, 3])
def test_npy_is_one_video_named_after_the_file(tmp_path, channels):
    clip = np.random.default_rng(1).uniform(0, 640, (6, 16, channels))
    np.save(tmp_path / "my clip.npy", clip.astype(np.float32))
    videos = read_keypoints(tmp_path / "my clip.npy", "h36m", (640, 480)).videos
    assert list(videos) == ["my clip"]
    video = videos["my clip"]
    assert np.array_equal(video.keypoints, clip.astype(np.float32))
    assert video.keypoints.dtype == np.float64
    assert (video.layout, video.image_size) == ("h36m", (640, 480))


def test_npy_takes_integers_and_refuses_strings_and_complex(tmp_path):
    np.save(tmp_path / "clip.npy", np.arange(6 * 16 * 2).reshape(6, 16, 2))
    video = read_keypoints(tmp_path / "clip.npy", "h36m", (640, 480)).videos["clip"]
    assert video.keypoints.dtype == np.float64 and video.keypoints[5, 15, 1] == 191
    for values, found in [
        (np.zeros((3, 17, 2), dtype=complex), "complex numbers"),
        (np.full((3, 17, 2), "1.5"), "strings"),
        (np.zeros((3, 17, 2), dtype=bool), "booleans"),
    ]:
        np.save(tmp_path / "bad.npy", values)
        with pytest.raises(ValueError, match=f"bad.npy: video 'bad': .* not {found}"):
            read_keypoints(tmp_path / "bad.npy", "coco")


def coco_annotations(tmp_path, annotations, images=None):
    images = images or [
        {"id": 7, "file_name": "000000000007.jpg", "width": 640, "height": 480},
        {"id": 3, "file_name": "000000000003.jpg", "width": 800, "height": 600},
    ]
    path = tmp_path / "person_keypoints_val.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations}))
    return path


def annotation(id, image_id, keypoints, **extra):
    return {"id": id, "image_id": image_id, "category_id": 1,
            "keypoints": keypoints.ravel().tolist(), **extra}  # fmt: skip


def test_coco_annotations_one_video_per_person_with_the_image_size(tmp_path):
    unlabelled = np.zeros((17, 3))
    path = coco_annotations(
        tmp_path,
        [annotation(1, 7, person(10, 10)), annotation(2, 7, person(300, 10)),
         annotation(5, 3, person(50, 50)), annotation(6, 3, unlabelled),
         {**annotation(8, 3, person(0, 0)), "category_id": 2}],
    )  # fmt: skip
    people = read_keypoints(path)
    assert list(people.videos) == [
        "000000000003#5",
        "000000000007#1",
        "000000000007#2",
    ]
    video = people.videos["000000000007#2"]
    assert video.image_size == (640, 480) and video.frame_ids == ("000000000007",)
    assert np.array_equal(video.keypoints[0], person(300, 10))
    assert people.videos["000000000003#5"].image_size == (800, 600)
    assert people.notes == ("1 annotation(s) without a labelled keypoint left out",)


def test_coco_annotations_with_track_ids_are_videos(tmp_path):
    images = [
        {"id": index, "file_name": f"frame_{index}.jpg", "width": 640, "height": 480}
        for index in (1, 2, 10)
    ]
    path = coco_annotations(
        tmp_path,
        [annotation(1, 10, person(0, 0), track_id=4),
         annotation(2, 2, person(5, 0), track_id=4),
         annotation(3, 1, person(9, 0), track_id=0)],
        images,
    )  # fmt: skip
    videos = read_keypoints(path).videos
    assert list(videos) == ["track0", "track4"]  # in order of appearance
    assert videos["track4"].frame_ids == ("frame_2", "frame_10")
    assert np.array_equal(videos["track4"].keypoints[1], person(0, 0))


def test_coco_annotations_grouped_as_a_video_are_tracked(tmp_path):
    images = [
        {"id": index, "file_name": f"f{index}.jpg", "width": 640, "height": 480}
        for index in (1, 2)
    ]
    path = coco_annotations(
        tmp_path,
        [annotation(1, 1, person(0, 0)), annotation(2, 1, person(400, 0)),
         annotation(3, 2, person(402, 1)), annotation(4, 2, person(1, 2))],
        images,
    )  # fmt: skip
    videos = read_keypoints(path, group="video").videos
    assert list(videos) == ["person1", "person2"]
    assert np.array_equal(videos["person1"].keypoints[1], person(1, 2))
    assert np.array_equal(videos["person2"].keypoints[1], person(402, 1))


def coco_results(path, results):
    path.write_text(json.dumps(results))
    return path


def result(image_id, keypoints, score=0.9, category=1):
    return {"image_id": image_id, "category_id": category, "score": score,
            "keypoints": keypoints.ravel().tolist()}  # fmt: skip


def test_coco_results_order_frames_naturally_and_follow_people(tmp_path):
    results = [result(f"frame_{index}", person(index, 0)) for index in range(1, 12)]
    results += [
        result("frame_3", person(500, 300)),
        result("frame_4", person(501, 301)),
    ]
    results += [result("frame_5", person(0, 0), category=3)]
    path = coco_results(tmp_path / "dance.json", results[::-1])
    people = read_keypoints(path, image_size=(640, 480))
    assert list(people.videos) == ["person1", "person2"]
    first, second = people.videos.values()
    # frame_2 comes before frame_10: numbers inside ids compare as numbers.
    assert first.frame_ids == tuple(f"frame_{index}" for index in range(1, 12))
    assert first.keypoints[:, 0, 0].tolist() == [
        person(index, 0)[0, 0] for index in range(1, 12)
    ]
    assert second.frame_ids == ("frame_3", "frame_4")
    assert first.layout == "coco" and first.image_size == (640, 480)
    # Each result its own person.
    assert len(read_keypoints(path, group="person").videos) == 13


def test_coco_results_image_sizes_from_an_image_info_file(tmp_path):
    path = coco_results(tmp_path / "r.json", [result(1, person(0, 0))])
    info = coco_annotations(
        tmp_path, [], [{"id": 1, "file_name": "a.jpg", "width": 320, "height": 240}]
    )
    (video,) = read_keypoints(path, image_info=info).videos.values()
    assert video.image_size == (320, 240)
    assert read_keypoints(path, image_info=info).sources == (path, info)
    with pytest.raises(ValueError, match=r"r\.json: result 0: image 1 is not in"):
        read_keypoints(path, image_info=coco_annotations(tmp_path, [], [{"id": 2}]))


def test_ambiguous_frame_ids_are_refused(tmp_path):
    path = coco_results(
        tmp_path / "r.json", [result("f_1", person(0, 0)), result("f_01", person(0, 0))]
    )
    with pytest.raises(
        ValueError, match=r"r\.json: the frame ids 'f_01' and 'f_1' have no"
    ):
        read_keypoints(path)
    assert natural_order(["b2", "a10", "a9", 3], "x") == ["3", "a9", "a10", "b2"]


def openpose_frame(people, layout_names=OPENPOSE_BODY_25, person_ids=None):
    """An OpenPose frame file of COCO-17 people, as OpenPose writes it."""
    entries = []
    for index, coco in enumerate(people):
        values = np.zeros((len(layout_names), 3))  # missing: 0, 0, 0
        for coco_name, name in OPENPOSE_TO_COCO.items():
            values[layout_names.index(name)] = coco[COCO_KEYPOINTS.index(coco_name)]
        entries.append({
            "person_id": [-1 if person_ids is None else person_ids[index]],
            "pose_keypoints_2d": values.ravel().tolist(),
            "face_keypoints_2d": [], "hand_left_keypoints_2d": [],
        })  # fmt: skip
    return {"version": 1.3, "people": entries}


@pytest.mark.parametrize("names", [OPENPOSE_BODY_25, OPENPOSE_COCO_18])
def test_openpose_directory_follows_people(tmp_path, names):
    directory = tmp_path / "clip"
    directory.mkdir()
    for frame in range(12):
        a, b = person(frame, 0), person(300 - frame, 200)
        people = [b, a] if frame % 2 else [a, b]  # OpenPose's order changes
        if frame == 4:
            people = [a]  # b is not detected
        text = json.dumps(openpose_frame(people, names))
        (directory / f"clip_{frame:012d}_keypoints.json").write_text(text)
    (directory / "notes.json").write_text("{}")  # not a frame file
    people = read_keypoints(directory, image_size=(640, 480))
    assert list(people.videos) == ["person1", "person2"]
    a, b = people.videos["person1"], people.videos["person2"]
    assert a.layout == "openpose" and a.keypoints.shape == (12, len(names), 3)
    assert a.frame_ids[10] == "clip_000000000010"
    assert len(b.frame_ids) == 11 and "clip_000000000004" not in b.frame_ids
    coco = [names.index(OPENPOSE_TO_COCO[name]) for name in COCO_KEYPOINTS]
    assert np.array_equal(a.keypoints[:, coco], [person(f, 0) for f in range(12)])
    assert np.array_equal(b.keypoints[-1, coco], person(289, 200))
    # A glob pattern of the same files.
    pattern = read_keypoints(directory / "clip_*_keypoints.json", image_size=(9, 9))
    assert [v.frame_ids for v in pattern.videos.values()] == [a.frame_ids, b.frame_ids]


def test_openpose_person_ids_and_mixed_layouts(tmp_path):
    directory = tmp_path / "clip"
    directory.mkdir()
    for frame in range(2):
        frame_data = openpose_frame([person(0, 0), person(9, 9)], person_ids=[5, 2])
        (directory / f"{frame}_keypoints.json").write_text(json.dumps(frame_data))
    assert list(read_keypoints(directory).videos) == ["track5", "track2"]
    mixed = openpose_frame([person(0, 0)], OPENPOSE_COCO_18)
    (directory / "2_keypoints.json").write_text(json.dumps(mixed))
    with pytest.raises(ValueError, match="clip mixes OpenPose layouts: 25 keypoints"):
        read_keypoints(directory)


def test_one_openpose_file(tmp_path):
    path = tmp_path / "img_keypoints.json"
    path.write_text(json.dumps(openpose_frame([person(0, 0), person(300, 0)])))
    people = read_keypoints(path, image_size=(640, 480))
    assert [v.frame_ids for v in people.videos.values()] == [("img",), ("img",)]


def mediapipe_file(path, frames, image_size=(1000, 500)):
    """MediaPipe PoseLandmarker results: landmarks per person, normalised by
    (1000, 500), with :obj:`image_size` (left out if None)."""

    def landmarks(coco):
        marks = [{"x": 0.5, "y": 0.5, "z": 0.0, "visibility": 0.0}] * 33
        for index, name in enumerate(COCO_KEYPOINTS):
            x, y, visibility = coco[index]
            marks[MEDIAPIPE_POSE_33.index(name)] = {
                "x": x / 1000, "y": y / 500, "z": -0.1,
                "visibility": visibility, "presence": 0.99,
            }  # fmt: skip
        return marks

    document = {
        "image_size": list(image_size) if image_size else None,
        "frames": [
            {"frame": index, "pose_landmarks": [landmarks(p) for p in people]}
            for index, people in enumerate(frames)
        ],
    }
    if image_size is None:
        del document["image_size"]
    path.write_text(json.dumps(document))
    return path


def test_mediapipe_landmarks_in_pixels(tmp_path):
    frames = [[person(10 * t, 0, confidence=0.8), person(600, 200)] for t in range(3)]
    path = mediapipe_file(tmp_path / "pose.json", frames)
    people = read_keypoints(path)
    assert list(people.videos) == ["person1", "person2"]
    video = people.videos["person1"]
    assert video.layout == "mediapipe" and video.image_size == (1000, 500)
    assert video.frame_ids == ("0", "1", "2")
    index = [MEDIAPIPE_POSE_33.index(name) for name in COCO_KEYPOINTS]
    assert np.allclose(video.keypoints[2, index], person(20, 0, confidence=0.8))
    assert (video.keypoints[:, MEDIAPIPE_POSE_33.index("mouth_left"), 2] == 0).all()
    path = mediapipe_file(tmp_path / "bare.json", frames, image_size=None)
    with pytest.raises(ValueError, match=r"bare\.json: MediaPipe landmarks are norm"):
        read_keypoints(path)
    assert read_keypoints(path, image_size=(10, 5)).videos["person1"].image_size == (
        10,
        5,
    )


def test_track_people():
    a, b = person(0, 0), person(500, 0)
    # b vanishes for a frame, a moves a little; a new person c appears.
    tracks = track_people([[a, b], [a + 3], [b + 2, a + 5, person(900, 900)]])
    assert tracks == [[(0, 0), (1, 0), (2, 1)], [(0, 1), (2, 0)], [(2, 2)]]
    # Beyond the gap, a person seen again is a new track.
    assert len(track_people([[a], [], [], [a]], max_gap=1)) == 2
    # A detection with no keypoint seen is nobody.
    assert track_people([[np.zeros((17, 3))]]) == []


def test_json_limits(tmp_path, monkeypatch):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match=r"deep.json nests deeper than the 32 levels"):
        read_keypoints(deep)
    just_too_deep = tmp_path / "just_too_deep.json"
    just_too_deep.write_text("[" * 33 + "]" * 33)
    with pytest.raises(
        ValueError, match=r"just_too_deep.json nests deeper than the 32"
    ):
        read_keypoints(just_too_deep)
    big = coco_results(tmp_path / "big.json", [result(1, person(0, 0))])
    monkeypatch.setattr(readers, "MAX_JSON_BYTES", 100)
    with pytest.raises(
        ValueError, match=r"big\.json is larger than the 100 bytes read"
    ):
        read_keypoints(big)


METADATA = {"layout_name": "h36m", "num_joints": 17}
KEYPOINTS = json.dumps([0] * 51)


@pytest.mark.parametrize(
    ("name", "write", "kwargs", "problem"),
    [
        ("a.txt", lambda p: p.write_text("x"), {}, "unknown keypoint format '.txt'"),
        ("a.npy", lambda p: np.save(p, np.zeros((3, 17, 2))), {},
         "a.npy does not say its layout"),
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
                                         {"layout_name": "alphapose"}), {},
         "a.npz holds the 'alphapose' layout"),
        ("a.npz", lambda p: custom_file(p, {"v": np.zeros((3, 17, 2))},
                                         {"layout_name": ["coco"]}), {},
         r"a.npz holds the \['coco'\] layout"),
        ("a.npz", lambda p: custom_file(p, {"v": np.zeros((3, 16, 2))}, METADATA),
         {}, "video 'v' has 16 keypoints, but the metadata says num_joints=17"),
        ("a.npz", lambda p: custom_file(
            p, {"v": np.zeros((3, 17, 2))},
            METADATA | {"video_metadata": {"v": {"w": "x", "h": 2}}}), {},
         r"a.npz: video 'v': the image size must be two integers"),
        ("a.npz", lambda p: custom_file(p, {"v": []}, METADATA), {},
         r"video 'v' must hold \{'custom'"),
        ("a.npz", lambda p: np.savez(p, positions_2d={"v": np.zeros(3)}),
         {"layout": "coco"}, r"video 'v' must hold \{'custom'"),
        ("a.json", lambda p: p.write_text("[]"), {}, "a.json holds no detections"),
        ("a.json", lambda p: p.write_text("{"), {}, "a.json is not valid JSON"),
        ("a.json", lambda p: p.write_text('{"a": 1}'), {},
         "a.json is no keypoint layout lift knows"),
        ("a.json", lambda p: p.write_text('[{"image_id": 1}]'), {},
         "result 0 is not a COCO keypoint result"),
        ("a.json", lambda p: p.write_text('[{"image_id": 1, "keypoints": [1, 2]}]'),
         {}, "result 0 must have 51 keypoint values"),
        ("a.json", lambda p: p.write_text(
            '[{"image_id": 1, "keypoints": ' + json.dumps(["1"] * 51) + "}]"), {},
         "a.json: result 0: keypoints must be numbers .*, not strings"),
        ("a.json", lambda p: p.write_text(
            '[{"image_id": 1.5, "keypoints": ' + KEYPOINTS + "}]"), {},
         "a.json: result 0: ids must be integers or strings, got 1.5"),
        ("a.json", lambda p: p.write_text(
            '[{"image_id": 1, "category_id": 2, "keypoints": []}]'), {},
         "a.json holds no person"),
        ("a.json", lambda p: p.write_text(
            '[{"image_id": 1, "keypoints": ' + KEYPOINTS + "}]"), {"layout": "h36m"},
         "a.json holds the 'coco' layout, not 'h36m'"),
        ("a.json", lambda p: p.write_text('{"annotations": [{"image_id": 1, '
                                          '"keypoints": ' + json.dumps([1] * 51)
                                          + '}], "images": []}'), {},
         "a.json: annotation 0: image 1 is not in 'images'"),
        ("a.json", lambda p: p.write_text(json.dumps({
            "images": [{"id": 1}],
            "annotations": [{"id": 4, "image_id": 1, "keypoints": [1] * 51}] * 2,
        })), {},
         "a.json: two people have the same id"),
        ("a.json", lambda p: p.write_text('{"annotations": {}}'), {},
         "a.json: 'annotations' must be a list"),
        ("a.json", lambda p: p.write_text('{"people": [{"pose_keypoints_2d": [1]}]}'),
         {}, r"a.json: person 0 has 1 values: expected BODY_25 \(75\) or COCO-18"),
        ("a.json", lambda p: p.write_text('{"frames": [], "image_size": [1, 1]}'), {},
         "a.json holds no person"),
        ("a.json", lambda p: p.write_text(
            '{"frames": [{"pose_landmarks": [[]]}], "image_size": [1, 1]}'), {},
         "a.json: frame 0: person 0 must be a list of 33 landmarks"),
        ("a.json", lambda p: p.write_text('{"frames": [], "image_size": [0, 1]}'), {},
         "a.json: the image size must be positive"),
    ],
)  # fmt: skip
def test_bad_files_are_named_with_the_problem(tmp_path, name, write, kwargs, problem):
    path = tmp_path / name
    write(path)
    with pytest.raises((ValueError, KeyError), match=problem) as error:
        read_keypoints(path, **kwargs)
    assert str(path) in str(error.value)
    assert len(str(error.value).splitlines()) == 1


def test_missing_files_and_unknown_options(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No keypoint file at .*nothing\.npz"):
        read_keypoints(tmp_path / "nothing.npz")
    with pytest.raises(FileNotFoundError, match=r"No keypoint file matches .*x_\*"):
        read_keypoints(tmp_path / "x_*")
    with pytest.raises(ValueError, match="holds no OpenPose"):
        read_keypoints(tmp_path)
    np.save(tmp_path / "a.npy", np.zeros((3, 17, 2)))
    with pytest.raises(ValueError, match="Unknown layout 'h37m'"):
        read_keypoints(tmp_path / "a.npy", "h37m", (9, 9))
    with pytest.raises(ValueError, match="Unknown group 'frame'"):
        read_keypoints(tmp_path / "a.npy", "h36m", group="frame")
    assert set(LAYOUTS) == {"h36m", "coco", "openpose", "mediapipe"}


def test_positions_that_are_not_a_dict(tmp_path):
    np.savez(tmp_path / "a.npz", positions_2d=np.zeros((3, 17, 2)))
    with pytest.raises(ValueError, match=r"a\.npz: 'positions_2d' must hold a \{"):
        read_keypoints(tmp_path / "a.npz")
