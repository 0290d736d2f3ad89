"""Helpers to test weight-sharing layers: a slow reference written from the
paper's equations, and a :func:`torch.compile` check."""

import torch
from torch import Tensor
from torch_geometric.typing import OptTensor

from pyg_weightshare.nn.conv import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    WeightShareConv,
)


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
    r"""Evaluates :obj:`conv` literally from the paper's Eqs. 3-11, with
    explicit loops over target nodes :math:`i` and their in-neighbours
    :math:`j`, in float64.

    Slow by design: use it on small graphs to check a layer, never to train.

    Args:
        conv (WeightShareConv): Any of the five convolutions.
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
    in_edges = [
        [(e, j) for e, (j, target) in enumerate(edge_index.t().tolist()) if target == i]
        for i in range(num_nodes)
    ]
    tau = node_type.tolist()

    out = x.new_zeros(num_nodes, conv.out_channels)
    for i in range(num_nodes):
        if isinstance(conv, PostAggConv):  # Eqs. 6 and 11: aggregate, then W_i.
            aggregated = x.new_zeros(conv.in_channels)
            for e, j in in_edges[i]:
                if self_weight is not None and j == i:
                    out[i] += a[e] * x[i] @ self_weight[tau[i]]
                else:
                    aggregated += a[e] * x[j]
            out[i] += aggregated @ weight[tau[i]]
            continue
        for e, j in in_edges[i]:
            if isinstance(conv, FullShareConv):  # Eqs. 3 and 9.
                matrix = weight[0] if self_weight is None or j != i else self_weight[0]
            elif isinstance(conv, PreAggConv):  # Eqs. 5 and 10.
                if self_weight is not None and j == i:
                    matrix = self_weight[tau[i]]
                else:
                    matrix = weight[tau[j]]
            elif isinstance(conv, ConvStyleConv):  # Eq. 8.
                matrix = weight[int(displacement[e])]
            elif isinstance(conv, NoShareConv):  # Eq. 7.
                matrix = weight[int(edge_type[e])]
            else:
                raise TypeError(f"No reference for {conv.__class__.__name__}")
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
