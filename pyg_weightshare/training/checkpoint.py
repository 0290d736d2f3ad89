"""Atomic checkpoints that know which model they belong to."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

# Fields of the configuration that fix the model's shape: a checkpoint only
# fits a model built with the same values.
MODEL_FIELDS = (
    "scheme",
    "decouple",
    "hidden",
    "num_blocks",
    "num_joints",
    "adjacency",
    "non_local",
)


def atomic_save(obj: Any, path: Path) -> None:
    """Writes :obj:`obj` with :func:`torch.save` so that :obj:`path` holds
    either the old or the new file, never a partial one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        # os.open honours the umask, unlike tempfile's private 0600 files.
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(descriptor, "wb") as file:
            torch.save(obj, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Loads a checkpoint written by the trainer, with a clear error for a
    missing, corrupted or foreign file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:
        raise ValueError(f"{path} is not a readable checkpoint ({error})") from error
    if not isinstance(checkpoint, dict) or not {"config", "model"} <= checkpoint.keys():
        raise ValueError(f"{path} is not a pyg-weightshare training checkpoint")
    return checkpoint


def check_same_model(saved: dict, config: dict, path: Path) -> None:
    """Raises if the checkpoint at :obj:`path` was trained with another
    scheme, skeleton or width than :obj:`config`."""
    different = [
        f"{name}: checkpoint {saved.get(name)!r}, requested {config.get(name)!r}"
        for name in MODEL_FIELDS
        if saved.get(name) != config.get(name)
    ]
    if different:
        raise ValueError(f"{path} holds another model: " + "; ".join(different))
