"""Readers of 2D keypoint files: VideoPose3D's custom 2D :obj:`.npz`, COCO
keypoint results :obj:`.json` and plain :obj:`.npy` arrays."""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pyg_weightshare.datasets.npz import load_pickled_dict
from pyg_weightshare.lifting.keypoints import COCO_KEYPOINTS, LAYOUTS

FORMATS = (".npz", ".json", ".npy")


@dataclass(frozen=True)
class Keypoints2D:
    """The 2D keypoints of one video, as read from a file.

    Args:
        keypoints (np.ndarray): Pixel coordinates, with an optional
            confidence, :obj:`[T, K, 2 or 3]`.
        layout (str): The keypoint layout, :obj:`"h36m"` or :obj:`"coco"`.
        image_size (tuple[int, int], optional): :obj:`(width, height)` in
            pixels, when the file or the caller gives it.
    """

    keypoints: np.ndarray
    layout: str
    image_size: tuple[int, int] | None


def read_keypoints(
    path: str | os.PathLike,
    layout: str | None = None,
    image_size: tuple[int, int] | None = None,
) -> dict[str, Keypoints2D]:
    r"""Reads the 2D keypoints of every video in a file.

    * :obj:`.npz`: VideoPose3D's custom 2D file, as its
      :obj:`prepare_data_2d_custom.py` writes it:
      ``positions_2d = {video: {"custom": [array [T, K, 2 or 3]]}}`` and
      ``metadata = {"layout_name", "num_joints", "video_metadata":
      {video: {"w", "h"}}, ...}``.
    * :obj:`.json`: COCO keypoint results (Detectron2, MMPose, the COCO
      API): a list of ``{"image_id", "category_id", "keypoints":
      [x, y, v] * 17, "score"}``. One video named after the file; its frames
      are the image ids in order, each with its highest-scoring person.
    * :obj:`.npy`: one video :obj:`[T, K, 2 or 3]` named after the file.

    Args:
        path (str or os.PathLike): The file.
        layout (str, optional): The keypoint layout; needed for :obj:`.npy`
            and for a :obj:`.npz` without metadata, checked against the
            file otherwise. (default: :obj:`None`)
        image_size (tuple[int, int], optional): :obj:`(width, height)`;
            needed unless the :obj:`.npz` metadata gives it, and then it
            wins. (default: :obj:`None`)

    Returns:
        dict[str, Keypoints2D]: The videos by name.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No keypoint file at {path}")
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"Unknown layout {layout!r}; choose from {list(LAYOUTS)}")
    readers = {".npz": _read_custom, ".json": _read_coco, ".npy": _read_npy}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise ValueError(
            f"{path}: unknown keypoint format {path.suffix!r}; lift reads "
            "VideoPose3D custom 2D .npz, COCO keypoint results .json and .npy"
        )
    return reader(path, layout, image_size)


def _checked(array, path: Path, where: str) -> np.ndarray:
    try:
        array = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{path}: {where} does not hold numbers") from None
    if array.ndim != 3 or array.shape[2] not in (2, 3):
        raise ValueError(
            f"{path}: {where} has shape {array.shape}, expected "
            "(frames, keypoints, 2 or 3)"
        )
    if len(array) == 0:
        raise ValueError(f"{path}: {where} has no frames")
    return array


def _image_size(value, path: Path, where: str) -> tuple[int, int]:
    if value is None:
        raise ValueError(
            f"{path}: no image size for {where}: pass --image-size W H "
            "(image_size=(width, height))"
        )
    try:
        width, height = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"{path}: the image size of {where} must be (width, height), got {value!r}"
        ) from None
    if width <= 0 or height <= 0:
        raise ValueError(f"{path}: the image size of {where} must be positive")
    return width, height


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


def _read_custom(path: Path, layout, image_size) -> dict[str, Keypoints2D]:
    try:
        positions = load_pickled_dict(path, "positions_2d")
        metadata = load_pickled_dict(path, "metadata", required=False) or {}
    except (zipfile.BadZipFile, EOFError, pickle.UnpicklingError) as error:
        raise ValueError(f"{path} is not a readable .npz file ({error})") from None
    layout = _same_layout(path, layout, metadata.get("layout_name"))
    num_joints = metadata.get("num_joints")
    sizes = metadata.get("video_metadata")
    if not isinstance(sizes, dict):
        sizes = {}
    if not positions:
        raise ValueError(f"{path} holds no videos")
    videos = {}
    for video, entry in positions.items():
        where = f"video {video!r}"
        try:
            array = entry["custom"][0]
        except (KeyError, IndexError, TypeError):
            raise ValueError(
                f"{path}: {where} must hold {{'custom': [array [T, K, 2 or 3]]}}"
            ) from None
        array = _checked(array, path, where)
        if num_joints is not None and array.shape[1] != num_joints:
            raise ValueError(
                f"{path}: {where} has {array.shape[1]} keypoints, but the "
                f"metadata says num_joints={num_joints}"
            )
        size = image_size
        if size is None and isinstance(sizes.get(video), dict):
            size = (sizes[video].get("w"), sizes[video].get("h"))
        videos[str(video)] = Keypoints2D(array, layout, _image_size(size, path, where))
    return videos


def _frame_order(image_id) -> tuple:
    # Numbers in numeric order, then names.
    if isinstance(image_id, int | float):
        return (0, image_id, "")
    return (1, 0, str(image_id))


def _read_coco(path: Path, layout, image_size) -> dict[str, Keypoints2D]:
    layout = _same_layout(path, layout, "coco")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not a readable JSON file ({error})") from None
    if not isinstance(results, list):
        raise ValueError(f"{path} must hold a list of COCO keypoint results")
    if not results:
        raise ValueError(f"{path} holds no detections")
    best: dict = {}
    values = 3 * len(COCO_KEYPOINTS)
    for index, result in enumerate(results):
        if not isinstance(result, dict) or not {"image_id", "keypoints"} <= set(result):
            raise ValueError(
                f"{path}: result {index} is not a COCO keypoint result "
                "(it needs image_id and keypoints)"
            )
        if result.get("category_id", 1) != 1:  # COCO's person category
            continue
        image_id, score = result["image_id"], result.get("score", 1.0)
        keypoints = result["keypoints"]
        if (
            not isinstance(image_id, int | float | str)
            or not isinstance(score, int | float)
            or not isinstance(keypoints, list)
            or len(keypoints) != values
        ):
            raise ValueError(
                f"{path}: result {index} must have a numeric score, an image_id "
                f"and {values} keypoint values (x, y, v for 17 keypoints)"
            )
        if image_id not in best or score > best[image_id][0]:
            best[image_id] = (score, keypoints)
    if not best:
        raise ValueError(f"{path} holds no person (category_id 1)")
    frames = [best[image_id][1] for image_id in sorted(best, key=_frame_order)]
    try:
        array = np.asarray(frames, dtype=np.float64).reshape(len(frames), -1, 3)
    except (TypeError, ValueError):
        raise ValueError(f"{path}: keypoints must be numbers") from None
    where = f"video {path.stem!r}"
    return {path.stem: Keypoints2D(array, layout, _image_size(image_size, path, where))}


def _read_npy(path: Path, layout, image_size) -> dict[str, Keypoints2D]:
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{path} is not a readable .npy file ({error})") from None
    layout = _same_layout(path, layout, None)
    where = f"video {path.stem!r}"
    array = _checked(array, path, where)
    return {path.stem: Keypoints2D(array, layout, _image_size(image_size, path, where))}
