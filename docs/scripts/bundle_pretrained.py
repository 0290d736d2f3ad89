"""Turns a training run into the bundled model file of
:mod:`pyg_weightshare.pretrained`: the model of the run's :obj:`best.pt`,
with in its free-form metadata how it was trained and its errors on a fixed
sample of synthetic test poses that the package's tests reproduce.

Usage::

    python docs/scripts/bundle_pretrained.py --run RUN --data-dir DATA \\
        --command "the exact training command" --wall-time SECONDS \\
        [--cross-domain CROSS.json] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

import pyg_weightshare
from pyg_weightshare import PoseGCN
from pyg_weightshare.datasets import Human36M
from pyg_weightshare.nn.models.serialization import Checkpoint, load_checkpoint
from pyg_weightshare.outputs import atomic_output
from pyg_weightshare.pretrained import checkpoint_path, reference_errors
from pyg_weightshare.training.checkpoint import checkpoint_config

NUM_REFERENCE_POSES = 512


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--wall-time", type=float, required=True, help="seconds")
    parser.add_argument("--data", default="", help="how the data was made")
    parser.add_argument("--cross-domain", type=Path, help="cross_domain.py --json")
    parser.add_argument(
        "--out", type=Path, default=checkpoint_path(), help="default: the bundled file"
    )
    args = parser.parse_args()

    run = load_checkpoint(args.run / "best.pt")
    config = checkpoint_config(run)
    test = Human36M(args.data_dir, num_joints=config.num_joints).test
    # Evenly spread over every test take and camera.
    index = torch.linspace(0, len(test) - 1, NUM_REFERENCE_POSES).round().long()
    reference = {
        "inputs": test.inputs[index].clone(),
        "targets": test.targets[index].clone(),
    }
    reference |= reference_errors(PoseGCN.from_checkpoint(run), reference)
    evaluation = json.loads((args.run / "evaluation.json").read_text())
    provenance = {
        "command": args.command,
        "wall_time_s": args.wall_time,
        "date": time.strftime(
            "%Y-%m-%d %H:%M UTC",
            time.gmtime((args.run / "best.pt").stat().st_mtime),
        ),
        "data": args.data,
        "package_version": pyg_weightshare.__version__,
        "epoch": run.training["epoch"],
        "synthetic_test": evaluation,
        "cross_domain": (
            json.loads(args.cross_domain.read_text()) if args.cross_domain else {}
        ),
    }
    bundled = Checkpoint(
        architecture=run.architecture,
        weights=run.weights,
        metadata={"provenance": provenance, "reference": reference},
    )
    path = args.out
    with atomic_output(path, inputs=[args.run / "best.pt"], force=True) as temporary:
        torch.save(bundled.to_dict(), temporary)
    errors = {key: reference[key] for key in ("mpjpe_mm", "p_mpjpe_mm")}
    print(f"Wrote {path} ({path.stat().st_size / 2**20:.1f} MiB): {errors}")


if __name__ == "__main__":
    main()
