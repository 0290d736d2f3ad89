"""Turns a run of ``python -m pyg_weightshare.training.bundled`` into the
bundled model file of its layout in :mod:`pyg_weightshare.pretrained`: the
model of the run's :obj:`best.pt`, with in its free-form metadata the input
it expects, how it was trained and its errors on a fixed sample of its
synthetic test poses that the package's tests reproduce.

Usage::

    python docs/scripts/bundle_pretrained.py --run RUN [--cross-domain CROSS.json] \\
        [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

import pyg_weightshare
from pyg_weightshare import PoseGCN
from pyg_weightshare.datasets.detector import synthesize_detector_poses
from pyg_weightshare.nn.models.serialization import Checkpoint, load_checkpoint
from pyg_weightshare.outputs import atomic_output
from pyg_weightshare.pretrained import checkpoint_path, reference_errors

NUM_REFERENCE_POSES = 512


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--cross-domain", type=Path, help="cross_domain --json")
    parser.add_argument(
        "--out", type=Path, help="default: the bundled file of the run's layout"
    )
    args = parser.parse_args()

    run = load_checkpoint(args.run / "best.pt")
    data = json.loads((args.run / "data.json").read_text())
    layout = data["layout"]
    # The run's test split (its seed + 2), evenly sampled.
    test = synthesize_detector_poses(data["num_test"], layout, data["seed"] + 2)
    index = torch.linspace(0, len(test.inputs) - 1, NUM_REFERENCE_POSES)
    index = index.round().long()
    reference = {
        "inputs": test.inputs[index].clone(),
        "targets": test.targets[index].clone(),
    }
    reference |= reference_errors(PoseGCN.from_checkpoint(run), reference)
    provenance = {
        "command": (
            "OMP_NUM_THREADS=1 python -m pyg_weightshare.training.bundled "
            f"--layout {layout} --out RUN"
        ),
        "wall_time_s": data["wall_time_s"],
        "date": time.strftime(
            "%Y-%m-%d %H:%M UTC",
            time.gmtime((args.run / "best.pt").stat().st_mtime),
        ),
        "data": data,
        "package_version": pyg_weightshare.__version__,
        "epoch": run.training["epoch"],
        "synthetic_test": json.loads((args.run / "evaluation.json").read_text()),
        "cross_domain": (
            json.loads(args.cross_domain.read_text()) if args.cross_domain else {}
        ),
    }
    bundled = Checkpoint(
        architecture=run.architecture,
        weights=run.weights,
        metadata={
            "input": {"layout": layout, "normalization": "person"},
            "provenance": provenance,
            "reference": reference,
        },
    )
    path = args.out or checkpoint_path(layout)
    with atomic_output(path, inputs=[args.run / "best.pt"], force=True) as temporary:
        torch.save(bundled.to_dict(), temporary)
    errors = {key: reference[key] for key in ("mpjpe_mm", "p_mpjpe_mm")}
    print(f"Wrote {path} ({path.stat().st_size / 2**20:.1f} MiB): {errors}")


if __name__ == "__main__":
    main()
