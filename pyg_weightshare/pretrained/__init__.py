r"""The bundled pretrained lifters: small :class:`~pyg_weightshare.PoseGCN`
models trained on the package's detector-shaped synthetic data
(:mod:`pyg_weightshare.datasets.detector`), so 2D keypoints can be lifted to
3D without Human3.6M and without training. There is one per input layout
(:obj:`CHECKPOINTS`): Human3.6M joints, or COCO-17 keypoints mapped to them
by :func:`~pyg_weightshare.keypoints.coco_to_h36m`. Both take
:func:`~pyg_weightshare.datasets.inputs.person_inputs` of the 16 Human3.6M
joints (missing joints marked, not filled) and give root-relative poses
whose left and right limbs have equal lengths.

Each file is a model file of the package
(:class:`~pyg_weightshare.nn.models.serialization.Checkpoint`, read
weights-only by
:func:`~pyg_weightshare.nn.models.serialization.load_checkpoint`) whose
free-form :obj:`metadata` holds:

* ``"input"``: what the model expects, ``{"layout": "coco" | "h36m",
  "normalization": "person"}``;
* ``"provenance"``: the exact training command, its wall time, the date, the
  data and the package version;
* ``"reference"``: a fixed sample of synthetic test poses (2D inputs and 3D
  targets) with the errors the model makes on it, which
  :func:`reference_errors` reproduces.
"""

from __future__ import annotations

import os

import torch

from pyg_weightshare.metrics import mpjpe, p_mpjpe
from pyg_weightshare.nn import PoseGCN
from pyg_weightshare.nn.models.serialization import PRETRAINED as CHECKPOINTS
from pyg_weightshare.nn.models.serialization import pretrained_path as checkpoint_path


def load_pretrained(
    path: str | os.PathLike | None = None, layout: str = "h36m"
) -> PoseGCN:
    r"""The bundled pretrained lifter of an input layout, in evaluation mode
    on the CPU.

    A decoupled pre-aggregation :class:`~pyg_weightshare.PoseGCN` with 64
    channels on the 16-joint Human3.6M skeleton. Inputs are
    :func:`~pyg_weightshare.datasets.inputs.person_inputs` of the 16 joints
    (for :obj:`"coco"`, of
    :func:`~pyg_weightshare.keypoints.coco_to_h36m` of the
    keypoints), outputs root-relative 3D joints in metres in the camera
    frame, the root exactly zero and the left and right limbs of equal
    lengths.

    Args:
        path (str or os.PathLike, optional): Another model file.
            (default: :obj:`None`, the bundled one of :obj:`layout`)
        layout (str, optional): :obj:`"h36m"` or :obj:`"coco"`, the
            keypoints the bundled model takes. (default: :obj:`"h36m"`)

    Returns:
        PoseGCN: The model.

    Example:
        >>> model = load_pretrained(layout="coco")
        >>> model(torch.zeros(8, 16, 3)).shape
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
    "CHECKPOINTS",
    "checkpoint_path",
    "load_pretrained",
    "reference_errors",
]
