"""The typed matrix product every weight-sharing scheme is built on."""

import math

import torch
from torch import Tensor
from torch_geometric.typing import OptTensor

#: Rows per tile of :func:`typed_matmul` on large inputs.
MAX_TILE_ROWS = 256


def typed_matmul(x: Tensor, weight: Tensor, type_index: OptTensor) -> Tensor:
    r"""Multiplies each row of :obj:`x` by the weight matrix of its type,
    :math:`\mathbf{y}_r = \mathbf{x}_r \mathbf{W}_{t(r)}`.

    Rows are sorted by type and cut into tiles of :math:`R` rows that each
    hold one type, so the cost is one batched matrix product over the tiles,
    never a weight gathered per row. The number of tiles,
    :math:`\lfloor L / R \rfloor + T`, bounds :math:`\sum_t \lceil L_t / R
    \rceil` for any row counts :math:`L_t`: every shape follows from the
    shapes of the inputs, so the product never reads a value back to the
    host (no synchronisation on CUDA, no graph break under
    :func:`torch.compile`), whatever the types. Padding costs at most
    :math:`T R` rows; :math:`R = \lceil L / 4T \rceil`, at most
    :obj:`MAX_TILE_ROWS`, so it stays within a quarter of the work for small
    inputs and is negligible for large ones (the static layout of the
    convolutions, one skeleton per batch, multiplies per node without tiles).

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
    num_types, num_rows = weight.size(0), x.size(0)
    if num_types == 1:
        return x @ weight[0]
    if num_rows == 0:
        return x.new_zeros(0, weight.size(-1))
    tile_rows = max(1, min(MAX_TILE_ROWS, math.ceil(num_rows / (4 * num_types))))
    num_tiles = num_rows // tile_rows + num_types

    sorted_type, perm = torch.sort(type_index, stable=True)
    count = torch.zeros(num_types, dtype=torch.long, device=x.device)
    count = count.scatter_add_(0, type_index, torch.ones_like(type_index))
    row_end = count.cumsum(0)
    row_start = row_end - count
    tiles = (count + tile_rows - 1) // tile_rows
    tile_end = tiles.cumsum(0)
    tile_start = tile_end - tiles

    # Tile k holds rows of type tile_type[k]; tiles past the last one are
    # computed on repeated rows and never read.
    tile = torch.arange(num_tiles, device=x.device)
    tile_type = torch.searchsorted(tile_end, tile, right=True).clamp_(max=num_types - 1)
    first_row = row_start[tile_type] + (tile - tile_start[tile_type]) * tile_rows
    rows = first_row.view(-1, 1) + torch.arange(tile_rows, device=x.device)
    source = perm[rows.clamp_(max=num_rows - 1).view(-1)]
    out = torch.bmm(
        x.index_select(0, source).view(num_tiles, tile_rows, -1),
        weight.index_select(0, tile_type),
    )

    # Where each row landed: its rank among the rows of its type.
    rank = torch.arange(num_rows, device=x.device) - row_start[sorted_type]
    landed = (
        tile_start[sorted_type] + rank // tile_rows
    ) * tile_rows + rank % tile_rows
    position = torch.empty_like(landed).scatter_(0, perm, landed)
    return out.view(-1, out.size(-1)).index_select(0, position)
