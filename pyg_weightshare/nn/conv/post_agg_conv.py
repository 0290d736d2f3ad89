from torch import Tensor
from torch_geometric.typing import Adj, OptTensor

from pyg_weightshare.nn.conv.node_typed_conv import NodeTypedConv


class PostAggConv(NodeTypedConv):
    r"""The post-aggregation graph convolution from the `"A Comprehensive
    Study of Weight Sharing in Graph Networks for 3D Human Pose Estimation"
    <https://arxiv.org/abs/2010.06844>`_ paper (Eqs. 6, 11): the
    neighbourhood is aggregated first, then transformed by the matrix of the
    *target* node's type,

    .. math::
        \mathbf{x}^{\prime}_i = \hat{a}_{ii} \mathbf{x}_i \mathbf{S}_{\tau(i)}
        + \Big( \sum_{j \in \mathcal{N}(i)} \hat{a}_{ij} \mathbf{x}_j \Big)
        \mathbf{W}_{\tau(i)} + \mathbf{b}

    with :obj:`decouple=True`, and
    :math:`\mathbf{x}^{\prime}_i = (\sum_{j \in \hat{\mathcal{N}}(i)}
    \hat{a}_{ij} \mathbf{x}_j) \mathbf{W}_{\tau(i)} + \mathbf{b}` otherwise,
    where :math:`\tau(i)` is the type (joint id) of node :math:`i`. Edge
    weights default as in :class:`FullShareConv`. :obj:`update` applies
    :math:`\mathbf{W}_{\tau(i)}` to the aggregated neighbours and adds the
    decoupled self-loop's term :math:`\hat{a}_{ii} \mathbf{x}_i
    \mathbf{S}_{\tau(i)}`, computed before :obj:`propagate`.

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
        >>> from pyg_weightshare import PostAggConv, h36m_skeleton
        >>> graph = h36m_skeleton(16).to_data()
        >>> conv = PostAggConv(2, 64, num_node_types=16)
        >>> conv(torch.randn(8, 16, 2), graph.edge_index, graph.edge_weight).shape
        torch.Size([8, 16, 64])
        >>> sum(p.numel() for p in conv.parameters())  # 2 * 16 * 2 * 64 + 64
        4160
    """

    weight_index = "target_node"

    def forward(
        self,
        x: Tensor,
        edge_index: Adj,
        edge_weight: OptTensor = None,
        node_type: OptTensor = None,
    ) -> Tensor:
        graph = self.prepare_graph(x, edge_index, edge_weight, node_type)
        self_output = None
        if self.self_weight is not None:
            self_output = self.typed_transform(
                x, self.self_weight, graph.type_index, graph.self_loop_weight
            )
        return self.propagate_graph(graph, x=x, self_output=self_output)

    def update(
        self, inputs: Tensor, type_index: OptTensor, self_output: OptTensor
    ) -> Tensor:
        out = self.typed_transform(inputs, self.weight, type_index)
        if self_output is not None:
            out = out + self_output
        return self.add_bias(out)
