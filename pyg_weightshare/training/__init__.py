"""Training, evaluation and the paper's ablation."""

from pyg_weightshare.training.config import RECIPES, Recipe, TrainConfig
from pyg_weightshare.training.trainer import evaluate_checkpoint, train

__all__ = ["RECIPES", "Recipe", "TrainConfig", "evaluate_checkpoint", "train"]
