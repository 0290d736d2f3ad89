"""Helpers to test weight-sharing layers: a slow reference written from the
paper's equations, and a :func:`torch.compile` check."""

import torch
from torch import Tensor
from torch_geometric.typing import OptTensor

from pyg_weightshare.nn.conv import WeightShareConv


def reference_normalization(edge_index: Tensor, num_nodes: int) -> Tensor:
    r""":math:`\hat{a}_{ij} = 1 / \sqrt{d_i d_j}` with :math:`d` the in-degree,
    counted edge by edge."""
    degree = [0] * num_nodes
    for i in edge_index[1].tolist():
        degree[i] += 1
    return torch.tensor(
        [(degree[i] * degree[j]) ** -0.5 for j, i in edge_index.t().tolist()],
        dtype=torch.float64,
    )


def reference_conv(
    conv: WeightShareConv,
    x: Tensor,
    edge_index: Tensor,
    edge_weight: OptTensor = None,
    node_type: OptTensor = None,
    edge_type: OptTensor = None,
    displacement: OptTensor = None,
) -> Tensor:
    r"""Evaluates :obj:`conv` literally from the paper's equations,

    .. math::
        \mathbf{x}^{\prime}_i = \sum_{j \in \hat{\mathcal{N}}(i)}
        \hat{a}_{ij} \, \mathbf{x}_j \mathbf{W}_{k(i, j)} + \mathbf{b},

    with :math:`k(i, j)` read from the layer's declared
    :obj:`weight_index` and decoupled self-loops
    (:math:`j = i`) taking :obj:`self_weight` of the node's type (Eqs.
    3-11), by explicit loops over target nodes :math:`i` and their
    in-neighbours :math:`j`, in float64. Any subclass of
    :class:`WeightShareConv` can be checked with it.

    Slow by design: use it on small graphs to check a layer, never to train.

    Args:
        conv (WeightShareConv): The layer.
        x (torch.Tensor): Node features, flat :math:`[N, C]` or static
            :math:`[B, J, C]` (evaluated graph by graph).
        edge_index (torch.Tensor): :math:`[2, E]`, row 0 source, row 1 target.
        edge_weight (torch.Tensor, optional): :math:`\hat{a}` per edge;
            defaults to :func:`reference_normalization`.
        node_type (torch.Tensor, optional): Node types (default: node ids).
        edge_type (torch.Tensor, optional): Edge types, for no-sharing.
        displacement (torch.Tensor, optional): Displacement classes, for
            convolution-style.

    Returns:
        torch.Tensor: The output, float64, in the layout of :obj:`x`.
    """
    if x.dim() == 3:
        return torch.stack(
            [
                reference_conv(
                    conv,
                    graph,
                    edge_index,
                    edge_weight,
                    node_type,
                    edge_type,
                    displacement,
                )
                for graph in x
            ]
        )
    x = x.double()
    num_nodes = x.size(0)
    if edge_weight is None:
        edge_weight = reference_normalization(edge_index, num_nodes)
    if node_type is None:
        node_type = torch.arange(num_nodes)
    weight = conv.weight.detach().double()
    self_weight = (
        None if conv.self_weight is None else conv.self_weight.detach().double()
    )
    a = edge_weight.double().tolist()
    tau = node_type.tolist()
    edges = edge_index.t().tolist()
    index_of_edge = {
        "shared": lambda e, i, j: 0,
        "source_node": lambda e, i, j: tau[j],
        "target_node": lambda e, i, j: tau[i],
        "displacement": lambda e, i, j: int(displacement[e]),
        "edge_type": lambda e, i, j: int(edge_type[e]),
    }[conv.weight_index]

    out = x.new_zeros(num_nodes, conv.out_channels)
    for i in range(num_nodes):
        for e, (j, target) in enumerate(edges):
            if target != i:
                continue
            if self_weight is not None and j == i:
                matrix = self_weight[tau[i] if self_weight.size(0) > 1 else 0]
            else:
                matrix = weight[index_of_edge(e, i, j)]
            out[i] += a[e] * x[j] @ matrix
    if conv.bias is not None:
        out += conv.bias.detach().double()
    return out


def assert_compiles(
    module: torch.nn.Module, *args, atol: float = 1e-5, **kwargs
) -> None:
    r"""Asserts that :obj:`torch.compile(module, fullgraph=True)` runs with no
    graph break and matches eager mode on :obj:`module(*args, **kwargs)`."""
    torch._dynamo.reset()
    expected = module(*args, **kwargs)
    compiled = torch.compile(module, fullgraph=True)
    torch.testing.assert_close(
        compiled(*args, **kwargs), expected, atol=atol, rtol=1e-4
    )
