"""Training configurations: the paper's two recipes and a quick demo."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from pyg_weightshare.nn.models.pose_gcn import SCHEMES


@dataclass(frozen=True)
class Recipe:
    """Optimisation settings of a recipe (Adam, step decay, gradient clipping).

    Args:
        epochs (int): Passes over the training split.
        batch_size (int): Poses per optimisation step (over all processes).
        lr (float): Initial learning rate.
        lr_decay (float): Multiplies the learning rate every
            :obj:`decay_steps` steps, or every :obj:`decay_epochs` epochs.
        decay_steps (int): Steps between decays (0 to use epochs).
        decay_epochs (int): Epochs between decays (0 to use steps).
        dropout (float): Dropout after each hidden graph convolution.
        non_local (bool): Non-local blocks in the network.
        keypoints (str): The 2D input, :obj:`"gt"` or detections.
        stride (int): Keep every :obj:`stride`-th training frame.
        max_grad_norm (float): Gradient-norm clipping.
    """

    epochs: int
    batch_size: int
    lr: float
    lr_decay: float
    decay_steps: int = 0
    decay_epochs: int = 0
    dropout: float = 0.0
    non_local: bool = False
    keypoints: str = "gt"
    stride: int = 1
    max_grad_norm: float = 1.0


RECIPES = {
    # Sec. 4.2: Adam, lr 1e-3 decayed by 0.96 every 100k steps, batch 64,
    # 50 epochs, ground-truth 2D input, no dropout.
    "ablation": Recipe(
        epochs=50, batch_size=64, lr=1e-3, lr_decay=0.96, decay_steps=100_000
    ),
    # Sec. 4.3: lr 1e-4 decayed by 0.95 every 4 epochs, batch 256, dropout
    # 0.2, non-local blocks, 30 epochs, CPN detections.
    "benchmark": Recipe(
        epochs=30,
        batch_size=256,
        lr=1e-4,
        lr_decay=0.95,
        decay_epochs=4,
        dropout=0.2,
        non_local=True,
        keypoints="cpn_ft_h36m_dbb",
    ),
    # The ablation recipe cut to a few minutes on a 2-core CPU: a newcomer's
    # first run, not a result to report.
    "demo": Recipe(
        epochs=5, batch_size=256, lr=1e-3, lr_decay=0.5, decay_epochs=2, stride=4
    ),
}


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved as :obj:`config.json`.

    Fields left :obj:`None` take the value of the recipe.
    """

    out: str
    data_dir: str | None = None
    recipe: str = "demo"
    scheme: str = "pre_agg"
    decouple: bool = True
    hidden: int = 128
    num_blocks: int = 4
    num_joints: int = 16
    adjacency: str = "sym"
    init: str = "xavier"
    keypoints: str | None = None
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    dropout: float | None = None
    non_local: bool | None = None
    stride: int | None = None
    val_subjects: list[str] = field(default_factory=lambda: ["S8"])
    # None: Human3.6M's training subjects other than the validation ones.
    train_subjects: list[str] | None = None
    test_subjects: list[str] = field(default_factory=lambda: ["S9", "S11"])
    select_on: str = "val"
    seed: int = 0
    device: str = "cpu"
    amp: str = "none"
    compile: bool = False

    def __post_init__(self) -> None:
        if self.recipe not in RECIPES:
            raise ValueError(
                f"Unknown recipe {self.recipe!r}; choose from {list(RECIPES)}"
            )
        if self.scheme not in SCHEMES:
            raise ValueError(
                f"Unknown scheme {self.scheme!r}; choose from {list(SCHEMES)}"
            )
        if self.select_on not in ("val", "test", "last"):
            raise ValueError(
                f"select_on must be 'val', 'test' or 'last', got {self.select_on!r}"
            )
        if self.select_on == "val" and not self.val_subjects:
            raise ValueError("select_on='val' needs at least one validation subject")
        if self.amp not in ("none", "bf16", "fp16"):
            raise ValueError(f"amp must be 'none', 'bf16' or 'fp16', got {self.amp!r}")
        if self.train_subjects is None:
            from pyg_weightshare.datasets import TRAIN_SUBJECTS

            self.train_subjects = [
                s for s in TRAIN_SUBJECTS if s not in self.val_subjects
            ]
        recipe = RECIPES[self.recipe]
        for name in (
            "keypoints",
            "epochs",
            "batch_size",
            "lr",
            "dropout",
            "non_local",
            "stride",
        ):
            if getattr(self, name) is None:
                setattr(self, name, getattr(recipe, name))

    @property
    def recipe_settings(self) -> Recipe:
        return RECIPES[self.recipe]

    def model_kwargs(self) -> dict:
        """Keyword arguments of :class:`~pyg_weightshare.PoseGCN`."""
        return {
            "scheme": self.scheme,
            "decouple": self.decouple,
            "hidden_channels": self.hidden,
            "num_blocks": self.num_blocks,
            "dropout": self.dropout,
            "non_local": self.non_local,
            "adjacency": self.adjacency,
            "init": self.init,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in names})
