"""The model file of the package: one format for the trainer's checkpoints
and the bundled pretrained lifters.

A file holds a plain dictionary of tensors and plain data, read with
:obj:`torch.load(..., weights_only=True)`, so loading it runs no code from
the file. Every reader of model files (evaluation, figures, lifting, export,
the ablation, :meth:`PoseGCN.pretrained <pyg_weightshare.PoseGCN.pretrained>`)
goes through :func:`load_checkpoint`.
"""

from __future__ import annotations

import os
import pickle
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from pyg_weightshare.limits import check_architecture, check_finite_weights

FORMAT = "pyg-weightshare model"
"""The value of the :obj:`"format"` key that marks a model file."""

FORMAT_VERSION = 1
"""The version of the format this package writes and reads."""

PRETRAINED = {"h36m": "pose_gcn_h36m.pt", "coco": "pose_gcn_coco.pt"}
"""The file name of the bundled pretrained lifter of each input layout in
:mod:`pyg_weightshare.pretrained`."""

_SECTIONS = ("architecture", "weights", "training", "metadata")
# The keys of the trainer's checkpoints before this format.
_LEGACY_KEYS = {"config", "model", "epoch"}


@dataclass
class Checkpoint:
    r"""A model file: how to build the model, its weights and what else
    travels with them.

    Args:
        architecture (dict): The :class:`~pyg_weightshare.PoseGCN` keyword
            arguments and :obj:`"num_joints"` of its Human3.6M skeleton
            (:attr:`PoseGCN.architecture
            <pyg_weightshare.PoseGCN.architecture>`).
        weights (dict[str, torch.Tensor]): The model's :obj:`state_dict()`.
        training (dict, optional): What the trainer needs to evaluate or
            resume the run (its configuration, epoch, optimiser state, ...);
            empty for a model file without its training run.
            (default: :obj:`{}`)
        metadata (dict, optional): Free-form tensors and plain data that
            travel with the model, e.g. its provenance, reference errors or
            the input it expects. (default: :obj:`{}`)
        source (str, optional): Where the checkpoint was read from, for
            errors; not saved. (default: :obj:`""`)
    """

    architecture: dict[str, Any]
    weights: dict[str, Any]
    training: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = field(default="", compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The file's content: tensors and plain data only."""
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **{name: getattr(self, name) for name in _SECTIONS},
        }

    @classmethod
    def from_dict(cls, content: Any, source: str = "") -> Checkpoint:
        """The checkpoint of a file's :obj:`content` (see :meth:`to_dict`).

        Args:
            content (Any): What the file holds.
            source (str, optional): The file, for errors. (default: :obj:`""`)

        Raises:
            ValueError: The content is not a model file of this format, its
                architecture is out of the limits of
                :func:`~pyg_weightshare.limits.check_architecture`, or a weight
                is not finite; the message names :obj:`source`.
        """
        where = source or "checkpoint"
        if isinstance(content, dict) and _LEGACY_KEYS & content.keys() == _LEGACY_KEYS:
            raise ValueError(
                f"{where} was written by pyg-weightshare before its model file "
                "format: train the model again"
            )
        if not isinstance(content, dict) or content.get("format") != FORMAT:
            raise ValueError(f"{where} is not a pyg-weightshare model file")
        version = content.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"{where} has model file version {version!r}; this version of "
                f"pyg-weightshare reads version {FORMAT_VERSION}"
            )
        for name in _SECTIONS:
            section = content.get(name)
            if not isinstance(section, dict) or not all(
                isinstance(key, str) for key in section
            ):
                raise ValueError(
                    f"{where} is not a valid model file: {name!r} is not a "
                    "dictionary with string keys"
                )
        weights = content["weights"]
        malformed = [
            key
            for key, value in weights.items()
            if not isinstance(value, Tensor) and not key.endswith("_extra_state")
        ]
        if malformed:
            raise ValueError(
                f"{where} is not a valid model file: weight {malformed[0]!r} is "
                "not a tensor"
            )
        # Refused before anything is allocated, and before NaN poses.
        check_architecture(content["architecture"], where)
        check_finite_weights(weights, where)
        return cls(**{name: content[name] for name in _SECTIONS}, source=source)


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Reads a model file, without running code from it
    (:obj:`weights_only=True`).

    Args:
        path (str or os.PathLike): The file, e.g. :obj:`best.pt` of a run or
            :func:`pretrained_path`.

    Raises:
        FileNotFoundError: There is no file at :obj:`path`.
        ValueError: The file is corrupted, hostile (holds more than tensors
            and plain data) or not a model file of this format; the message
            is one line naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}")
    try:
        with warnings.catch_warnings():  # e.g. "Detected pickle protocol 110"
            warnings.simplefilter("ignore")
            content = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        # weights_only refuses every global but tensors and plain data.
        lines = str(error).splitlines()
        refused = next(
            (line for line in lines if "unsupported" in line.lower()), "see torch.load"
        )
        raise ValueError(
            f"{path} is not a readable checkpoint: it holds more than tensors and "
            f"plain data, refused ({refused.strip()})"
        ) from None
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(
            f"{path} is not a readable checkpoint (truncated or corrupted: {reason})"
        ) from None
    return Checkpoint.from_dict(content, str(path))


def pretrained_path(layout: str = "h36m") -> Path:
    """The path of the file of the bundled pretrained lifter of
    :obj:`layout` (:obj:`"h36m"` or :obj:`"coco"`, the keypoints it takes).

    Raises:
        ValueError: No bundled lifter takes :obj:`layout`.
    """
    if layout not in PRETRAINED:
        raise ValueError(
            f"No bundled model for the {layout!r} layout; choose from "
            f"{list(PRETRAINED)}"
        )
    package = resources.files("pyg_weightshare").joinpath("pretrained")
    return Path(str(package.joinpath(PRETRAINED[layout])))
