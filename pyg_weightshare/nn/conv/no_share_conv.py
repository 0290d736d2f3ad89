from torch import Tensor
from torch_geometric.typing import Adj, OptTensor

from pyg_weightshare.nn.conv.edge_typed_conv import EdgeTypedConv


class NoShareConv(EdgeTypedConv):
    r"""The no-sharing graph convolution from the `"A Comprehensive Study of
    Weight Sharing in Graph Networks for 3D Human Pose Estimation"
    <https://arxiv.org/abs/2010.06844>`_ paper (Eq. 7), equivalent to the
    locally connected network of Ci et al.: every ordered pair of connected
    nodes has its own matrix,

    .. math::
        \mathbf{x}^{\prime}_i = \sum_{j \in \hat{\mathcal{N}}(i)} \hat{a}_{ij}
        \mathbf{x}_j \mathbf{W}_{e(i, j)} + \mathbf{b}

    where :math:`e(i, j)` is the :obj:`edge_type` of the edge
    :math:`j \to i`. The parameterisation is minimal: one matrix per ordered
    pair in :math:`\hat{\mathcal{N}}(i)` (:math:`J + 2E`, 46 for the 16-joint
    skeleton), never a dense :math:`J \times J` grid. Self-loops are decoupled
    by definition. Edge weights default as in :class:`FullShareConv`. On a
    skeleton, whose pairs outnumber the edges of a node, the edge-typed
    products happen in :obj:`message`, one batched product over the edges
    (in the static layout, over edge-major features gathered once, with
    :obj:`message_and_aggregate`); on a graph with few edge types against
    its in-degrees (as the relations of
    :class:`~torch_geometric.nn.conv.RGCNConv`), the messages are summed per
    target and type first and transformed in one product (see
    :class:`~pyg_weightshare.nn.conv.edge_typed_conv.EdgeTypedConv`).

    Weights: :obj:`weight` :math:`[T, C_{in}, C_{out}]` with :math:`T` =
    :obj:`num_edge_types`, :obj:`bias` :math:`[C_{out}]`.

    Args:
        in_channels (int): Size of each input feature.
        out_channels (int): Size of each output feature.
        num_edge_types (int): Number of ordered pairs :math:`T`
            (:attr:`Skeleton.num_edge_types`).
        bias (bool, optional): If set to :obj:`False`, the layer will not
            learn an additive bias. (default: :obj:`True`)
        cached (bool, optional): Prepare the graph once and reuse it (see
            :class:`WeightShareConv`). (default: :obj:`False`)
        **kwargs (optional): :obj:`aggregate_first` (see
            :class:`~pyg_weightshare.nn.conv.edge_typed_conv.EdgeTypedConv`)
            and additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          node features :math:`(N, C_{in})` or :math:`(B, J, C_{in})`,
          edge indices :math:`(2, E)` or a sparse adjacency, edge weights
          :math:`(E)` *(optional)*,
          edge types :math:`(E)`
        - **output:** node features :math:`(N, C_{out})` or
          :math:`(B, J, C_{out})`

    Example:
        >>> import torch
        >>> from pyg_weightshare import NoShareConv, h36m_skeleton
        >>> graph = h36m_skeleton(16).to_data()
        >>> conv = NoShareConv(2, 64, num_edge_types=46)
        >>> conv(torch.randn(8, 16, 2), graph.edge_index, graph.edge_weight,
        ...      graph.edge_type).shape
        torch.Size([8, 16, 64])
    """

    weight_index = "edge_type"
    type_count = "num_edge_types"
    repr_options = ("num_edge_types",)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_edge_types: int,
        bias: bool = True,
        cached: bool = False,
        **kwargs,
    ) -> None:
        self.num_edge_types = num_edge_types
        super().__init__(
            in_channels, out_channels, num_edge_types, bias, cached, **kwargs
        )

    def forward(
        self,
        x: Tensor,
        edge_index: Adj,
        edge_weight: OptTensor = None,
        edge_type: OptTensor = None,
    ) -> Tensor:
        graph = self.prepare_graph(x, edge_index, edge_weight, edge_type)
        return self.propagate_graph(graph, x=x)
