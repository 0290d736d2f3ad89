"""Per-action errors of a model on the test subjects."""

from __future__ import annotations

import os

import torch

from pyg_weightshare.datasets import PoseSplit
from pyg_weightshare.devices import check_device
from pyg_weightshare.metrics import ActionErrors, evaluate_by_action
from pyg_weightshare.nn.models.inference import predict
from pyg_weightshare.training.config import TrainConfig
from pyg_weightshare.training.factory import restore


def evaluate(
    model: torch.nn.Module, split: PoseSplit, device: torch.device
) -> ActionErrors:
    """Per-action MPJPE and P-MPJPE in millimetres."""
    return evaluate_by_action(
        predict(model, split.inputs, device),
        split.targets,
        split.action,
        split.action_names,
        scale=1000,
    )


def mean_pose_baseline(train: PoseSplit, test: PoseSplit) -> ActionErrors:
    """The errors of predicting the training set's mean pose for every input."""
    mean_pose = train.targets.mean(dim=0, keepdim=True).expand_as(test.targets)
    return evaluate_by_action(
        mean_pose, test.targets, test.action, test.action_names, scale=1000
    )


def evaluate_checkpoint(
    path: str | os.PathLike,
    data_dir: str | None = None,
    device: str = "cpu",
    test_subjects: list[str] | None = None,
) -> tuple[ActionErrors, TrainConfig]:
    """Rebuilds the model of a checkpoint and evaluates it on the test
    subjects (those it was trained with, or :obj:`test_subjects`) of
    :obj:`data_dir` (default: the data it was trained on); only the test
    split is loaded."""
    target = check_device(device)
    model, dataset, config = restore(path, data_dir, ("test",), test_subjects)
    return evaluate(model.to(target), dataset.test, target), config
