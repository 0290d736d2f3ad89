"""Train a pre-aggregation GCN to lift 2D poses to 3D, in one short script.

Data, model, loop, evaluation: copy it and change what you need. Without
--data-dir it uses the synthetic Human3.6M (generated once). Run:

    python examples/train_h36m.py [--data-dir DIR] [--epochs 3]
"""

import argparse

import torch

from pyg_weightshare import PoseGCN
from pyg_weightshare.datasets import Human36M
from pyg_weightshare.datasets.cache import synthetic_data_dir
from pyg_weightshare.metrics import evaluate_by_action

parser = argparse.ArgumentParser()
parser.add_argument("--data-dir", default=None)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--batch-size", type=int, default=256)
args = parser.parse_args()
torch.manual_seed(0)

# Data: contiguous tensors, poses [N, 16, 2] -> [N, 16, 3] (metres, root-relative).
dataset = Human36M(args.data_dir or synthetic_data_dir(), keypoints="gt")
train, test = dataset.train[::2], dataset.test
print(f"{len(train):,} training poses, {len(test):,} test poses")

# Model: the paper's network with decoupled pre-aggregation (its best scheme).
model = PoseGCN(dataset.skeleton, scheme="pre_agg", decouple=True, hidden_channels=128)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

# Loop: batches are slices of a random permutation, no per-sample Python.
for epoch in range(1, args.epochs + 1):
    model.train()
    order = torch.randperm(len(train))
    total = 0.0
    for start in range(0, len(train) - args.batch_size + 1, args.batch_size):
        batch = train[order[start : start + args.batch_size]]
        loss = torch.nn.functional.mse_loss(model(batch.inputs), batch.targets)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch}: training loss {total / (len(train) // args.batch_size):.2e}")

# Evaluation: MPJPE and P-MPJPE per action, in millimetres.
model.eval()
with torch.no_grad():
    prediction = torch.cat([model(chunk) for chunk in test.inputs.split(4096)])
print(evaluate_by_action(prediction, test.targets, test.action, scale=1000))
