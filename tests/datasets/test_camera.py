import math

import numpy as np
import pytest
import torch

from pyg_weightshare.datasets import CAMERA_IDS, SUBJECTS, h36m_cameras
from pyg_weightshare.datasets.camera import (
    camera_to_world,
    image_coordinates,
    normalize_screen_coordinates,
    project_to_2d,
    quaternion_to_matrix,
    world_to_camera,
)


def test_quaternion_to_matrix_is_a_rotation():
    quaternions = np.random.default_rng(0).standard_normal((100, 4))
    rotations = quaternion_to_matrix(quaternions)
    assert rotations.shape == (100, 3, 3)
    identity = np.broadcast_to(np.eye(3), rotations.shape)
    assert np.allclose(rotations @ rotations.swapaxes(1, 2), identity)
    assert np.allclose(np.linalg.det(rotations), 1)
    # Unnormalised input is normalised first.
    assert np.allclose(quaternion_to_matrix(3 * quaternions), rotations)


def test_quaternion_to_matrix_known_rotations():
    assert np.allclose(quaternion_to_matrix(np.array([1.0, 0, 0, 0])), np.eye(3))
    # 90 degrees about z maps x to y.
    half = math.sqrt(0.5)
    rotation = quaternion_to_matrix(np.array([half, 0, 0, half]))
    assert np.allclose(rotation @ [1.0, 0, 0], [0, 1, 0])


def test_numpy_and_torch_agree():
    quaternions = np.random.default_rng(1).standard_normal((5, 4))
    as_torch = quaternion_to_matrix(torch.from_numpy(quaternions))
    assert isinstance(as_torch, torch.Tensor) and as_torch.dtype == torch.float64
    assert np.allclose(as_torch.numpy(), quaternion_to_matrix(quaternions))

    points = torch.randn(7, 3)
    camera = h36m_cameras("S1")[0]
    moved = camera.world_to_camera(points)
    assert isinstance(moved, torch.Tensor) and moved.dtype == torch.float32
    assert np.allclose(
        moved.numpy(),
        camera.world_to_camera(points.numpy().astype(np.float64)),
        atol=1e-5,
    )


def test_world_camera_round_trip():
    rng = np.random.default_rng(2)
    points = rng.standard_normal((10, 17, 3))
    orientation, translation = rng.standard_normal(4), rng.standard_normal(3)
    in_camera = world_to_camera(points, orientation, translation)
    assert np.allclose(camera_to_world(in_camera, orientation, translation), points)
    # The camera centre is the origin of the camera frame, and distances keep.
    assert np.allclose(world_to_camera(translation, orientation, translation), 0)
    assert np.allclose(
        np.linalg.norm(in_camera[:, 1] - in_camera[:, 0], axis=-1),
        np.linalg.norm(points[:, 1] - points[:, 0], axis=-1),
    )


def readme_projection(point, camera):
    """The README's formula, one point, plain Python."""
    x, y = (min(max(c / point[2], -1.0), 1.0) for c in point[:2])
    k1, k2, k3 = camera.radial_distortion
    p1, p2 = camera.tangential_distortion
    r2 = x * x + y * y
    radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
    tan = p1 * x + p2 * y
    u = camera.focal_length[0] * (x * (radial + tan) + p1 * r2) + camera.center[0]
    v = camera.focal_length[1] * (y * (radial + tan) + p2 * r2) + camera.center[1]
    return u, v


def test_projection_follows_the_readme_not_opencv():
    camera = h36m_cameras("S9")[2]
    point = np.array([1.3, -0.9, 3.0])  # far off axis, where distortion matters
    pixels = camera.project(point)
    assert np.allclose(pixels, readme_projection(point, camera), atol=1e-9)

    x, y = point[:2] / point[2]
    k1, k2, k3 = camera.radial_distortion
    p1, p2 = camera.tangential_distortion
    r2 = x * x + y * y
    radial = 1 + k1 * r2 + k2 * r2**2 + k3 * r2**3
    opencv_u = (
        camera.focal_length[0] * (x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x))
        + camera.center[0]
    )
    assert abs(pixels[0] - opencv_u) > 0.1


def test_projection_pinhole_and_clamp():
    pinhole = ([1000.0, 900.0], [500.0, 400.0], [0.0, 0.0, 0.0], [0.0, 0.0])
    points = np.array([[0.2, -0.1, 2.0], [0.0, 0.0, 1.0], [5.0, 0.0, 1.0]])
    expected = [[600.0, 355.0], [500.0, 400.0], [1500.0, 400.0]]  # x clamped to 1
    assert np.allclose(project_to_2d(points, *pinhole), expected)


def test_readme_sanity_numbers():
    for subject in SUBJECTS:
        for camera in h36m_cameras(subject):
            low = camera.world_to_camera(np.array([0.0, 0.0, 0.9]))
            high = camera.world_to_camera(np.array([0.0, 0.0, 1.9]))
            assert 4.15 <= low[2] <= 5.65  # README: ≈ 4.2-5.6 m
            u, v = camera.project(low)
            assert (
                442.5 <= u <= 678.5 and 364.5 <= v <= 445.5
            )  # README: ≈ 443-678, 365-445
            assert 207.5 <= v - camera.project(high)[1] <= 283.5


def test_screen_normalisation():
    pixels = np.array([[0.0, 0.0], [1000.0, 1002.0], [500.0, 501.0]])
    screen = normalize_screen_coordinates(pixels, 1000, 1002)
    assert np.allclose(screen, [[-1, -1.002], [1, 1.002], [0, 0]])
    assert np.allclose(image_coordinates(screen, 1000, 1002), pixels)


def test_h36m_cameras():
    cameras = h36m_cameras("S11")
    assert tuple(camera.id for camera in cameras) == CAMERA_IDS
    assert [(c.res_w, c.res_h) for c in cameras] == [
        (1000, 1002), (1000, 1000), (1000, 1000), (1000, 1002),
    ]  # fmt: skip
    # Translations are converted from the file's millimetres to metres.
    distances = [np.linalg.norm(camera.translation[:2]) for camera in cameras]
    assert all(3.5 < distance < 6 for distance in distances)
    with pytest.raises(KeyError, match=r"'S2'.*cameras\.json"):
        h36m_cameras("S2")
