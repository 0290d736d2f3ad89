"""Lifting 2D keypoints to 3D poses with a trained :class:`~pyg_weightshare.PoseGCN`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from numpy.typing import ArrayLike
from torch import Tensor

from pyg_weightshare.datasets.camera import normalize_screen_coordinates
from pyg_weightshare.devices import check_device
from pyg_weightshare.lifting.backends import make_backend
from pyg_weightshare.lifting.keypoints import (
    coco_to_h36m,
    fill_missing,
    layout_joints,
)
from pyg_weightshare.lifting.readers import read_keypoints
from pyg_weightshare.nn import PoseGCN
from pyg_weightshare.skeleton import H36M_JOINTS_17, Skeleton


class LiftedVideo(NamedTuple):
    """The result of lifting one video.

    Args:
        keypoints (np.ndarray): The 2D joints the model saw, in pixels, after
            the layout mapping and the filling of missing keypoints,
            :obj:`[T, J, 2]`.
        poses (np.ndarray): Root-relative 3D joints in the camera frame, in
            metres, :obj:`[T, J, 3]`.
        image_size (tuple[int, int]): :obj:`(width, height)` in pixels.
        layout (str): The layout of the keypoints that were read.
    """

    keypoints: np.ndarray
    poses: np.ndarray
    image_size: tuple[int, int]
    layout: str


class Lifter:
    r"""Lifts 2D keypoints in pixels to root-relative 3D poses in metres.

    The steps are those of training: keypoints of another layout are mapped
    to the model's joints by name (COCO-17 through
    :func:`~pyg_weightshare.lifting.coco_to_h36m`), keypoints with a
    confidence below :obj:`min_confidence` or NaN are filled by linear
    interpolation over time
    (:func:`~pyg_weightshare.lifting.fill_missing`), pixels are normalised
    with
    :func:`~pyg_weightshare.datasets.camera.normalize_screen_coordinates`,
    and the model runs on batches of whole tensors.

    Args:
        model (PoseGCN): A trained lifting network whose skeleton has
            Human3.6M joint names.
        min_confidence (float, optional): Keypoints with a lower confidence
            (the third channel of :obj:`[T, K, 3]` inputs) count as missing.
            (default: :obj:`0.1`)
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
        >>> lifter = Lifter(PoseGCN(h36m_skeleton(16), hidden_channels=8))
        >>> keypoints = np.random.default_rng(0).uniform(0, 640, (5, 17, 2))
        >>> lifter.lift(keypoints, layout="coco", image_size=(640, 480)).shape
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

    @classmethod
    def pretrained(cls, **kwargs) -> Lifter:
        """The lifter of the model bundled with the package
        (:meth:`PoseGCN.pretrained <pyg_weightshare.PoseGCN.pretrained>`),
        trained on the package's synthetic data.

        Args:
            **kwargs: Arguments of :class:`Lifter`.
        """
        return cls(PoseGCN.pretrained(), **kwargs)

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
        return cls(PoseGCN.from_checkpoint(path), **kwargs)

    @property
    def joint_names(self) -> tuple[str, ...]:
        """The joints of the 3D poses."""
        return tuple(self.skeleton.joint_names)

    def prepare(
        self,
        keypoints: ArrayLike,
        layout: str = "h36m",
        where: str = "",
    ) -> np.ndarray:
        """The model's joints in pixels, mapped from :obj:`layout` and with
        missing keypoints filled, :obj:`[T, J, 2]`.

        Args:
            keypoints (array-like): One video :obj:`[T, K, 2 or 3]` in
                pixels, with an optional confidence channel.
            layout (str, optional): :obj:`"h36m"` or :obj:`"coco"`.
                (default: :obj:`"h36m"`)
            where (str, optional): What the video is, for errors.
                (default: :obj:`""`)
        """
        points = np.array(keypoints, dtype=np.float64)
        if points.ndim != 3 or points.shape[2] not in (2, 3) or len(points) == 0:
            raise ValueError(
                f"{where}keypoints must have shape [frames, keypoints, 2 or 3] "
                f"with at least one frame, got {points.shape}"
            )
        names = layout_joints(layout, points.shape[1])
        missing = ~np.isfinite(points).all(axis=-1)
        if points.shape[2] == 3:
            missing |= points[..., 2] < self.min_confidence
        points = points[..., :2]
        points[missing] = np.nan
        if layout == "coco":
            points, names = coco_to_h36m(points), H36M_JOINTS_17
        absent = [name for name in self.joint_names if name not in names]
        if absent:
            raise ValueError(
                f"{where}{points.shape[1]} keypoints of the {layout!r} layout have "
                f"no {absent}, needed by this {len(self.joint_names)}-joint model"
            )
        points = points[:, [names.index(name) for name in self.joint_names]]
        if np.isnan(points).all():
            raise ValueError(f"{where}no person is seen in any frame")
        return fill_missing(points, self.joint_names, where)

    def normalize(self, pixels: np.ndarray, image_size: tuple[int, int]) -> Tensor:
        """The model input of pixels :obj:`[T, J, 2]`, normalised as in
        training, :obj:`[T, J, 2]`."""
        width, height = image_size
        # float32 before normalising, exactly as the training data is.
        screen = normalize_screen_coordinates(pixels.astype(np.float32), width, height)
        return torch.from_numpy(screen)

    def predict(self, inputs: Tensor) -> Tensor:
        """The model's 3D poses :obj:`[N, J, 3]` for normalised inputs
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
            layout (str, optional): :obj:`"h36m"` (17 joints, or 16 without
                Neck/Nose) or :obj:`"coco"` (17 keypoints).
                (default: :obj:`"h36m"`)
            image_size (tuple[int, int]): :obj:`(width, height)` of the
                image in pixels.
            where (str, optional): What the video is, for errors.
                (default: :obj:`""`)

        Returns:
            np.ndarray: Root-relative 3D joints of :attr:`joint_names` in the
            camera frame, in metres, :obj:`[T, J, 3]`.
        """
        return self._lift(keypoints, layout, image_size, where).poses

    def _lift(self, keypoints, layout, image_size, where) -> LiftedVideo:
        if image_size is None:
            raise ValueError(f"{where}lifting needs the image size (width, height)")
        if len(image_size) != 2 or min(image_size) <= 0:
            raise ValueError(
                f"{where}the image size must be a positive (width, height), got "
                f"{tuple(image_size)}"
            )
        pixels = self.prepare(keypoints, layout, where=where)
        poses = self.predict(self.normalize(pixels, image_size)).numpy()
        return LiftedVideo(pixels, poses, tuple(image_size), layout)

    def lift_file(
        self,
        path: str | os.PathLike,
        layout: str | None = None,
        image_size: tuple[int, int] | None = None,
    ) -> dict[str, LiftedVideo]:
        """Lifts every video of a keypoint file (see
        :func:`~pyg_weightshare.lifting.read_keypoints`).

        Args:
            path (str or os.PathLike): The file.
            layout (str, optional): The keypoint layout, when the file does
                not say it. (default: :obj:`None`)
            image_size (tuple[int, int], optional): :obj:`(width, height)`,
                when the file does not say it. (default: :obj:`None`)

        Returns:
            dict[str, LiftedVideo]: The videos by name.
        """
        videos = read_keypoints(path, layout, image_size)
        return {
            name: self._lift(
                video.keypoints, video.layout, video.image_size, f"{path}: {name!r}: "
            )
            for name, video in videos.items()
        }


def save_lifted(
    path: str | os.PathLike, videos: dict[str, LiftedVideo], lifter: Lifter
) -> Path:
    """Writes lifted videos as an :obj:`.npz` file: ``positions_3d =
    {video: [T, J, 3]}``, ``positions_2d = {video: [T, J, 2]}`` (the
    pixels the model saw), :obj:`joint_names`, :obj:`parents` and the
    :obj:`layout` that was read. Returns the path written, with
    :obj:`.npz` appended when missing, as ``numpy.savez`` does."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    (layout,) = {video.layout for video in videos.values()}
    np.savez(
        path,
        positions_3d={name: video.poses for name, video in videos.items()},
        positions_2d={name: video.keypoints for name, video in videos.items()},
        joint_names=np.array(lifter.joint_names),
        parents=np.array(lifter.skeleton.parents),
        layout=np.array(layout),
    )
    return path
