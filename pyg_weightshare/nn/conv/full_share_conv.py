from torch import Tensor
from torch_geometric.typing import Adj, OptTensor

from pyg_weightshare.nn.conv.weight_share_conv import WeightShareConv


class FullShareConv(WeightShareConv):
    r"""The full-sharing graph convolution (the vanilla GCN layer) from the
    `"A Comprehensive Study of Weight Sharing in Graph Networks for 3D Human
    Pose Estimation" <https://arxiv.org/abs/2010.06844>`_ paper (Eqs. 3, 9):
    one matrix shared by every edge, optionally with a second one for the
    self-loops

    .. math::
        \mathbf{x}^{\prime}_i = \hat{a}_{ii} \mathbf{x}_i \mathbf{S} +
        \sum_{j \in \mathcal{N}(i)} \hat{a}_{ij} \mathbf{x}_j \mathbf{W} +
        \mathbf{b}

    with :obj:`decouple=True`, and
    :math:`\mathbf{x}^{\prime}_i = \sum_{j \in \hat{\mathcal{N}}(i)}
    \hat{a}_{ij} \mathbf{x}_j \mathbf{W} + \mathbf{b}` otherwise.
    :math:`\hat{a}_{ij}` is the weight of the edge :math:`j \to i`; without
    :obj:`edge_weight` it is :math:`1 / \sqrt{d_i d_j}` with :math:`d` the
    in-degree of the graph as given (the paper's Eq. 2 when the graph holds
    its self-loops, as :meth:`~pyg_weightshare.Skeleton.to_data` graphs do).

    As :class:`~torch_geometric.nn.conv.GCNConv` applies its :obj:`lin`, the
    product with :math:`\mathbf{W}` happens before :obj:`propagate`; the
    decoupled self-loop's message :math:`\hat{a}_{ii} \mathbf{x}_i
    \mathbf{S}` is computed with it and joins the aggregation.

    Weights: :obj:`weight` :math:`[1, C_{in}, C_{out}]`
    (:math:`\mathbf{W}`), :obj:`self_weight` :math:`[1, C_{in}, C_{out}]`
    (:math:`\mathbf{S}`, or :obj:`None`), :obj:`bias` :math:`[C_{out}]`.

    Args:
        in_channels (int): Size of each input feature.
        out_channels (int): Size of each output feature.
        decouple (bool, optional): If set to :obj:`False`, self-loops share
            :math:`\mathbf{W}`. (default: :obj:`True`)
        bias (bool, optional): If set to :obj:`False`, the layer will not
            learn an additive bias. (default: :obj:`True`)
        cached (bool, optional): Prepare the graph once and reuse it (see
            :class:`WeightShareConv`). (default: :obj:`False`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          node features :math:`(N, C_{in})` or :math:`(B, J, C_{in})`,
          edge indices :math:`(2, E)`, edge weights :math:`(E)` *(optional)*
        - **output:** node features :math:`(N, C_{out})` or
          :math:`(B, J, C_{out})`

    Example:
        >>> import torch
        >>> from pyg_weightshare import FullShareConv, h36m_skeleton
        >>> graph = h36m_skeleton(16).to_data()
        >>> conv = FullShareConv(2, 64)
        >>> conv(torch.randn(8, 16, 2), graph.edge_index, graph.edge_weight).shape
        torch.Size([8, 16, 64])
    """

    weight_index = "shared"
    repr_options = ("decouple",)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        decouple: bool = True,
        bias: bool = True,
        cached: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(
            in_channels, out_channels, 1, int(decouple), bias, cached, **kwargs
        )

    def forward(
        self, x: Tensor, edge_index: Adj, edge_weight: OptTensor = None
    ) -> Tensor:
        graph = self.prepare_graph(x, edge_index, edge_weight)
        transformed = self.typed_transform(x, self.weight, None)
        self_message = None
        if self.self_weight is not None:
            self_message = self.typed_transform(
                x, self.self_weight, None, graph.self_loop_weight
            )
        return self.propagate_graph(graph, x=transformed, self_message=self_message)

    def update(self, inputs: Tensor) -> Tensor:
        return self.add_bias(inputs)
