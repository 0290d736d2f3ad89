from torch import Tensor
from torch_geometric.typing import OptTensor

from pyg_weightshare.nn.conv.weight_share_conv import WeightShareConv


class PreAggConv(WeightShareConv):
    r"""The pre-aggregation graph convolution from the `"A Comprehensive
    Study of Weight Sharing in Graph Networks for 3D Human Pose Estimation"
    <https://arxiv.org/abs/2010.06844>`_ paper (Eqs. 5, 10): each node is
    transformed by the matrix of its own type *before* it is aggregated into
    its neighbours,

    .. math::
        \mathbf{x}^{\prime}_i = \hat{a}_{ii} \mathbf{x}_i \mathbf{S}_{\tau(i)}
        + \sum_{j \in \mathcal{N}(i)} \hat{a}_{ij} \mathbf{x}_j
        \mathbf{W}_{\tau(j)} + \mathbf{b}

    with :obj:`decouple=True`, and
    :math:`\mathbf{x}^{\prime}_i = \sum_{j \in \hat{\mathcal{N}}(i)}
    \hat{a}_{ij} \mathbf{x}_j \mathbf{W}_{\tau(j)} + \mathbf{b}` otherwise,
    where :math:`\tau(j)` is the type (joint id) of node :math:`j`. The
    decoupled variant is the paper's best scheme. Edge weights default as in
    :class:`FullShareConv`.

    Weights: :obj:`weight` :math:`[T, C_{in}, C_{out}]`, :obj:`self_weight`
    :math:`[T, C_{in}, C_{out}]` (or :obj:`None`), :obj:`bias`
    :math:`[C_{out}]`, with :math:`T` = :obj:`num_nodes`.

    Args:
        in_channels (int): Size of each input feature.
        out_channels (int): Size of each output feature.
        num_nodes (int): Number of node types :math:`T` (joints of the
            skeleton).
        decouple (bool, optional): If set to :obj:`False`, self-loops use
            :math:`\mathbf{W}_{\tau(i)}`. (default: :obj:`True`)
        bias (bool, optional): If set to :obj:`False`, the layer will not
            learn an additive bias. (default: :obj:`True`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          node features :math:`(N, C_{in})` or :math:`(B, J, C_{in})`,
          edge indices :math:`(2, E)`, edge weights :math:`(E)` *(optional)*,
          node types :math:`(N)` or :math:`(J)` *(optional in the static
          layout and for a single graph in joint order)*
        - **output:** node features :math:`(N, C_{out})` or
          :math:`(B, J, C_{out})`

    Example:
        >>> import torch
        >>> from pyg_weightshare import PreAggConv, h36m_skeleton
        >>> graph = h36m_skeleton(16).to_data()
        >>> conv = PreAggConv(2, 64, num_nodes=16)
        >>> conv(torch.randn(8, 16, 2), graph.edge_index, graph.edge_weight).shape
        torch.Size([8, 16, 64])
        >>> sum(p.numel() for p in conv.parameters())  # 2 * 16 * 2 * 64 + 64
        4160
    """

    repr_options = ("num_nodes", "decouple")

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_nodes: int,
        decouple: bool = True,
        bias: bool = True,
        **kwargs,
    ) -> None:
        self.num_nodes = num_nodes
        super().__init__(
            in_channels, out_channels, num_nodes, num_nodes * decouple, bias, **kwargs
        )

    def forward(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_weight: OptTensor = None,
        node_type: OptTensor = None,
    ) -> Tensor:
        edge_weight = self._edge_weight(x, edge_index, edge_weight)
        node_type = self._node_types(node_type, x, self.num_nodes)
        term = None
        if self.decouple:
            edge_weight, term = self._split_self_loops(
                x, edge_index, edge_weight, node_type
            )
        out = self._transform_then_aggregate(
            x, edge_index, edge_weight, self.weight, node_type, term=term
        )
        return self._add_bias(out)
