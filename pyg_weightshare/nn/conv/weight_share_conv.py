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

Decoupled self-loops add a separate term
:math:`\\hat{a}_{ii} \\mathbf{x}_i \\mathbf{S}_{\\tau(i)}`; the three displacement
classes of convolution-style sharing aggregate into separate *slots*, each
with its own matrix.

In the static layout the graph is small and shared, so aggregation is a dense
:math:`[J, J]` operator built from the edge list on every call (differentiable
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
            if num_nodes != num_types:
                layout = "graph" if x.dim() == 3 else "flat batch"
                raise ValueError(
                    f"{self.__class__.__name__} has {num_types} node types: it "
                    f"needs node_type for a {layout} of {num_nodes} nodes"
                )
            if x.dim() == 3:
                return None
            return torch.arange(num_nodes, device=x.device)
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

    def _split_self_loops(
        self, x: Tensor, edge_index: Tensor, edge_weight: Tensor, node_type: OptTensor
    ) -> tuple[Tensor, Tensor]:
        r"""Decoupled self-loops (Eqs. 9-11): returns the edge weights with the
        self-loops zeroed, and the self-loop term
        :math:`\hat{a}_{ii} \mathbf{x}_i \mathbf{S}_{\tau(i)}` (node-major
        :math:`[J, B, O]` in the static layout, :math:`[N, O]` in the flat
        one), with :obj:`self_weight` scaled by :math:`\hat{a}_{ii}` once
        instead of every output row."""
        num_nodes = x.size(-2)
        self_loop_weight = edge_weight * (edge_index[0] == edge_index[1])
        diagonal = x.new_zeros(num_nodes).index_add_(0, edge_index[1], self_loop_weight)
        if x.dim() == 3:
            self_weight = _per_node(self.self_weight, node_type, num_nodes)
            term = torch.bmm(x.transpose(0, 1), diagonal.view(-1, 1, 1) * self_weight)
        else:
            term = diagonal.view(-1, 1) * typed_matmul(x, self.self_weight, node_type)
        return edge_weight - self_loop_weight, term

    # Evaluation orders ---------------------------------------------------
    #
    # Each takes matrices of shape :math:`[T, C, O]` (:math:`T = 1` for a
    # matrix shared by all nodes) and a term to add to the output (the
    # decoupled self-loops).

    def _transform_then_aggregate(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_weight: Tensor,
        weight: Tensor,
        node_type: OptTensor,
        term: OptTensor = None,
    ) -> Tensor:
        r""":math:`\sum_e \hat{a}_e \mathbf{x}_j \mathbf{W}_{\tau(j)}`."""
        if x.dim() == 3:
            num_nodes = x.size(1)
            single_slot = torch.zeros_like(edge_index[0])
            operator = _slot_operators(x, edge_index, edge_weight, single_slot, 1)[0]
            per_node = _per_node(weight, node_type, num_nodes)
            transformed = torch.bmm(x.transpose(0, 1), per_node).view(num_nodes, -1)
            if term is None:
                out = operator @ transformed
            else:
                out = torch.addmm(term.view(num_nodes, -1), operator, transformed)
            return out.view(num_nodes, x.size(0), -1).transpose(0, 1)
        y = typed_matmul(x, weight, node_type)
        out = self.propagate(edge_index, x=y, edge_weight=edge_weight)
        return out if term is None else out + term

    def _aggregate_then_transform(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_weight: Tensor,
        slot_weights: list[Tensor],
        node_type: OptTensor,
        slot: OptTensor = None,
        term: OptTensor = None,
    ) -> Tensor:
        r""":math:`\sum_s (\sum_{e: s_e = s} \hat{a}_e \mathbf{x}_j)
        \mathbf{W}^{(s)}_{\tau(i)}`, with the matrices of every slot
        (:obj:`slot_weights`) and the slot of each edge (:obj:`None` for a
        single slot)."""
        source, target = edge_index
        if slot is None:
            slot = torch.zeros_like(source)
        if x.dim() == 3:
            num_nodes, in_channels = x.shape[1:]
            node_major = x.transpose(0, 1).reshape(num_nodes, -1)
            out = term
            for operator, weight in zip(
                _slot_operators(x, edge_index, edge_weight, slot, len(slot_weights)),
                slot_weights,
                strict=True,
            ):
                aggregated = (operator @ node_major).view(num_nodes, -1, in_channels)
                weight = _per_node(weight, node_type, num_nodes)
                if out is None:
                    out = torch.bmm(aggregated, weight)
                else:
                    out = torch.baddbmm(out, aggregated, weight)
            return out.transpose(0, 1)
        num_nodes, num_slots = x.size(0), len(slot_weights)
        aggregated = self.propagate(
            torch.stack([source, target * num_slots + slot]),
            x=x,
            edge_weight=edge_weight,
            size=(num_nodes, num_nodes * num_slots),
        )
        out = typed_matmul(
            aggregated.view(num_nodes, -1), torch.cat(slot_weights, dim=1), node_type
        )
        return out if term is None else out + term

    def _transform_edges(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_weight: Tensor,
        edge_type: Tensor,
    ) -> Tensor:
        r""":math:`\sum_e \hat{a}_e \mathbf{x}_j \mathbf{W}_{t_e}`, one matrix
        product per edge type."""
        source, target = edge_index
        if x.dim() == 3:
            batch_size, num_nodes, _ = x.shape
            num_edges = edge_index.size(1)
            gathered = x.transpose(0, 1).index_select(0, source)
            transformed = torch.bmm(gathered, self.weight.index_select(0, edge_type))
            incidence = x.new_zeros(num_nodes, num_edges).index_put_(
                (target, torch.arange(num_edges, device=x.device)), edge_weight
            )
            out = incidence @ transformed.view(num_edges, -1)
            return out.view(num_nodes, batch_size, -1).transpose(0, 1)
        return self.propagate(
            edge_index, x=x, edge_weight=edge_weight, edge_type=edge_type
        )

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


def _slot_operators(
    x: Tensor, edge_index: Tensor, edge_weight: Tensor, slot: Tensor, num_slots: int
) -> Tensor:
    r"""Static layout: :math:`[S, J, J]`, for each slot the dense matrix of
    :math:`\hat{a}` over the edges of that slot (row target, column source)."""
    num_nodes = x.size(1)
    return x.new_zeros(num_slots, num_nodes, num_nodes).index_put_(
        (slot, edge_index[1], edge_index[0]), edge_weight, accumulate=True
    )


def _per_node(weight: Tensor, node_type: OptTensor, num_nodes: int) -> Tensor:
    """Static layout: the matrix of each node, :math:`[J, C, O]`, from one
    per type (the node id without :obj:`node_type`) or one shared by all."""
    if node_type is not None:
        return weight.index_select(0, node_type)
    return weight.expand(num_nodes, -1, -1)
