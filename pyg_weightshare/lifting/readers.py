r"""Readers of 2D keypoint files.

:func:`read_keypoints` reads

* COCO keypoint **annotations** (``.json`` with ``images`` and
  ``annotations``) and COCO keypoint **results** (a ``.json`` list of
  detections, as Detectron2, MMPose or the COCO API write them);
* **OpenPose** JSON: a directory, a glob pattern or one file of per-frame
  ``*_keypoints.json`` (BODY_25 or COCO-18);
* **MediaPipe Pose** landmarks as a ``.json`` file (see
  :func:`read_keypoints` for the layout);
* VideoPose3D's custom 2D ``.npz`` and plain ``.npy`` arrays.

A file whose people are not already one video each is cut into **people**
by :obj:`group`: ``"person"`` makes each detection its own one-frame video
(or each ``track_id`` / ``person_id`` the file gives one video), ``"video"``
takes the images as the frames of one video and follows each person across
them with :func:`track_people`.

Every file is treated as hostile: JSON is refused beyond
:obj:`MAX_JSON_BYTES` or :obj:`MAX_JSON_DEPTH` levels of nesting, keypoints
must be numbers (integers or floats, never strings or complex numbers),
frames are ordered naturally by their ids (``frame_2`` before ``frame_10``)
and ids with no clear order (``frame_01`` and ``frame_1``) are refused, and
pickled ``.npz`` content goes through the restricted loader of
:mod:`pyg_weightshare.datasets.npz`. Every error is one line naming the file.
"""

from __future__ import annotations

import glob
import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pyg_weightshare import safe_json
from pyg_weightshare.datasets.npz import load_pickled_dict
from pyg_weightshare.keypoints import LAYOUTS

#: The largest keypoint JSON file read, in bytes (COCO's largest keypoint
#: annotation file, ``person_keypoints_train2017.json``, has 238 MiB).
MAX_JSON_BYTES = 512 * 2**20

#: The deepest nesting of lists and objects a keypoint JSON file may have
#: (COCO and MediaPipe files need 5 levels).
MAX_JSON_DEPTH = 32

#: The most per-frame files an OpenPose directory or pattern may have.
MAX_FRAME_FILES = 100_000

#: How far a person may move between frames and still be followed, as a
#: fraction of the size of their box (see :func:`track_people`).
MAX_TRACK_DISTANCE = 0.5

#: How many frames a person may be missing and still be followed.
MAX_TRACK_GAP = 30

#: The ways of cutting a file into people (see the module).
GROUPS = ("person", "video")

_COCO_PERSON = 1


@dataclass(frozen=True)
class Keypoints2D:
    """The 2D keypoints of one video of one person, as read from a file.

    Args:
        keypoints (np.ndarray): Pixel coordinates, with an optional
            confidence, :obj:`[T, K, 2 or 3]`, float64.
        layout (str): The keypoint layout, a key of
            :obj:`~pyg_weightshare.keypoints.LAYOUTS`.
        image_size (tuple[int, int], optional): :obj:`(width, height)` in
            pixels, when the file or the caller gives it.
        frame_ids (tuple[str, ...]): The id of each frame: an image id or
            file name, or the frame's index.
    """

    keypoints: np.ndarray
    layout: str
    image_size: tuple[int, int] | None
    frame_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.frame_ids:
            ids = tuple(str(index) for index in range(len(self.keypoints)))
            object.__setattr__(self, "frame_ids", ids)


@dataclass(frozen=True)
class KeypointFile:
    """Every person of a keypoint file.

    Args:
        videos (dict[str, Keypoints2D]): One video per person, by name.
        sources (tuple[pathlib.Path, ...]): The files read.
        notes (tuple[str, ...]): What was left out and why (for instance
            COCO annotations without a labelled keypoint).
    """

    videos: dict[str, Keypoints2D]
    sources: tuple[Path, ...]
    notes: tuple[str, ...] = field(default=())


def read_keypoints(
    path: str | os.PathLike,
    layout: str | None = None,
    image_size: tuple[int, int] | None = None,
    group: str | None = None,
    image_info: str | os.PathLike | None = None,
) -> KeypointFile:
    r"""Reads the 2D keypoints of every person in a file.

    * :obj:`.json` with ``images`` and ``annotations``: COCO keypoint
      annotations. Image sizes come from ``images``; by default each
      annotation with a labelled keypoint is one person in one image (a
      one-frame video named ``"<image file>#<annotation id>"``, its frame
      id the image's file name without suffix), or, when
      the annotations have a ``track_id`` (PoseTrack), each track is a video
      over its images (``"track<id>"``).
    * :obj:`.json` list of ``{"image_id", "category_id", "keypoints": [x,
      y, v] * 17, "score"}``: COCO keypoint results. By default the images
      are the frames of one video and the people are followed across them
      (``"person1"``, ``"person2"``, ...). Image sizes come from
      :obj:`image_size` or from :obj:`image_info`, a COCO file with
      ``images`` (an annotation or ``image_info`` file).
    * A directory, a glob pattern or one :obj:`.json` of OpenPose's
      per-frame ``{"people": [{"pose_keypoints_2d": [x, y, c] * 25 or *
      18}]}`` files (``*_keypoints.json`` in a directory): the frames are
      the files in natural order of their names, the people are followed
      across them (or by OpenPose's ``person_id`` when every person has
      one).
    * :obj:`.json` with ``frames``: MediaPipe Pose landmarks, in the layout
      of MediaPipe's ``PoseLandmarkerResult``: ``{"image_size": [W, H],
      "frames": [{"frame": id, "pose_landmarks": [[{"x", "y", "z",
      "visibility"} * 33] per person]}]}``, with ``x`` and ``y`` normalised
      to :math:`[0, 1]` by the image size and ``visibility`` the
      confidence; ``frame`` defaults to the frame's index.
    * :obj:`.npz`: VideoPose3D's custom 2D file, as its
      :obj:`prepare_data_2d_custom.py` writes it:
      ``positions_2d = {video: {"custom": [array [T, K, 2 or 3], ...]}}``
      and ``metadata = {"layout_name", "num_joints", "video_metadata":
      {video: {"w", "h"}}, ...}``. Each array of a ``custom`` list is a
      video (``"<video>#<index>"`` when there are several).
    * :obj:`.npy`: one video :obj:`[T, K, 2 or 3]` named after the file.

    Args:
        path (str or os.PathLike): The file, directory or glob pattern.
        layout (str, optional): The keypoint layout; needed for :obj:`.npy`
            and a :obj:`.npz` without metadata, checked against the file
            otherwise. (default: :obj:`None`)
        image_size (tuple[int, int], optional): :obj:`(width, height)` of
            every image; wins over what the file says. (default: :obj:`None`)
        group (str, optional): :obj:`"person"` or :obj:`"video"` (see the
            module); for JSON input. (default: :obj:`None`, ``"person"`` for
            COCO annotations and ``"video"`` otherwise)
        image_info (str or os.PathLike, optional): A COCO file whose
            ``images`` give the sizes of the images of COCO results.
            (default: :obj:`None`)

    Returns:
        KeypointFile: The people, one video each.
    """
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; choose from {list(LAYOUTS)}")
    if group is not None and group not in GROUPS:
        raise ValueError(f"Unknown group {group!r}; choose from {list(GROUPS)}")
    if image_size is not None:
        image_size = _image_size(image_size, "image_size")
    text = str(path)
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*_keypoints.json"))
        if not files:
            raise ValueError(f"{path} holds no OpenPose *_keypoints.json files")
        return _read_openpose(path, files, layout, image_size, group)
    if not path.exists() and glob.has_magic(text):
        files = sorted(Path(name) for name in glob.glob(text) if Path(name).is_file())
        if not files:
            raise FileNotFoundError(f"No keypoint file matches {text}")
        return _read_openpose(path, files, layout, image_size, group)
    if not path.is_file():
        raise FileNotFoundError(f"No keypoint file at {path}")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _read_custom(path, layout, image_size)
    if suffix == ".npy":
        return _read_npy(path, layout, image_size)
    if suffix != ".json":
        raise ValueError(
            f"{path}: unknown keypoint format {path.suffix!r}; lift reads COCO, "
            "OpenPose and MediaPipe .json, VideoPose3D custom 2D .npz and .npy"
        )
    data = load_json(path)
    if isinstance(data, list):
        return _read_coco_results(path, data, layout, image_size, group, image_info)
    if isinstance(data, dict) and "annotations" in data:
        return _read_coco_annotations(path, data, layout, image_size, group)
    if isinstance(data, dict) and "people" in data:
        return _read_openpose(path, [path], layout, image_size, group, {path: data})
    if isinstance(data, dict) and "frames" in data:
        return _read_mediapipe(path, data, layout, image_size, group)
    raise ValueError(
        f"{path} is no keypoint layout lift knows: expected COCO results (a "
        "list), COCO annotations ('annotations'), OpenPose ('people') or "
        "MediaPipe ('frames')"
    )


def load_json(path: Path) -> object:
    """A JSON file, refused beyond :obj:`MAX_JSON_BYTES` and
    :obj:`MAX_JSON_DEPTH` (:func:`pyg_weightshare.safe_json.load_json`),
    with one line naming the file on any problem."""
    return safe_json.load_json(path, MAX_JSON_BYTES, MAX_JSON_DEPTH)


def natural_key(frame_id: str) -> tuple:
    """The key that orders frame ids naturally: the numbers inside them
    compare as numbers.

    Example:
        >>> sorted(["frame_10", "frame_2", "frame_1"], key=natural_key)
        ['frame_1', 'frame_2', 'frame_10']
    """
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", frame_id)
        if part
    )


def natural_order(frame_ids, where: str) -> list[str]:
    """:obj:`frame_ids` as strings in natural order (:func:`natural_key`).

    Raises:
        ValueError: Two different ids have the same place (``"7"`` and
            ``"07"``), so the order of the frames is not clear.
    """
    ids = sorted({str(frame_id) for frame_id in frame_ids})
    ids.sort(key=natural_key)
    for first, second in itertools.pairwise(ids):
        if natural_key(first) == natural_key(second):
            raise ValueError(
                f"{where}: the frame ids {first!r} and {second!r} have no clear order"
            )
    return ids


def track_people(
    frames: list[list[np.ndarray]],
    max_distance: float = MAX_TRACK_DISTANCE,
    max_gap: int = MAX_TRACK_GAP,
) -> list[list[tuple[int, int]]]:
    r"""Follows people across frames: a simple greedy tracker.

    A person's **track** ends with their keypoints in the last frame they
    were seen. In each frame, the distance between a track and a detection
    is the mean distance of the keypoints seen in both (confidence above 0),
    divided by the longer side of the box around the track's last seen
    keypoints. Pairs are matched in increasing distance, each track and
    detection at most once, while the distance is below
    :obj:`max_distance`; a detection left over starts a new track. A track
    not seen for more than :obj:`max_gap` frames ends.

    Args:
        frames (list[list[np.ndarray]]): Per frame, the keypoints
            :obj:`[K, 2 or 3]` of each detected person.
        max_distance (float, optional): The largest distance matched.
            (default: :obj:`MAX_TRACK_DISTANCE`)
        max_gap (int, optional): The most frames a track may miss.
            (default: :obj:`MAX_TRACK_GAP`)

    Returns:
        list[list[tuple[int, int]]]: Per track, in the order tracks start,
        its :obj:`(frame, detection)` indices.

    Example:
        >>> a = np.array([[0.0, 0.0], [10.0, 20.0], [5.0, 40.0]])
        >>> b = a + 100  # another person
        >>> track_people([[a, b], [b + 1, a + 1]])  # the detector swaps them
        [[(0, 0), (1, 1)], [(0, 1), (1, 0)]]
    """
    tracks: list[list[tuple[int, int]]] = []
    last: list[np.ndarray] = []
    for frame, people in enumerate(frames):
        seen = [_seen(person) for person in people]
        pairs = []
        for track, steps in enumerate(tracks):
            if frame - steps[-1][0] > max_gap + 1:
                continue
            previous = last[track]
            previous_seen = _seen(previous)
            low = previous[previous_seen, :2].min(axis=0)
            high = previous[previous_seen, :2].max(axis=0)
            size = max(float((high - low).max()), 1.0)
            for detection, person in enumerate(people):
                both = previous_seen & seen[detection]
                if both.any():
                    distance = np.linalg.norm(
                        person[both, :2] - previous[both, :2], axis=-1
                    ).mean()
                    pairs.append((distance / size, track, detection))
        taken_tracks, taken_detections = set(), set()
        for distance, track, detection in sorted(pairs):
            if distance >= max_distance:
                break
            if track in taken_tracks or detection in taken_detections:
                continue
            taken_tracks.add(track)
            taken_detections.add(detection)
            tracks[track].append((frame, detection))
            last[track] = people[detection]
        for detection, person in enumerate(people):
            if detection not in taken_detections and seen[detection].any():
                tracks.append([(frame, detection)])
                last.append(person)
    return tracks


def _seen(person: np.ndarray) -> np.ndarray:
    seen = np.isfinite(person[:, :2]).all(axis=-1)
    if person.shape[-1] == 3:
        seen &= person[:, 2] > 0
    return seen


def _numbers(values, where: str) -> np.ndarray:
    """Keypoint values as float64: integers and floats only."""
    try:
        array = np.asarray(values)
    except ValueError:  # ragged lists
        raise ValueError(f"{where}: keypoints must be an array of numbers") from None
    if array.dtype.kind not in "iuf":
        kinds = {"b": "booleans", "c": "complex numbers", "U": "strings", "S": "bytes"}
        found = kinds.get(array.dtype.kind, f"{array.dtype} values")
        raise ValueError(
            f"{where}: keypoints must be numbers (integers or floats), not {found}"
        )
    return array.astype(np.float64)


def _checked(array, where: str) -> np.ndarray:
    array = _numbers(array, where)
    if array.ndim != 3 or array.shape[2] not in (2, 3):
        raise ValueError(
            f"{where} has shape {array.shape}, expected (frames, keypoints, 2 or 3)"
        )
    if len(array) == 0:
        raise ValueError(f"{where} has no frames")
    return array


def _image_size(value, where: str) -> tuple[int, int]:
    try:
        width, height = value
        if not all(isinstance(v, int | np.integer) for v in value):
            raise TypeError
    except (TypeError, ValueError):
        raise ValueError(
            f"{where}: the image size must be two integers (width, height), got "
            f"{value!r}"
        ) from None
    if width <= 0 or height <= 0:
        raise ValueError(f"{where}: the image size must be positive, got {value!r}")
    return int(width), int(height)


def _same_layout(path: Path, given: str | None, found: str | None) -> str:
    if given is not None and found is not None and given != found:
        raise ValueError(f"{path} holds the {found!r} layout, not {given!r}")
    layout = given or found
    if layout is None:
        raise ValueError(f"{path} does not say its layout: pass --layout")
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise ValueError(
            f"{path} holds the {layout!r} layout; lift reads {list(LAYOUTS)}"
        )
    return layout


def _read_custom(path: Path, layout, image_size) -> KeypointFile:
    positions = load_pickled_dict(path, "positions_2d")
    metadata = load_pickled_dict(path, "metadata", required=False) or {}
    layout = _same_layout(path, layout, metadata.get("layout_name"))
    num_joints = metadata.get("num_joints")
    sizes = metadata.get("video_metadata")
    if not isinstance(sizes, dict):
        sizes = {}
    if not positions:
        raise ValueError(f"{path} holds no videos")
    videos = {}
    for video, entry in positions.items():
        where = f"{path}: video {video!r}"
        arrays = entry.get("custom") if isinstance(entry, dict) else None
        if not isinstance(arrays, list) or not arrays:
            raise ValueError(
                f"{where} must hold {{'custom': [array [T, K, 2 or 3], ...]}}"
            )
        size = image_size
        if size is None and isinstance(sizes.get(video), dict):
            size = _image_size((sizes[video].get("w"), sizes[video].get("h")), where)
        for index, array in enumerate(arrays):
            name = str(video) if len(arrays) == 1 else f"{video}#{index}"
            array = _checked(array, f"{path}: video {name!r}")
            if num_joints is not None and array.shape[1] != num_joints:
                raise ValueError(
                    f"{path}: video {name!r} has {array.shape[1]} keypoints, but "
                    f"the metadata says num_joints={num_joints}"
                )
            videos[name] = Keypoints2D(array, layout, size)
    return KeypointFile(videos, (path,))


def _read_npy(path: Path, layout, image_size) -> KeypointFile:
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{path} is not a readable .npy file ({error})") from None
    layout = _same_layout(path, layout, None)
    array = _checked(array, f"{path}: video {path.stem!r}")
    return KeypointFile({path.stem: Keypoints2D(array, layout, image_size)}, (path,))


@dataclass
class _Detection:
    """One person in one frame."""

    frame: str
    keypoints: np.ndarray
    size: tuple[int, int] | None
    label: str
    track: str | None = None


def _people(
    path: Path,
    detections: list[_Detection],
    layout: str,
    group: str,
    sources: tuple[Path, ...],
    notes: tuple[str, ...] = (),
) -> KeypointFile:
    """The videos of :obj:`detections`, cut into people by :obj:`group`."""
    if not detections:
        raise ValueError(
            f"{path} holds no person" + (f" ({notes[0]})" if notes else "")
        )
    order = natural_order([d.frame for d in detections], str(path))
    place = {frame: index for index, frame in enumerate(order)}
    detections = sorted(detections, key=lambda d: place[d.frame])
    if group == "person" or all(d.track is not None for d in detections):
        if any(d.track is not None for d in detections):
            if any(d.track is None for d in detections):
                raise ValueError(f"{path}: some people have a track id, others not")
            people = {}
            for detection in detections:
                people.setdefault(f"track{detection.track}", []).append(detection)
        else:
            people = {detection.label: [detection] for detection in detections}
            if len(people) < len(detections):
                raise ValueError(f"{path}: two people have the same id")
    else:
        frames = [[] for _ in order]
        for detection in detections:
            frames[place[detection.frame]].append(detection)
        people = {
            f"person{index + 1}": [frames[frame][person] for frame, person in track]
            for index, track in enumerate(
                track_people([[d.keypoints for d in frame] for frame in frames])
            )
        }
    videos = {}
    for name, steps in people.items():
        frame_ids = [step.frame for step in steps]
        if len(set(frame_ids)) != len(frame_ids):
            raise ValueError(f"{path}: {name!r} is twice in one frame")
        sizes = {step.size for step in steps}
        if len(sizes) > 1:
            raise ValueError(
                f"{path}: {name!r} is in images of different sizes "
                f"({' and '.join(str(s) for s in sizes)}): pass --group person"
            )
        keypoints = np.stack([step.keypoints for step in steps])
        videos[name] = Keypoints2D(keypoints, layout, sizes.pop(), tuple(frame_ids))
    return KeypointFile(videos, sources, notes)


def _coco_keypoints(values, where: str) -> np.ndarray:
    array = _numbers(values, where)
    if array.shape != (51,):
        raise ValueError(
            f"{where} must have 51 keypoint values (x, y, v for 17 keypoints), "
            f"got shape {array.shape}"
        )
    return array.reshape(17, 3)


def _image_table(path: Path, images) -> dict:
    """COCO ``images`` as ``{id: (name, (width, height) or None)}``."""
    if not isinstance(images, list):
        raise ValueError(f"{path}: 'images' must be a list")
    table = {}
    for index, image in enumerate(images):
        if not isinstance(image, dict) or "id" not in image:
            raise ValueError(f"{path}: image {index} has no id")
        where = f"{path}: image {image['id']!r}"
        size = None
        if "width" in image or "height" in image:
            size = _image_size((image.get("width"), image.get("height")), where)
        name = image.get("file_name")
        name = Path(name).stem if isinstance(name, str) else str(image["id"])
        table[_id(image["id"], where)] = (name, size)
    return table


def _id(value, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{where}: ids must be integers or strings, got {value!r}")
    return str(value)


def _read_coco_annotations(path, data, layout, image_size, group) -> KeypointFile:
    layout = _same_layout(path, layout, "coco")
    images = _image_table(path, data.get("images", []))
    annotations = data["annotations"]
    if not isinstance(annotations, list):
        raise ValueError(f"{path}: 'annotations' must be a list")
    detections, unlabelled = [], 0
    for index, annotation in enumerate(annotations):
        if not isinstance(annotation, dict) or not {"image_id", "keypoints"} <= set(
            annotation
        ):
            raise ValueError(
                f"{path}: annotation {index} is not a COCO keypoint annotation "
                "(it needs image_id and keypoints)"
            )
        if annotation.get("category_id", _COCO_PERSON) != _COCO_PERSON:
            continue
        label = _id(annotation.get("id", index), f"{path}: annotation {index}")
        where = f"{path}: annotation {label}"
        keypoints = _coco_keypoints(annotation["keypoints"], where)
        if not (keypoints[:, 2] > 0).any():
            unlabelled += 1
            continue
        image = _id(annotation["image_id"], where)
        if image not in images:
            raise ValueError(f"{where}: image {image} is not in 'images'")
        name, size = images[image]
        track = annotation.get("track_id")
        detections.append(
            _Detection(
                name,
                keypoints,
                image_size or size,
                f"{name}#{label}",
                None if track is None else _id(track, where),
            )
        )
    notes = ()
    if unlabelled:
        notes = (f"{unlabelled} annotation(s) without a labelled keypoint left out",)
    return _people(path, detections, layout, group or "person", (path,), notes)


def _read_coco_results(path, results, layout, image_size, group, image_info):
    layout = _same_layout(path, layout, "coco")
    sizes: dict = {}
    sources = (path,)
    if image_info is not None:
        info = Path(image_info)
        if not info.is_file():
            raise FileNotFoundError(f"No image information file at {info}")
        data = load_json(info)
        if not isinstance(data, dict) or "images" not in data:
            raise ValueError(f"{info} has no COCO 'images'")
        sizes = {
            key: size for key, (_, size) in _image_table(info, data["images"]).items()
        }
        sources += (info,)
    if not results:
        raise ValueError(f"{path} holds no detections")
    detections = []
    for index, result in enumerate(results):
        if not isinstance(result, dict) or not {"image_id", "keypoints"} <= set(result):
            raise ValueError(
                f"{path}: result {index} is not a COCO keypoint result "
                "(it needs image_id and keypoints)"
            )
        if result.get("category_id", _COCO_PERSON) != _COCO_PERSON:
            continue
        where = f"{path}: result {index}"
        image = _id(result["image_id"], where)
        if image_info is not None and image not in sizes:
            raise ValueError(f"{where}: image {image} is not in {image_info}")
        keypoints = _coco_keypoints(result["keypoints"], where)
        size = image_size or sizes.get(image)
        detections.append(_Detection(image, keypoints, size, f"{image}#{index}"))
    return _people(path, detections, layout, group or "video", sources)


def _read_openpose(path, files, layout, image_size, group, loaded=None):
    if len(files) > MAX_FRAME_FILES:
        raise ValueError(
            f"{path} has {len(files)} frame files, more than the {MAX_FRAME_FILES} "
            "lift reads at once"
        )
    detections, counts = [], {}
    for file in files:
        data = (loaded or {}).get(file)
        if data is None:
            data = load_json(file)
        people = data.get("people") if isinstance(data, dict) else None
        if not isinstance(people, list):
            raise ValueError(f"{file} is not an OpenPose keypoint file ('people')")
        frame = file.name.removesuffix(".json").removesuffix("_keypoints")
        for index, person in enumerate(people):
            where = f"{file}: person {index}"
            values = (
                person.get("pose_keypoints_2d") if isinstance(person, dict) else None
            )
            if values is None:
                raise ValueError(f"{where} has no pose_keypoints_2d")
            keypoints = _numbers(values, where)
            if keypoints.ndim != 1 or len(keypoints) not in (75, 54):
                raise ValueError(
                    f"{where} has {keypoints.size} values: expected BODY_25 (75) "
                    "or COCO-18 (54)"
                )
            counts.setdefault(len(keypoints) // 3, file)
            track = person.get("person_id")
            if isinstance(track, list) and len(track) == 1:
                track = track[0]
            track = None if not isinstance(track, int) or track < 0 else str(track)
            detections.append(
                _Detection(
                    frame,
                    keypoints.reshape(-1, 3),
                    image_size,
                    f"{frame}#{index}",
                    track,
                )
            )
    if len(counts) > 1:
        found = ", ".join(
            f"{count} keypoints in {file}" for count, file in counts.items()
        )
        raise ValueError(f"{path} mixes OpenPose layouts: {found}")
    layout = _same_layout(path, layout, "openpose")
    if not all(d.track is not None for d in detections):
        for detection in detections:
            detection.track = None
    return _people(path, detections, layout, group or "video", tuple(files))


def _read_mediapipe(path, data, layout, image_size, group) -> KeypointFile:
    layout = _same_layout(path, layout, "mediapipe")
    if image_size is None:
        if "image_size" not in data:
            raise ValueError(
                f"{path}: MediaPipe landmarks are normalised: the file needs an "
                "'image_size' [W, H], or pass --image-size W H"
            )
        value = data["image_size"]
        if isinstance(value, dict):
            value = (value.get("width"), value.get("height"))
        image_size = _image_size(value, str(path))
    frames = data["frames"]
    if not isinstance(frames, list):
        raise ValueError(f"{path}: 'frames' must be a list")
    width, height = image_size
    detections = []
    for index, frame in enumerate(frames):
        where = f"{path}: frame {index}"
        if not isinstance(frame, dict) or not isinstance(
            frame.get("pose_landmarks"), list
        ):
            raise ValueError(f"{where} has no list of 'pose_landmarks'")
        frame_id = _id(frame.get("frame", index), where)
        for person, landmarks in enumerate(frame["pose_landmarks"]):
            who = f"{path}: frame {frame_id}: person {person}"
            if not isinstance(landmarks, list) or len(landmarks) != 33:
                raise ValueError(f"{who} must be a list of 33 landmarks")
            if not all(isinstance(mark, dict) for mark in landmarks):
                raise ValueError(f"{who}: each landmark must be an object")
            values = [
                [mark.get("x"), mark.get("y"), mark.get("visibility", 1.0)]
                for mark in landmarks
            ]
            keypoints = _numbers(values, who) * [width, height, 1.0]
            detections.append(
                _Detection(frame_id, keypoints, image_size, f"{frame_id}#{person}")
            )
    return _people(path, detections, layout, group or "video", (path,))


__all__ = [
    "GROUPS",
    "MAX_FRAME_FILES",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_TRACK_DISTANCE",
    "MAX_TRACK_GAP",
    "KeypointFile",
    "Keypoints2D",
    "load_json",
    "natural_key",
    "natural_order",
    "read_keypoints",
    "track_people",
]
