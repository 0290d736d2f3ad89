"""The graph inputs of the weight-sharing layers, validated and prepared, as
``gcn_norm`` prepares those of
:class:`~torch_geometric.nn.conv.GCNConv`: checks of the features, the edges
and the typed attributes, the conversion of a sparse adjacency, the default
normalisation, the decoupled self-loops, and the aggregation operators of
the two layouts."""

from __future__ import annotations

import warnings
from typing import NamedTuple

import torch
from torch import Tensor
from torch_geometric.index import index2ptr
from torch_geometric.nn.conv.gcn_conv import gcn_norm
from torch_geometric.typing import Adj, OptTensor
from torch_geometric.utils import is_sparse, scatter, to_edge_index

#: The typed graph attribute behind each weight index (:obj:`None`: the
#: weights are shared, no attribute is needed).
TYPED_ATTRIBUTES: dict[str, str | None] = {
    "shared": None,
    "source_node": "node_type",
    "target_node": "node_type",
    "displacement": "displacement",
    "edge_type": "edge_type",
}


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
    #: The aggregation slot of each edge, for a layer that sums its messages
    #: per target and slot (:obj:`None`: one sum per target).
    slot: torch.Tensor | None
    #: :math:`\hat{a}_{ii}` per node, for the decoupled self-loop's term.
    self_loop_weight: torch.Tensor | None
    #: In the static layout, the layer's dense aggregation operator (see
    #: :func:`aggregation_operator`); in the flat layout, an edge-typed
    #: layer's sparse ones (see :func:`sparse_aggregation_operators`).
    operator: torch.Tensor | tuple[torch.Tensor, ...] | None
    #: In the flat layout with :obj:`torch_scatter.segment_csr`, the CSR
    #: pointer of the edges sorted by target and slot.
    target_ptr: torch.Tensor | None


def check_features(owner: str, x: Tensor, in_channels: int, dtype: torch.dtype) -> None:
    """Checks that :obj:`x` is flat :math:`[N, C]` or static :math:`[B, J, C]`
    with :obj:`in_channels` features of the weights' :obj:`dtype` (any dtype
    under ``torch.autocast``)."""
    if x.dim() not in (2, 3):
        raise ValueError(
            f"{owner} expects x of shape [N, C] (flat) or [B, J, C] (static), "
            f"got {list(x.shape)}"
        )
    if x.size(-1) != in_channels:
        raise ValueError(
            f"{owner} expects {in_channels} input features, got x with "
            f"{x.size(-1)} in its last dimension"
        )
    if x.dtype != dtype and not torch.is_autocast_enabled(x.device.type):
        raise ValueError(
            f"{owner} has {dtype} weights but got x of {x.dtype}: convert one "
            "to the other with .to(), or run under torch.autocast"
        )


def edge_list(edge_index: Adj, edge_weight: OptTensor) -> tuple[Tensor, OptTensor]:
    """:obj:`edge_index` as a :math:`[2, E]` edge list with its weights: a
    sparse adjacency (PyG's transposed one) gives its indices and values, in
    row-major order."""
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


def check_edge_attr(name: str, attr: OptTensor, edge_index: Tensor) -> None:
    """Checks that an edge attribute holds one entry per edge."""
    if attr is not None and attr.shape != edge_index.shape[1:]:
        raise ValueError(
            f"{name} must hold one entry per edge ({edge_index.size(1)}), "
            f"got shape {list(attr.shape)}"
        )


def check_type_index(
    owner: str,
    name: str | None,
    type_index: OptTensor,
    num_types: int,
    x: Tensor,
    edge_index: Tensor,
) -> OptTensor:
    """Validates the typed attribute :obj:`name` of a layer with
    :obj:`num_types` types. Without :obj:`node_type`, a static batch and a
    single flat graph of :math:`T` nodes are taken in joint order
    (:obj:`None` for the static layout, node ids for the flat one)."""
    if name is None:
        return None
    if name != "node_type":
        if type_index is None:
            raise ValueError(f"{owner} needs {name}")
        check_edge_attr(name, type_index, edge_index)
        check_ids(name, type_index, num_types, f"{name} classes")
        return type_index
    num_nodes = x.size(-2)
    if type_index is None:
        if num_nodes != num_types:
            layout = "graph" if x.dim() == 3 else "flat batch"
            raise ValueError(
                f"{owner} has {num_types} node types: it needs node_type for a "
                f"{layout} of {num_nodes} nodes"
            )
        return None if x.dim() == 3 else torch.arange(num_nodes, device=x.device)
    if type_index.shape != (num_nodes,):
        raise ValueError(
            f"node_type must hold one id per node ({num_nodes}), got shape "
            f"{list(type_index.shape)}"
        )
    check_ids(name, type_index, num_types, "node types")
    return type_index


def default_edge_weight(
    edge_index: Tensor, edge_weight: OptTensor, num_nodes: int, dtype: torch.dtype
) -> Tensor:
    r""":obj:`edge_weight` in :obj:`dtype`, or by default
    :math:`\hat{a}_{ij} = 1 / \sqrt{d_i d_j}` with :math:`d` the in-degree of
    the graph as given (PyG's ``gcn_norm`` without added self-loops)."""
    if edge_weight is None:
        return gcn_norm(edge_index, None, num_nodes, add_self_loops=False, dtype=dtype)[
            1
        ]
    return edge_weight.to(dtype)


def split_self_loops(
    edge_index: Tensor, edge_weight: Tensor, num_nodes: int
) -> tuple[Tensor, Tensor]:
    r"""The edge weights with self-loops zeroed, and :math:`\hat{a}_{ii}` per
    node: the decoupled self-loops leave the aggregation for a term of their
    own."""
    self_loops = edge_weight * (edge_index[0] == edge_index[1])
    self_loop_weight = scatter(self_loops, edge_index[1], 0, num_nodes, reduce="sum")
    return edge_weight - self_loops, self_loop_weight


def slot_rows(target: Tensor, slot: OptTensor, num_slots: int) -> Tensor:
    """The row of each edge in an :math:`[N S, N]` aggregation into slots:
    :math:`i S + s` for target :math:`i` and slot :math:`s` (the target
    itself without slots)."""
    return target if slot is None else target * num_slots + slot


def aggregation_operator(
    edge_index: Tensor,
    edge_weight: Tensor,
    slot: OptTensor,
    num_slots: int,
    num_nodes: int,
) -> Tensor:
    r"""The static layout's dense :math:`[N S, N]` aggregation operator: row
    :math:`i S + s` sums the sources of the edges into target :math:`i` and
    slot :math:`s`, weighted by :math:`\hat{a}` (differentiable in
    :obj:`edge_weight`)."""
    source, row = edge_index[0], slot_rows(edge_index[1], slot, num_slots)
    operator = edge_weight.new_zeros(num_nodes * num_slots, num_nodes)
    return operator.index_put_((row, source), edge_weight, accumulate=True)


def sparse_aggregation_operators(
    edge_index: Tensor,
    edge_weight: Tensor,
    slot: Tensor,
    num_slots: int,
    num_nodes: int,
    slots_per_group: int,
) -> tuple[Tensor, ...]:
    r"""The flat layout's aggregation into slots as sparse CSR operators, one
    per group of :obj:`slots_per_group` consecutive slots: group :math:`g` of
    :math:`G_g` slots is the :math:`[N G_g, N]` operator whose row
    :math:`i G_g + s - g G` sums the weighted sources of the edges into
    target :math:`i` and slot :math:`s` (the rows of
    :func:`aggregation_operator` for those slots). One sparse matrix product
    per group sums the messages without writing them out, forward and
    backward; small groups keep each product's output in cache on large
    graphs. Not differentiable in :obj:`edge_weight`."""
    source, target = edge_index
    group = torch.div(slot, slots_per_group, rounding_mode="floor")
    group_size = (num_slots - group * slots_per_group).clamp(max=slots_per_group)
    row = target * group_size + slot - group * slots_per_group
    stride = num_nodes * slots_per_group  # rows of a whole group
    key, perm = torch.sort(group * stride + row)
    num_groups = -(-num_slots // slots_per_group)
    starts = torch.arange(1, num_groups, device=key.device) * stride
    bounds = torch.searchsorted(key, starts).cpu()  # where each group starts
    operators = []
    with warnings.catch_warnings():  # the layout's "beta state", said once
        warnings.filterwarnings("ignore", "Sparse CSR tensor support is in beta")
        for index, (rows, edges) in enumerate(
            zip(key.tensor_split(bounds), perm.tensor_split(bounds), strict=True)
        ):
            size = num_nodes * min(slots_per_group, num_slots - index * slots_per_group)
            operators.append(
                torch.sparse_csr_tensor(
                    index2ptr(rows - index * stride, size),
                    source[edges],
                    edge_weight[edges],
                    (size, num_nodes),
                    check_invariants=False,  # they hold by construction
                )
            )
    return tuple(operators)


def sparse_aggregation_applies(x: Tensor, edge_weight: Tensor) -> bool:
    """Whether :func:`sparse_aggregation_operators` can serve a flat call: on
    the CPU, for edge weights that are not learned, outside
    :func:`torch.compile` and ``torch.autocast``."""
    return (
        x.device.type == "cpu"
        and not edge_weight.requires_grad
        and not torch.compiler.is_compiling()
        and not torch.is_autocast_enabled("cpu")
    )


def incidence_operator(
    edge_index: Tensor, edge_weight: Tensor, num_nodes: int
) -> Tensor:
    r"""The static layout's :math:`[N, E]` weighted incidence of the edges at
    their targets, for layers whose messages differ per edge (differentiable
    in :obj:`edge_weight`)."""
    target = edge_index[1]
    column = torch.arange(target.numel(), device=target.device)
    operator = edge_weight.new_zeros(num_nodes, target.numel())
    return operator.index_put_((target, column), edge_weight)


def sort_by_segment(
    edge_index: Tensor,
    edge_weight: Tensor,
    type_index: OptTensor,
    slot: OptTensor,
    num_slots: int,
    num_nodes: int,
    per_edge_type: bool,
) -> tuple[Tensor, Tensor, OptTensor, OptTensor, Tensor]:
    """The edges sorted by target and slot, with the CSR pointer of the
    :math:`N S` segments :obj:`torch_scatter.segment_csr` sums (the typed
    attribute follows the edges when :obj:`per_edge_type`)."""
    row, perm = torch.sort(slot_rows(edge_index[1], slot, num_slots), stable=True)
    target_ptr = index2ptr(row, num_nodes * num_slots)
    edge_index, edge_weight = edge_index[:, perm], edge_weight[perm]
    slot = None if slot is None else slot[perm]
    if type_index is not None and per_edge_type:
        type_index = type_index[perm]
    return edge_index, edge_weight, type_index, slot, target_ptr
