r"""The bundled pretrained lifter: a small :class:`~pyg_weightshare.PoseGCN`
trained on the package's synthetic data, so 2D keypoints can be lifted to 3D
without Human3.6M and without training.

The file is a model file of the package
(:class:`~pyg_weightshare.nn.models.serialization.Checkpoint`, read
weights-only by
:func:`~pyg_weightshare.nn.models.serialization.load_checkpoint`) whose
free-form :obj:`metadata` holds:

* ``"provenance"``: the exact training command, its wall time, the date, the
  data and the package version;
* ``"reference"``: a fixed sample of synthetic test poses (2D inputs and 3D
  targets) with the errors the model makes on it, which
  :func:`reference_errors` reproduces.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from pyg_weightshare.metrics import mpjpe, p_mpjpe
from pyg_weightshare.nn import PoseGCN
from pyg_weightshare.nn.models.serialization import PRETRAINED as CHECKPOINT
from pyg_weightshare.nn.models.serialization import pretrained_path

#: The bundled model file for the keypoints of each input layout.
CHECKPOINTS = {"h36m": CHECKPOINT, "coco": CHECKPOINT}


def checkpoint_path(layout: str = "h36m") -> Path:
    """The path of the bundled model file for keypoints of :obj:`layout` (a
    key of :obj:`CHECKPOINTS`)."""
    if layout not in CHECKPOINTS:
        raise ValueError(f"No bundled model for the {layout!r} layout")
    return pretrained_path().with_name(CHECKPOINTS[layout])


def load_pretrained(
    path: str | os.PathLike | None = None, layout: str = "h36m"
) -> PoseGCN:
    r"""The bundled pretrained lifter, in evaluation mode on the CPU.

    A decoupled pre-aggregation :class:`~pyg_weightshare.PoseGCN` with 64
    channels on the 16-joint Human3.6M skeleton. Inputs are 2D keypoints
    normalised as the Human3.6M loader does (:math:`x / w \cdot 2 - [1,
    h / w]`), outputs root-relative 3D joints in metres in the camera frame.

    Args:
        path (str or os.PathLike, optional): Another model file.
            (default: :obj:`None`, the bundled one)
        layout (str, optional): The layout of the keypoints to lift, which
            picks the bundled model (:obj:`CHECKPOINTS`).
            (default: :obj:`"h36m"`)

    Returns:
        PoseGCN: The model.

    Example:
        >>> model = load_pretrained()
        >>> model(torch.zeros(8, 16, 2)).shape
        torch.Size([8, 16, 3])
    """
    return PoseGCN.from_checkpoint(
        path if path is not None else checkpoint_path(layout)
    )


@torch.no_grad()
def reference_errors(model: torch.nn.Module, reference: dict) -> dict[str, float]:
    """MPJPE and P-MPJPE (mm) of :obj:`model` on a checkpoint's reference
    sample, rounded to a micrometre so that float noise across machines does
    not show while any change to the model does."""
    model.eval()
    predicted = model(reference["inputs"])
    return {
        "mpjpe_mm": round(1000 * mpjpe(predicted, reference["targets"]).item(), 3),
        "p_mpjpe_mm": round(1000 * p_mpjpe(predicted, reference["targets"]).item(), 3),
    }


__all__ = [
    "CHECKPOINT",
    "CHECKPOINTS",
    "checkpoint_path",
    "load_pretrained",
    "reference_errors",
]
