"""Predictions of a lifting network for many poses."""

from __future__ import annotations

import torch
from torch import Tensor

EVAL_BATCH_SIZE = 4096
"""Poses per forward pass of :func:`predict`."""


@torch.no_grad()
def predict(model: torch.nn.Module, inputs: Tensor, device: torch.device) -> Tensor:
    """Predictions :obj:`[N, J, 3]` for every pose, computed in eval mode in
    batches of :obj:`EVAL_BATCH_SIZE` on :obj:`device` and returned on the
    CPU (one transfer each way, no wait between batches).

    Args:
        model (torch.nn.Module): The lifting network, on :obj:`device`.
        inputs (torch.Tensor): Poses :obj:`[N, J, C_in]`.
        device (torch.device): Where the model runs.

    Example:
        >>> from pyg_weightshare import PoseGCN, h36m_skeleton
        >>> model = PoseGCN(h36m_skeleton(16), hidden_channels=8)
        >>> predict(model, torch.zeros(5, 16, 2), torch.device("cpu")).shape
        torch.Size([5, 16, 3])
    """
    model.eval()
    chunks = [
        model(chunk).float() for chunk in inputs.to(device).split(EVAL_BATCH_SIZE)
    ]
    if not chunks:
        return inputs.new_zeros(0, inputs.size(1), 3)
    return torch.cat(chunks).cpu()
