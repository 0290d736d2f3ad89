r"""The bundled pretrained lifter: a small :class:`~pyg_weightshare.PoseGCN`
trained on the package's synthetic data, so 2D keypoints can be lifted to 3D
without Human3.6M and without training.

The checkpoint is a plain dictionary read with ``torch.load(...,
weights_only=True)``, so loading it runs no code from the file:

* ``"model_kwargs"``: the :class:`~pyg_weightshare.PoseGCN` keyword
  arguments, and ``"num_joints"`` of its Human3.6M skeleton;
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

CHECKPOINT = "pose_gcn_pre_agg_64.pt"
"""The file name of the bundled checkpoint inside this package."""

#: The bundled checkpoint for the keypoints of each input layout.
CHECKPOINTS = {"h36m": CHECKPOINT, "coco": CHECKPOINT}


def checkpoint_path(layout: str = "h36m") -> Path:
    """The path of the bundled checkpoint file for :obj:`layout` (a key of
    :obj:`CHECKPOINTS`)."""
    if layout not in CHECKPOINTS:
        raise ValueError(f"No bundled model for the {layout!r} layout")
    return Path(str(resources.files(__package__).joinpath(CHECKPOINTS[layout])))


def load_checkpoint(path: str | os.PathLike | None = None) -> dict:
    """The bundled checkpoint (or one in its format at :obj:`path`) as a
    dictionary, loaded weights-only.

    Raises:
        ValueError: The file is not such a checkpoint; the message names it.
    """
    path = Path(path) if path is not None else checkpoint_path()
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
    r"""The bundled pretrained lifter, in evaluation mode on the CPU.

    A decoupled pre-aggregation :class:`~pyg_weightshare.PoseGCN` with 64
    channels on the 16-joint Human3.6M skeleton. Inputs are 2D keypoints
    normalised as the Human3.6M loader does (:math:`x / w \cdot 2 - [1,
    h / w]`), outputs root-relative 3D joints in metres in the camera frame.

    Args:
        path (str or os.PathLike, optional): Another checkpoint in the same
            format. (default: :obj:`None`, the bundled one)
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
    path = Path(path) if path is not None else checkpoint_path(layout)
    checkpoint = load_checkpoint(path)
    model = PoseGCN(
        h36m_skeleton(checkpoint["num_joints"]), **checkpoint["model_kwargs"]
    )
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except (RuntimeError, ValueError) as error:
        raise ValueError(f"{path} does not fit its own model: {error}") from None
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
    "CHECKPOINT",
    "CHECKPOINTS",
    "checkpoint_path",
    "load_checkpoint",
    "load_pretrained",
    "reference_errors",
]
