import numpy as np
import pytest
import torch

from pyg_weightshare.datasets.inputs import (
    INPUT_CHANNELS,
    missing_to_nan,
    person_inputs,
)


def test_person_inputs_do_not_depend_on_place_and_size():
    rng = np.random.default_rng(0)
    pixels = rng.uniform(0, 100, (4, 16, 2))
    moved = 3.5 * pixels + np.array([700.0, -20.0])
    assert person_inputs(pixels).shape == (4, 16, INPUT_CHANNELS)
    torch.testing.assert_close(person_inputs(moved), person_inputs(pixels))


def test_person_inputs_fill_the_unit_box_along_the_longer_side():
    pixels = np.random.default_rng(1).uniform(0, 100, (5, 16, 2))
    uv = person_inputs(pixels)[..., :2]
    extent = uv.amax(dim=-2) - uv.amin(dim=-2)
    torch.testing.assert_close(extent.amax(dim=-1), torch.full((5,), 2.0))
    torch.testing.assert_close(uv.amax(dim=-2) + uv.amin(dim=-2), torch.zeros(5, 2))


def test_missing_joints_are_zero_and_do_not_move_the_others():
    pixels = np.random.default_rng(2).uniform(0, 100, (3, 16, 2))
    # A joint inside the box: the box, and so every other feature, stays.
    inside = 5
    pixels[0, inside] = pixels[0].mean(axis=0)
    inputs = person_inputs(pixels)
    with_missing = pixels.copy()
    with_missing[0, inside, 1] = np.nan
    masked = person_inputs(with_missing)
    torch.testing.assert_close(masked[0, inside], torch.zeros(3))
    others = torch.arange(16) != inside
    torch.testing.assert_close(masked[0, others], inputs[0, others])
    torch.testing.assert_close(masked[1:], inputs[1:])


def test_a_pose_without_seen_joints_is_all_zero():
    pixels = np.full((1, 16, 2), np.nan)
    assert not person_inputs(pixels).any()
    single = pixels.copy()
    single[0, 3] = [5.0, 7.0]
    assert torch.isfinite(person_inputs(single)).all()
    torch.testing.assert_close(person_inputs(single)[0, 3], torch.tensor([0.0, 0, 1]))


def reference_person_inputs(pixels: np.ndarray) -> np.ndarray:
    """The features of each pose one at a time, from the module's equation."""
    flat = pixels.reshape(-1, *pixels.shape[-2:])
    out = np.zeros((*flat.shape[:-1], 3))
    for pose, points in enumerate(flat):
        seen = np.isfinite(points).all(axis=-1)
        if not seen.any():
            continue
        low, high = points[seen].min(axis=0), points[seen].max(axis=0)
        half_extent = max((high - low).max() / 2, 1e-6)
        out[pose, seen, :2] = (points[seen] - (low + high) / 2) / half_extent
        out[pose, seen, 2] = 1.0
    return out.reshape(*pixels.shape[:-1], 3)


def test_person_inputs_of_any_batch_shape_match_the_equation():
    rng = np.random.default_rng(3)
    pixels = rng.uniform(0, 500, (3, 5, 16, 2))
    pixels[rng.random((3, 5, 16, 2)) < 0.2] = np.nan  # one or both coordinates
    pixels[1, 2] = np.nan  # a pose without a seen joint
    expected = torch.from_numpy(reference_person_inputs(pixels)).float()
    torch.testing.assert_close(person_inputs(pixels), expected)
    torch.testing.assert_close(person_inputs(pixels[0, 0]), expected[0, 0])


def test_person_inputs_refuse_other_shapes():
    with pytest.raises(ValueError, match=r"\[\.\.\., J, 2\]"):
        person_inputs(np.zeros((4, 16, 3)))


def test_confidence_zero_is_missing_whatever_the_threshold():
    pixels = np.arange(8.0).reshape(4, 2)
    confidence = np.array([0.0, 0.2, 0.6, 1.0])
    for threshold in (0.0, -1.0):
        points = missing_to_nan(pixels, confidence, threshold)
        assert np.isnan(points[0]).all() and np.isfinite(points[1:]).all()
    points = missing_to_nan(pixels, confidence, 0.5)
    assert np.isnan(points[:2]).all() and np.isfinite(points[2:]).all()
    infinite = pixels.copy()
    infinite[3, 0] = np.inf
    assert np.isnan(missing_to_nan(infinite, confidence, 0.0)[3]).all()
