"""The base class of the weight-sharing convolutions: what every scheme
shares.

All eight schemes of Liu et al. compute

.. math::
    \\mathbf{x}^{\\prime}_i = \\sum_{j \\in \\hat{\\mathcal{N}}(i)} \\hat{a}_{ij}
    \\, \\mathbf{x}_j \\mathbf{W}_{k(i, j)} + \\mathbf{b}

and differ only in the index :math:`k(i, j)` of the weight matrix of each
edge, which each layer declares as its :attr:`WeightShareConv.weight_index`.
:class:`WeightShareConv` holds the weights, prepares the graph once per call
(or once for all calls with :obj:`cached=True`; the checks and operators are
in :mod:`~pyg_weightshare.nn.conv.prepared_graph`), runs PyG's message
passing on it and provides the typed product of the hooks. The layers put
their products where PyTorch Geometric puts them: before :obj:`propagate`
(as :class:`~torch_geometric.nn.conv.GCNConv` applies its :obj:`lin`), in
:obj:`message`, or in :obj:`update` after the aggregation; a layer may sum
its messages into several *slots* per target (one per edge type, see
:class:`~pyg_weightshare.nn.conv.edge_typed_conv.EdgeTypedConv`) and
multiply the slots in its aggregation hook.

The layout of :obj:`x` is an execution choice, not a branch in the hooks:
:obj:`propagate` gathers and scatters along :obj:`node_dim=-2`, so it serves
a flat PyG batch :math:`[N, C]` and a static batch :math:`[B, J, C]` of one
small graph alike. For the static layout the graph is a dense operator
applied by :obj:`message_and_aggregate` in one batched product.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor
from torch.nn import Parameter
from torch_geometric.nn import MessagePassing
from torch_geometric.nn.inits import glorot, zeros
from torch_geometric.typing import Adj, OptTensor, torch_scatter
from torch_geometric.utils import scatter

from pyg_weightshare import backend
from pyg_weightshare.nn.conv.prepared_graph import (
    TYPED_ATTRIBUTES,
    PreparedGraph,
    aggregation_operator,
    check_edge_attr,
    check_features,
    check_ids,
    check_type_index,
    default_edge_weight,
    edge_list,
    slot_rows,
    sort_by_segment,
    split_self_loops,
)
from pyg_weightshare.nn.typed_linear import typed_matmul


class WeightShareConv(MessagePassing):
    r"""Base class of the weight-sharing convolutions.

    Holds :obj:`weight` :math:`[T, C_{in}, C_{out}]`, the optional decoupled
    :obj:`self_weight` :math:`[T_{self}, C_{in}, C_{out}]` and :obj:`bias`
    :math:`[C_{out}]`, validates the inputs and prepares the graph (see
    :class:`~pyg_weightshare.nn.conv.prepared_graph.PreparedGraph`);
    subclasses declare :attr:`weight_index`, call :meth:`prepare_graph` and
    :meth:`propagate_graph` in :obj:`forward`, and put their products in the
    message passing hooks, which may take any name of :attr:`propagate_type`
    (and :obj:`x_i`, :obj:`x_j` and PyG's special arguments such as
    :obj:`edge_index_i`).

    Args:
        in_channels (int): Size of each input feature :math:`C_{in}`.
        out_channels (int): Size of each output feature :math:`C_{out}`.
        num_weights (int): Number of neighbour matrices :math:`T`.
        num_self_weights (int): Number of decoupled self-loop matrices
            (:obj:`0` if self-loops are not decoupled).
        bias (bool, optional): If set to :obj:`False`, the layer will not
            learn an additive bias. (default: :obj:`True`)
        cached (bool, optional): If set to :obj:`True`, the layer prepares
            the graph of its first static-layout call (normalisation, slots,
            the dense operator) and reuses it for every static batch: that
            graph must then not change, as with
            :class:`~torch_geometric.nn.conv.GCNConv`. A static batch of
            another number of nodes raises an error; other changes are not
            detected. Flat batches, whose graph changes from batch to batch,
            are prepared at every call, and so is every call under
            :func:`torch.compile`, which fuses the preparation into the
            graph. Moving the layer (:obj:`to`) clears the cache.
            (default: :obj:`False`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.
    """

    #: What selects the matrix of the edge :math:`j \to i`: :obj:`"shared"`,
    #: :obj:`"source_node"` (:math:`\tau(j)`), :obj:`"target_node"`
    #: (:math:`\tau(i)`), :obj:`"displacement"` (:math:`d(i, j)`) or
    #: :obj:`"edge_type"` (:math:`e(i, j)`). Decoupled self-loops use
    #: :obj:`self_weight` of the target's type.
    weight_index: ClassVar[str] = "shared"
    #: The constructor argument that takes the number of types of the graph
    #: (:obj:`None` for shared weights), filled by :meth:`from_type_counts`.
    type_count: ClassVar[str | None] = None
    #: Hyper-parameters shown by :meth:`__repr__` after the channel sizes.
    repr_options: ClassVar[tuple[str, ...]] = ()
    #: What :meth:`propagate_graph` hands to the hooks, each taking what it
    #: names (read by PyG to generate :obj:`propagate`).
    propagate_type: ClassVar[dict[str, type]] = {
        "x": Tensor,
        "self_message": OptTensor,
        "self_output": OptTensor,
        "edge_weight": Tensor,
        "slot": OptTensor,
        "target_ptr": OptTensor,
        "type_index": OptTensor,
        "self_loop_weight": OptTensor,
    }

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_weights: int,
        num_self_weights: int = 0,
        bias: bool = True,
        cached: bool = False,
        **kwargs,
    ) -> None:
        kwargs.setdefault("aggr", "add")
        super().__init__(node_dim=-2, **kwargs)
        if in_channels <= 0 or out_channels <= 0:
            raise ValueError(
                f"Channel sizes must be positive, got {in_channels} -> {out_channels}"
            )
        if num_weights <= 0:
            raise ValueError(f"{self.__class__.__name__} needs at least one weight")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.cached = cached
        self._cached_graph: PreparedGraph | None = None
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

    @classmethod
    def from_type_counts(
        cls,
        in_channels: int,
        out_channels: int,
        *,
        num_node_types: int,
        num_edge_types: int,
        num_displacements: int = 3,
        **kwargs,
    ) -> WeightShareConv:
        """The layer for a graph with these numbers of node types, edge types
        (ordered pairs) and displacement classes: each layer takes the count
        its :attr:`type_count` names. A subclass whose constructor takes
        another count overrides this.

        Example:
            >>> from pyg_weightshare import NoShareConv
            >>> NoShareConv.from_type_counts(2, 8, num_node_types=16, num_edge_types=46)
            NoShareConv(2, 8, num_edge_types=46)
        """
        counts = {
            "num_node_types": num_node_types,
            "num_edge_types": num_edge_types,
            "num_displacements": num_displacements,
        }
        if cls.type_count is not None:
            kwargs[cls.type_count] = counts[cls.type_count]
        return cls(in_channels, out_channels, **kwargs)

    def reset_parameters(self) -> None:
        r"""Xavier-uniform initialisation of each matrix (fan-in
        :math:`C_{in}`, fan-out :math:`C_{out}`), a zero bias, and a cleared
        graph cache."""
        super().reset_parameters()
        glorot(self.weight)
        glorot(self.self_weight)
        zeros(self.bias)
        self._cached_graph = None

    @property
    def decouple(self) -> bool:
        return self.self_weight is not None

    @property
    def typed_attribute(self) -> str | None:
        """The name of the typed graph attribute the layer takes."""
        return TYPED_ATTRIBUTES[self.weight_index]

    @property
    def num_slots(self) -> int:
        """How many slots per target node the aggregation fills when the
        layer sums its messages per slot (see :meth:`aggregation_slots`)."""
        return 1

    # Graph preparation -------------------------------------------------------

    def prepare_graph(
        self,
        x: Tensor,
        edge_index: Adj,
        edge_weight: OptTensor = None,
        type_index: OptTensor = None,
    ) -> PreparedGraph:
        r"""Validates the inputs and derives what the hooks need, or returns
        the cached graph.

        Without :obj:`edge_weight`, :math:`\hat{a}_{ij} = 1 / \sqrt{d_i d_j}`
        with :math:`d` the in-degree of the graph as given: the paper's Eq. 2
        when the graph holds its self-loops, as :meth:`Skeleton.to_data`
        graphs do. Self-loops are never added, since typed edge attributes
        must stay aligned with the edges. A sparse :obj:`edge_index`
        (:obj:`torch_sparse.SparseTensor` or a :obj:`torch.sparse` tensor,
        the transposed adjacency as in PyG) holds :math:`\hat{a}` as its
        values, and typed edge attributes follow its row-major order."""
        owner = self.__class__.__name__
        check_features(owner, x, self.in_channels, self.weight.dtype)
        use_cache = self.cached and x.dim() == 3 and not torch.compiler.is_compiling()
        if use_cache and self._cached_graph is not None:
            return self._check_cached(x)
        edge_index, edge_weight = edge_list(edge_index, edge_weight)
        num_nodes = x.size(-2)
        check_ids("edge_index", edge_index, num_nodes, "nodes")
        check_edge_attr("edge_weight", edge_weight, edge_index)
        if use_cache and edge_weight is not None and edge_weight.requires_grad:
            raise ValueError(
                "cached=True reuses the edge weights of the first call: it cannot "
                "learn them (edge_weight requires grad)"
            )
        edge_weight = default_edge_weight(edge_index, edge_weight, num_nodes, x.dtype)
        type_index = check_type_index(
            owner, self.typed_attribute, type_index, self.weight.size(0), x, edge_index
        )
        self_loop_weight = None
        if self.decouple:
            edge_weight, self_loop_weight = split_self_loops(
                edge_index, edge_weight, num_nodes
            )
        slot = self.aggregation_slots(type_index, num_nodes, edge_index.size(1))
        operator = target_ptr = None
        if x.dim() == 3:
            operator = self.static_operator(edge_index, edge_weight, slot, num_nodes)
        elif backend.use_segment_csr is None:
            operator = self.flat_operator(x, edge_index, edge_weight, slot, num_nodes)
        elif backend.segment_csr_enabled():
            edge_index, edge_weight, type_index, slot, target_ptr = sort_by_segment(
                edge_index,
                edge_weight,
                type_index,
                slot,
                1 if slot is None else self.num_slots,
                num_nodes,
                per_edge_type=self.typed_attribute != "node_type",
            )
        graph = PreparedGraph(
            num_nodes,
            edge_index,
            edge_weight,
            type_index,
            slot,
            self_loop_weight,
            operator,
            target_ptr,
        )
        if use_cache:
            self._cached_graph = graph
        return graph

    def aggregation_slots(
        self, type_index: OptTensor, num_nodes: int, num_edges: int
    ) -> OptTensor:
        """The slot of each edge's message, in :obj:`0..num_slots-1`, for a
        layer that sums its messages per target node and slot, or
        :obj:`None` (the default) for one sum per target."""
        return None

    def static_operator(
        self, edge_index: Tensor, edge_weight: Tensor, slot: OptTensor, num_nodes: int
    ) -> Tensor:
        r"""The static layout's dense operator that
        :obj:`message_and_aggregate` applies: by default the
        :math:`[N S, N]` aggregation into the slots (see
        :func:`~pyg_weightshare.nn.conv.prepared_graph.aggregation_operator`)."""
        num_slots = 1 if slot is None else self.num_slots
        return aggregation_operator(edge_index, edge_weight, slot, num_slots, num_nodes)

    def flat_operator(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_weight: Tensor,
        slot: OptTensor,
        num_nodes: int,
    ) -> Tensor | tuple[Tensor, ...] | None:
        """The flat layout's sparse operator(s) for
        :obj:`message_and_aggregate`, or :obj:`None` (the default) to run
        :obj:`message` and
        :obj:`aggregate` over the edges. Asked only when
        :data:`pyg_weightshare.backend.use_segment_csr` is :obj:`None`
        (automatic)."""
        return None

    def _check_cached(self, x: Tensor) -> PreparedGraph:
        graph = self._cached_graph
        if x.size(-2) != graph.num_nodes:
            raise ValueError(
                f"{self.__class__.__name__}(cached=True) prepared a graph of "
                f"{graph.num_nodes} nodes, got a static batch of {x.size(-2)}: "
                "the graph of a cached layer must not change"
            )
        return graph

    def _apply(self, fn, recurse=True):
        self._cached_graph = None  # its tensors would stay behind
        return super()._apply(fn, recurse)

    # Message passing ---------------------------------------------------------

    def propagate_graph(self, graph: PreparedGraph, **kwargs: Tensor) -> Tensor:
        r"""Runs :obj:`propagate` on a prepared graph: for the static layout,
        its fused path (:obj:`message_and_aggregate`, then :obj:`update`)
        with the dense operator, otherwise gather, :obj:`message`,
        :obj:`aggregate` and :obj:`update` over the edges."""
        kwargs = {
            "self_message": None,
            "self_output": None,
            "edge_weight": graph.edge_weight,
            "slot": graph.slot,
            "target_ptr": graph.target_ptr,
            "type_index": graph.type_index,
            "self_loop_weight": graph.self_loop_weight,
            **kwargs,
        }
        if graph.operator is None:
            return self.propagate(graph.edge_index, **kwargs)
        collect = self.inspector.collect_param_data
        kwargs["edge_index"] = graph.edge_index
        out = self.message_and_aggregate(
            graph.operator, **collect("message_and_aggregate", kwargs)
        )
        return self.update(out, **collect("update", kwargs))

    def message(self, x_j: Tensor, edge_weight: Tensor) -> Tensor:
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
        r"""Sums the messages of each target node (into its slots,
        :math:`[\dots, N, S C]`, when :obj:`slot` is given), with PyG's
        scatter or, over edges sorted by target and slot,
        :obj:`torch_scatter.segment_csr`. A decoupled self-loop's message
        computed apart (:obj:`self_message`) joins the sum."""
        num_slots = 1 if slot is None else self.num_slots
        if target_ptr is not None:
            out = torch_scatter.segment_csr(inputs, target_ptr)
        else:
            index = slot_rows(index, slot, num_slots)
            out = scatter(inputs, index, self.node_dim, dim_size * num_slots, "sum")
        out = out.view(*out.shape[:-2], dim_size, num_slots * inputs.size(-1))
        return out if self_message is None else out + self_message

    def message_and_aggregate(
        self, adj_t: Tensor, x: Tensor, self_message: OptTensor
    ) -> Tensor:
        r"""The static layout's aggregation with the dense :math:`[N S, N]`
        operator, into :math:`[B, N, S C]`: the operator times all :math:`B`
        graphs at once, in one matrix product over node-major memory
        :math:`[N, B C]` (free when :obj:`x` is
        node-major, as the layers' static outputs are), plus
        :obj:`self_message` in the same product; with one slot the output is
        a view of node-major memory."""
        batch_size, num_nodes, channels = x.shape
        num_slots = adj_t.size(0) // num_nodes
        node_major = x.transpose(0, 1).reshape(num_nodes, batch_size * channels)
        if self_message is None:
            out = adj_t @ node_major
        else:
            out_features = batch_size * self_message.size(-1)
            term = self_message.transpose(0, 1).reshape(num_nodes, out_features)
            out = torch.addmm(term, adj_t, node_major)
        out = out.view(num_nodes, num_slots, batch_size, channels)
        out = out.permute(2, 0, 1, 3)
        return out.reshape(batch_size, num_nodes, num_slots * channels)

    @staticmethod
    def typed_transform(
        x: Tensor, weight: Tensor, type_index: OptTensor, row_scale: OptTensor = None
    ) -> Tensor:
        r""":math:`s_r \mathbf{x}_r \mathbf{W}_{t(r)}` for every row :math:`r`
        of the node (or edge) axis :math:`-2`, with one matrix per type
        (:obj:`type_index` :obj:`None`: the row number) or one shared matrix,
        and an optional scale :math:`s_r` per row (:obj:`row_scale`).

        Flat rows :math:`[R, C]` take :func:`~pyg_weightshare.typed_matmul`.
        A static batch :math:`[B, R, C]` takes one batched product over the
        row axis (the scale folded into the matrices), or one matrix product
        when :obj:`x` is node-major and the matrix shared; the output is a
        :math:`[B, R, O]` view of node-major memory :math:`[R, B, O]`."""
        if x.dim() == 2:
            out = (
                x @ weight[0]
                if weight.size(0) == 1
                else typed_matmul(x, weight, type_index)
            )
            return out if row_scale is None else row_scale.view(-1, 1) * out
        node_major = x.transpose(0, 1)
        if weight.size(0) == 1 and row_scale is None and node_major.is_contiguous():
            return (node_major @ weight[0]).transpose(0, 1)
        if type_index is not None:
            weight = weight.index_select(0, type_index)
        if row_scale is not None:
            weight = row_scale.view(-1, 1, 1) * weight
        weight = weight.expand(x.size(1), -1, -1)  # one matrix per row
        return torch.bmm(node_major, weight).transpose(0, 1)

    def add_bias(self, out: Tensor) -> Tensor:
        return out if self.bias is None else out + self.bias

    def __repr__(self) -> str:
        options = "".join(
            f", {name}={getattr(self, name)}" for name in self.repr_options
        )
        return (
            f"{self.__class__.__name__}({self.in_channels}, "
            f"{self.out_channels}{options})"
        )
