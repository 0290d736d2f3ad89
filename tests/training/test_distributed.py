import json
import os
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist

from pyg_weightshare.training.distributed import AllReduceBatchNorm


def test_all_reduce_batch_norm_matches_batch_norm_in_one_process(tmp_path):
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        reference, synced = torch.nn.BatchNorm1d(5), AllReduceBatchNorm(5)
        x = torch.randn(32, 5, 7, requires_grad=True)
        y = torch.randn(32, 5, 7)
        (reference(x) * y).sum().backward()
        expected = x.grad.clone()
        x.grad = None
        (synced(x) * y).sum().backward()
        torch.testing.assert_close(x.grad, expected, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(synced.running_mean, reference.running_mean)
        torch.testing.assert_close(synced.running_var, reference.running_var)
        synced.eval(), reference.eval()
        torch.testing.assert_close(synced(x), reference(x))
    finally:
        dist.destroy_process_group()


def metrics(run):
    lines = (run / "metrics.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_two_gloo_processes_follow_the_single_process_trajectory(
    tiny_data, tmp_path, tiny
):
    common = ["--data-dir", str(tiny_data), "--epochs", "2", "--dropout", "0", *tiny]
    single = tmp_path / "single"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pyg_weightshare",
            "train",
            "--out",
            str(single),
            *common,
        ],
        check=True,
    )
    ddp = tmp_path / "ddp"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            "--master_port=29561",
            "-m",
            "pyg_weightshare",
            "train",
            "--out",
            str(ddp),
            *common,
        ],
        check=True,
        env=env,
    )
    for one, two in zip(metrics(single), metrics(ddp), strict=True):
        assert two["train_loss"] == pytest.approx(one["train_loss"], rel=1e-3)
        # The validation error of a barely trained model amplifies summation
        # order differences (0.19% in epoch 1 here, with the losses equal to
        # four digits).
        assert two["val_mpjpe"] == pytest.approx(one["val_mpjpe"], rel=5e-3)


def test_a_failed_start_stops_every_process(tiny_data, tmp_path, tiny):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            "--master_port=29562",
            "-m",
            "pyg_weightshare",
            "train",
            "--out",
            str(blocker / "run"),
            "--data-dir",
            str(tiny_data),
            *tiny,
        ],
        capture_output=True,
        text=True,
        timeout=120,  # torchrun ends the others when process 0 fails
        env=dict(os.environ, OMP_NUM_THREADS="1"),
    )
    assert result.returncode != 0
    assert "Cannot write to the run directory" in result.stderr
