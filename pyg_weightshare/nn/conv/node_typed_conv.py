"""The base of the layers with one matrix per node type."""

from __future__ import annotations

import warnings

from pyg_weightshare.nn.conv.weight_share_conv import WeightShareConv


class NodeTypedConv(WeightShareConv):
    r"""Base of the layers with one matrix per node type,
    :class:`~pyg_weightshare.PreAggConv` and
    :class:`~pyg_weightshare.PostAggConv`: :obj:`weight` and, when
    decoupled, :obj:`self_weight` are :math:`[T, C_{in}, C_{out}]` with
    :math:`T` = :obj:`num_node_types` (:obj:`num_nodes`, its former name,
    still works with a :class:`DeprecationWarning`)."""

    type_count = "num_node_types"
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
