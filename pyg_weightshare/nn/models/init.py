"""The published code's initialisation of the weight-sharing convolutions."""

import torch

from pyg_weightshare.nn.conv import WeightShareConv


def stacked_xavier_uniform_(conv: WeightShareConv, gain: float = 1.414) -> None:
    r"""Initialises the matrices of :obj:`conv` as the published code does:
    one :func:`torch.nn.init.xavier_uniform_` with :obj:`gain=1.414` over all
    of the layer's matrices stacked into a single tensor, instead of
    Xavier-uniform per matrix (:meth:`WeightShareConv.reset_parameters`).

    The stacked tensor is :math:`[M, C_{in}, C_{out}]`: the decoupled
    :obj:`self_weight` followed by :obj:`weight` along the type axis, so
    :math:`M` is the number of matrices of the layer:

    ================================ ==================================
    scheme                           stacked shape
    ================================ ==================================
    full-sharing                     :math:`[1, C_{in}, C_{out}]`
    full-sharing, decoupled          :math:`[2, C_{in}, C_{out}]`
    pre-/post-aggregation            :math:`[J, C_{in}, C_{out}]`
    pre-/post-aggregation, decoupled :math:`[2J, C_{in}, C_{out}]`
    convolution-style                :math:`[3, C_{in}, C_{out}]`
    no-sharing                       :math:`[J + 2E, C_{in}, C_{out}]`
    ================================ ==================================

    For decoupled full-sharing this is exactly the :obj:`W` of SemGCN's
    graph convolution (self-loop matrix first), from which the published
    code derives; the other schemes extend the same rule, which is also the
    weight layout the convolutions expose. PyTorch reads a 3-D tensor as
    :math:`\mathrm{fan_{in}} = C_{in} C_{out}` and
    :math:`\mathrm{fan_{out}} = M C_{out}`, so every entry is drawn from
    :math:`\mathcal{U}(-a, a)` with

    .. math::
        a = \mathrm{gain} \sqrt{\frac{6}{C_{out} (C_{in} + M)}},

    which depends on the scheme through :math:`M`: at
    :math:`C_{in} = 2, C_{out} = 128` it is 0.153 for decoupled
    full-sharing and 0.053 for decoupled pre-aggregation on 16 joints, while
    per-matrix Xavier gives :math:`\sqrt{6 / 130} = 0.215` to every scheme.
    The bias is left alone.

    Args:
        conv (WeightShareConv): The layer to initialise.
        gain (float, optional): The published code's gain.
            (default: :obj:`1.414`)

    Example:
        >>> from pyg_weightshare import PreAggConv
        >>> conv = PreAggConv(2, 128, num_node_types=16)
        >>> stacked_xavier_uniform_(conv)
        >>> bool(conv.weight.abs().max() <= 1.414 * (6 / (128 * (2 + 32))) ** 0.5)
        True
    """
    matrices = [w for w in (conv.self_weight, conv.weight) if w is not None]
    stacked = torch.empty(
        sum(weight.size(0) for weight in matrices),
        conv.in_channels,
        conv.out_channels,
        dtype=conv.weight.dtype,
        device=conv.weight.device,
    )
    torch.nn.init.xavier_uniform_(stacked, gain=gain)
    with torch.no_grad():
        for weight, values in zip(
            matrices, stacked.split([w.size(0) for w in matrices]), strict=True
        ):
            weight.copy_(values)
