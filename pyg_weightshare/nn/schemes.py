"""The paper's weight-sharing schemes in one registry: each scheme's layer,
the typed graph attribute it reads, whether it can decouple its self-loops,
and its name in the paper's tables (the names, labels and decoupling come
from the torch-free :mod:`pyg_weightshare.choices`)."""

from __future__ import annotations

from dataclasses import dataclass

from pyg_weightshare.choices import DECOUPLABLE_SCHEMES, SCHEME_LABELS
from pyg_weightshare.nn.conv import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    WeightShareConv,
)
from pyg_weightshare.nn.conv.prepared_graph import TYPED_ATTRIBUTES


@dataclass(frozen=True)
class Scheme:
    """A weight-sharing scheme.

    Attributes:
        name (str): The identifier used by the API and the command line.
        label (str): The name in the paper's tables.
        conv (type): The :class:`~pyg_weightshare.WeightShareConv` subclass.
        decouplable (bool): Whether :obj:`decouple=False` is meaningful
            (convolution-style and no-sharing decouple by definition).
    """

    name: str
    label: str
    conv: type[WeightShareConv]
    decouplable: bool

    @property
    def typed_attribute(self) -> str | None:
        """The graph attribute the layer reads after :obj:`edge_weight`."""
        return TYPED_ATTRIBUTES[self.conv.weight_index]

    def check_decouple(self, decouple: bool) -> None:
        """Rejects :obj:`decouple=False` for a scheme that cannot couple."""
        if not decouple and not self.decouplable:
            raise ValueError(
                f"scheme {self.name!r} decouples self-loops by definition; "
                f"decouple=False applies to {DECOUPLABLE_SCHEMES} only"
            )

    def make_conv(
        self,
        in_channels: int,
        out_channels: int,
        num_node_types: int,
        num_edge_types: int,
        decouple: bool = True,
        num_displacements: int = 3,
        **kwargs,
    ) -> WeightShareConv:
        """The layer for a graph with :obj:`num_node_types` node types,
        :obj:`num_edge_types` ordered-pair types and
        :obj:`num_displacements` displacement classes (see
        :meth:`WeightShareConv.from_type_counts`).

        Example:
            >>> SCHEMES["no_sharing"].make_conv(2, 64, 16, 46)
            NoShareConv(2, 64, num_edge_types=46)
        """
        self.check_decouple(decouple)
        if self.decouplable:
            kwargs["decouple"] = decouple
        return self.conv.from_type_counts(
            in_channels,
            out_channels,
            num_node_types=num_node_types,
            num_edge_types=num_edge_types,
            num_displacements=num_displacements,
            **kwargs,
        )


_CONVS: dict[str, type[WeightShareConv]] = {
    "full": FullShareConv,
    "conv_style": ConvStyleConv,
    "pre_agg": PreAggConv,
    "post_agg": PostAggConv,
    "no_sharing": NoShareConv,
}

#: The five schemes, in the order of the paper's Table 3.
SCHEMES: dict[str, Scheme] = {
    name: Scheme(name, label, _CONVS[name], name in DECOUPLABLE_SCHEMES)
    for name, label in SCHEME_LABELS.items()
}


def get_scheme(name: str) -> Scheme:
    """The scheme called :obj:`name`, or an error listing the schemes."""
    if name not in SCHEMES:
        raise ValueError(f"scheme must be one of {tuple(SCHEMES)}, got {name!r}")
    return SCHEMES[name]


def typed_inputs(conv: WeightShareConv, graph, static: bool = True) -> dict:
    """The typed keyword argument :obj:`conv` needs, read from a PyG
    :class:`~torch_geometric.data.Data` or batch: :obj:`{}` for shared
    weights and, in the static layout, for node types in joint order.

    Example:
        >>> from pyg_weightshare import h36m_skeleton
        >>> graph = h36m_skeleton(16).to_data()
        >>> list(typed_inputs(ConvStyleConv(2, 4), graph))
        ['displacement']
    """
    name = conv.typed_attribute
    if name is None or (name == "node_type" and static):
        return {}
    return {name: graph[name]}
