"""The paper's weight-sharing schemes in one registry: each scheme's layer,
the typed graph attribute it reads, whether it can decouple its self-loops,
and its name in the paper's tables."""

from __future__ import annotations

from dataclasses import dataclass

from pyg_weightshare.nn.conv import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    WeightShareConv,
)
from pyg_weightshare.nn.conv.weight_share_conv import TYPED_ATTRIBUTES


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
        **kwargs,
    ) -> WeightShareConv:
        """The layer for a graph with :obj:`num_node_types` node types and
        :obj:`num_edge_types` ordered-pair types.

        Example:
            >>> SCHEMES["no_sharing"].make_conv(2, 64, 16, 46)
            NoShareConv(2, 64, num_edge_types=46)
        """
        self.check_decouple(decouple)
        if self.conv is NoShareConv:
            return NoShareConv(in_channels, out_channels, num_edge_types, **kwargs)
        if self.conv is ConvStyleConv:
            return ConvStyleConv(in_channels, out_channels, **kwargs)
        if self.conv is FullShareConv:
            return FullShareConv(in_channels, out_channels, decouple, **kwargs)
        return self.conv(in_channels, out_channels, num_node_types, decouple, **kwargs)


#: The five schemes, in the order of the paper's Table 3.
SCHEMES: dict[str, Scheme] = {
    scheme.name: scheme
    for scheme in (
        Scheme("full", "Full-sharing", FullShareConv, decouplable=True),
        Scheme("conv_style", "Conv-style", ConvStyleConv, decouplable=False),
        Scheme("pre_agg", "Pre-agg", PreAggConv, decouplable=True),
        Scheme("post_agg", "Post-agg", PostAggConv, decouplable=True),
        Scheme("no_sharing", "No-sharing", NoShareConv, decouplable=False),
    )
}
DECOUPLABLE_SCHEMES = tuple(name for name, s in SCHEMES.items() if s.decouplable)


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
