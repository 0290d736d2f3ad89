"""Turns a run of ``python -m pyg_weightshare.training.bundled`` into the
bundled checkpoint of its layout in :mod:`pyg_weightshare.pretrained`: the
model's keyword arguments and weights, what input it expects, how it was
trained, and its errors on a fixed sample of its synthetic test poses that
the package's tests reproduce.

Usage::

    python docs/scripts/bundle_pretrained.py --run RUN [--cross-domain CROSS.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

import pyg_weightshare
from pyg_weightshare.datasets.detector import synthesize_detector_poses
from pyg_weightshare.pretrained import (
    checkpoint_path,
    load_pretrained,
    reference_errors,
)
from pyg_weightshare.training.checkpoint import load_checkpoint as load_run
from pyg_weightshare.training.config import TrainConfig

NUM_REFERENCE_POSES = 512


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--cross-domain", type=Path, help="cross_domain --json")
    args = parser.parse_args()

    run = load_run(args.run / "best.pt")
    config = TrainConfig.from_dict(run["config"])
    data = json.loads((args.run / "data.json").read_text())
    layout = data["layout"]
    # The run's test split (seed + 2), evenly sampled.
    test = synthesize_detector_poses(data["num_test"], layout, data["seed"] + 2)
    index = torch.linspace(0, len(test.inputs) - 1, NUM_REFERENCE_POSES)
    index = index.round().long()
    reference = {
        "inputs": test.inputs[index].clone(),
        "targets": test.targets[index].clone(),
    }
    evaluation = json.loads((args.run / "evaluation.json").read_text())
    command = (
        "OMP_NUM_THREADS=1 python -m pyg_weightshare.training.bundled "
        f"--layout {layout} --out RUN"
    )
    checkpoint = {
        "model_kwargs": config.model_kwargs(),
        "num_joints": config.num_joints,
        "input": {"layout": layout, "normalization": "person"},
        "state_dict": run["model"],
        "provenance": {
            "command": command,
            "wall_time_s": data["wall_time_s"],
            "date": time.strftime(
                "%Y-%m-%d %H:%M UTC",
                time.gmtime((args.run / "best.pt").stat().st_mtime),
            ),
            "data": data,
            "package_version": pyg_weightshare.__version__,
            "epoch": run.get("epoch"),
            "synthetic_test": evaluation,
            "cross_domain": (
                json.loads(args.cross_domain.read_text()) if args.cross_domain else {}
            ),
        },
        "reference": reference,
    }
    path = checkpoint_path(layout)
    torch.save(checkpoint, path)
    errors = reference_errors(load_pretrained(path), reference)
    checkpoint["reference"] |= errors
    torch.save(checkpoint, path)
    print(f"Wrote {path} ({path.stat().st_size / 2**20:.1f} MiB): {errors}")


if __name__ == "__main__":
    main()
