from pyg_weightshare.nn.conv import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    WeightShareConv,
)
from pyg_weightshare.nn.typed_linear import typed_matmul

__all__ = [
    "ConvStyleConv",
    "FullShareConv",
    "NoShareConv",
    "PostAggConv",
    "PreAggConv",
    "WeightShareConv",
    "typed_matmul",
]
