"""A learnable adjacency matrix, as in the published code (SemGCN style)."""

import torch
from torch import Tensor
from torch.nn import Parameter
from torch_geometric.typing import OptTensor
from torch_geometric.utils import softmax


class LearnableAdjacency(torch.nn.Module):
    r"""Learnable edge weights of a fixed graph: one logit :math:`e_{ij}` per
    edge and per layer, normalised with a softmax over the incoming edges of
    each node,

    .. math::
        \hat{a}_{ij} = \frac{\exp(e_{ij})}{\sum_{k \in \hat{\mathcal{N}}(i)}
        \exp(e_{ik})},

    as the semantic graph convolution of `Zhao et al. (SemGCN)
    <https://arxiv.org/abs/1904.03345>`_ and the code of the weight-sharing
    paper do with a masked dense softmax. The logits start at zero, so every
    layer starts from :math:`\hat{a}_{ij} = 1 / |\hat{\mathcal{N}}(i)|`, the
    :obj:`"row"` normalisation :math:`D^{-1}(A + I)`.

    Args:
        num_edges (int): Number of edges of the graph, self-loops included.
        num_layers (int, optional): Number of layers, each with its own
            logits. (default: :obj:`1`)

    Shapes:
        - **input:** targets :math:`(E)` or :math:`(E_{batch})`, edge ids
          :math:`(E_{batch})` *(optional)*
        - **output:** edge weights :math:`(L, E)` or :math:`(L, E_{batch})`

    Example:
        >>> from pyg_weightshare import h36m_skeleton
        >>> skeleton = h36m_skeleton(16)
        >>> graph = skeleton.to_data()
        >>> adjacency = LearnableAdjacency(graph.num_edges, num_layers=10)
        >>> edge_weight = adjacency(graph.edge_index[1], graph.num_nodes)
        >>> edge_weight.shape
        torch.Size([10, 46])
        >>> torch.allclose(edge_weight[0], skeleton.to_data("row").edge_weight)
        True
    """

    def __init__(self, num_edges: int, num_layers: int = 1) -> None:
        super().__init__()
        self.num_edges = num_edges
        self.num_layers = num_layers
        self.logit = Parameter(torch.empty(num_layers, num_edges))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        torch.nn.init.zeros_(self.logit)

    def forward(
        self, target: Tensor, num_nodes: int, edge_id: OptTensor = None
    ) -> Tensor:
        r"""Returns the edge weights of every layer.

        Args:
            target (torch.Tensor): The target node of each edge
                (:obj:`edge_index[1]`).
            num_nodes (int): Number of nodes.
            edge_id (torch.Tensor, optional): For a batch of several copies
                of the graph, the id of each batched edge in the graph (the
                :obj:`edge_type` of :meth:`~pyg_weightshare.Skeleton.to_data`),
                so that the copies share their logits. (default: :obj:`None`,
                the edges of the graph itself)
        """
        logit = self.logit if edge_id is None else self.logit.index_select(1, edge_id)
        return softmax(logit, target, num_nodes=num_nodes, dim=1)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.num_edges}, num_layers={self.num_layers})"
        )
