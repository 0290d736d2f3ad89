"""Reproduce one of the paper's ablation tables (2, 3 or 4) in one call.

Each configuration of the table is trained with the ablation recipe (Adam,
lr 1e-3, batch 64, ground-truth 2D input) and evaluated on S9 and S11; the
result is a Markdown table laid out like the paper's. Finished runs are
skipped, so the script can be stopped and restarted. The paper trains 50
epochs on Human3.6M; the defaults here are a short run on the synthetic data.

    python examples/ablation.py --table 3 --epochs 2 --stride 8
    python examples/ablation.py --table 2 --data-dir /data/h36m --epochs 50 --seeds 3
"""

import argparse
from pathlib import Path

from pyg_weightshare.training.ablation import run_ablation

parser = argparse.ArgumentParser()
parser.add_argument("--table", type=int, choices=(2, 3, 4), default=3)
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--stride", type=int, default=8, help="every n-th training pose")
parser.add_argument("--seeds", type=int, default=1)
parser.add_argument("--data-dir", default=None)
parser.add_argument("--out", default=None)
args = parser.parse_args()

run_ablation(
    table=args.table,
    out=Path(args.out or f"runs/table{args.table}"),
    epochs=args.epochs,
    seeds=args.seeds,
    data_dir=args.data_dir,
    stride=args.stride,
)
