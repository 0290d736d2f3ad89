"""The data and model of a run: built from its configuration, or restored
from one of its checkpoints."""

from __future__ import annotations

import os
from dataclasses import replace

from pyg_weightshare.datasets import Human36M
from pyg_weightshare.datasets.cache import synthetic_data_dir
from pyg_weightshare.datasets.human36m import SPLITS
from pyg_weightshare.nn import PoseGCN
from pyg_weightshare.nn.models.serialization import Checkpoint, load_checkpoint
from pyg_weightshare.training.checkpoint import checkpoint_config
from pyg_weightshare.training.config import TrainConfig


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
    (every joint seen): the screen normalisation only shifts and scales the
    2D, which the person box undoes."""
    from pyg_weightshare.datasets.inputs import person_inputs

    for split in SPLITS:
        if hasattr(dataset, split):
            poses = getattr(dataset, split)
            setattr(dataset, split, replace(poses, inputs=person_inputs(poses.inputs)))
    return dataset


def restore(
    checkpoint: Checkpoint | str | os.PathLike,
    data_dir: str | None = None,
    splits: tuple[str, ...] = SPLITS,
    test_subjects: list[str] | None = None,
) -> tuple[PoseGCN, Human36M, TrainConfig]:
    """The model of a trainer's checkpoint (or of the file at a path) with
    its weights, the data it was trained on (or :obj:`data_dir`, with only
    :obj:`splits` built and other :obj:`test_subjects` if given) and its
    configuration."""
    if not isinstance(checkpoint, Checkpoint):
        checkpoint = load_checkpoint(checkpoint)
    config = checkpoint_config(checkpoint)
    if data_dir is not None:
        config.data_dir = os.path.abspath(data_dir)
    if test_subjects is not None:
        config.test_subjects = list(test_subjects)
    dataset = load_dataset(config, require_val=False, splits=splits)
    return PoseGCN.from_checkpoint(checkpoint), dataset, config
