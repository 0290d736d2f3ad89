from pyg_weightshare.nn.conv import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    WeightShareConv,
)
from pyg_weightshare.nn.models import (
    LearnableAdjacency,
    NonLocalBlock,
    PoseGCN,
    h36m_joint_groups,
    stacked_xavier_uniform_,
)
from pyg_weightshare.nn.typed_linear import typed_matmul

__all__ = [
    "ConvStyleConv",
    "FullShareConv",
    "LearnableAdjacency",
    "NoShareConv",
    "NonLocalBlock",
    "PoseGCN",
    "PostAggConv",
    "PreAggConv",
    "WeightShareConv",
    "h36m_joint_groups",
    "stacked_xavier_uniform_",
    "typed_matmul",
]
