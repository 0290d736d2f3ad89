"""The machinery every weight-sharing convolution shares.

All eight schemes of Liu et al. compute

.. math::
    \\mathbf{x}^{\\prime}_i = \\sum_{j \\in \\hat{\\mathcal{N}}(i)} \\hat{a}_{ij}
    \\, \\mathbf{x}_j \\mathbf{W}_{k(i, j)} + \\mathbf{b}

and differ only in the index :math:`k(i, j)` of the weight matrix of each
edge, which each layer declares as its :attr:`WeightShareConv.weight_index`.
The layers put the products where PyTorch Geometric puts them:

* weights of the *source* node before :obj:`propagate`, as
  :class:`~torch_geometric.nn.conv.GCNConv` applies its :obj:`lin`
  (:class:`PreAggConv`);
* weights of the *edge* in :obj:`message` (:class:`NoShareConv`);
* weights of the *target* node, or shared ones, in :obj:`update`, after an
  :obj:`aggregate` that keeps one *slot* per weight matrix of the target
  (:class:`FullShareConv`, :class:`PostAggConv`, :class:`ConvStyleConv`): the
  decoupled self-loop of Eqs. 9-11 is one more slot, with
  :math:`\\mathbf{S}`.

The layout of :obj:`x` is an execution choice, not a branch in the hooks:
:obj:`propagate` gathers and scatters along :obj:`node_dim=-2`, so it serves
a flat PyG batch :math:`[N, C]` and a static batch :math:`[B, J, C]` of one
small graph alike. For the static layout the graph is a dense
:math:`[J S, J]` operator (one row per target node and slot) applied by
:obj:`message_and_aggregate` in one batched product.
"""

from __future__ import annotations

import warnings
from typing import ClassVar, NamedTuple

import torch
from torch import Tensor
from torch.nn import Parameter
from torch_geometric.index import index2ptr
from torch_geometric.nn import MessagePassing
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.nn.inits import glorot, zeros
from torch_geometric.typing import Adj, OptTensor
from torch_geometric.utils import is_sparse, scatter, to_edge_index

from pyg_weightshare.nn.typed_linear import typed_matmul

try:
    from torch_scatter import segment_csr
except ImportError:  # pragma: no cover - exercised where torch-scatter is absent
    segment_csr = None

#: The typed graph attribute behind each weight index (:obj:`None`: the
#: weights are shared, no attribute is needed).
TYPED_ATTRIBUTES: dict[str, str | None] = {
    "shared": None,
    "source_node": "node_type",
    "target_node": "node_type",
    "displacement": "displacement",
    "edge_type": "edge_type",
}

#: Chooses the flat layout's aggregation backend. :obj:`False` for PyG's
#: scatter, :obj:`True` for :obj:`torch_scatter.segment_csr` over the edges sorted by
#: target (used when torch-scatter is installed). PyG's scatter is the default
#: because it measured faster in ``benchmarks/bench_convs.py --large-graph``
#: for every scheme but decoupled pre-aggregation (segment_csr pays a sort of
#: the edges per call and a slower backward pass). Read at every call, so it
#: can be switched at any time. Under :func:`torch.compile`, which cannot
#: trace torch-scatter's kernels, the layers use PyG's scatter.
USE_SEGMENT_CSR = False


class PreparedGraph(NamedTuple):
    r"""What a layer derives from its graph inputs: validated, normalised and,
    with :obj:`cached=True`, computed once."""

    #: Number of nodes :math:`N` (:math:`J` for a static batch).
    num_nodes: int
    #: :math:`[2, E]`, sorted by target (and slot) when :obj:`target_ptr` is
    #: set.
    edge_index: torch.Tensor
    #: :math:`\hat{a}` per edge, decoupled self-loops zeroed.
    edge_weight: torch.Tensor
    #: The layer's typed attribute (per node or per edge), or :obj:`None` for
    #: joint order or shared weights.
    type_index: torch.Tensor | None
    #: The weight slot of each edge (:obj:`None` for one slot).
    slot: torch.Tensor | None
    #: :math:`\hat{a}_{ii}` per node, for the decoupled self-loop's term.
    self_loop_weight: torch.Tensor | None
    #: In the static layout, the dense :math:`[N S, N]` aggregation operator
    #: (row :math:`i S + s` for target :math:`i` and slot :math:`s`), or for
    #: edge-typed weights the :math:`[N, E]` weighted incidence of the edges.
    operator: torch.Tensor | None
    #: In the flat layout with :obj:`torch_scatter.segment_csr`, the CSR
    #: pointer of the edges sorted by target and slot.
    target_ptr: torch.Tensor | None


class WeightShareConv(MessagePassing):
    r"""Base class of the weight-sharing convolutions.

    Holds :obj:`weight` :math:`[T, C_{in}, C_{out}]`, the optional decoupled
    :obj:`self_weight` :math:`[T_{self}, C_{in}, C_{out}]` and :obj:`bias`
    :math:`[C_{out}]`, validates the inputs and prepares the graph (see
    :class:`~pyg_weightshare.nn.conv.weight_share_conv.PreparedGraph`);
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
        """How many slots the aggregation fills per node. One, or one per
        displacement class (convolution-style), each multiplied by its own
        matrix in :obj:`update`."""
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
        self._check_features(x)
        use_cache = self.cached and x.dim() == 3 and not torch.compiler.is_compiling()
        if use_cache and self._cached_graph is not None:
            return self._check_cached(x)
        edge_index, edge_weight = self._edge_list(edge_index, edge_weight)
        num_nodes = x.size(-2)
        check_ids("edge_index", edge_index, num_nodes, "nodes")
        _check_edge_attr("edge_weight", edge_weight, edge_index)
        if edge_weight is None:
            edge_weight = gcn_norm(
                edge_index, None, num_nodes, add_self_loops=False, dtype=x.dtype
            )[1]
        elif use_cache and edge_weight.requires_grad:
            raise ValueError(
                "cached=True reuses the edge weights of the first call: it cannot "
                "learn them (edge_weight requires grad)"
            )
        else:
            edge_weight = edge_weight.to(x.dtype)
        type_index = self._check_type_index(type_index, x, edge_index)

        # The displacement classes are the slots of convolution-style sharing;
        # decoupled self-loops leave the aggregation for a term of their own.
        slot = type_index if self.weight_index == "displacement" else None
        self_loop_weight = None
        if self.decouple:
            self_loops = edge_weight * (edge_index[0] == edge_index[1])
            self_loop_weight = scatter(
                self_loops, edge_index[1], 0, num_nodes, reduce="sum"
            )
            edge_weight = edge_weight - self_loops

        operator = target_ptr = None
        if x.dim() == 3:
            operator = self._operator(edge_index, edge_weight, slot, num_nodes)
        elif x.dim() == 2 and _use_segment_csr():
            row = (
                edge_index[1] if slot is None else edge_index[1] * self.num_slots + slot
            )
            row, perm = torch.sort(row, stable=True)
            target_ptr = index2ptr(row, num_nodes * self.num_slots)
            edge_index, edge_weight = edge_index[:, perm], edge_weight[perm]
            slot = None if slot is None else slot[perm]
            if type_index is not None and self.typed_attribute != "node_type":
                type_index = type_index[perm]
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

    def _check_features(self, x: Tensor) -> None:
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
        if x.dtype != self.weight.dtype and not torch.is_autocast_enabled(
            x.device.type
        ):
            raise ValueError(
                f"{self.__class__.__name__} has {self.weight.dtype} weights but "
                f"got x of {x.dtype}: convert one to the other with .to(), or "
                "run under torch.autocast"
            )

    def _edge_list(self, edge_index: Adj, edge_weight: OptTensor):
        if is_sparse(edge_index):
            if edge_weight is not None:
                raise ValueError(
                    "A sparse edge_index holds the edge weights as its values: "
                    "do not pass edge_weight as well"
                )
            (target, source), edge_weight = to_edge_index(edge_index)
            return torch.stack([source, target]), edge_weight
        if edge_index.dim() != 2 or edge_index.size(0) != 2:
            raise ValueError(
                f"edge_index must have shape [2, E], got {list(edge_index.shape)}"
            )
        return edge_index, edge_weight

    def _check_type_index(
        self, type_index: OptTensor, x: Tensor, edge_index: Tensor
    ) -> OptTensor:
        """Validates the typed attribute. Without :obj:`node_type`, a static
        batch and a single flat graph of :math:`T` nodes are taken in joint
        order (:obj:`None` for the static layout, node ids for the flat
        one)."""
        name = self.typed_attribute
        if name is None:
            return None
        num_types = self.weight.size(0)
        if name != "node_type":
            if type_index is None:
                raise ValueError(f"{self.__class__.__name__} needs {name}")
            _check_edge_attr(name, type_index, edge_index)
            check_ids(name, type_index, num_types, f"{name} classes")
            return type_index
        num_nodes = x.size(-2)
        if type_index is None:
            if num_nodes != num_types:
                layout = "graph" if x.dim() == 3 else "flat batch"
                raise ValueError(
                    f"{self.__class__.__name__} has {num_types} node types: it "
                    f"needs node_type for a {layout} of {num_nodes} nodes"
                )
            return None if x.dim() == 3 else torch.arange(num_nodes, device=x.device)
        if type_index.shape != (num_nodes,):
            raise ValueError(
                f"node_type must hold one id per node ({num_nodes}), got shape "
                f"{list(type_index.shape)}"
            )
        check_ids(name, type_index, num_types, "node types")
        return type_index

    def _operator(
        self,
        edge_index: Tensor,
        edge_weight: Tensor,
        slot: OptTensor,
        num_nodes: int,
    ) -> Tensor:
        r"""The static layout's dense :math:`[N S, N]` aggregation operator
        (the :math:`[N, E]` weighted incidence of the edges for edge-typed
        weights, whose messages differ per edge), differentiable in
        :obj:`edge_weight`."""
        source, target = edge_index
        if self.weight_index == "edge_type":
            column = torch.arange(source.numel(), device=source.device)
            operator = edge_weight.new_zeros(num_nodes, source.numel())
            return operator.index_put_((target, column), edge_weight)
        row = target if slot is None else target * self.num_slots + slot
        operator = edge_weight.new_zeros(num_nodes * self.num_slots, num_nodes)
        return operator.index_put_((row, source), edge_weight, accumulate=True)

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
        r"""Sums the messages of each target node into its slots,
        :math:`[\dots, N, S C]`, with PyG's scatter or, over edges sorted by
        target and slot, :obj:`torch_scatter.segment_csr`. A decoupled
        self-loop's message computed apart (:obj:`self_message`) joins the
        sum."""
        if target_ptr is not None:
            out = segment_csr(inputs, target_ptr)
        else:
            if slot is not None:
                index = index * self.num_slots + slot
            size = dim_size * self.num_slots
            out = scatter(inputs, index, self.node_dim, size, reduce="sum")
        out = out.view(*out.shape[:-2], dim_size, self.num_slots * inputs.size(-1))
        return out if self_message is None else out + self_message

    def message_and_aggregate(
        self, adj_t: Tensor, x: Tensor, self_message: OptTensor
    ) -> Tensor:
        r"""The static layout's aggregation, :math:`[B, N, S C]`: the dense
        :math:`[N S, N]` operator times all :math:`B` graphs at once, in one
        matrix product over node-major memory :math:`[N, B C]` (free when
        :obj:`x` is node-major, as the layers' static outputs are), plus
        :obj:`self_message` in the same product. With one slot the output is
        a view of node-major memory."""
        batch_size, num_nodes, channels = x.shape
        node_major = x.transpose(0, 1).reshape(num_nodes, batch_size * channels)
        if self_message is None:
            out = adj_t @ node_major
        else:
            out_features = batch_size * self_message.size(-1)
            term = self_message.transpose(0, 1).reshape(num_nodes, out_features)
            out = torch.addmm(term, adj_t, node_major)
        out = out.view(num_nodes, self.num_slots, batch_size, channels)
        out = out.permute(2, 0, 1, 3)
        return out.reshape(batch_size, num_nodes, self.num_slots * channels)

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


def _use_segment_csr() -> bool:
    return (
        USE_SEGMENT_CSR
        and segment_csr is not None
        and not torch.compiler.is_compiling()
    )


def _resolve_num_node_types(
    owner: str, num_node_types: int | None, num_nodes: int | None
) -> int:
    """:obj:`num_node_types`, or the deprecated name :obj:`num_nodes`."""
    if num_nodes is not None:
        warnings.warn(
            f"{owner}(num_nodes=...) is deprecated: the argument is the number "
            "of node types, now called num_node_types",
            DeprecationWarning,
            stacklevel=3,
        )
        if num_node_types is not None and num_node_types != num_nodes:
            raise ValueError(f"{owner} got num_node_types and num_nodes")
        num_node_types = num_nodes
    if num_node_types is None:
        raise TypeError(f"{owner} needs num_node_types")
    return num_node_types


class NodeTypedConv(WeightShareConv):
    r"""Base of the layers with one matrix per node type,
    :class:`~pyg_weightshare.PreAggConv` and
    :class:`~pyg_weightshare.PostAggConv`: :obj:`weight` and, when
    decoupled, :obj:`self_weight` are :math:`[T, C_{in}, C_{out}]` with
    :math:`T` = :obj:`num_node_types` (:obj:`num_nodes`, its former name,
    still works with a :class:`DeprecationWarning`)."""

    repr_options = ("num_node_types", "decouple")

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        num_node_types: int | None = None,
        decouple: bool = True,
        bias: bool = True,
        cached: bool = False,
        *,
        num_nodes: int | None = None,
        **kwargs,
    ) -> None:
        self.num_node_types = _resolve_num_node_types(
            self.__class__.__name__, num_node_types, num_nodes
        )
        num_types = self.num_node_types
        super().__init__(
            in_channels, out_channels, num_types, num_types * decouple, bias, cached,
            **kwargs,
        )  # fmt: skip


def check_ids(name: str, ids: Tensor, size: int, what: str) -> None:
    """Checks that :obj:`ids` are int64 and asserts :obj:`0 <= ids < size` on
    the device: raises at once on the CPU, and never makes the host wait on
    CUDA."""
    if ids.dtype != torch.long:
        raise ValueError(f"{name} must be int64, got {ids.dtype}")
    torch._assert_async(
        ((ids >= 0) & (ids < size)).all(),
        f"{name} holds ids outside 0..{size - 1} (there are {size} {what})",
    )


def _check_edge_attr(name: str, attr: OptTensor, edge_index: Tensor) -> None:
    if attr is not None and attr.shape != edge_index.shape[1:]:
        raise ValueError(
            f"{name} must hold one entry per edge ({edge_index.size(1)}), "
            f"got shape {list(attr.shape)}"
        )
