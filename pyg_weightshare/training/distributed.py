"""Data-parallel training with torchrun: process group and synchronised
batch normalisation."""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch import Tensor
from torch.distributed._functional_collectives import all_reduce

from pyg_weightshare.devices import check_device


def setup(device: str) -> tuple[int, int, torch.device]:
    """Joins the process group when started by ``torchrun`` (NCCL on CUDA,
    gloo on the CPU). Returns ``(rank, world_size, device)``."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return 0, 1, check_device(device)
    check_device(device)
    local_rank = int(os.environ["LOCAL_RANK"])
    if device.startswith("cuda"):
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl")
        return dist.get_rank(), world_size, torch.device("cuda", local_rank)
    dist.init_process_group("gloo")
    return dist.get_rank(), world_size, torch.device(device)


def cleanup() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


class AllReduceBatchNorm(torch.nn.BatchNorm1d):
    """Batch normalisation whose statistics cover the batches of every
    process, for backends :class:`torch.nn.SyncBatchNorm` does not support
    (gloo on the CPU). Gradients flow through the all-reduce."""

    def forward(self, x: Tensor) -> Tensor:
        if not self.training:
            return super().forward(x)
        dims = [0, *range(2, x.dim())]
        channels = x.size(1)
        count = torch.full((1,), x.numel() / channels, dtype=x.dtype, device=x.device)
        local = torch.cat([x.sum(dims), (x * x).sum(dims), count])
        stats = all_reduce(local, "sum", dist.group.WORLD)
        total = stats[-1]
        mean = stats[:channels] / total
        var = stats[channels : 2 * channels] / total - mean * mean
        with torch.no_grad():
            self.num_batches_tracked += 1
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(var * total / (total - 1), self.momentum)
        shape = [1, channels] + [1] * (x.dim() - 2)
        out = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        return out * self.weight.view(shape) + self.bias.view(shape)


def synchronise_batch_norm(
    module: torch.nn.Module, device: torch.device
) -> torch.nn.Module:
    """Makes every :class:`~torch.nn.BatchNorm1d` of :obj:`module` compute
    its statistics over all processes."""
    if device.type == "cuda":
        return torch.nn.SyncBatchNorm.convert_sync_batchnorm(module)
    for name, child in module.named_children():
        if type(child) is torch.nn.BatchNorm1d:
            synced = AllReduceBatchNorm(
                child.num_features, child.eps, child.momentum, child.affine
            )
            synced.load_state_dict(child.state_dict())
            setattr(module, name, synced)
        else:
            synchronise_batch_norm(child, device)
    return module
