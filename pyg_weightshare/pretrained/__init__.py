r"""The bundled pretrained lifters: small :class:`~pyg_weightshare.PoseGCN`
models trained on the package's detector-shaped synthetic data
(:mod:`pyg_weightshare.datasets.detector`), so 2D keypoints can be lifted to
3D without Human3.6M and without training. There is one per input layout
(:obj:`CHECKPOINTS`): Human3.6M joints, or COCO-17 keypoints mapped to them
by :func:`~pyg_weightshare.lifting.keypoints.coco_to_h36m`. Both take
:func:`~pyg_weightshare.datasets.inputs.person_inputs` of the 16 Human3.6M
joints (missing joints marked, not filled) and give root-relative poses
whose left and right limbs have equal lengths.

A checkpoint is a plain dictionary read with ``torch.load(...,
weights_only=True)``, so loading it runs no code from the file:

* ``"model_kwargs"``: the :class:`~pyg_weightshare.PoseGCN` keyword
  arguments, and ``"num_joints"`` of its Human3.6M skeleton;
* ``"input"``: what the model expects, ``{"layout": "coco" | "h36m",
  "normalization": "person"}``;
* ``"state_dict"``: the weights;
* ``"provenance"``: the exact training command, its wall time, the date, the
  data and the package version;
* ``"reference"``: a fixed sample of synthetic test poses (2D inputs and 3D
  targets) with the errors the model makes on it, which
  :func:`reference_errors` reproduces.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import torch

from pyg_weightshare.metrics import mpjpe, p_mpjpe
from pyg_weightshare.nn import PoseGCN
from pyg_weightshare.skeleton import h36m_skeleton

CHECKPOINTS = {"h36m": "pose_gcn_h36m.pt", "coco": "pose_gcn_coco.pt"}
"""The file name of the bundled checkpoint of each input layout inside this
package."""


def checkpoint_path(layout: str = "h36m") -> Path:
    """The path of the bundled checkpoint file of :obj:`layout`
    (:obj:`"h36m"` or :obj:`"coco"`)."""
    if layout not in CHECKPOINTS:
        raise ValueError(
            f"No bundled lifter for layout {layout!r}; choose from {list(CHECKPOINTS)}"
        )
    return Path(str(resources.files(__package__).joinpath(CHECKPOINTS[layout])))


def load_checkpoint(
    path: str | os.PathLike | None = None, layout: str = "h36m"
) -> dict:
    """The bundled checkpoint of :obj:`layout` (or one in its format at
    :obj:`path`) as a dictionary, loaded weights-only.

    Raises:
        ValueError: The file is not such a checkpoint; the message names it.
    """
    path = Path(path) if path is not None else checkpoint_path(layout)
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ValueError(f"{path} is not a readable checkpoint ({error})") from None
    keys = {"model_kwargs", "num_joints", "state_dict", "provenance", "reference"}
    if not isinstance(checkpoint, dict) or not keys <= checkpoint.keys():
        raise ValueError(f"{path} is not a pyg-weightshare pretrained checkpoint")
    return checkpoint


def load_pretrained(
    path: str | os.PathLike | None = None, layout: str = "h36m"
) -> PoseGCN:
    r"""The bundled pretrained lifter of an input layout, in evaluation mode
    on the CPU.

    A decoupled pre-aggregation :class:`~pyg_weightshare.PoseGCN` with 64
    channels on the 16-joint Human3.6M skeleton. Inputs are
    :func:`~pyg_weightshare.datasets.inputs.person_inputs` of the 16 joints
    (for :obj:`"coco"`, of :func:`~pyg_weightshare.lifting.keypoints.coco_to_h36m`
    of the keypoints), outputs root-relative 3D joints in metres in the
    camera frame, the root exactly zero and the left and right limbs of
    equal lengths.

    Args:
        path (str or os.PathLike, optional): Another checkpoint in the same
            format. (default: :obj:`None`, the bundled one of :obj:`layout`)
        layout (str, optional): :obj:`"h36m"` or :obj:`"coco"`, the
            keypoints the bundled model is trained on. (default:
            :obj:`"h36m"`)

    Returns:
        PoseGCN: The model.

    Example:
        >>> model = load_pretrained(layout="coco")
        >>> model(torch.zeros(8, 16, 3)).shape
        torch.Size([8, 16, 3])
    """
    checkpoint = load_checkpoint(path, layout)
    model = PoseGCN(
        h36m_skeleton(checkpoint["num_joints"]), **checkpoint["model_kwargs"]
    )
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except (RuntimeError, ValueError) as error:
        raise ValueError(
            f"{path or checkpoint_path(layout)} does not fit its own model: {error}"
        ) from None
    return model.eval()


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
    "load_checkpoint",
    "load_pretrained",
    "reference_errors",
]
