"""The data and model of a configuration, and their evaluation on the test
subjects."""

from __future__ import annotations

import os
from dataclasses import replace

import torch
from torch import Tensor

from pyg_weightshare.datasets import Human36M, PoseSplit
from pyg_weightshare.datasets.cache import synthetic_data_dir
from pyg_weightshare.datasets.human36m import SPLITS
from pyg_weightshare.metrics import ActionErrors, evaluate_by_action
from pyg_weightshare.training.checkpoint import load_checkpoint
from pyg_weightshare.training.config import TrainConfig
from pyg_weightshare.training.distributed import check_device

EVAL_BATCH_SIZE = 4096


def load_dataset(
    config: TrainConfig, require_val: bool = True, splits: tuple[str, ...] = SPLITS
) -> Human36M:
    """The :obj:`splits` of :obj:`config`'s data (the synthetic dataset when
    it names no directory), refusing an empty test split, and an empty
    validation split when it selects the model (:obj:`require_val`)."""
    root = config.data_dir or synthetic_data_dir()
    dataset = Human36M(
        root,
        keypoints=config.keypoints,
        num_joints=config.num_joints,
        train_subjects=config.train_subjects,
        test_subjects=config.test_subjects,
        val_subjects=config.val_subjects,
        splits=splits,
    )
    if config.inputs == "person":
        dataset = with_person_inputs(dataset)
    needed = {"test": config.test_subjects}
    if require_val and config.select_on == "val" and "val" in splits:
        needed["val"] = config.val_subjects
    for split, subjects in needed.items():
        if len(getattr(dataset, split)) == 0:
            raise ValueError(
                f"{root}: the {split} subjects {' '.join(subjects)} have no poses"
            )
    return dataset


def with_person_inputs(dataset: Human36M) -> Human36M:
    """:obj:`dataset` with the inputs of every split replaced by
    :func:`~pyg_weightshare.datasets.inputs.person_inputs` of its 2D poses
    (every joint seen): the normalisation only shifts and scales the 2D,
    which :func:`person_inputs` undoes."""
    from pyg_weightshare.datasets.inputs import person_inputs

    for split in SPLITS:
        if hasattr(dataset, split):
            poses = getattr(dataset, split)
            setattr(dataset, split, replace(poses, inputs=person_inputs(poses.inputs)))
    return dataset


def build_model(config: TrainConfig, skeleton) -> torch.nn.Module:
    """The :class:`~pyg_weightshare.PoseGCN` of :obj:`config`."""
    from pyg_weightshare import PoseGCN

    return PoseGCN(skeleton, **config.model_kwargs())


@torch.no_grad()
def predict(model: torch.nn.Module, inputs: Tensor, device: torch.device) -> Tensor:
    """Predictions :obj:`[N, J, 3]` for every pose, computed in batches on
    :obj:`device` and returned on the CPU (one transfer each way, no wait
    between batches)."""
    model.eval()
    chunks = [
        model(chunk).float() for chunk in inputs.to(device).split(EVAL_BATCH_SIZE)
    ]
    if not chunks:
        return inputs.new_zeros(0, inputs.size(1), 3)
    return torch.cat(chunks).cpu()


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


def restore(
    path: str | os.PathLike,
    data_dir: str | None = None,
    splits: tuple[str, ...] = SPLITS,
    test_subjects: list[str] | None = None,
) -> tuple[torch.nn.Module, Human36M, TrainConfig]:
    """The model of a checkpoint with its weights, the data it was trained on
    (or :obj:`data_dir`, with only :obj:`splits` built and other
    :obj:`test_subjects` if given) and its configuration."""
    checkpoint = load_checkpoint(path)
    config = TrainConfig.from_dict(checkpoint["config"], str(path))
    if data_dir is not None:
        config.data_dir = os.path.abspath(data_dir)
    if test_subjects is not None:
        config.test_subjects = list(test_subjects)
    dataset = load_dataset(config, require_val=False, splits=splits)
    model = build_model(config, dataset.skeleton)
    try:
        model.load_state_dict(checkpoint["model"])
    except (RuntimeError, ValueError) as error:
        reason = str(error).splitlines()[0]
        raise ValueError(
            f"{path} does not fit its own configuration: {reason}"
        ) from None
    return model, dataset, config


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
