"""Weight-sharing graph convolutions (Liu et al., ECCV 2020) for PyTorch Geometric."""

from pyg_weightshare.nn import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    WeightShareConv,
    typed_matmul,
)
from pyg_weightshare.skeleton import Skeleton, h36m_skeleton

__version__ = "0.1.0"

__all__ = [
    "ConvStyleConv",
    "FullShareConv",
    "NoShareConv",
    "PostAggConv",
    "PreAggConv",
    "Skeleton",
    "WeightShareConv",
    "__version__",
    "h36m_skeleton",
    "typed_matmul",
]
