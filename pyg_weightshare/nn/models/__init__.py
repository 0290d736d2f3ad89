from pyg_weightshare.nn.models.adjacency import LearnableAdjacency
from pyg_weightshare.nn.models.init import stacked_xavier_uniform_
from pyg_weightshare.nn.models.non_local import NonLocalBlock, h36m_joint_groups
from pyg_weightshare.nn.models.pose_gcn import PoseGCN

__all__ = [
    "LearnableAdjacency",
    "NonLocalBlock",
    "PoseGCN",
    "h36m_joint_groups",
    "stacked_xavier_uniform_",
]
