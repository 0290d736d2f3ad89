"""Training configurations: the paper's two recipes, a quick demo, and the
one place where a run's settings are described, defaulted and validated.

The command line derives its options from the fields of :class:`TrainConfig`
(their help text and choices live in the field metadata), so this module
imports neither torch nor the model: ``pyg-weightshare --help`` stays fast.
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from typing import Any

from pyg_weightshare.choices import (
    ADJACENCIES,
    DECOUPLABLE_SCHEMES,
    INITS,
    SCHEME_NAMES,
)
from pyg_weightshare.limits import check_size

SELECTIONS = ("val", "test", "last")
# pyg_weightshare.datasets.TRAIN_SUBJECTS, without importing torch.
H36M_TRAIN_SUBJECTS = ("S1", "S5", "S6", "S7", "S8")
# pyg_weightshare.training.step.TrainingStep's modes.
COMPILE_MODES = (
    "none",
    "default",
    "max-autotune-no-cudagraphs",
    "reduce-overhead",
    "cudagraphs",
    "default+cudagraphs",
)
AMP_MODES = ("none", "bf16", "fp16")


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

RECIPE_FIELDS = tuple(f.name for f in dataclasses.fields(Recipe))
# The keyword arguments of PoseGCN, under the same names.
MODEL_FIELDS = (
    "scheme",
    "decouple",
    "hidden_channels",
    "num_blocks",
    "dropout",
    "non_local",
    "adjacency",
    "init",
)
INPUT_MODES = ("image", "person")
BONE_MODES = ("free", "symmetric")
# Fields added after runs were saved: a saved configuration without them
# takes their default.
LATER_FIELDS = ("inputs", "bones")
# Where the run is and what runs it: a resumed run may change these.
RUNTIME_FIELDS = ("out", "device", "compile")


class InvalidSetting(ValueError):
    """A setting of :class:`TrainConfig` out of its range.

    Args:
        name (str): The field, e.g. :obj:`"batch_size"`.
        problem (str): What is wrong, e.g. :obj:`"must be at least 1, got 0"`.
    """

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name} {problem}")
        self.name, self.problem = name, problem


def _options(help: str, group: str, **options: Any) -> dict[str, Any]:
    """Field metadata: the help text and argparse options of its CLI option,
    and optionally :obj:`shown_default`, the default the help text shows
    when it is not the field's value."""
    return {"help": help, "group": group, **options}


def _setting(default: Any, help: str, group: str, **options: Any) -> Any:
    return field(default=default, metadata=_options(help, group, **options))


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved as :obj:`config.json` and
    in every checkpoint.

    Fields left :obj:`None` take the value of the recipe. Every value is
    checked on construction
    (:class:`~pyg_weightshare.training.config.InvalidSetting` names the
    field). A resumed run must have the same settings, except
    :obj:`epochs`, which may grow, and the fields of :obj:`RUNTIME_FIELDS`.
    """

    out: str = _setting("runs/pre_agg", "run directory", "run", metavar="DIR")
    data_dir: str | None = _setting(
        None,
        "directory of the VideoPose3D .npz files",
        "data",
        metavar="DIR",
        shown_default="a synthetic Human3.6M, generated once into the cache",
    )
    keypoints: str | None = _setting(
        None,
        "2D input: the NAME of data_2d_h36m_NAME.npz, e.g. gt or cpn_ft_h36m_dbb",
        "data",
        metavar="NAME",
    )
    num_joints: int = _setting(16, "joints of the skeleton", "data", choices=(16, 17))
    stride: int | None = _setting(
        None, "keep every n-th training frame", "data", type=int, metavar="N"
    )
    train_subjects: list[str] | None = field(
        default=None,
        metadata=_options(
            "subjects to train on",
            "data",
            nargs="+",
            metavar="SUBJECT",
            shown_default="Human3.6M's S1 S5 S6 S7 S8 without the validation subjects",
        ),
    )
    val_subjects: list[str] = field(
        default_factory=lambda: ["S8"],
        metadata=_options(
            "subjects held out of training to pick the best epoch",
            "data",
            nargs="*",
            metavar="SUBJECT",
        ),
    )
    test_subjects: list[str] = field(
        default_factory=lambda: ["S9", "S11"],
        metadata=_options(
            "subjects of the test report", "data", nargs="+", metavar="SUBJECT"
        ),
    )
    select_on: str = _setting(
        "val",
        "which epoch's model is reported: best on the validation subjects, "
        "best on the test subjects (what the published code does) or the last",
        "data",
        choices=SELECTIONS,
    )
    scheme: str = _setting(
        "pre_agg", "weight-sharing scheme of the graph convolutions", "model",
        choices=SCHEME_NAMES,
    )  # fmt: skip
    decouple: bool = _setting(
        True,
        "decoupled self-loop weights (paper Eqs. 9-11); conv_style and "
        "no_sharing are decoupled by definition",
        "model",
    )
    hidden_channels: int = _setting(
        128, "channels of the hidden graph convolutions", "model", type=int,
        metavar="C",
    )  # fmt: skip
    num_blocks: int = _setting(
        4, "residual blocks of two graph convolutions", "model", type=int,
        metavar="N",
    )  # fmt: skip
    adjacency: str = _setting(
        "sym",
        "edge weights: sym = D^-1/2 (A+I) D^-1/2 (paper Eq. 2), row = "
        "D^-1 (A+I), learnable = softmax-normalised logits per layer",
        "model",
        choices=ADJACENCIES,
    )
    init: str = _setting(
        "xavier",
        "weight initialisation: Xavier per matrix, or stacked as the "
        "published code (one xavier_uniform_ with gain 1.414 per layer)",
        "model",
        choices=INITS,
    )
    dropout: float | None = _setting(
        None, "dropout after each hidden graph convolution", "model", type=float,
        metavar="P",
    )  # fmt: skip
    non_local: bool | None = _setting(
        None, "non-local blocks after the input and each residual block", "model"
    )
    inputs: str = _setting(
        "image",
        "2D input of the model: image (screen coordinates, 2 channels per "
        "joint) or person (coordinates in the person's box and a seen flag, "
        "3 channels, as pyg_weightshare.datasets.inputs.person_inputs; the "
        "root of the output is exactly zero)",
        "model",
        choices=INPUT_MODES,
    )
    bones: str = _setting(
        "free",
        "free, or symmetric: the left and right limbs of every predicted pose "
        "get equal lengths",
        "model",
        choices=BONE_MODES,
    )
    recipe: str = _setting(
        "demo",
        "optimisation recipe: demo (a few minutes on a CPU, not a result), "
        "ablation (paper Sec. 4.2) or benchmark (paper Sec. 4.3); options "
        "given explicitly override it",
        "optimisation",
        choices=tuple(RECIPES),
    )
    epochs: int | None = _setting(
        None, "passes over the training split", "optimisation", type=int,
        metavar="N",
    )  # fmt: skip
    batch_size: int | None = _setting(
        None, "poses per step, over all processes", "optimisation", type=int,
        metavar="N",
    )  # fmt: skip
    lr: float | None = _setting(
        None, "initial learning rate (Adam)", "optimisation", type=float
    )
    lr_decay: float | None = _setting(
        None, "learning-rate factor at each decay", "optimisation", type=float,
        metavar="FACTOR",
    )  # fmt: skip
    decay_steps: int | None = _setting(
        None, "steps between decays (0: decay by epochs)", "optimisation",
        type=int, metavar="N",
    )  # fmt: skip
    decay_epochs: int | None = _setting(
        None, "epochs between decays (0: decay by steps)", "optimisation",
        type=int, metavar="N",
    )  # fmt: skip
    max_grad_norm: float | None = _setting(
        None, "gradient-norm clipping", "optimisation", type=float, metavar="NORM"
    )
    seed: int = _setting(
        0, "seed of the initialisation and the batch order", "optimisation",
        type=int,
    )  # fmt: skip
    device: str = _setting("cpu", "cpu, cuda or cuda:N", "runtime")
    amp: str = _setting(
        "none", "mixed precision (fp16 on CUDA only)", "runtime", choices=AMP_MODES
    )
    compile: str = _setting(
        "none",
        "how a training step runs: none (eager), default or "
        "max-autotune-no-cudagraphs (torch.compile), reduce-overhead "
        "(torch.compile with CUDA graphs), cudagraphs (the whole step captured "
        "in one CUDA graph) or default+cudagraphs; --compile alone means default",
        "runtime",
        choices=COMPILE_MODES,
        nargs="?",
        const="default",
    )

    def __post_init__(self) -> None:
        recipe = RECIPES.get(self.recipe)
        if recipe is None:
            raise InvalidSetting("recipe", f"must be one of {list(RECIPES)}, "
                                 f"got {self.recipe!r}")  # fmt: skip
        for name in RECIPE_FIELDS:
            if getattr(self, name) is None:
                setattr(self, name, getattr(recipe, name))
        if self.data_dir is not None:
            self.data_dir = os.path.abspath(self.data_dir)
        self.val_subjects = list(self.val_subjects)
        self.test_subjects = list(self.test_subjects)
        if self.train_subjects is None:
            self.train_subjects = [
                s for s in H36M_TRAIN_SUBJECTS if s not in self.val_subjects
            ]
        self.train_subjects = list(self.train_subjects)
        self._check()

    def _check(self) -> None:
        for name, choices in (
            ("scheme", SCHEME_NAMES),
            ("adjacency", ADJACENCIES),
            ("init", INITS),
            ("select_on", SELECTIONS),
            ("amp", AMP_MODES),
            ("compile", COMPILE_MODES),
            ("num_joints", (16, 17)),
            ("inputs", INPUT_MODES),
            ("bones", BONE_MODES),
        ):
            if getattr(self, name) not in choices:
                raise InvalidSetting(
                    name, f"must be one of {list(choices)}, got {getattr(self, name)!r}"
                )
        for name, least in (
            ("epochs", 1),
            ("batch_size", 1),
            ("stride", 1),
            ("hidden_channels", 1),
            ("num_blocks", 0),
            ("decay_steps", 0),
            ("decay_epochs", 0),
            ("seed", 0),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise InvalidSetting(
                    name, f"must be an integer of at least {least}, got {value!r}"
                )
        for name, accepts, interval in (
            ("lr", lambda v: 0 < v < math.inf, "positive and finite"),
            ("max_grad_norm", lambda v: v > 0, "positive"),
            ("lr_decay", lambda v: 0 < v <= 1, "in (0, 1]"),
            ("dropout", lambda v: 0 <= v < 1, "in [0, 1)"),
        ):
            value = getattr(self, name)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if not (number and accepts(value)):  # NaN fails every comparison
                raise InvalidSetting(name, f"must be {interval}, got {value!r}")
        size_problem = check_size(
            self.scheme, self.hidden_channels, self.num_blocks, self.num_joints
        )
        if size_problem:
            name, problem = size_problem.split(" ", 1)
            raise InvalidSetting(name, problem)
        if self.decay_steps and self.decay_epochs:
            raise InvalidSetting(
                "decay_epochs",
                f"and decay_steps ({self.decay_steps}) are both set: the "
                "learning rate decays by steps or by epochs, set the other to 0",
            )
        for name in ("decouple", "non_local"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidSetting(name, f"must be True or False, got "
                                     f"{getattr(self, name)!r}")  # fmt: skip
        if not self.decouple and self.scheme not in DECOUPLABLE_SCHEMES:
            raise InvalidSetting(
                "decouple",
                f"cannot be False for {self.scheme}, which decouples self-loops "
                "by definition",
            )
        if not isinstance(self.keypoints, str) or not self.keypoints.isidentifier():
            raise InvalidSetting(
                "keypoints", f"must be a name like gt, got {self.keypoints!r}"
            )
        if self.select_on == "val" and not self.val_subjects:
            raise InvalidSetting(
                "val_subjects", "is empty: select_on='val' needs a validation subject"
            )
        if self.amp == "fp16" and not self.device.startswith("cuda"):
            # bf16 autocast runs on the CPU too; fp16 needs CUDA's GradScaler.
            raise InvalidSetting("amp", f"{self.amp!r} needs a CUDA --device")

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`~pyg_weightshare.PoseGCN`."""
        kwargs = {name: getattr(self, name) for name in MODEL_FIELDS}
        if self.bones == "symmetric":
            kwargs["symmetric"] = True
        if self.inputs == "person":
            kwargs |= {"in_channels": 3, "root_relative": True}
        return kwargs

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any], source: str = "") -> TrainConfig:
        """The configuration saved by :meth:`to_dict`.

        Args:
            values (dict): The saved settings.
            source (str, optional): The file they come from, for errors.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        keys = set(values) if isinstance(values, dict) else set()
        if isinstance(values, dict):
            keys |= set(LATER_FIELDS)
        if keys != names:
            unknown, missing = sorted(keys - names), sorted(names - keys)
            problem = f"unknown settings {unknown}" if unknown else ""
            if missing:
                more = ", ..." if len(missing) > 3 else ""
                problem += "; " if problem else ""
                problem += f"missing {', '.join(missing[:3])}{more}"
            raise ValueError(
                f"{source or 'configuration'}: not a pyg-weightshare run "
                f"configuration ({problem})"
            )
        try:
            return cls(**values)
        except (InvalidSetting, TypeError, AttributeError) as error:
            raise ValueError(f"{source or 'configuration'}: {error}") from None

    def differences(self, requested: TrainConfig) -> list[str]:
        """The settings in which :obj:`requested` differs from this run, as
        ``"name: run VALUE, requested VALUE"``; :obj:`epochs` may grow, and
        the fields of :obj:`RUNTIME_FIELDS` may change."""
        differences = []
        for f in dataclasses.fields(self):
            mine, theirs = getattr(self, f.name), getattr(requested, f.name)
            if f.name in RUNTIME_FIELDS or mine == theirs:
                continue
            if f.name == "epochs" and theirs > mine:
                continue
            differences.append(f"{f.name}: run {mine!r}, requested {theirs!r}")
        return differences
