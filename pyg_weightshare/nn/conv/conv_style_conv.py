from torch import Tensor
from torch_geometric.typing import Adj, OptTensor

from pyg_weightshare.nn.conv.edge_typed_conv import EdgeTypedConv


class ConvStyleConv(EdgeTypedConv):
    r"""The convolution-style graph convolution from the `"A Comprehensive
    Study of Weight Sharing in Graph Networks for 3D Human Pose Estimation"
    <https://arxiv.org/abs/2010.06844>`_ paper (Eq. 8): like the kernel of an
    image convolution, the matrix depends on the displacement between the two
    nodes,

    .. math::
        \mathbf{x}^{\prime}_i = \sum_{j \in \hat{\mathcal{N}}(i)} \hat{a}_{ij}
        \mathbf{x}_j \mathbf{W}_{d(i, j)} + \mathbf{b}

    with :math:`d(i, j)` = :obj:`0` for :math:`j = i`, :obj:`1` when :math:`j`
    is one hop farther than :math:`i` from the centre joint and :obj:`2` when
    it is one hop closer (the :obj:`displacement` attribute of
    :meth:`~pyg_weightshare.Skeleton.to_data`). Self-loops are decoupled by
    definition. Edge weights default as in :class:`FullShareConv`. With
    few classes against the edges (on skeletons, and on any graph of mean
    in-degree at least :math:`D / 2`), the messages are aggregated into one
    slot per displacement class (:obj:`aggregate`), which :obj:`update`
    multiplies by the :math:`D` matrices in one product; otherwise each
    message is transformed by its own matrix (see
    :class:`~pyg_weightshare.nn.conv.edge_typed_conv.EdgeTypedConv`).

    Weights: :obj:`weight` :math:`[D, C_{in}, C_{out}]`, :math:`D` =
    :obj:`num_displacements`, :obj:`bias`
    :math:`[C_{out}]`.

    Args:
        in_channels (int): Size of each input feature.
        out_channels (int): Size of each output feature.
        bias (bool, optional): If set to :obj:`False`, the layer will not
            learn an additive bias. (default: :obj:`True`)
        cached (bool, optional): Prepare the graph once and reuse it (see
            :class:`WeightShareConv`). (default: :obj:`False`)
        num_displacements (int, optional): Number of displacement classes:
            :obj:`4` adds neighbours at the same distance from the centre,
            which graphs with odd cycles have (see
            :class:`~pyg_weightshare.transforms.AddTypedAttributes`).
            (default: :obj:`3`)
        **kwargs (optional): :obj:`aggregate_first` (see
            :class:`~pyg_weightshare.nn.conv.edge_typed_conv.EdgeTypedConv`)
            and additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          node features :math:`(N, C_{in})` or :math:`(B, J, C_{in})`,
          edge indices :math:`(2, E)` or a sparse adjacency, edge weights
          :math:`(E)` *(optional)*,
          displacement classes :math:`(E)`
        - **output:** node features :math:`(N, C_{out})` or
          :math:`(B, J, C_{out})`

    Example:
        >>> import torch
        >>> from pyg_weightshare import ConvStyleConv, h36m_skeleton
        >>> graph = h36m_skeleton(16).to_data()
        >>> conv = ConvStyleConv(2, 64)
        >>> conv(torch.randn(8, 16, 2), graph.edge_index, graph.edge_weight,
        ...      graph.displacement).shape
        torch.Size([8, 16, 64])
    """

    weight_index = "displacement"
    type_count = "num_displacements"
    repr_options = ("num_displacements",)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        bias: bool = True,
        cached: bool = False,
        num_displacements: int = 3,
        **kwargs,
    ) -> None:
        self.num_displacements = num_displacements
        super().__init__(
            in_channels, out_channels, num_displacements, bias, cached, **kwargs
        )

    def forward(
        self,
        x: Tensor,
        edge_index: Adj,
        edge_weight: OptTensor = None,
        displacement: OptTensor = None,
    ) -> Tensor:
        graph = self.prepare_graph(x, edge_index, edge_weight, displacement)
        return self.propagate_graph(graph, x=x)
