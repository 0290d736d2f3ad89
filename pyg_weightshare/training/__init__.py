"""Training, evaluation and the paper's ablation."""

from importlib import import_module
from typing import Any

from pyg_weightshare.training.config import RECIPES, Recipe, TrainConfig

# Imported on first use: the configuration is torch-free, so the command line
# can print its help without importing torch.
_LAZY = {
    "Diverged": "pyg_weightshare.training.trainer",
    "train": "pyg_weightshare.training.trainer",
    "evaluate_checkpoint": "pyg_weightshare.training.evaluation",
}

__all__ = [
    "RECIPES",
    "Diverged",
    "Recipe",
    "TrainConfig",
    "evaluate_checkpoint",
    "train",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
