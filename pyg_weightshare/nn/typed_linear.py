"""The typed matrix product every weight-sharing scheme is built on."""

import torch
from torch import Tensor
from torch_geometric.typing import OptTensor


def typed_matmul(x: Tensor, weight: Tensor, type_index: OptTensor) -> Tensor:
    r"""Multiplies each row of :obj:`x` by the weight matrix of its type,
    :math:`\mathbf{y}_r = \mathbf{x}_r \mathbf{W}_{t(r)}`.

    Rows are grouped by type with one stable sort, so the cost is one matrix
    product per type (a single batched product when every type has the same
    number of rows, as in batches of one skeleton), never a weight gathered
    per row. The per-type row counts (:obj:`T` integers) are read to the host,
    as in :class:`torch_geometric.nn.HeteroLinear`; the static layout of the
    convolutions does not need this function and never synchronises.

    Args:
        x (torch.Tensor): Rows :math:`[L, C]`.
        weight (torch.Tensor): One matrix per type :math:`[T, C, O]`.
        type_index (torch.Tensor, optional): The type of each row :math:`[L]`,
            in :obj:`0..T-1`; may be :obj:`None` when :math:`T = 1`.

    Returns:
        torch.Tensor: :math:`[L, O]`.

    Example:
        >>> x, weight = torch.ones(3, 2), torch.stack([torch.eye(2), 2 * torch.eye(2)])
        >>> typed_matmul(x, weight, torch.tensor([1, 0, 1]))
        tensor([[2., 2.],
                [1., 1.],
                [2., 2.]])
    """
    num_types = weight.size(0)
    if num_types == 1:
        return x @ weight[0]
    type_index, perm = torch.sort(type_index, stable=True)
    x = x.index_select(0, perm)
    counts = torch.bincount(type_index, minlength=num_types).tolist()
    if min(counts) == max(counts):
        rows = x.view(num_types, counts[0], x.size(1))
        out = torch.bmm(rows, weight).flatten(0, 1)
    else:
        out = torch.cat(
            [
                rows @ weight[t]
                for t, rows in enumerate(x.split(counts))
                if counts[t] > 0
            ]
        )
    return out.index_select(0, torch.argsort(perm))
