"""Weight-sharing graph convolutions (Liu et al., ECCV 2020) for PyTorch Geometric."""

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Imported on first use, so that the command line prints its help and
# version without importing torch.
_EXPORTS = {
    "AddTypedAttributes": "pyg_weightshare.transforms",
    "ConvStyleConv": "pyg_weightshare.nn",
    "FullShareConv": "pyg_weightshare.nn",
    "LearnableAdjacency": "pyg_weightshare.nn",
    "NoShareConv": "pyg_weightshare.nn",
    "NonLocalBlock": "pyg_weightshare.nn",
    "PoseGCN": "pyg_weightshare.nn",
    "PostAggConv": "pyg_weightshare.nn",
    "PreAggConv": "pyg_weightshare.nn",
    "SCHEMES": "pyg_weightshare.nn.schemes",
    "Scheme": "pyg_weightshare.nn.schemes",
    "Skeleton": "pyg_weightshare.skeleton",
    "WeightShareConv": "pyg_weightshare.nn",
    "channels_for_budget": "pyg_weightshare.training.presets",
    "get_scheme": "pyg_weightshare.nn.schemes",
    "h36m_joint_groups": "pyg_weightshare.nn",
    "h36m_skeleton": "pyg_weightshare.skeleton",
    "paper_config": "pyg_weightshare.training.presets",
    "stacked_xavier_uniform_": "pyg_weightshare.nn",
    "typed_matmul": "pyg_weightshare.nn",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
