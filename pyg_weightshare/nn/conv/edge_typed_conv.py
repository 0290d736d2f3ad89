"""The base of the layers whose matrix is chosen by an attribute of the edge,
and the rule that picks their order of operations."""

from __future__ import annotations

import torch
from torch import Tensor
from torch_geometric.typing import OptTensor

from pyg_weightshare.nn.conv.prepared_graph import (
    incidence_operator,
    sparse_aggregation_applies,
    sparse_aggregation_operators,
)
from pyg_weightshare.nn.conv.weight_share_conv import WeightShareConv

#: An edge-typed layer sums its messages per target and type first when
#: :math:`N T \le` :obj:`AGGREGATE_FIRST_RATIO` :math:`\cdot E` (see
#: :func:`~pyg_weightshare.nn.conv.edge_typed_conv.aggregates_first`).
AGGREGATE_FIRST_RATIO = 2

#: In the flat layout, an edge-typed layer that aggregates first sums and
#: transforms its slots in groups whose sums :math:`[N, G C]` take at most
#: this many bytes (at least one slot a group), about a last-level cache, so
#: that on a large graph each group's sums are still in cache when they are
#: transformed (``benchmarks/bench_convs.py --large-graph`` times it against
#: one group of all the slots).
SLOT_GROUP_BYTES = 32 * 2**20


def aggregates_first(num_types: int, num_nodes: int, num_edges: int) -> bool:
    r"""Whether an edge-typed layer of :obj:`num_types` types should, on a
    graph of :obj:`num_nodes` nodes and :obj:`num_edges` edges, sum its
    messages per target and type before transforming them: when
    :math:`N T \le 2 E`, i.e. when there are at most twice as many types as
    edges per node. The :math:`[N, T C] \times [T C, O]` product then does at
    most twice the arithmetic of the :math:`E` products of the edges, as one
    dense matrix product, without sorting the edges by type and without
    keeping :math:`[E, O]` messages for the backward pass.

    Example:
        >>> aggregates_first(3, 16, 46)  # convolution-style on the skeleton
        True
        >>> aggregates_first(46, 16, 46)  # no-sharing on the skeleton
        False
        >>> aggregates_first(16, 100_000, 900_000)  # 16 relations, degree 9
        True
    """
    return num_nodes * num_types <= AGGREGATE_FIRST_RATIO * num_edges


class EdgeTypedConv(WeightShareConv):
    r"""Base of the layers whose matrix is chosen by a class :math:`t(i, j)`
    of the edge :math:`j \to i`, :class:`~pyg_weightshare.ConvStyleConv`
    (the displacement) and :class:`~pyg_weightshare.NoShareConv` (the
    ordered pair):

    .. math::
        \mathbf{x}^{\prime}_i = \sum_{j \in \hat{\mathcal{N}}(i)} \hat{a}_{ij}
        \mathbf{x}_j \mathbf{W}_{t(i, j)} + \mathbf{b}
        = \sum_{t} \Big( \sum_{j : t(i, j) = t} \hat{a}_{ij} \mathbf{x}_j
        \Big) \mathbf{W}_t + \mathbf{b}.

    Self-loops are decoupled by definition (they have classes of their
    own). The layer computes either side of the equation, whichever costs
    less (:func:`aggregates_first`):

    * *transform, then aggregate*: each message
      :math:`\hat{a}_{ij} \mathbf{x}_j \mathbf{W}_{t(i, j)}` in
      :obj:`message`, one typed product over the :math:`E` edges (in the
      static layout over edge-major features gathered once, summed at the
      targets by the weighted incidence of the edges);
    * *aggregate, then transform*: the layer sums
      :math:`\hat{a}_{ij} \mathbf{x}_j` into one *slot* per target and type,
      :math:`[N, T C]`, and the aggregation hook (:obj:`aggregate` or
      :obj:`message_and_aggregate`) multiplies the slots by the :math:`T`
      matrices stacked, :math:`[T C, C_{out}]` (:meth:`transform_slots`), as
      :class:`~torch_geometric.nn.conv.RGCNConv` transforms each relation's
      sum. The sums are one matrix product with an :math:`[N T, N]`
      operator in the static layout (dense), and in the flat layout on the
      CPU, for edge weights that are not learned and outside
      :func:`torch.compile`, one sparse product per group of types, each
      group's sums of at most :obj:`SLOT_GROUP_BYTES` transformed before the
      next group is summed (a type at a time on a large graph, as
      :class:`~torch_geometric.nn.conv.RGCNConv` goes relation by
      relation); otherwise :obj:`aggregate` sums over the edges.

    Args:
        in_channels (int): Size of each input feature.
        out_channels (int): Size of each output feature.
        num_types (int): Number of edge classes :math:`T`.
        bias (bool, optional): If set to :obj:`False`, the layer will not
            learn an additive bias. (default: :obj:`True`)
        cached (bool, optional): Prepare the graph once and reuse it (see
            :class:`~pyg_weightshare.WeightShareConv`). (default: :obj:`False`)
        aggregate_first (bool, optional): :obj:`True` to aggregate, then
            transform, :obj:`False` for the reverse, :obj:`None` to choose
            at every call with :func:`aggregates_first`. (default:
            :obj:`None`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_types: int,
        bias: bool = True,
        cached: bool = False,
        *,
        aggregate_first: bool | None = None,
        **kwargs,
    ) -> None:
        self.aggregate_first = aggregate_first
        super().__init__(
            in_channels, out_channels, num_types, 0, bias, cached, **kwargs
        )

    @property
    def num_slots(self) -> int:
        """One slot per edge class when the layer aggregates first."""
        return self.weight.size(0)

    def aggregation_slots(
        self, type_index: OptTensor, num_nodes: int, num_edges: int
    ) -> OptTensor:
        """The edge classes when the layer aggregates first, else
        :obj:`None`."""
        aggregate_first = self.aggregate_first
        if aggregate_first is None:
            aggregate_first = aggregates_first(self.num_slots, num_nodes, num_edges)
        return type_index if aggregate_first else None

    def static_operator(
        self, edge_index: Tensor, edge_weight: Tensor, slot: OptTensor, num_nodes: int
    ) -> Tensor:
        """The aggregation into slots when the layer aggregates first, else
        the weighted incidence of the edges."""
        if slot is None:
            return incidence_operator(edge_index, edge_weight, num_nodes)
        return super().static_operator(edge_index, edge_weight, slot, num_nodes)

    def flat_operator(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_weight: Tensor,
        slot: OptTensor,
        num_nodes: int,
    ) -> tuple[Tensor, ...] | None:
        """When the layer aggregates first, where it can, the sparse
        aggregations into groups of slots (see :obj:`SLOT_GROUP_BYTES`):
        sparse products sum the weighted sources without writing
        :math:`[E, C]` messages."""
        if slot is None or not sparse_aggregation_applies(x, edge_weight):
            return None
        slot_bytes = max(num_nodes * x.size(-1) * x.element_size(), 1)
        slots_per_group = max(SLOT_GROUP_BYTES // slot_bytes, 1)
        return sparse_aggregation_operators(
            edge_index, edge_weight, slot, self.num_slots, num_nodes, slots_per_group
        )

    def message(
        self, x_j: Tensor, edge_weight: Tensor, type_index: Tensor, slot: OptTensor
    ) -> Tensor:
        if slot is None:
            x_j = self.typed_transform(x_j, self.weight, type_index)
        return edge_weight.view(-1, 1) * x_j

    def aggregate(
        self,
        inputs: Tensor,
        index: Tensor,
        slot: OptTensor,
        target_ptr: OptTensor,
        self_message: OptTensor,
        dim_size: int | None = None,
    ) -> Tensor:
        """The sum of the messages at each target; when the layer aggregates
        first, per slot and then transformed."""
        out = super().aggregate(inputs, index, slot, target_ptr, self_message, dim_size)
        return out if slot is None else self.transform_slots(out)

    def message_and_aggregate(
        self,
        adj_t: Tensor | tuple[Tensor, ...],
        x: Tensor,
        edge_index: Tensor,
        type_index: Tensor,
        slot: OptTensor,
    ) -> Tensor:
        if isinstance(adj_t, tuple):  # flat: group by group of slots
            weight = self.weight.view(-1, self.out_channels)
            out, start = None, 0
            for operator in adj_t:
                sums = torch.sparse.mm(operator, x, "sum").view(x.size(0), -1)
                rows = weight[start : start + sums.size(1)]
                out = sums @ rows if out is None else torch.addmm(out, sums, rows)
                start += sums.size(1)
            return out
        if slot is not None:
            return self.transform_slots(super().message_and_aggregate(adj_t, x, None))
        # The edges' products over edge-major features, then the weighted
        # incidence of the edges gathers them at their targets.
        gathered = x.transpose(0, 1).index_select(0, edge_index[0])
        transformed = torch.bmm(gathered, self.weight.index_select(0, type_index))
        out = adj_t @ transformed.flatten(1)
        return out.view(x.size(1), x.size(0), self.out_channels).transpose(0, 1)

    def transform_slots(self, sums: Tensor) -> Tensor:
        r"""The slots' sums :math:`[\dots, N, T C]` times the :math:`T`
        matrices stacked, :math:`[T C, C_{out}]`."""
        return sums @ self.weight.view(-1, self.out_channels)

    def update(self, inputs: Tensor) -> Tensor:
        return self.add_bias(inputs)
