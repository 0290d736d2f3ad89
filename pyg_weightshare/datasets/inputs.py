r"""The input of a lifting network that knows missing keypoints.

Each joint of a pose becomes three features: its 2D position relative to the
person, and whether it was seen. Positions are centred on the middle of the
box around the seen joints and divided by half the longer side of that box,

.. math::
    \mathbf{u}_j = \frac{\mathbf{p}_j - (\mathbf{p}_{\min} +
    \mathbf{p}_{\max}) / 2}{\max(\mathbf{p}_{\max} - \mathbf{p}_{\min}) / 2},

so that the input does not depend on the image size, the person's place in
the image or their distance from the camera. A missing joint (NaN in the
pixels) gets :math:`(0, 0, 0)`; a seen joint :math:`(u, v, 1)`. Image axes
are kept (:math:`y` points down), as in the training data.

The training data and :class:`~pyg_weightshare.lifting.Lifter` both call
:func:`person_inputs`, so what the model saw in training and what it sees
on a user's keypoints are computed by the same code.
"""

from __future__ import annotations

import numpy as np
import torch

#: The features of each joint (normalised x, normalised y, and 1 if seen or 0).
INPUT_CHANNELS = 3

# The smallest half-extent a box may have: a pose seen as one point has no
# extent, and dividing by zero would make its features infinite.
_MIN_HALF_EXTENT = 1e-6


def person_inputs(pixels: np.ndarray | torch.Tensor) -> torch.Tensor:
    r"""The model input of 2D poses in pixels, NaN where a joint is missing.

    Args:
        pixels (array-like or torch.Tensor): Poses :obj:`[..., J, 2]`, NaN
            (in either coordinate) where a joint is missing.

    Returns:
        torch.Tensor: :obj:`[..., J, 3]` float32 features
        :math:`(u, v, \text{seen})`; all zero for a pose without a seen
        joint.

    Example:
        >>> pixels = np.array([[[100.0, 50.0], [100.0, 250.0], [np.nan, 0.0]]])
        >>> person_inputs(pixels)
        tensor([[[ 0., -1.,  1.],
                 [ 0.,  1.,  1.],
                 [ 0.,  0.,  0.]]])
    """
    points = torch.as_tensor(pixels, dtype=torch.float64)
    if points.ndim < 2 or points.shape[-1] != 2:
        raise ValueError(
            f"pixels must have shape [..., J, 2], got {tuple(points.shape)}"
        )
    # Coordinates first, [2, ..., J]: every pass below then runs over
    # contiguous rows instead of pairs (about twice as fast).
    planes = points.movedim(-1, 0).contiguous()
    seen = torch.isfinite(planes).all(dim=0)
    low = torch.where(seen, planes, torch.inf).amin(dim=-1, keepdim=True)
    high = torch.where(seen, planes, -torch.inf).amax(dim=-1, keepdim=True)
    center = (low + high) / 2
    half_extent = ((high - low).amax(dim=0) / 2).clamp(min=_MIN_HALF_EXTENT)
    u, v = torch.where(seen, (planes - center) / half_extent, 0.0)
    return torch.stack([u, v, seen.to(u.dtype)], dim=-1).float()


def missing_to_nan(pixels: np.ndarray, confidence: np.ndarray, threshold: float):
    """Pixels with NaN wherever a keypoint is missing: a confidence of 0
    (COCO's ``v = 0``, unlabelled) whatever the threshold, a confidence
    below :obj:`threshold`, or a coordinate that is not finite.

    Args:
        pixels (np.ndarray): :obj:`[..., K, 2]`.
        confidence (np.ndarray): :obj:`[..., K]`.
        threshold (float): The lowest confidence that counts as seen.

    Returns:
        np.ndarray: A float64 copy of :obj:`pixels` with NaN where missing.

    Example:
        >>> missing_to_nan(np.ones((3, 2)), np.array([0.0, 0.05, 0.9]), 0.0)
        array([[nan, nan],
               [ 1.,  1.],
               [ 1.,  1.]])
    """
    points = np.array(pixels, dtype=np.float64)
    finite = np.isfinite(points)
    missing = ~(finite[..., 0] & finite[..., 1])
    missing |= ~(confidence > 0) | (confidence < threshold)
    np.copyto(points, np.nan, where=missing[..., None])
    return points


__all__ = ["INPUT_CHANNELS", "missing_to_nan", "person_inputs"]
