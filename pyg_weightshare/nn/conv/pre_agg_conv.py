from torch import Tensor
from torch_geometric.typing import Adj, OptTensor

from pyg_weightshare.nn.conv.node_typed_conv import NodeTypedConv


class PreAggConv(NodeTypedConv):
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
    :class:`FullShareConv`. As :class:`~torch_geometric.nn.conv.GCNConv`
    applies its :obj:`lin`, the source-typed products happen before
    :obj:`propagate`; the decoupled self-loop's message
    :math:`\hat{a}_{ii} \mathbf{x}_i \mathbf{S}_{\tau(i)}` is computed with
    them and joins the aggregation.

    Weights: :obj:`weight` :math:`[T, C_{in}, C_{out}]`, :obj:`self_weight`
    :math:`[T, C_{in}, C_{out}]` (or :obj:`None`), :obj:`bias`
    :math:`[C_{out}]`, with :math:`T` = :obj:`num_node_types`.

    Args:
        in_channels (int): Size of each input feature.
        out_channels (int): Size of each output feature.
        num_node_types (int): Number of node types :math:`T` (joints of the
            skeleton). :obj:`num_nodes`, its former name, still works with a
            :class:`DeprecationWarning`.
        decouple (bool, optional): If set to :obj:`False`, self-loops use
            :math:`\mathbf{W}_{\tau(i)}`. (default: :obj:`True`)
        bias (bool, optional): If set to :obj:`False`, the layer will not
            learn an additive bias. (default: :obj:`True`)
        cached (bool, optional): Prepare the graph once and reuse it (see
            :class:`WeightShareConv`). (default: :obj:`False`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          node features :math:`(N, C_{in})` or :math:`(B, J, C_{in})`,
          edge indices :math:`(2, E)` or a sparse adjacency, edge weights
          :math:`(E)` *(optional)*,
          node types :math:`(N)` or :math:`(J)` *(optional in the static
          layout and for a single graph in joint order)*
        - **output:** node features :math:`(N, C_{out})` or
          :math:`(B, J, C_{out})`

    Example:
        >>> import torch
        >>> from pyg_weightshare import PreAggConv, h36m_skeleton
        >>> graph = h36m_skeleton(16).to_data()
        >>> conv = PreAggConv(2, 64, num_node_types=16)
        >>> conv(torch.randn(8, 16, 2), graph.edge_index, graph.edge_weight).shape
        torch.Size([8, 16, 64])
        >>> sum(p.numel() for p in conv.parameters())  # 2 * 16 * 2 * 64 + 64
        4160
    """

    weight_index = "source_node"

    def forward(
        self,
        x: Tensor,
        edge_index: Adj,
        edge_weight: OptTensor = None,
        node_type: OptTensor = None,
    ) -> Tensor:
        graph = self.prepare_graph(x, edge_index, edge_weight, node_type)
        type_index = graph.type_index
        source_transformed = self.typed_transform(x, self.weight, type_index)
        self_message = None
        if self.self_weight is not None:
            self_message = self.typed_transform(
                x, self.self_weight, type_index, graph.self_loop_weight
            )
        return self.propagate_graph(
            graph, x=source_transformed, self_message=self_message
        )

    def update(self, inputs: Tensor) -> Tensor:
        return self.add_bias(inputs)
