r"""Human3.6M cameras: calibration, rigid transforms and the projection model.

The functions accept NumPy arrays or PyTorch tensors, return the type they are
given and broadcast over leading dimensions. Conventions follow VideoPose3D:
quaternions are :math:`(w, x, y, z)` and rotate camera-frame vectors into the
world frame, translations are camera centres in world coordinates, the camera
frame has :math:`x` right, :math:`y` down and :math:`z` along the optical
axis, and 3D points are in metres.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TypeVar

import numpy as np
import torch
from numpy.typing import ArrayLike

from pyg_weightshare.safe_json import load_json

Array = TypeVar("Array", np.ndarray, torch.Tensor)


def _like(value: ArrayLike, reference: Array) -> Array:
    """``value`` as an array of the same kind, dtype and device as ``reference``."""
    if isinstance(reference, torch.Tensor):
        return torch.as_tensor(value, dtype=reference.dtype, device=reference.device)
    return np.asarray(value, dtype=reference.dtype)


def _stack(arrays: list[Array]) -> Array:
    if isinstance(arrays[0], torch.Tensor):
        return torch.stack(arrays, -1)
    return np.stack(arrays, -1)


def quaternion_to_matrix(quaternion: Array) -> Array:
    r"""The rotation matrix of a quaternion :math:`(w, x, y, z)`, normalised first.

    Args:
        quaternion (np.ndarray or torch.Tensor): Quaternions of shape
            :obj:`[..., 4]`.

    Returns:
        The rotation matrices, of shape :obj:`[..., 3, 3]`.

    Example:
        >>> quaternion_to_matrix(np.array([0.0, 0.0, 0.0, 2.0])).round(6) + 0.0
        array([[-1.,  0.,  0.],
               [ 0., -1.,  0.],
               [ 0.,  0.,  1.]])
    """
    unit = quaternion / ((quaternion * quaternion).sum(-1)[..., None] ** 0.5)
    w, x, y, z = (unit[..., i] for i in range(4))
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ]
    # Stacking the rows along the last axis and then the columns puts the
    # matrix index pair in the last two axes, as [..., row, column].
    return _stack([_stack(row) for row in rows]).swapaxes(-1, -2)


def world_to_camera(
    points: Array, orientation: ArrayLike, translation: ArrayLike
) -> Array:
    r"""Maps world points into a camera frame: :math:`R^\top (X - t)`.

    Args:
        points (np.ndarray or torch.Tensor): World points :obj:`[..., 3]`.
        orientation (array-like): The camera-to-world quaternion
            :math:`(w, x, y, z)`.
        translation (array-like): The camera centre in world coordinates, in
            the units of :obj:`points`.

    Returns:
        The points in the camera frame, :obj:`[..., 3]`.
    """
    rotation = quaternion_to_matrix(_like(orientation, points))
    # Row vectors: (R^T v^T)^T = v R.
    return (points - _like(translation, points)) @ rotation


def camera_to_world(
    points: Array, orientation: ArrayLike, translation: ArrayLike
) -> Array:
    r"""Maps camera-frame points into the world: :math:`R X + t`, the inverse
    of :func:`world_to_camera`.

    Args:
        points (np.ndarray or torch.Tensor): Camera-frame points :obj:`[..., 3]`.
        orientation (array-like): The camera-to-world quaternion
            :math:`(w, x, y, z)`.
        translation (array-like): The camera centre in world coordinates.

    Returns:
        The world points, :obj:`[..., 3]`.
    """
    rotation = quaternion_to_matrix(_like(orientation, points))
    return points @ rotation.swapaxes(-1, -2) + _like(translation, points)


def project_to_2d(
    points: Array,
    focal_length: ArrayLike,
    center: ArrayLike,
    radial_distortion: ArrayLike,
    tangential_distortion: ArrayLike,
) -> Array:
    r"""Projects camera-frame points to pixels with the Human3.6M lens model.

    This is VideoPose3D's :obj:`project_to_2d` (a port of the original
    Human3.6M MATLAB code), the function that produced the published
    ground-truth 2D files. With :math:`(x, y) = (X/Z, Y/Z)` clamped to
    :math:`[-1, 1]` and :math:`r^2 = x^2 + y^2`:

    .. math::
        \rho = 1 + k_1 r^2 + k_2 r^4 + k_3 r^6 + p_1 x + p_2 y, \quad
        u = f_x (x \rho + p_1 r^2) + c_x, \quad
        v = f_y (y \rho + p_2 r^2) + c_y.

    The tangential term is not OpenCV's.

    Args:
        points (np.ndarray or torch.Tensor): Camera-frame points
            :obj:`[..., 3]` with :math:`Z > 0`.
        focal_length (array-like): :math:`(f_x, f_y)` in pixels.
        center (array-like): The principal point :math:`(c_x, c_y)` in pixels.
        radial_distortion (array-like): :math:`(k_1, k_2, k_3)`.
        tangential_distortion (array-like): :math:`(p_1, p_2)`.

    Returns:
        Pixel coordinates :math:`(u, v)`, :obj:`[..., 2]`.

    Example:
        >>> project_to_2d(np.array([0.5, -0.25, 5.0]), [1000, 1000], [500, 500],
        ...               [0, 0, 0], [0, 0])
        array([600., 450.])
    """
    xy = (points[..., :2] / points[..., 2:]).clip(-1, 1)
    r2 = (xy * xy).sum(-1)[..., None]
    k1, k2, k3 = _like(radial_distortion, points)
    radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
    tangential = _like(tangential_distortion, points)
    tan = (xy * tangential).sum(-1)[..., None]
    distorted = xy * (radial + tan) + tangential * r2
    return distorted * _like(focal_length, points) + _like(center, points)


def normalize_screen_coordinates(pixels: Array, width: int, height: int) -> Array:
    r"""Maps pixels to screen coordinates :math:`u / w \cdot 2 - (1, h / w)`.

    :math:`x` lands in :math:`[-1, 1]` and the aspect ratio is kept.

    Args:
        pixels (np.ndarray or torch.Tensor): Pixel coordinates :obj:`[..., 2]`.
        width (int): The image width :math:`w` in pixels.
        height (int): The image height :math:`h` in pixels.

    Returns:
        Screen coordinates, :obj:`[..., 2]`.

    Example:
        >>> normalize_screen_coordinates(np.array([[0.0, 0.0], [1000.0, 1002.0]]),
        ...                              1000, 1002)
        array([[-1.   , -1.002],
               [ 1.   ,  1.002]])
    """
    return pixels / width * 2 - _like([1.0, height / width], pixels)


def image_coordinates(screen: Array, width: int, height: int) -> Array:
    r"""The inverse of :func:`normalize_screen_coordinates`:
    :math:`(s + (1, h / w)) \cdot w / 2`.

    Args:
        screen (np.ndarray or torch.Tensor): Screen coordinates :obj:`[..., 2]`.
        width (int): The image width :math:`w` in pixels.
        height (int): The image height :math:`h` in pixels.

    Returns:
        Pixel coordinates, :obj:`[..., 2]`.
    """
    return (screen + _like([1.0, height / width], screen)) * width / 2


@dataclass(frozen=True)
class Camera:
    r"""One calibrated Human3.6M camera for one subject.

    Args:
        id (str): The camera serial number, e.g. :obj:`"54138969"`.
        res_w (int): Image width in pixels.
        res_h (int): Image height in pixels.
        focal_length (tuple[float, float]): :math:`(f_x, f_y)` in pixels.
        center (tuple[float, float]): :math:`(c_x, c_y)` in pixels.
        radial_distortion (tuple[float, float, float]): :math:`(k_1, k_2, k_3)`.
        tangential_distortion (tuple[float, float]): :math:`(p_1, p_2)`.
        orientation (tuple[float, float, float, float]): Camera-to-world
            quaternion :math:`(w, x, y, z)`.
        translation (tuple[float, float, float]): Camera centre in world
            coordinates, in metres.
    """

    id: str
    res_w: int
    res_h: int
    focal_length: tuple[float, float]
    center: tuple[float, float]
    radial_distortion: tuple[float, float, float]
    tangential_distortion: tuple[float, float]
    orientation: tuple[float, float, float, float]
    translation: tuple[float, float, float]

    def world_to_camera(self, points: Array) -> Array:
        """World points (metres) :obj:`[..., 3]` in this camera's frame."""
        return world_to_camera(points, self.orientation, self.translation)

    def camera_to_world(self, points: Array) -> Array:
        """Camera-frame points (metres) :obj:`[..., 3]` in the world frame."""
        return camera_to_world(points, self.orientation, self.translation)

    def project(self, points: Array) -> Array:
        """Pixels :obj:`[..., 2]` of camera-frame points :obj:`[..., 3]`."""
        return project_to_2d(
            points,
            self.focal_length,
            self.center,
            self.radial_distortion,
            self.tangential_distortion,
        )

    def normalize(self, pixels: Array) -> Array:
        """Screen coordinates of pixels, see :func:`normalize_screen_coordinates`."""
        return normalize_screen_coordinates(pixels, self.res_w, self.res_h)


@cache
def _calibration() -> dict:
    source = resources.files("pyg_weightshare.datasets").joinpath("cameras.json")
    return json.loads(source.read_text())


CAMERA_IDS: tuple[str, ...] = tuple(_calibration()["camera_order"])


def _numbers(value, length: int, what: str) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != length:
        raise ValueError(f"{what} must be a list of {length} numbers, got {value!r}")
    numbers = tuple(float(v) for v in value if isinstance(v, int | float))
    if len(numbers) != length or not np.isfinite(numbers).all():
        raise ValueError(f"{what} must be a list of {length} numbers, got {value!r}")
    return numbers


def cameras_from_calibration(
    calibration: dict, subject: str, source: str = "cameras.json"
) -> tuple[Camera, ...]:
    r"""The cameras of :obj:`subject` in a calibration of the layout of the
    packaged :obj:`cameras.json` (see :func:`h36m_cameras`), checked.

    Args:
        calibration (dict): :obj:`camera_order`, :obj:`intrinsics[camera]`
            and :obj:`extrinsics[subject][camera]` (translations in
            millimetres).
        subject (str): The subject.
        source (str, optional): The file name used in error messages.
            (default: :obj:`"cameras.json"`)

    Returns:
        tuple[Camera, ...]: The cameras in :obj:`camera_order`, with
        translations in metres.
    """
    try:
        order, intrinsics = calibration["camera_order"], calibration["intrinsics"]
        extrinsics = calibration["extrinsics"]
    except (KeyError, TypeError):
        raise ValueError(
            f"{source} must hold 'camera_order', 'intrinsics' and 'extrinsics'"
        ) from None
    if not isinstance(extrinsics, dict) or subject not in extrinsics:
        known = sorted(extrinsics) if isinstance(extrinsics, dict) else []
        raise KeyError(
            f"No camera calibration for subject {subject!r} in {source}; "
            f"known subjects: {known}"
        )
    if not isinstance(order, list) or not order:
        raise ValueError(f"{source}: 'camera_order' must be a non-empty list")
    cameras = []
    for camera_id in order:
        where = f"{source}: camera {camera_id!r} of {subject!r}"
        try:
            inner, outer = intrinsics[camera_id], extrinsics[subject][camera_id]
            res_w, res_h = inner["res_w"], inner["res_h"]
            if not all(isinstance(r, int) and r > 0 for r in (res_w, res_h)):
                raise ValueError("res_w and res_h must be positive integers")
            cameras.append(
                Camera(
                    id=str(camera_id),
                    res_w=res_w,
                    res_h=res_h,
                    focal_length=_numbers(inner["focal_length"], 2, "focal_length"),
                    center=_numbers(inner["center"], 2, "center"),
                    radial_distortion=_numbers(
                        inner["radial_distortion"], 3, "radial_distortion"
                    ),
                    tangential_distortion=_numbers(
                        inner["tangential_distortion"], 2, "tangential_distortion"
                    ),
                    orientation=_numbers(outer["orientation"], 4, "orientation"),
                    # The calibration is in millimetres; poses are in metres.
                    translation=tuple(
                        t / 1000
                        for t in _numbers(outer["translation"], 3, "translation")
                    ),
                )
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"{where}: missing or malformed {error}") from None
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None
    return tuple(cameras)


def load_calibration(path: str | os.PathLike) -> dict:
    """Reads a :obj:`cameras.json` of the packaged layout, with one clear
    error for an unreadable or malformed file.

    Args:
        path (str or os.PathLike): The file.

    Returns:
        dict: The calibration, for :func:`cameras_from_calibration`.
    """
    try:
        calibration = load_json(path)
    except OSError as error:
        raise ValueError(f"{path} is not a readable JSON file ({error})") from None
    if not isinstance(calibration, dict):
        raise ValueError(f"{path} must hold a JSON object")
    return calibration


@cache
def h36m_cameras(subject: str) -> tuple[Camera, ...]:
    r"""The four calibrated cameras of a Human3.6M subject, in the order of
    the per-action lists of the 2D files (:obj:`CAMERA_IDS`).

    Args:
        subject (str): :obj:`"S1"`, :obj:`"S5"`, :obj:`"S6"`, :obj:`"S7"`,
            :obj:`"S8"`, :obj:`"S9"` or :obj:`"S11"`.

    Returns:
        tuple[Camera, ...]: The cameras, with translations in metres.

    Example:
        >>> cameras = h36m_cameras("S9")
        >>> [camera.id for camera in cameras]
        ['54138969', '55011271', '58860488', '60457274']
        >>> cameras[0].res_w, cameras[0].res_h
        (1000, 1002)
    """
    return cameras_from_calibration(_calibration(), subject)
