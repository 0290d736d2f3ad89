"""Training throughput of the lifting network, as ratios.

For every scheme, the trainer's own epoch loop (batches sliced from
contiguous tensors, Adam, gradient clipping) runs the paper's network
(4 residual blocks, 128 channels, 16 joints) built from this library's layers
and, in the same run, the same network whose graph convolutions are replaced
by the dense formulation of the published code (same parameters). It prints
the throughput ratio, and the share of the loop's time spent outside the
forward pass, backward pass and optimizer step (measured by running the same
steps on one fixed batch). Run:

    python benchmarks/bench_train.py
"""

import argparse
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import torch

from pyg_weightshare import WeightShareConv, h36m_skeleton
from pyg_weightshare.choices import SCHEME_NAMES
from pyg_weightshare.datasets import PoseSplit
from pyg_weightshare.training.config import TrainConfig
from pyg_weightshare.training.trainer import Trainer


def _bench_convs():
    path = Path(__file__).with_name("bench_convs.py")
    spec = importlib.util.spec_from_file_location("bench_convs", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # PyG inspects classes through their module
    spec.loader.exec_module(module)
    return module


class DenseConv(torch.nn.Module):
    """A layer evaluated with the published code's dense formulation."""

    def __init__(self, conv: WeightShareConv, graph, dense_reference) -> None:
        super().__init__()
        self.conv = conv
        self.forward_dense = dense_reference(conv, graph, graph.num_nodes)

    def forward(self, x, *args, **kwargs):
        return self.forward_dense(x)


def densify(module: torch.nn.Module, graph, dense_reference) -> None:
    for name, child in module.named_children():
        if isinstance(child, WeightShareConv):
            setattr(module, name, DenseConv(child, graph, dense_reference))
        else:
            densify(child, graph, dense_reference)


def make_trainer(scheme, decouple, batch_size, steps):
    config = TrainConfig(
        scheme=scheme, decouple=decouple, batch_size=batch_size, stride=1, seed=0
    )
    num_poses = steps * batch_size
    split = PoseSplit(
        torch.randn(num_poses, 16, 2),
        0.3 * torch.randn(num_poses, 16, 3),
        torch.zeros(num_poses, dtype=torch.long),
        torch.zeros(num_poses, dtype=torch.long),
        torch.zeros(num_poses, dtype=torch.long),
    )
    dataset = SimpleNamespace(
        skeleton=h36m_skeleton(16), train=split, val=split[:0], test=split[:0]
    )
    return Trainer(config, dataset=dataset)


def compute_only_seconds(trainer, steps):
    """The same number of steps on one fixed batch: forward, backward and
    optimizer step only."""
    import time

    batch = trainer.train_split[: trainer.config.batch_size]
    trainer.network.train()
    start = time.perf_counter()
    for _ in range(steps):
        trainer.step(batch.inputs, batch.targets)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    dense_reference = _bench_convs().dense_reference
    graph = h36m_skeleton(16).to_data()

    variants = [(scheme, True) for scheme in SCHEME_NAMES]
    variants[:3] = [
        (s, d) for s in ("full", "pre_agg", "post_agg") for d in (False, True)
    ]
    print(
        f"training step of the whole network, batch {args.batch_size}, 4 blocks, "
        f"128 channels, {torch.get_num_threads()} threads"
    )
    header = f"{'scheme':<22}{'vs dense network':>18}{'outside compute':>18}"
    print(header + "\n" + "-" * len(header))
    rows = {}
    for scheme, decouple in variants:
        decoupled = decouple and scheme in SCHEME_NAMES[:3]
        name = scheme + (" (decoupled)" if decoupled else "")
        ours = make_trainer(scheme, decouple, args.batch_size, args.steps)
        dense = make_trainer(scheme, decouple, args.batch_size, args.steps)
        densify(dense.model, graph, dense_reference)
        best = {
            "ours": float("inf"),
            "dense": float("inf"),
            "compute": float("inf"),
        }
        for epoch in range(1, args.rounds + 1):
            best["ours"] = min(best["ours"], ours.train_epoch(epoch)[1])
            best["dense"] = min(best["dense"], dense.train_epoch(epoch)[1])
            best["compute"] = min(
                best["compute"], compute_only_seconds(ours, args.steps)
            )
        rows[name] = {
            "vs_dense": best["dense"] / best["ours"],
            "outside": max(0.0, 1 - best["compute"] / best["ours"]),
            "poses_per_second": args.steps * args.batch_size / best["ours"],
        }
        print(
            f"{name:<22}{rows[name]['vs_dense']:>17.2f}x{rows[name]['outside']:>18.1%}"
        )
    print(
        "\nvs dense network: throughput of the trainer's loop with this library's "
        "layers over the same network with the published code's dense layers. "
        "outside compute: share of the loop's time not spent in forward, "
        "backward and the optimizer step."
    )
    return rows


if __name__ == "__main__":
    main()
