"""Evaluates a trained checkpoint on another dataset's test subjects, beside
the mean pose of the data it was trained on (the baseline a model must beat
to have learnt anything that transfers).

Usage::

    python docs/scripts/cross_domain.py --checkpoint RUN/best.pt \\
        --data-dir /tmp/deepmimic [--train-data-dir DIR] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from pyg_weightshare.datasets import Human36M
from pyg_weightshare.training.evaluation import evaluate, mean_pose_baseline
from pyg_weightshare.training.factory import restore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--data-dir", required=True, help="the data to test on")
    parser.add_argument(
        "--train-data-dir", help="the data it was trained on (default: its config)"
    )
    parser.add_argument("--json", type=Path, help="also write the errors here")
    args = parser.parse_args()
    model, trained_on, config = restore(args.checkpoint, args.train_data_dir)
    other = Human36M(args.data_dir, keypoints="gt", num_joints=config.num_joints)
    errors = evaluate(model, other.test, torch.device("cpu"))
    baseline = mean_pose_baseline(trained_on.train, other.test)
    print(f"{args.checkpoint} on {args.data_dir} (test subjects), mm:")
    print(errors)
    print("Mean pose of its training data:")
    print(baseline)
    if args.json:
        args.json.write_text(
            json.dumps({"model": errors.as_dict(), "mean_pose": baseline.as_dict()})
        )


if __name__ == "__main__":
    main()
