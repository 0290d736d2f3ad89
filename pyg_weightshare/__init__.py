"""Weight-sharing graph convolutions (Liu et al., ECCV 2020) for PyTorch Geometric."""

from pyg_weightshare.nn import (
    ConvStyleConv,
    FullShareConv,
    LearnableAdjacency,
    NonLocalBlock,
    NoShareConv,
    PoseGCN,
    PostAggConv,
    PreAggConv,
    WeightShareConv,
    h36m_joint_groups,
    stacked_xavier_uniform_,
    typed_matmul,
)
from pyg_weightshare.nn.schemes import SCHEMES, Scheme, get_scheme
from pyg_weightshare.presets import channels_for_budget, paper_config
from pyg_weightshare.skeleton import Skeleton, h36m_skeleton
from pyg_weightshare.transforms import AddTypedAttributes

__version__ = "0.1.0"

__all__ = [
    "SCHEMES",
    "AddTypedAttributes",
    "ConvStyleConv",
    "FullShareConv",
    "LearnableAdjacency",
    "NoShareConv",
    "NonLocalBlock",
    "PoseGCN",
    "PostAggConv",
    "PreAggConv",
    "Scheme",
    "Skeleton",
    "WeightShareConv",
    "__version__",
    "channels_for_budget",
    "get_scheme",
    "h36m_joint_groups",
    "h36m_skeleton",
    "paper_config",
    "stacked_xavier_uniform_",
    "typed_matmul",
]
