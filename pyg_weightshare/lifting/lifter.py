"""Lifting 2D keypoints to 3D poses with a trained :class:`~pyg_weightshare.PoseGCN`."""

from __future__ import annotations

import json
import os
import pathlib
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import Tensor

from pyg_weightshare.datasets.camera import normalize_screen_coordinates
from pyg_weightshare.datasets.inputs import missing_to_nan, person_inputs
from pyg_weightshare.devices import check_device
from pyg_weightshare.keypoints import (
    coco_to_h36m,
    fill_missing,
    layout_joints,
    to_coco,
)
from pyg_weightshare.lifting.backends import make_backend
from pyg_weightshare.lifting.readers import Keypoints2D, read_keypoints
from pyg_weightshare.nn import PoseGCN
from pyg_weightshare.outputs import atomic_output
from pyg_weightshare.skeleton import H36M_JOINTS_17, Skeleton

#: How far beyond an edge of the image a seen keypoint may lie, as a
#: fraction of the image's width or height; further out, the image size or
#: the keypoints are wrong and the person is not lifted.
MAX_OUTSIDE_IMAGE = 0.5


class LiftedVideo(NamedTuple):
    """The result of lifting one person's video.

    Args:
        keypoints (np.ndarray): The 2D joints the model saw, in pixels,
            after the layout mapping, :obj:`[T, J, 2]`: NaN where a joint was
            missing for a model that predicts missing joints, filled in over
            time for one that cannot.
        poses (np.ndarray): Root-relative 3D joints in the camera frame, in
            metres, float32 :obj:`[T, J, 3]`; NaN in a frame where no joint
            was seen.
        seen (np.ndarray): Boolean :obj:`[T, J]`: :obj:`False` where the
            joint was missing in the input and was filled in or predicted.
        image_size (tuple[int, int], optional): :obj:`(width, height)` in
            pixels, when known.
        layout (str): The layout of the keypoints that were read.
        frame_ids (tuple[str, ...]): The id of each frame in the input.
    """

    keypoints: np.ndarray
    poses: np.ndarray
    seen: np.ndarray
    image_size: tuple[int, int] | None
    layout: str
    frame_ids: tuple[str, ...]


class LiftedFile(NamedTuple):
    """Every person of a keypoint file, lifted or not.

    Args:
        videos (dict[str, LiftedVideo]): The people lifted, by name.
        failures (dict[str, str]): The people not lifted, and why.
        sources (tuple[pathlib.Path, ...]): The files read.
        notes (tuple[str, ...]): What the reader left out and why.
    """

    videos: dict[str, LiftedVideo]
    failures: dict[str, str]
    sources: tuple[pathlib.Path, ...]
    notes: tuple[str, ...]


class Lifter:
    r"""Lifts 2D keypoints in pixels to root-relative 3D poses in metres.

    The steps are those of training. Keypoints of another layout are mapped
    to the model's joints by name (COCO-17 through
    :func:`~pyg_weightshare.keypoints.coco_to_h36m`, OpenPose and MediaPipe
    through COCO-17). A keypoint is missing when its confidence is 0,
    below :obj:`min_confidence`, or a coordinate is not finite
    (:func:`~pyg_weightshare.datasets.inputs.missing_to_nan`). Then:

    * a model with 3 input channels (position and whether seen) gets
      :func:`~pyg_weightshare.datasets.inputs.person_inputs` and predicts
      the missing joints, even a joint never seen;
    * a model with 2 input channels gets the missing keypoints filled by
      linear interpolation over time
      (:func:`~pyg_weightshare.keypoints.fill_missing`; a joint never seen
      cannot be lifted) and pixels normalised by the image size
      (:func:`~pyg_weightshare.datasets.camera.normalize_screen_coordinates`).

    Args:
        model (PoseGCN): A trained lifting network whose skeleton has
            Human3.6M joint names.
        min_confidence (float, optional): Keypoints with a lower confidence
            (the third channel of :obj:`[T, K, 3]` inputs) count as missing;
            a confidence of 0 always does. (default: :obj:`0.1`)
        device (str or torch.device, optional): Where the model runs.
            (default: :obj:`"cpu"`)
        compile (bool, optional): Run the network compiled (Inductor on a
            CPU, a CUDA graph on a GPU), or not; :obj:`None` compiles where
            the input is large enough for it to pay off
            (:func:`~pyg_weightshare.lifting.backends.compiles_by_default`).
            (default: :obj:`None`)
        backend (str, optional): :obj:`"torch"`, the network's fused
            inference form
            (:class:`~pyg_weightshare.lifting.backends.TorchBackend`), or
            :obj:`"onnxruntime"`, its ONNX graph (CPU only, the :obj:`onnx`
            extra). (default: :obj:`"torch"`)

    Example:
        >>> from pyg_weightshare import h36m_skeleton
        >>> model = PoseGCN(h36m_skeleton(16), in_channels=3, root_relative=True)
        >>> keypoints = np.random.default_rng(0).uniform(0, 640, (5, 17, 2))
        >>> keypoints[:, 9] = np.nan  # the left wrist is never seen
        >>> Lifter(model).lift(keypoints, layout="coco").shape
        (5, 16, 3)
    """

    def __init__(
        self,
        model: torch.nn.Module,
        min_confidence: float = 0.1,
        device: str | torch.device = "cpu",
        compile: bool | None = None,
        backend: str = "torch",
    ) -> None:
        self.device = check_device(device)
        self.model = model.to(self.device).eval()
        self.skeleton: Skeleton = model.skeleton
        self.min_confidence = min_confidence
        # Built from the model as it is now: later changes do not reach it.
        self.backend = make_backend(self.model, self.device, backend, compile)
        #: Where the model comes from, for the output's metadata.
        self.source = f"a {type(model).__name__} given to Lifter"

    @classmethod
    def pretrained(cls, layout: str = "h36m", **kwargs) -> Lifter:
        """The lifter of the model bundled with the package for keypoints
        of :obj:`layout`
        (:func:`~pyg_weightshare.pretrained.load_pretrained`), trained on the
        package's synthetic data.

        Args:
            layout (str, optional): The layout of the keypoints to lift:
                :obj:`"h36m"` or :obj:`"coco"` (also for OpenPose and
                MediaPipe keypoints). (default: :obj:`"h36m"`)
            **kwargs: Arguments of :class:`Lifter`.
        """
        from pyg_weightshare.pretrained import checkpoint_path, load_pretrained

        lifter = cls(load_pretrained(layout=layout), **kwargs)
        lifter.source = f"the bundled model {checkpoint_path(layout).name}"
        return lifter

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, **kwargs) -> Lifter:
        """The lifter of a model file: a checkpoint written by
        :func:`~pyg_weightshare.training.train` or a bundled model (see
        :meth:`PoseGCN.from_checkpoint
        <pyg_weightshare.PoseGCN.from_checkpoint>`).

        Args:
            path (str or os.PathLike): The file, e.g. :obj:`best.pt` or
                :obj:`last.pt` of a run directory.
            **kwargs: Arguments of :class:`Lifter`.
        """
        lifter = cls(PoseGCN.from_checkpoint(path), **kwargs)
        lifter.source = str(path)
        return lifter

    @property
    def joint_names(self) -> tuple[str, ...]:
        """The joints of the 3D poses."""
        return tuple(self.skeleton.joint_names)

    @property
    def predicts_missing(self) -> bool:
        """Whether the model takes whether each joint was seen (3 input
        channels), and so predicts missing joints."""
        return getattr(self.model, "in_channels", 2) == 3

    def model_joints(
        self, keypoints: ArrayLike, layout: str = "h36m", where: str = ""
    ) -> np.ndarray:
        """The model's joints in pixels, mapped from :obj:`layout` by name,
        NaN where missing, :obj:`[T, J, 2]`.

        Args:
            keypoints (array-like): One video :obj:`[T, K, 2 or 3]` in
                pixels, with an optional confidence channel.
            layout (str, optional): A key of
                :obj:`~pyg_weightshare.keypoints.LAYOUTS`.
                (default: :obj:`"h36m"`)
            where (str, optional): What the video is, for errors.
                (default: :obj:`""`)
        """
        return self._map_to_model(self._seen(keypoints, where), layout, where)

    def _seen(self, keypoints: ArrayLike, where: str) -> np.ndarray:
        """The pixels of the keypoints :obj:`[T, K, 2 or 3]`, NaN where
        missing (see :func:`~pyg_weightshare.datasets.inputs.missing_to_nan`)."""
        points = np.asarray(keypoints, dtype=np.float64)
        if points.ndim != 3 or points.shape[2] not in (2, 3) or len(points) == 0:
            raise ValueError(
                f"{where}keypoints must have shape [frames, keypoints, 2 or 3] "
                f"with at least one frame, got {points.shape}"
            )
        confidence = (
            points[..., 2] if points.shape[2] == 3 else np.ones(points.shape[:2])
        )
        return missing_to_nan(points[..., :2], confidence, self.min_confidence)

    def _map_to_model(self, points: np.ndarray, layout: str, where: str) -> np.ndarray:
        """:meth:`model_joints` of the seen keypoints :obj:`points`."""
        names = layout_joints(layout, points.shape[1])
        if layout != "h36m":
            points, names = coco_to_h36m(to_coco(points, layout)), H36M_JOINTS_17
        absent = [name for name in self.joint_names if name not in names]
        if absent:
            raise ValueError(
                f"{where}{len(names)} keypoints of the {layout!r} layout have "
                f"no {absent}, needed by this {len(self.joint_names)}-joint model"
            )
        points = np.take(points, [names.index(n) for n in self.joint_names], axis=1)
        if np.isnan(points).all():
            raise ValueError(f"{where}no person is seen in any frame")
        return points

    def prepare(
        self, keypoints: ArrayLike, layout: str = "h36m", where: str = ""
    ) -> np.ndarray:
        """The 2D joints the model sees, in pixels, :obj:`[T, J, 2]`:
        :meth:`model_joints`, with the missing ones filled over time for a
        model that cannot predict them."""
        points = self.model_joints(keypoints, layout, where)
        if self.predicts_missing:
            return points
        return fill_missing(points, self.joint_names, where)

    def normalize(self, pixels: np.ndarray, image_size: tuple[int, int]) -> Tensor:
        """The input of a 2-channel model for pixels :obj:`[T, J, 2]`,
        normalised by the image size as in training, :obj:`[T, J, 2]`."""
        width, height = image_size
        # float32 before normalising, exactly as the training data is.
        screen = normalize_screen_coordinates(pixels.astype(np.float32), width, height)
        return torch.from_numpy(screen)

    def inputs(
        self, pixels: np.ndarray, image_size: tuple[int, int] | None = None
    ) -> Tensor:
        """The model input of the joints :meth:`prepare` returns:
        :func:`~pyg_weightshare.datasets.inputs.person_inputs` for a 3-channel
        model, :meth:`normalize` (which needs :obj:`image_size`) for a
        2-channel one."""
        if self.predicts_missing:
            return person_inputs(pixels)
        return self.normalize(pixels, image_size)

    def predict(self, inputs: Tensor) -> Tensor:
        """The model's 3D poses :obj:`[N, J, 3]` for model inputs
        :obj:`[N, J, C_{in}]`, in batches, on the CPU, run by the lifter's
        backend (:func:`~pyg_weightshare.lifting.backends.make_backend`)."""
        return self.backend(inputs)

    def lift(
        self,
        keypoints: ArrayLike,
        layout: str = "h36m",
        image_size: tuple[int, int] | None = None,
        where: str = "",
    ) -> np.ndarray:
        r"""Lifts one video's 2D keypoints to 3D.

        Args:
            keypoints (array-like): :obj:`[T, K, 2 or 3]` in pixels, with an
                optional confidence channel.
            layout (str, optional): A key of
                :obj:`~pyg_weightshare.keypoints.LAYOUTS`.
                (default: :obj:`"h36m"`)
            image_size (tuple[int, int], optional): :obj:`(width, height)`
                of the image in pixels; needed by a 2-channel model, and
                checked against the keypoints when given.
                (default: :obj:`None`)
            where (str, optional): What the video is, for errors.
                (default: :obj:`""`)

        Returns:
            np.ndarray: Root-relative 3D joints of :attr:`joint_names` in the
            camera frame, in metres, :obj:`[T, J, 3]`.
        """
        video = Keypoints2D(np.asarray(keypoints), layout, image_size)
        return self.lift_video(video, where).poses

    def lift_video(self, video: Keypoints2D, where: str = "") -> LiftedVideo:
        """Lifts one person's video.

        Raises:
            ValueError: The person cannot be lifted; the message, prefixed
                with :obj:`where`, says why.
        """
        size = video.image_size
        if size is None and not self.predicts_missing:
            raise ValueError(
                f"{where}this model needs the image size: pass --image-size W H "
                "(image_size=(width, height))"
            )
        if size is not None and (len(size) != 2 or min(size) <= 0):
            raise ValueError(
                f"{where}the image size must be a positive (width, height), got "
                f"{tuple(size)}"
            )
        keypoints = self._seen(video.keypoints, where)
        if size is not None:
            _check_in_image(keypoints, video, where)
        joints = self._map_to_model(keypoints, video.layout, where)
        seen = ~(np.isnan(joints[..., 0]) | np.isnan(joints[..., 1]))
        pixels = joints
        if not self.predicts_missing:
            pixels = fill_missing(joints, self.joint_names, where)
        poses = self.predict(self.inputs(pixels, size)).numpy().astype(np.float32)
        poses[~seen.any(axis=-1)] = np.nan  # nothing of the person is seen
        if not np.isfinite(poses[seen.any(axis=-1)]).all():
            raise ValueError(f"{where}the model's output is not finite")
        return LiftedVideo(pixels, poses, seen, size, video.layout, video.frame_ids)

    def lift_file(
        self,
        path: str | os.PathLike,
        layout: str | None = None,
        image_size: tuple[int, int] | None = None,
        group: str | None = None,
        image_info: str | os.PathLike | None = None,
    ) -> LiftedFile:
        """Lifts every person of a keypoint file (see
        :func:`~pyg_weightshare.lifting.read_keypoints` for the arguments).
        A person that cannot be lifted is listed in
        :attr:`LiftedFile.failures` with the reason; the others are lifted.
        """
        return self.lift_people(
            read_keypoints(path, layout, image_size, group, image_info)
        )

    def lift_people(self, people, progress: bool = False) -> LiftedFile:
        """Lifts every person of a
        :class:`~pyg_weightshare.lifting.readers.KeypointFile`.

        Args:
            people (KeypointFile): What
                :func:`~pyg_weightshare.lifting.read_keypoints` returns.
            progress (bool, optional): Show a progress bar on a terminal,
                where tqdm is installed. (default: :obj:`False`)
        """
        sizes = [video.image_size for video in people.videos.values()]
        if not self.predicts_missing and all(size is None for size in sizes):
            where = ", ".join(str(source) for source in people.sources[:1])
            raise ValueError(
                f"{where}: no image size: this model needs it, pass --image-size W H "
                "(image_size=(width, height))"
            )
        videos, failures = {}, {}
        for name, video in _progress(people.videos.items(), progress):
            try:
                videos[name] = self.lift_video(video)
            except ValueError as error:
                failures[name] = str(error)
        return LiftedFile(videos, failures, people.sources, people.notes)


def _progress(items, enabled: bool):
    if not enabled:
        return items
    try:
        from tqdm import tqdm
    except ImportError:
        return items
    # disable=None: shown on a terminal only.
    return tqdm(items, "lift", unit="person", disable=None, leave=False)


def _check_in_image(points: np.ndarray, video: Keypoints2D, where: str) -> None:
    """Raises if a seen keypoint of :obj:`points` (the pixels of
    :obj:`video`, NaN where missing) lies far outside the image."""
    size = np.asarray(video.image_size, dtype=np.float64)
    low, high = -MAX_OUTSIDE_IMAGE * size, (1 + MAX_OUTSIDE_IMAGE) * size
    # The range of each coordinate over the frames first (fmin and fmax skip
    # NaN): one pass, where comparing every keypoint takes six.
    if (np.fmin.reduce(points) >= low).all() and (np.fmax.reduce(points) <= high).all():
        return
    with np.errstate(invalid="ignore"):
        outside = ((points < low) | (points > high)).any(-1)
    if outside.any():
        frame, keypoint = np.argwhere(outside)[0]
        names = layout_joints(video.layout, points.shape[1])
        x, y = points[frame, keypoint]
        width, height = video.image_size
        raise ValueError(
            f"{where}frame {video.frame_ids[frame]}: keypoint {names[keypoint]!r} at "
            f"({x:.0f}, {y:.0f}) lies far outside the {width}x{height} image: is "
            "the image size right?"
        )


def save_lifted(
    path: str | os.PathLike,
    lifted: LiftedFile,
    lifter: Lifter,
    input: str | os.PathLike = "",
    format: str = "npz",
    force: bool = False,
) -> Path:
    r"""Writes lifted people as an :obj:`.npz` that ``np.load(path)`` reads
    with its default arguments, or as JSON.

    The :obj:`.npz` holds, for the :math:`i`-th name of :obj:`videos`:
    ``poses_i`` (float32 :obj:`[T, J, 3]`, metres), ``seen_i`` (bool
    :obj:`[T, J]`), ``keypoints_i`` (the 2D pixels the model saw,
    :obj:`[T, J, 2]`) and ``frames_i`` (the frame ids); and
    :obj:`joint_names`, :obj:`parents`, :obj:`model`, :obj:`input`,
    :obj:`failures` (``"name: reason"`` per person not lifted) and
    :obj:`image_sizes` (:obj:`[V, 2]`, 0 where unknown). The JSON holds the
    same under the same names, with one object per video in ``"videos"``
    and ``null`` for NaN.

    Args:
        path (str or os.PathLike): The file to write.
        lifted (LiftedFile): What :meth:`Lifter.lift_file` returns.
        lifter (Lifter): The lifter, for the skeleton and the model's source.
        input (str or os.PathLike, optional): The input, as given.
            (default: :obj:`""`)
        format (str, optional): :obj:`"npz"` or :obj:`"json"`.
            (default: :obj:`"npz"`)
        force (bool, optional): Replace an existing file (never one of the
            inputs). (default: :obj:`False`)

    Returns:
        pathlib.Path: The path written.
    """
    if format not in ("npz", "json"):
        raise ValueError(f"Unknown output format {format!r}; choose npz or json")
    path = lifted_path(path, format)
    names = list(lifted.videos)
    videos = [lifted.videos[name] for name in names]
    failures = [f"{name}: {reason}" for name, reason in lifted.failures.items()]
    common = {
        "joint_names": list(lifter.joint_names),
        "parents": list(lifter.skeleton.parents),
        "model": lifter.source,
        "input": str(input),
        "failures": failures,
    }
    with atomic_output(path, lifted.sources, force) as temporary:
        if format == "json":
            document = common | {
                "videos": [
                    {
                        "name": name,
                        "frames": list(video.frame_ids),
                        "image_size": video.image_size,
                        "poses": _json_array(video.poses),
                        "seen": video.seen.tolist(),
                        "keypoints": _json_array(video.keypoints),
                    }
                    for name, video in zip(names, videos, strict=True)
                ]
            }
            temporary.write_text(json.dumps(document), encoding="utf-8")
        else:
            arrays = {}
            for index, video in enumerate(videos):
                arrays[f"poses_{index}"] = video.poses.astype(np.float32)
                arrays[f"seen_{index}"] = video.seen
                arrays[f"keypoints_{index}"] = video.keypoints.astype(np.float32)
                arrays[f"frames_{index}"] = np.array(video.frame_ids, dtype=str)
            sizes = [video.image_size or (0, 0) for video in videos]
            with open(temporary, "wb") as file:
                np.savez(
                    file,
                    videos=np.array(names, dtype=str),
                    joint_names=np.array(common["joint_names"], dtype=str),
                    parents=np.array(common["parents"], dtype=np.int64),
                    model=np.array(common["model"]),
                    input=np.array(common["input"]),
                    failures=np.array(failures, dtype=str),
                    image_sizes=np.array(sizes, dtype=np.int64).reshape(-1, 2),
                    **arrays,
                )
    return path


def lifted_path(path: str | os.PathLike, format: str = "npz") -> Path:
    """The path :func:`save_lifted` writes: :obj:`path`, with :obj:`.npz`
    appended for that format when missing, as ``numpy.savez`` does."""
    path = Path(path)
    if format == "npz" and path.suffix != ".npz":
        return path.with_name(path.name + ".npz")
    return path


def _json_array(array: np.ndarray) -> list:
    """Nested lists with :obj:`None` for NaN, rounded to a tenth of a
    millimetre or pixel."""
    rounded = np.round(array.astype(np.float64), 4).astype(object)
    rounded[np.isnan(array)] = None
    return rounded.tolist()
