"""The sizes a model may have, checked before anything is allocated, and the
checks a model file's architecture and weights pass before they are used.

The command line (:class:`~pyg_weightshare.training.TrainConfig`) and every
reader of model files apply the same limits, so a checkpoint asking for
:math:`10^7` channels or :math:`10^5` blocks is refused in one line instead
of dying in the allocator or hanging an export. This module imports no
torch: the command line builds its help without it.
"""

from __future__ import annotations

import math
from typing import Any

from pyg_weightshare.choices import ADJACENCIES, INITS, SCHEME_NAMES

MAX_HIDDEN_CHANNELS = 8192
"""The widest hidden layer (the paper's widest is 512)."""

MAX_NUM_BLOCKS = 256
"""The most residual blocks (the paper's networks have 4)."""

MAX_PARAMETERS = 500_000_000
r"""The most parameters a network may have by :func:`parameter_bound`
(2 GB of float32 weights; the paper's largest network has 6 M)."""


def _fields() -> dict[str, tuple[str, Any]]:
    """Each architecture field: its kind and accepted values or range."""
    return {
        "scheme": ("choice", SCHEME_NAMES),
        "decouple": ("bool", None),
        "hidden_channels": ("int", (1, MAX_HIDDEN_CHANNELS)),
        "num_blocks": ("int", (0, MAX_NUM_BLOCKS)),
        "dropout": ("float", (0.0, 1.0)),
        "non_local": ("bool", None),
        "adjacency": ("choice", ADJACENCIES),
        "init": ("choice", INITS),
        "root_relative": ("bool", None),
        "symmetric": ("bool", None),
        "in_channels": ("int", (1, 16)),
        "out_channels": ("int", (1, 16)),
        "num_joints": ("choice", (16, 17)),
        # The skeleton a PoseGCN saves with its weights.
        "parents": ("int list", (-1, 16)),
        "center": ("int", (0, 16)),
        "joint_names": ("str list", None),
    }


def parameter_bound(
    scheme: str, hidden_channels: int, num_blocks: int, num_joints: int = 16
) -> int:
    r"""An upper bound of the parameters of a
    :class:`~pyg_weightshare.PoseGCN`, from its sizes alone.

    Each of the :math:`2N + 2` graph convolutions, and each residual block's
    non-local block, holds at most :math:`M` matrices of
    :math:`C \times C`, with :math:`M = 2` for full sharing (the shared and
    the self-loop matrix) and :math:`M = 3J` otherwise (one per joint and per
    bone end of a tree skeleton).

    Args:
        scheme (str): The weight-sharing scheme.
        hidden_channels (int): :math:`C`.
        num_blocks (int): :math:`N`.
        num_joints (int, optional): :math:`J`. (default: :obj:`16`)

    Example:
        >>> parameter_bound("pre_agg", 128, 4)  # the network has 4.2 M
        11010048
    """
    matrices = 2 if scheme == "full" else 3 * num_joints
    layers = 3 * num_blocks + 2
    return layers * matrices * hidden_channels**2


def check_size(
    scheme: str, hidden_channels: int, num_blocks: int, num_joints: int = 16
) -> str | None:
    """What is wrong with a network of these sizes, or :obj:`None` when it
    is within :obj:`MAX_HIDDEN_CHANNELS`, :obj:`MAX_NUM_BLOCKS` and
    :obj:`MAX_PARAMETERS`. The sizes must be integers.

    Args:
        scheme (str): The weight-sharing scheme.
        hidden_channels (int): The width.
        num_blocks (int): The residual blocks.
        num_joints (int, optional): The joints. (default: :obj:`16`)

    Example:
        >>> check_size("full", 10**7, 4)
        'hidden_channels must be at most 8192, got 10000000'
    """
    if hidden_channels > MAX_HIDDEN_CHANNELS:
        most = MAX_HIDDEN_CHANNELS
        return f"hidden_channels must be at most {most}, got {hidden_channels}"
    if num_blocks > MAX_NUM_BLOCKS:
        return f"num_blocks must be at most {MAX_NUM_BLOCKS}, got {num_blocks}"
    bound = parameter_bound(scheme, hidden_channels, num_blocks, num_joints)
    if bound > MAX_PARAMETERS:
        return (
            f"hidden_channels {hidden_channels} and num_blocks {num_blocks} give "
            f"{scheme} up to {bound:,} parameters, more than the "
            f"{MAX_PARAMETERS:,} allowed"
        )
    return None


def check_architecture(architecture: Any, source: str = "checkpoint") -> None:
    """Checks every field of a model file's architecture (the
    :class:`~pyg_weightshare.PoseGCN` keyword arguments and
    :obj:`"num_joints"`) against the limits of the command line, before
    anything is allocated.

    Args:
        architecture (Any): The architecture read from the file.
        source (str, optional): The file, for errors.
            (default: :obj:`"checkpoint"`)

    Raises:
        ValueError: A field is unknown, of the wrong type or out of range, or
            the network would be too large; one line naming :obj:`source`.

    Example:
        >>> check_architecture({"scheme": "pre_agg", "num_blocks": 10**5}, "m.pt")
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: m.pt has an invalid architecture: num_blocks must be an integer...
    """
    if not isinstance(architecture, dict):
        raise ValueError(f"{source} has an architecture that is not a dictionary")
    fields = _fields()
    for name, value in architecture.items():
        if name not in fields:
            raise ValueError(f"{source} has an unknown architecture field {name!r}")
        problem = _field_problem(*fields[name], value)
        if problem:
            raise ValueError(f"{source} has an invalid architecture: {name} {problem}")
    problem = check_size(
        architecture.get("scheme", "pre_agg"),
        architecture.get("hidden_channels", 128),
        architecture.get("num_blocks", 4),
        architecture.get("num_joints", 16),
    )
    if problem:
        raise ValueError(f"{source} describes too large a network: {problem}")


def _field_problem(kind: str, accepted: Any, value: Any) -> str | None:
    if kind == "choice":
        return (
            None
            if value in accepted
            else f"must be one of {list(accepted)}, got {value!r}"
        )
    if kind == "bool":
        return (
            None if isinstance(value, bool) else f"must be True or False, got {value!r}"
        )
    if kind in ("int list", "str list"):
        item = str if kind == "str list" else int
        if isinstance(value, list | tuple) and len(value) in (16, 17):
            problems = [
                _field_problem(
                    *(("int", accepted) if item is int else ("str", None)), v
                )
                for v in value
            ]
            if not any(problems):
                return None
        return f"must be a list of 16 or 17 {item.__name__}s, got {value!r:.80}"
    if kind == "str":
        return (
            None
            if isinstance(value, str) and len(value) <= 64
            else f"must be a short string, got {value!r:.80}"
        )
    least, most = accepted
    if kind == "int":
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and least <= value <= most
        ):
            return None
        return f"must be an integer from {least} to {most}, got {value!r}"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and math.isfinite(value) and least <= value < most:
        return None
    return f"must be a number in [{least}, {most}), got {value!r}"


def check_finite_weights(weights: dict[str, Any], source: str = "checkpoint") -> None:
    """Refuses weights holding NaN or infinity, naming the first such
    parameter: a model with them predicts NaN poses without another word.

    Args:
        weights (dict[str, torch.Tensor]): A :obj:`state_dict`; entries
            that are not floating-point tensors are skipped.
        source (str, optional): The file, for errors.
            (default: :obj:`"checkpoint"`)

    Raises:
        ValueError: A weight is not finite; one line naming it and
            :obj:`source`.

    Example:
        >>> import torch
        >>> check_finite_weights({"conv.bias": torch.tensor([0.0, float("nan")])})
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: checkpoint has weight 'conv.bias' holding 1 NaN or infinite...
    """
    for name, value in weights.items():
        if not hasattr(value, "is_floating_point") or not (
            value.is_floating_point() or value.is_complex()
        ):
            continue
        bad = int((~value.isfinite()).sum())
        if bad:
            raise ValueError(
                f"{source} has weight {name!r} holding {bad} NaN or infinite "
                "value(s): refused"
            )


__all__ = [
    "MAX_HIDDEN_CHANNELS",
    "MAX_NUM_BLOCKS",
    "MAX_PARAMETERS",
    "check_architecture",
    "check_finite_weights",
    "check_size",
    "parameter_bound",
]
