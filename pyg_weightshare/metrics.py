"""3D pose metrics: MPJPE (Protocol 1) and P-MPJPE (Protocol 2), per action."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

REDUCTIONS = ("mean", "none")


Poses = Tensor | np.ndarray


def _as_tensors(
    pred: Poses, target: Poses, reduction: str
) -> tuple[Tensor, Tensor, bool]:
    """Checks the arguments; returns them as tensors and whether they were NumPy."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    is_numpy = isinstance(pred, np.ndarray)
    pred, target = torch.as_tensor(pred), torch.as_tensor(target)
    if pred.shape != target.shape or pred.dim() < 2 or pred.size(-1) != 3:
        raise ValueError(
            f"Expected pred and target of the same shape [..., J, 3], got "
            f"{tuple(pred.shape)} and {tuple(target.shape)}"
        )
    return _checked("pred", pred), _checked("target", target), is_numpy


def _checked(name: str, poses: Tensor) -> Tensor:
    """Real, finite coordinates; integers (e.g. millimetres) as float64."""
    if poses.dtype == torch.bool or poses.is_complex():
        raise ValueError(f"{name} must hold real coordinates, got {poses.dtype}")
    if not poses.is_floating_point():
        poses = poses.double()
    if not bool(poses.isfinite().all()):
        raise ValueError(f"{name} holds NaN or infinite coordinates")
    return poses


def _reduce(per_pose: Tensor, reduction: str, is_numpy: bool) -> Poses:
    result = per_pose.mean() if reduction == "mean" else per_pose
    return result.numpy() if is_numpy else result


def mpjpe(pred: Poses, target: Poses, reduction: str = "mean") -> Poses:
    r"""Mean per-joint position error (Protocol 1): the mean Euclidean
    distance between corresponding joints, in the units of the input.

    Args:
        pred (torch.Tensor or np.ndarray): Predicted poses :obj:`[..., J, 3]`.
        target (torch.Tensor or np.ndarray): Ground truth, same shape.
        reduction (str, optional): :obj:`"mean"` over all poses or
            :obj:`"none"` for one error per pose, :obj:`[...]`.
            (default: :obj:`"mean"`)

    Returns:
        The error, of the input's type.

    Example:
        >>> target = torch.zeros(2, 16, 3)
        >>> mpjpe(target + torch.tensor([0.0, 3.0, 4.0]), target)
        tensor(5.)
    """
    pred, target, is_numpy = _as_tensors(pred, target, reduction)
    return _reduce(_distance(pred - target).mean(dim=-1), reduction, is_numpy)


def _distance(difference: Tensor) -> Tensor:
    """Euclidean norms over the last dimension, without overflowing the
    squares of huge coordinates."""
    size = difference.abs().amax(dim=-1, keepdim=True)
    size = torch.where(size > 0, size, torch.ones_like(size))
    return (difference / size).norm(dim=-1) * size[..., 0]


def p_mpjpe(pred: Poses, target: Poses, reduction: str = "mean") -> Poses:
    r"""Procrustes-aligned MPJPE (Protocol 2): the MPJPE after aligning each
    predicted pose to its target with the similarity transform (rotation,
    uniform scale, translation) that minimises the squared error.
    Reflections are not allowed.

    Args:
        pred (torch.Tensor or np.ndarray): Predicted poses :obj:`[..., J, 3]`.
        target (torch.Tensor or np.ndarray): Ground truth, same shape.
        reduction (str, optional): :obj:`"mean"` over all poses or
            :obj:`"none"` for one error per pose, :obj:`[...]`.
            (default: :obj:`"mean"`)

    Returns:
        The error, of the input's type.

    Example:
        >>> target = torch.randn(4, 16, 3)
        >>> quarter_turn = torch.tensor([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])
        >>> p_mpjpe(2 * target @ quarter_turn + 1, target) < 1e-5
        tensor(True)
    """
    # The SVD runs in double precision: its float32 error on near-degenerate
    # poses is of the order of the millimetre differences being measured.
    pred, target, is_numpy = _as_tensors(pred, target, reduction)
    dtype = pred.dtype
    pred_centred = pred.double() - pred.double().mean(dim=-2, keepdim=True)
    target_centred = target.double() - target.double().mean(dim=-2, keepdim=True)
    # Each pose pair is solved at unit size and its error scaled back, so
    # poses of any magnitude (1e-13 or 1e200) neither underflow the collapse
    # test nor overflow the squares of the norms.
    size = torch.maximum(
        pred_centred.abs().amax(dim=(-2, -1), keepdim=True),
        target_centred.abs().amax(dim=(-2, -1), keepdim=True),
    )
    size = torch.where(size > 0, size, torch.ones_like(size))
    pred_centred, target_centred = pred_centred / size, target_centred / size
    # A collapsed pose (all joints equal) gets a zero rotation-scale part, so
    # the prediction aligns to the target's centroid.
    pred_norm = pred_centred.norm(dim=(-2, -1), keepdim=True).clamp_min(1e-12)
    target_norm = target_centred.norm(dim=(-2, -1), keepdim=True).clamp_min(1e-12)
    pred_unit, target_unit = pred_centred / pred_norm, target_centred / target_norm

    # Row vectors: pred_unit @ rotation ≈ target_unit is solved by
    # rotation = U Vᵀ for pred_unitᵀ target_unit = U S Vᵀ, with the last
    # singular direction flipped when U Vᵀ would be a reflection.
    u, singular, vh = torch.linalg.svd(pred_unit.transpose(-2, -1) @ target_unit)
    orthogonal = u @ vh
    # The triple product of the rows is the determinant, several times
    # faster than torch.linalg.det on a batch of 3 x 3 matrices.
    determinant = (
        torch.linalg.cross(orthogonal[..., 0, :], orthogonal[..., 1, :])
        * orthogonal[..., 2, :]
    ).sum(dim=-1)
    sign = torch.where(determinant < 0, -1.0, 1.0).to(pred.dtype)
    flip = torch.ones_like(singular)
    flip[..., -1] = sign
    rotation = (u * flip.unsqueeze(-2)) @ vh
    scale = (singular * flip).sum(dim=-1)[..., None, None] * target_norm / pred_norm
    aligned = scale * pred_centred @ rotation
    error = (aligned - target_centred).norm(dim=-1).mean(dim=-1) * size[..., 0, 0]
    error = error.to(dtype)
    return _reduce(error, reduction, is_numpy)


@dataclass(frozen=True)
class ActionErrors:
    """MPJPE and P-MPJPE per action, with the two usual averages.

    Args:
        actions (tuple[str, ...]): The actions that have poses.
        num_poses (tuple[int, ...]): Number of poses of each action.
        mpjpe (tuple[float, ...]): MPJPE of each action.
        p_mpjpe (tuple[float, ...]): P-MPJPE of each action.
    """

    actions: tuple[str, ...]
    num_poses: tuple[int, ...]
    mpjpe: tuple[float, ...]
    p_mpjpe: tuple[float, ...]

    @property
    def mpjpe_action_mean(self) -> float:
        """The mean over actions, the headline number of the papers."""
        return float(np.mean(self.mpjpe))

    @property
    def p_mpjpe_action_mean(self) -> float:
        """The mean over actions of P-MPJPE."""
        return float(np.mean(self.p_mpjpe))

    @property
    def mpjpe_frame_mean(self) -> float:
        """The mean over all poses."""
        return float(np.average(self.mpjpe, weights=self.num_poses))

    @property
    def p_mpjpe_frame_mean(self) -> float:
        """The mean over all poses of P-MPJPE."""
        return float(np.average(self.p_mpjpe, weights=self.num_poses))

    def as_dict(self) -> dict[str, dict[str, float]]:
        """``{metric: {action or "action_mean" or "frame_mean": value}}``."""
        return {
            name: {
                **dict(zip(self.actions, values, strict=True)),
                "action_mean": getattr(self, f"{name}_action_mean"),
                "frame_mean": getattr(self, f"{name}_frame_mean"),
            }
            for name, values in (("mpjpe", self.mpjpe), ("p_mpjpe", self.p_mpjpe))
        }

    def __str__(self) -> str:
        rows = [f"{'action':<14}{'poses':>9}{'MPJPE':>9}{'P-MPJPE':>9}"]
        rows += [
            f"{action:<14}{count:>9}{error:>9.1f}{aligned:>9.1f}"
            for action, count, error, aligned in zip(
                self.actions, self.num_poses, self.mpjpe, self.p_mpjpe, strict=True
            )
        ]
        total = sum(self.num_poses)
        rows.append(
            f"{'action mean':<14}{total:>9}{self.mpjpe_action_mean:>9.1f}"
            f"{self.p_mpjpe_action_mean:>9.1f}"
        )
        rows.append(
            f"{'frame mean':<14}{total:>9}{self.mpjpe_frame_mean:>9.1f}"
            f"{self.p_mpjpe_frame_mean:>9.1f}"
        )
        return "\n".join(rows)


def evaluate_by_action(
    pred: Tensor,
    target: Tensor,
    action: Tensor,
    action_names: Sequence[str],
    root: int = 0,
    scale: float = 1.0,
    chunk_size: int = 65536,
) -> ActionErrors:
    r"""MPJPE and P-MPJPE per action, after re-centring both poses on the root.

    Args:
        pred (torch.Tensor): Predicted poses :obj:`[N, J, 3]`.
        target (torch.Tensor): Ground truth :obj:`[N, J, 3]`.
        action (torch.Tensor): The action id of each pose :obj:`[N]`, an
            index into :obj:`action_names`.
        action_names (Sequence[str]): The action names, e.g.
            :obj:`~pyg_weightshare.datasets.human36m.ACTIONS`.
        root (int, optional): The root joint. (default: :obj:`0`, the hip)
        scale (float, optional): Multiplies the errors, e.g. :obj:`1000` to
            report poses in metres in millimetres. (default: :obj:`1.0`)
        chunk_size (int, optional): Poses aligned at once, to bound memory.
            (default: :obj:`65536`)

    Returns:
        ActionErrors: The errors of the actions that have poses.

    Example:
        >>> target = torch.randn(6, 16, 3)
        >>> names = ("Directions", "Walking")
        >>> action = torch.tensor([0, 0, 0, 0, 1, 1])
        >>> errors = evaluate_by_action(target, target, action, names, scale=1000)
        >>> errors.actions, errors.num_poses, errors.mpjpe_action_mean
        (('Directions', 'Walking'), (4, 2), 0.0)
    """
    pred, target, action = map(torch.as_tensor, (pred, target, action))
    if action.shape != pred.shape[:1]:
        raise ValueError(
            f"Expected one action id per pose, got {tuple(action.shape)} for "
            f"{len(pred)} poses"
        )
    if len(action) and not 0 <= int(action.min()) <= int(action.max()) < len(
        action_names
    ):
        raise ValueError(f"Action ids must be in [0, {len(action_names)})")
    pred = pred - pred[..., root : root + 1, :]
    target = target - target[..., root : root + 1, :]
    errors = torch.cat(
        [
            torch.stack(
                [mpjpe(p, t, reduction="none"), p_mpjpe(p, t, reduction="none")], -1
            )
            for p, t in zip(
                pred.split(chunk_size), target.split(chunk_size), strict=True
            )
        ]
    ).double()
    counts = torch.bincount(action.cpu(), minlength=len(action_names))
    sums = torch.zeros(len(action_names), 2, dtype=torch.double)
    sums.index_add_(0, action.cpu(), errors.cpu() * scale)
    present = counts > 0
    means = sums[present] / counts[present, None]
    return ActionErrors(
        actions=tuple(
            name
            for name, has in zip(action_names, present.tolist(), strict=True)
            if has
        ),
        num_poses=tuple(counts[present].tolist()),
        mpjpe=tuple(means[:, 0].tolist()),
        p_mpjpe=tuple(means[:, 1].tolist()),
    )
