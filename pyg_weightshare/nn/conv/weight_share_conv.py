"""The machinery every weight-sharing convolution shares.

All eight schemes of Liu et al. compute

.. math::
    \\mathbf{x}^{\\prime}_i = \\sum_{j \\in \\hat{\\mathcal{N}}(i)} \\hat{a}_{ij}
    \\, \\mathbf{x}_j \\mathbf{W}_{k(i, j)} + \\mathbf{b}

and differ only in the index :math:`k(i, j)` of the weight matrix of each
edge. Three evaluation orders cover them, each implemented here once for the
flat PyG layout (:obj:`x` of shape :math:`[N, C]`) and for the static layout
(:obj:`x` of shape :math:`[B, J, C]` with one graph shared by the batch):

* transform, then aggregate, for weights indexed by the source node
  (:class:`FullShareConv`, :class:`PreAggConv`);
* aggregate, then transform, for weights indexed by the target node or by a
  per-target slot (:class:`PostAggConv`, :class:`ConvStyleConv`);
* transform each edge, for weights indexed by the edge (:class:`NoShareConv`).

A node's matrices for its different edge classes (neighbours and the
decoupled self-loop, or the three displacements) are stacked into *slots* so
that every scheme costs one batched matrix product per layer.

In the static layout the graph is small and shared, so aggregation is a dense
:math:`[J, R]` operator built from the edge list on every call (differentiable
in :obj:`edge_weight`, no host synchronisation) and applied to node-major
features with one matrix product; the typed product is a single
:func:`torch.bmm` over the node axis. In the flat layout, aggregation is
PyTorch Geometric's :meth:`propagate` (gather, :meth:`message`, scatter) and
the typed product is :func:`~pyg_weightshare.nn.typed_matmul`.
"""

import math

import torch
from torch import Tensor
from torch.nn import Parameter
from torch_geometric.nn import MessagePassing
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.typing import OptTensor

from pyg_weightshare.nn.typed_linear import typed_matmul


class WeightShareConv(MessagePassing):
    r"""Base class of the weight-sharing convolutions.

    Holds :obj:`weight` :math:`[T, C_{in}, C_{out}]`, the optional decoupled
    :obj:`self_weight` :math:`[T_{self}, C_{in}, C_{out}]` and :obj:`bias`
    :math:`[C_{out}]`, validates inputs, normalises the adjacency and runs the
    evaluation orders described in the module docstring. Subclasses choose the
    weight index of each edge.

    Args:
        in_channels (int): Size of each input feature :math:`C_{in}`.
        out_channels (int): Size of each output feature :math:`C_{out}`.
        num_weights (int): Number of neighbour matrices :math:`T`.
        num_self_weights (int): Number of decoupled self-loop matrices
            (:obj:`0` if self-loops are not decoupled).
        bias (bool, optional): If set to :obj:`False`, the layer will not
            learn an additive bias. (default: :obj:`True`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.
    """

    #: Hyper-parameters shown by :meth:`__repr__` after the channel sizes.
    repr_options: tuple[str, ...] = ()
    propagate_type = {"x": Tensor, "edge_weight": Tensor}  # noqa: RUF012

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_weights: int,
        num_self_weights: int = 0,
        bias: bool = True,
        **kwargs,
    ) -> None:
        kwargs.setdefault("aggr", "add")
        super().__init__(node_dim=-2, **kwargs)
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(
                f"Channel sizes must be positive, got {in_channels} -> {out_channels}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.weight = Parameter(torch.empty(num_weights, in_channels, out_channels))
        if num_self_weights > 0:
            self.self_weight = Parameter(
                torch.empty(num_self_weights, in_channels, out_channels)
            )
        else:
            self.register_parameter("self_weight", None)
        if bias:
            self.bias = Parameter(torch.empty(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        r"""Xavier-uniform initialisation of each matrix (fan-in
        :math:`C_{in}`, fan-out :math:`C_{out}`) and a zero bias."""
        super().reset_parameters()
        bound = math.sqrt(6.0 / (self.in_channels + self.out_channels))
        for weight in (self.weight, self.self_weight):
            if weight is not None:
                torch.nn.init.uniform_(weight, -bound, bound)
        if self.bias is not None:
            torch.nn.init.zeros_(self.bias)

    @property
    def decouple(self) -> bool:
        return self.self_weight is not None

    # Input handling ------------------------------------------------------

    def _edge_weight(
        self, x: Tensor, edge_index: Tensor, edge_weight: OptTensor
    ) -> Tensor:
        r"""Validates the shared inputs and returns :math:`\hat{a}` per edge.

        Without :obj:`edge_weight`, :math:`\hat{a}_{ij} = 1 / \sqrt{d_i d_j}`
        with :math:`d` the in-degree of the graph as given: the paper's Eq. 2
        when the graph holds its self-loops, as :meth:`Skeleton.to_data`
        graphs do. Self-loops are never added, since typed edge attributes
        must stay aligned with the edges."""
        if x.dim() not in (2, 3):
            raise ValueError(
                f"{self.__class__.__name__} expects x of shape [N, C] (flat) or "
                f"[B, J, C] (static), got {list(x.shape)}"
            )
        if x.size(-1) != self.in_channels:
            raise ValueError(
                f"{self.__class__.__name__} expects {self.in_channels} input "
                f"features, got x with {x.size(-1)} in its last dimension"
            )
        if edge_index.dim() != 2 or edge_index.size(0) != 2:
            raise ValueError(
                f"edge_index must have shape [2, E], got {list(edge_index.shape)}"
            )
        if edge_index.dtype != torch.long:
            raise ValueError(f"edge_index must be int64, got {edge_index.dtype}")
        num_nodes = x.size(-2)
        self._check_index("edge_index", edge_index, num_nodes, "nodes")
        self._check_edge_attr("edge_weight", edge_weight, edge_index)
        if edge_weight is not None:
            return edge_weight.to(x.dtype)
        return gcn_norm(
            edge_index, None, num_nodes, add_self_loops=False, dtype=x.dtype
        )[1]

    @staticmethod
    def _check_index(name: str, index: Tensor, size: int, what: str) -> None:
        # A device-side assert: raises at once on the CPU, never syncs on CUDA.
        torch._assert_async(
            ((index >= 0) & (index < size)).all(),
            f"{name} holds ids outside 0..{size - 1} (there are {size} {what})",
        )

    @staticmethod
    def _check_edge_attr(name: str, attr: OptTensor, edge_index: Tensor) -> None:
        if attr is not None and attr.shape != edge_index.shape[1:]:
            raise ValueError(
                f"{name} must hold one entry per edge ({edge_index.size(1)}), "
                f"got shape {list(attr.shape)}"
            )

    def _node_types(self, node_type: OptTensor, x: Tensor, num_types: int) -> OptTensor:
        """Validates :obj:`node_type`. Without it, a static batch and a single
        flat graph of :obj:`num_types` nodes are taken in joint order
        (:obj:`None` for the static layout, node ids for the flat one)."""
        num_nodes = x.size(-2)
        if node_type is None:
            if x.dim() == 3:
                return None
            if num_nodes == num_types:
                return torch.arange(num_nodes, device=x.device)
            raise ValueError(
                f"{self.__class__.__name__} needs node_type for a flat batch of "
                f"{num_nodes} nodes ({num_types} node types)"
            )
        if node_type.shape != (num_nodes,):
            raise ValueError(
                f"node_type must hold one id per node ({num_nodes}), got shape "
                f"{list(node_type.shape)}"
            )
        if node_type.dtype != torch.long:
            raise ValueError(f"node_type must be int64, got {node_type.dtype}")
        self._check_index("node_type", node_type, num_types, "node types")
        return node_type

    def _edge_types(
        self, name: str, types: OptTensor, edge_index: Tensor, num_types: int
    ) -> Tensor:
        if types is None:
            raise ValueError(f"{self.__class__.__name__} needs {name}")
        if types.dtype != torch.long:
            raise ValueError(f"{name} must be int64, got {types.dtype}")
        self._check_edge_attr(name, types, edge_index)
        self._check_index(name, types, num_types, f"{name} classes")
        return types

    def _self_loop_slots(self, edge_index: Tensor) -> tuple[Tensor, Tensor]:
        """The weights stacked by slot :math:`[S, T, C, O]` and the slot of
        each edge: with decoupling, slot 1 (:obj:`self_weight`) for
        self-loops and slot 0 (:obj:`weight`) for the other edges."""
        if self.self_weight is None:
            return self.weight.unsqueeze(0), torch.zeros_like(edge_index[0])
        is_self_loop = (edge_index[0] == edge_index[1]).long()
        return torch.stack([self.weight, self.self_weight]), is_self_loop

    @staticmethod
    def _rows(weight: Tensor, node_type: OptTensor) -> Tensor:
        """Static layout: the matrix of every (slot, node) row, :math:`[S J, C, O]`."""
        if node_type is not None:
            weight = weight.index_select(1, node_type)
        return weight.flatten(0, 1)

    # Evaluation orders ---------------------------------------------------

    def _transform_then_aggregate(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_weight: Tensor,
        weight: Tensor,
        node_type: OptTensor,
        slot: Tensor,
    ) -> Tensor:
        r""":math:`\sum_e \hat{a}_e \mathbf{x}_j \mathbf{W}[s_e, \tau(j)]` for
        :obj:`weight` :math:`[S, T, C, O]` and edge slots :math:`s_e`."""
        num_slots, num_types, in_channels, out_channels = weight.shape
        source, target = edge_index
        if x.dim() == 3:
            num_nodes = x.size(1)
            node_major = x.transpose(0, 1)
            if num_slots > 1:
                node_major = node_major.repeat(num_slots, 1, 1)
            return self._transform_scatter(
                node_major,
                self._rows(weight, node_type),
                slot * num_nodes + source,
                target,
                edge_weight,
                num_nodes,
            )
        num_nodes = x.size(0)
        slot_major = weight.permute(1, 2, 0, 3).reshape(num_types, in_channels, -1)
        y = typed_matmul(x, slot_major, node_type).view(-1, out_channels)
        edge_index = torch.stack([source * num_slots + slot, target])
        return self.propagate(
            edge_index,
            x=y,
            edge_weight=edge_weight,
            size=(num_nodes * num_slots, num_nodes),
        )

    def _aggregate_then_transform(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_weight: Tensor,
        weight: Tensor,
        node_type: OptTensor,
        slot: Tensor,
    ) -> Tensor:
        r""":math:`\sum_s (\sum_{e: s_e = s} \hat{a}_e \mathbf{x}_j)
        \mathbf{W}[s, \tau(i)]` for :obj:`weight` :math:`[S, T, C, O]`."""
        num_slots, num_types, in_channels, out_channels = weight.shape
        source, target = edge_index
        if x.dim() == 3:
            batch_size, num_nodes = x.shape[:2]
            operator = x.new_zeros(num_slots * num_nodes, num_nodes).index_put_(
                (slot * num_nodes + target, source), edge_weight, accumulate=True
            )
            node_major = x.transpose(0, 1).reshape(num_nodes, -1)
            aggregated = (operator @ node_major).view(-1, batch_size, in_channels)
            out = torch.bmm(aggregated, self._rows(weight, node_type))
            return out.view(num_slots, num_nodes, batch_size, -1).sum(0).transpose(0, 1)
        num_nodes = x.size(0)
        aggregated = self.propagate(
            torch.stack([source, target * num_slots + slot]),
            x=x,
            edge_weight=edge_weight,
            size=(num_nodes, num_nodes * num_slots),
        )
        slot_major = weight.transpose(0, 1).reshape(num_types, -1, out_channels)
        return typed_matmul(aggregated.view(num_nodes, -1), slot_major, node_type)

    def _transform_edges(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_weight: Tensor,
        edge_type: Tensor,
    ) -> Tensor:
        r""":math:`\sum_e \hat{a}_e \mathbf{x}_j \mathbf{W}[t_e]`, one matrix
        product per edge type."""
        source, target = edge_index
        if x.dim() == 3:
            return self._transform_scatter(
                x.transpose(0, 1).index_select(0, source),
                self.weight.index_select(0, edge_type),
                torch.arange(edge_index.size(1), device=x.device),
                target,
                edge_weight,
                x.size(1),
            )
        return self.propagate(
            edge_index, x=x, edge_weight=edge_weight, edge_type=edge_type
        )

    @staticmethod
    def _transform_scatter(
        rows: Tensor,
        row_weight: Tensor,
        edge_row: Tensor,
        target: Tensor,
        edge_weight: Tensor,
        num_nodes: int,
    ) -> Tensor:
        r"""Static layout: multiplies row :math:`r` :math:`[R, B, C]` by
        :obj:`row_weight[r]`, then edge :math:`e` adds :math:`\hat{a}_e` times
        row :obj:`edge_row[e]` to its target. Returns :math:`[B, J, O]`."""
        num_rows, batch_size, _ = rows.shape
        transformed = torch.bmm(rows, row_weight).view(num_rows, -1)
        operator = rows.new_zeros(num_nodes, num_rows).index_put_(
            (target, edge_row), edge_weight, accumulate=True
        )
        out = operator @ transformed
        return out.view(num_nodes, batch_size, -1).transpose(0, 1)

    def message(self, x_j: Tensor, edge_weight: Tensor) -> Tensor:
        return edge_weight.view(-1, 1) * x_j

    def _add_bias(self, out: Tensor) -> Tensor:
        return out if self.bias is None else out + self.bias

    def __repr__(self) -> str:
        options = "".join(
            f", {name}={getattr(self, name)}" for name in self.repr_options
        )
        return (
            f"{self.__class__.__name__}({self.in_channels}, "
            f"{self.out_channels}{options})"
        )
