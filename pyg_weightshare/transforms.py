"""Typed graph attributes for any graph, as a PyTorch Geometric transform."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform
from torch_geometric.utils import coalesce, scatter

NORMALIZATIONS = ("sym", "row", "none")

#: Displacement classes: the node itself, a neighbour farther from the
#: nearest centre, a closer one, and one at the same distance (odd cycles).
SELF, FARTHER, CLOSER, SAME_DISTANCE = 0, 1, 2, 3


class AddTypedAttributes(BaseTransform):
    r"""Adds the attributes the weight-sharing layers read to any graph: a
    skeleton, a molecule, a mesh or a sensor network.

    * :obj:`edge_index`: self-loops added where missing (the layers never add
      them) and edges sorted by target, then source, duplicates merged.
    * :obj:`node_type` :math:`[N]`: kept if the graph has one, otherwise the
      node ids (every node its own type, as the joints of a skeleton).
    * :obj:`edge_type` :math:`[E]`: the id of the ordered type pair
      :math:`(\tau(i), \tau(j))` of the edge :math:`j \to i`, numbered in
      the order of the pairs present in the graph, for
      :class:`~pyg_weightshare.NoShareConv`. Ids agree across graphs with the
      same typed structure (one skeleton, one mesh template).
    * :obj:`displacement` :math:`[E]`, for
      :class:`~pyg_weightshare.ConvStyleConv`, from the hop distance
      :math:`h` to the nearest of :obj:`centers` (a component without a
      centre is measured from its lowest-numbered node): :obj:`0` for
      :math:`j = i`, :obj:`1` if :math:`h_j > h_i`, :obj:`2` if
      :math:`h_j < h_i` and :obj:`3` if :math:`h_j = h_i`, which only
      graphs with odd cycles have (use
      :obj:`ConvStyleConv(num_displacements=4)` for them).
    * :obj:`edge_weight` :math:`[E]`: :math:`\hat{a}_{ij}` with
      :obj:`normalization` :obj:`"sym"` (:math:`1 / \sqrt{d_i d_j}`, the
      paper's Eq. 2), :obj:`"row"` (:math:`1 / d_i`) or :obj:`"none"`
      (:obj:`1`), :math:`d` the in-degree with the self-loop.

    Args:
        centers (int or Sequence[int], optional): The centre node(s) of the
            displacement classes. (default: :obj:`0`)
        normalization (str, optional): The edge weights.
            (default: :obj:`"sym"`)

    Example:
        >>> from torch_geometric.data import Data
        >>> triangle = torch.tensor([[0, 1, 2], [1, 2, 0]])
        >>> data = AddTypedAttributes()(Data(edge_index=triangle, num_nodes=3))
        >>> data.edge_index
        tensor([[0, 2, 0, 1, 1, 2],
                [0, 0, 1, 1, 2, 2]])
        >>> data.displacement  # 1 -> 2: both one hop from node 0
        tensor([0, 1, 2, 0, 3, 0])
        >>> data.edge_type
        tensor([0, 1, 2, 3, 4, 5])
    """

    def __init__(
        self, centers: int | Sequence[int] = 0, normalization: str = "sym"
    ) -> None:
        if normalization not in NORMALIZATIONS:
            raise ValueError(
                f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}"
            )
        self.centers = [centers] if isinstance(centers, int) else list(centers)
        if not self.centers:
            raise ValueError("AddTypedAttributes needs at least one centre")
        self.normalization = normalization

    def forward(self, data: Data) -> Data:
        num_nodes = data.num_nodes
        foreign = [
            key
            for key in data.edge_attrs()
            if key not in ("edge_index", "edge_weight", "edge_type", "displacement")
        ]
        if foreign:
            raise ValueError(
                f"AddTypedAttributes rewrites the edges (self-loops, order) and "
                f"cannot carry the edge attributes {foreign} along"
            )
        for center in self.centers:
            if not 0 <= center < num_nodes:
                raise ValueError(f"center {center} is not a node of the graph")
        loops = torch.arange(num_nodes).repeat(2, 1)
        edge_index = torch.cat([data.edge_index.cpu(), loops], dim=1)
        target, source = coalesce(edge_index.flip(0), num_nodes=num_nodes)
        edge_index = torch.stack([source, target])

        node_type = data.get("node_type")
        if node_type is None:
            node_type = torch.arange(num_nodes)
        node_type = node_type.cpu()
        num_types = int(node_type.max()) + 1 if num_nodes else 0
        pair = node_type[target] * num_types + node_type[source]
        edge_type = torch.unique(pair, return_inverse=True)[1]

        hops = hop_distances(edge_index, num_nodes, self.centers)
        displacement = torch.full_like(source, SAME_DISTANCE)
        displacement[hops[source] > hops[target]] = FARTHER
        displacement[hops[source] < hops[target]] = CLOSER
        displacement[source == target] = SELF

        degree = scatter(torch.ones(target.numel()), target, 0, num_nodes, "sum")
        if self.normalization == "sym":
            edge_weight = (degree[source] * degree[target]).rsqrt()
        elif self.normalization == "row":
            edge_weight = degree[target].reciprocal()
        else:
            edge_weight = torch.ones(target.numel())

        device = data.edge_index.device
        data.edge_index = edge_index.to(device)
        data.node_type = node_type.to(device)
        data.edge_type = edge_type.to(device)
        data.displacement = displacement.to(device)
        data.edge_weight = edge_weight.to(device)
        return data

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(centers={self.centers}, "
            f"normalization={self.normalization!r})"
        )


def hop_distances(edge_index: Tensor, num_nodes: int, centers: Sequence[int]) -> Tensor:
    """Hop distance of every node to the nearest centre, edges taken both
    ways; a component without a centre is measured from its lowest-numbered
    node.

    Example:
        >>> edge_index = torch.tensor([[0, 1, 3], [1, 2, 4]])  # 0-1-2 and 3-4
        >>> hop_distances(edge_index, 5, [1])
        tensor([1, 0, 1, 0, 1])
    """
    source, target = torch.cat([edge_index, edge_index.flip(0)], dim=1)
    hops = torch.full((num_nodes,), -1, dtype=torch.long)
    frontier = torch.zeros(num_nodes, dtype=torch.bool)
    frontier[list(centers)] = True
    distance = 0
    while True:
        hops[frontier] = distance
        reached = torch.zeros(num_nodes, dtype=torch.bool)
        reached[target[frontier[source]]] = True
        frontier = reached & (hops < 0)
        distance += 1
        if not frontier.any():
            unreached = (hops < 0).nonzero()
            if unreached.numel() == 0:
                return hops
            frontier[unreached[0]] = True  # the next component's centre
            distance = 0
