"""Trains a lifter like the bundled ones: on detector-shaped poses of the
wide prior (:class:`~pyg_weightshare.datasets.detector.DetectorDataset`),
with person-box inputs that mark missing joints and symmetric bones.

The bundled models were trained by::

    OMP_NUM_THREADS=1 python -m pyg_weightshare.training.bundled \\
        --layout coco --out runs/coco
    OMP_NUM_THREADS=1 python -m pyg_weightshare.training.bundled \\
        --layout h36m --out runs/h36m

and turned into the package's files by ``docs/scripts/bundle_pretrained.py``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from pyg_weightshare.datasets.detector import LAYOUTS, DetectorDataset
from pyg_weightshare.training.config import TrainConfig
from pyg_weightshare.training.trainer import train

#: The training settings of the bundled models.
DEFAULTS = {
    "num_train": 1_200_000,
    "num_val": 10_000,
    "num_test": 20_000,
    "epochs": 22,
    "hidden_channels": 64,
    "batch_size": 512,
    "lr": 2e-3,
    "lr_decay": 0.85,
    "decay_epochs": 1,
}


def bundled_config(out: str, **overrides) -> TrainConfig:
    """The configuration of a bundled lifter's run in :obj:`out`, with
    :obj:`DEFAULTS` (but the data sizes) replaced by :obj:`overrides`."""
    settings = {
        name: overrides.get(name, value)
        for name, value in DEFAULTS.items()
        if not name.startswith("num_")
    }
    return TrainConfig(
        out=out,
        inputs="person",
        bones="symmetric",
        stride=1,
        select_on="val",
        max_grad_norm=1.0,
        **settings,
    )


def main(argv: Sequence[str] | None = None) -> dict:
    """Command-line entry: generates the data and trains."""
    parser = argparse.ArgumentParser(
        prog="python -m pyg_weightshare.training.bundled",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--layout", choices=LAYOUTS, required=True)
    parser.add_argument("--out", required=True, help="the run directory")
    parser.add_argument("--seed", type=int, default=0, help="data seed (default: 0)")
    parser.add_argument("--resume", action="store_true", help="continue the run")
    for name, value in DEFAULTS.items():
        parser.add_argument(
            "--" + name.replace("_", "-"),
            type=type(value),
            default=value,
            help=f"(default: {value})",
        )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    dataset = DetectorDataset(
        args.layout, args.num_train, args.num_val, args.num_test, args.seed
    )
    generated = time.perf_counter() - start
    print(
        f"Generated {args.num_train} + {args.num_val} + {args.num_test} "
        f"{args.layout} poses in {generated:.0f} s",
        flush=True,
    )
    config = bundled_config(
        args.out, **{name: getattr(args, name) for name in DEFAULTS}
    )
    report = train(config, resume=args.resume, dataset=dataset)
    elapsed = time.perf_counter() - start
    data = {
        "layout": args.layout,
        "seed": args.seed,
        **{name: getattr(args, name) for name in DEFAULTS if name.startswith("num_")},
        "generation_s": round(generated, 1),
        "wall_time_s": round(elapsed, 1),
    }
    (Path(args.out) / "data.json").write_text(json.dumps(data, indent=1))
    print(f"Done in {elapsed:.0f} s", flush=True)
    return report


if __name__ == "__main__":
    main()
