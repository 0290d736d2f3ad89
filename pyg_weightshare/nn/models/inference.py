r"""Inference with a trained :class:`~pyg_weightshare.PoseGCN`: predictions
for many poses (:func:`predict`) and the network's inference form
(:class:`InferencePoseGCN`).

Evaluation fixes everything but the poses: the BatchNorm statistics, the
dropout (off) and the edge weights, learnable ones included. So each
convolution and the BatchNorm after it collapse into one affine map of the
joints' features, and the network runs as a few matrix products per layer on
node-major features :math:`[J, B, C]`, the memory order in which the
aggregation over the skeleton is one matrix product and a layer's output is
the next layer's input without a copy.

BatchNorm with scale :math:`\boldsymbol{\gamma}`, shift
:math:`\boldsymbol{\beta}`, running mean :math:`\boldsymbol{\mu}` and
variance :math:`\boldsymbol{\sigma}^2` multiplies output channel :math:`o` by
:math:`s_o = \gamma_o / \sqrt{\sigma^2_o + \epsilon}` and adds
:math:`t_o = \beta_o - \mu_o s_o`. Every scheme's output is
:math:`\sum \hat{a}_{ij} \mathbf{x}_j \mathbf{W}_{k(i, j)} + \mathbf{b}`, so
scaling the columns of every matrix (:obj:`weight` and :obj:`self_weight` of
the weight layout contract) by :math:`\mathbf{s}` and replacing the bias by
:math:`\mathbf{b} \odot \mathbf{s} + \mathbf{t}` folds the normalisation in,
whatever the scheme.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import BatchNorm1d, Linear

from pyg_weightshare.nn.conv import WeightShareConv
from pyg_weightshare.nn.models.non_local import NonLocalBlock
from pyg_weightshare.nn.models.pose_gcn import PoseGCN

EVAL_BATCH_SIZE = 4096
"""Poses per forward pass of :func:`predict`."""

#: The weight indices whose products come before the aggregation (the
#: matrix belongs to the source node or to the edge, or is shared).
TRANSFORM_FIRST = ("shared", "source_node", "edge_type")


def batch_norm_affine(norm: BatchNorm1d) -> tuple[Tensor, Tensor]:
    r"""The scale :math:`\mathbf{s}` and shift :math:`\mathbf{t}` of a
    BatchNorm in eval mode, :math:`\mathrm{BN}(\mathbf{x}) = \mathbf{x} \odot
    \mathbf{s} + \mathbf{t}`.

    Example:
        >>> norm = BatchNorm1d(4).eval()
        >>> scale, shift = batch_norm_affine(norm)
        >>> x = torch.randn(8, 4)
        >>> torch.allclose(norm(x), x * scale + shift)
        True
    """
    if norm.running_mean is None or norm.running_var is None:
        raise ValueError(
            "Folding a BatchNorm needs its running statistics "
            "(track_running_stats=True)"
        )
    scale = torch.rsqrt(norm.running_var + norm.eps)
    if norm.weight is not None:
        scale = scale * norm.weight
    shift = -norm.running_mean * scale
    if norm.bias is not None:
        shift = shift + norm.bias
    return scale.detach(), shift.detach()


def _product(x: Tensor, weight: Tensor, out: Tensor | None) -> Tensor:
    r""":obj:`out` plus :math:`\mathbf{x}_r \mathbf{W}_r` for every row
    :math:`r` of :obj:`x` :math:`[R, B, C_{in}]`, with :obj:`weight`
    :math:`[R, C_{in}, C_{out}]` or one shared matrix :math:`[1, C_{in},
    C_{out}]`; :obj:`out` is :math:`[R, B, C_{out}]`, a bias
    :math:`[C_{out}]` or :obj:`None`."""
    rows, batch_size, in_channels = x.shape
    if weight.size(0) == 1:
        flat = x.reshape(-1, in_channels)
        if out is None:
            product = flat @ weight[0]
        else:
            product = torch.addmm(out.reshape(-1, weight.size(-1)), flat, weight[0])
        return product.view(rows, batch_size, weight.size(-1))
    if out is None:
        return torch.bmm(x, weight)
    return torch.baddbmm(out, x, weight)


class InferenceConv(torch.nn.Module):
    r"""One graph convolution of a trained network, with the BatchNorm after
    it folded in, on node-major features :math:`[J, B, C]` of one skeleton.

    The products follow the weights: matrices of the source node or the edge
    (or shared ones) transform the rows before one aggregation product over
    the skeleton (edge-typed ones on the edges' gathered sources); matrices of
    the target node or of the displacement class transform the aggregated
    rows, one aggregation slot per class. The decoupled self-loop term
    :math:`\hat{a}_{ii} \mathbf{x}_i \mathbf{S}_{\tau(i)}`, its
    :math:`\hat{a}_{ii}` folded into :math:`\mathbf{S}`, starts the sum from
    the bias. Everything is a buffer: the layer learns nothing.

    Args:
        conv (WeightShareConv): The trained convolution.
        num_nodes (int): The skeleton's joints :math:`J`.
        edge_index (torch.Tensor): The skeleton's edges, self-loops included.
        edge_weight (torch.Tensor): :math:`\hat{a}` per edge, as the network
            uses it for this convolution.
        type_index (torch.Tensor, optional): The convolution's typed edge
            attribute (:obj:`displacement` or :obj:`edge_type`); node types
            are the joint order.
        norm (torch.nn.BatchNorm1d, optional): The BatchNorm after the
            convolution.

    Shapes:
        - **input:** :math:`(J, B, C_{in})`
        - **output:** :math:`(J, B, C_{out})`
    """

    def __init__(
        self,
        conv: WeightShareConv,
        num_nodes: int,
        edge_index: Tensor,
        edge_weight: Tensor,
        type_index: Tensor | None = None,
        norm: BatchNorm1d | None = None,
    ) -> None:
        super().__init__()
        weight = conv.weight.detach()
        scale = weight.new_ones(conv.out_channels)
        shift = weight.new_zeros(conv.out_channels)
        if norm is not None:
            scale, shift = batch_norm_affine(norm)
        if conv.bias is not None:
            shift = shift + conv.bias.detach() * scale
        weight = weight * scale
        source, target = edge_index
        edge_weight = edge_weight.detach().to(weight.dtype)

        self_weight = None
        if conv.self_weight is not None:
            is_self_loop = source == target
            self_loop_weight = weight.new_zeros(num_nodes).index_add_(
                0, target, edge_weight * is_self_loop
            )
            edge_weight = edge_weight.masked_fill(is_self_loop, 0.0)
            self_weight = conv.self_weight.detach() * scale
            self_weight = self_loop_weight.view(-1, 1, 1) * self_weight.expand(
                num_nodes, -1, -1
            )

        self.transform_first = conv.weight_index in TRANSFORM_FIRST
        rows = None
        if conv.weight_index == "edge_type":
            # Each edge's matrix transforms its source's gathered features.
            rows = source
            weight = weight.index_select(0, type_index)
            operator = weight.new_zeros(num_nodes, source.numel())
            edge = torch.arange(source.numel(), device=source.device)
            operator[target, edge] = edge_weight
        elif self.transform_first:
            operator = weight.new_zeros(num_nodes, num_nodes)
            operator.index_put_((target, source), edge_weight, accumulate=True)
        else:
            # One aggregation slot per matrix of the target: a displacement
            # class each (one matrix for all nodes), or one slot with a
            # matrix per target node.
            if conv.weight_index == "displacement":
                slot, weight = type_index, weight.unsqueeze(1)
            else:
                slot, weight = torch.zeros_like(target), weight.unsqueeze(0)
            operator = weight.new_zeros(weight.size(0) * num_nodes, num_nodes)
            row = slot * num_nodes + target
            operator.index_put_((row, source), edge_weight, accumulate=True)

        self.in_channels = conv.in_channels
        self.out_channels = conv.out_channels
        self.register_buffer("weight", weight.contiguous())
        self.register_buffer("self_weight", self_weight)
        self.register_buffer("bias", shift.contiguous())
        self.register_buffer("operator", operator)
        self.register_buffer("rows", rows)

    def forward(self, x: Tensor) -> Tensor:
        num_nodes, batch_size, in_channels = x.shape
        out = self.bias
        if self.self_weight is not None:
            out = torch.baddbmm(self.bias, x, self.self_weight)
        if self.transform_first:
            rows = x if self.rows is None else x.index_select(0, self.rows)
            transformed = _product(rows, self.weight, None).flatten(1)
            if self.self_weight is None:  # the bias, once per pose
                out = self.bias.repeat(batch_size).expand(num_nodes, -1)
                out = torch.addmm(out, self.operator, transformed)
            else:
                out = out.flatten(1).addmm_(self.operator, transformed)
            return out.view(num_nodes, batch_size, self.out_channels)
        num_slots = self.weight.size(0)
        aggregated = self.operator @ x.flatten(1)
        aggregated = aggregated.view(num_slots, num_nodes, batch_size, in_channels)
        for slot in range(num_slots):
            out = _product(aggregated[slot], self.weight[slot], out)
        return out

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
            f"transform_first={self.transform_first}, "
            f"decoupled={self.self_weight is not None})"
        )


class InferenceNonLocal(torch.nn.Module):
    r"""A trained :class:`NonLocalBlock` on node-major features
    :math:`[J, B, C]`, its BatchNorm folded into the output map and the
    :math:`1 / G` of the attention into the queries.

    Args:
        block (NonLocalBlock): The trained block.
        num_joints (int): :math:`J`, the number of groups of a block without
            pooling.

    Shapes:
        - **input:** :math:`(J, B, C)`
        - **output:** :math:`(J, B, C)`
    """

    def __init__(self, block: NonLocalBlock, num_joints: int) -> None:
        super().__init__()
        num_groups = block.num_groups or num_joints
        self.query = _frozen_linear(block.query, 1 / num_groups)
        self.key = _frozen_linear(block.key)
        self.value = _frozen_linear(block.value)
        self.out = _frozen_linear(block.out, *batch_norm_affine(block.norm))
        self.register_buffer("group_index", block.group_index)

    def forward(self, x: Tensor) -> Tensor:
        query = self.query(x).transpose(0, 1)  # [B, J, C']
        key = self._pool(self.key(x)).transpose(0, 1)  # [B, G, C']
        value = self._pool(self.value(x)).transpose(0, 1)
        attention = query @ key.transpose(1, 2)
        return self.out((attention @ value).transpose(0, 1)).add_(x)

    def _pool(self, x: Tensor) -> Tensor:
        if self.group_index is None:
            return x
        return x[self.group_index].amax(dim=1)


def _frozen_linear(
    linear: Linear, scale: Tensor | float = 1.0, shift: Tensor | float = 0.0
) -> Linear:
    r"""A copy of :obj:`linear` computing :math:`(\mathbf{x}\mathbf{W}^\top +
    \mathbf{b}) \odot \mathbf{s} + \mathbf{t}`, learning nothing."""
    weight = linear.weight.detach()
    scale = torch.as_tensor(scale, dtype=weight.dtype, device=weight.device)
    frozen = Linear(
        linear.in_features,
        linear.out_features,
        device=weight.device,
        dtype=weight.dtype,
    )
    with torch.no_grad():
        frozen.weight.copy_(weight * scale.view(-1, 1))
        frozen.bias.copy_(linear.bias.detach() * scale + shift)
    return frozen.requires_grad_(False)


class InferencePoseGCN(torch.nn.Module):
    r"""A trained :class:`~pyg_weightshare.PoseGCN` for inference on static
    poses :math:`[B, J, C_{in}]`, equal to the network in eval mode: every
    BatchNorm folded into the convolution before it (see
    :class:`InferenceConv`), the non-local blocks' into their output maps,
    the edge weights of every layer (learnable ones too) fixed, the features
    node-major from the input transpose to the output one, and the bias,
    ReLU and identity skip of each layer applied in place on the product's
    output. Build it with :meth:`PoseGCN.for_inference
    <pyg_weightshare.PoseGCN.for_inference>`; it copies what it needs, so
    later changes to the network do not reach it. It computes no gradients:
    run it under ``torch.inference_mode``. :func:`torch.compile` fuses
    the bias, ReLU and skip passes into one (see
    :class:`~pyg_weightshare.lifting.backends.TorchBackend`).

    Args:
        model (PoseGCN): The trained network (its running statistics are
            used whether or not it is in eval mode).

    Shapes:
        - **input:** :math:`(B, J, C_{in})`
        - **output:** :math:`(B, J, C_{out})`

    Example:
        >>> from pyg_weightshare import PoseGCN, h36m_skeleton
        >>> model = PoseGCN(h36m_skeleton(16), hidden_channels=32).eval()
        >>> fast = model.for_inference()
        >>> x = torch.randn(8, 16, 2)
        >>> with torch.inference_mode():
        ...     torch.allclose(fast(x), model(x), atol=1e-5)
        True
    """

    def __init__(self, model: PoseGCN) -> None:
        super().__init__()
        self.num_joints = model.num_joints
        self.in_channels = model.in_channels
        self.out_channels = model.out_channels
        edge_index = model.edge_index
        with torch.no_grad():
            if model.learnable_adjacency is not None:
                edge_weight = model.learnable_adjacency(edge_index[1], self.num_joints)
            else:
                edge_weight = model.edge_weight.expand(model.num_layers, -1)
        attribute = model.output_conv.typed_attribute
        type_index = None
        if attribute is not None and attribute != "node_type":
            type_index = getattr(model, attribute)

        def fold(conv: WeightShareConv, layer: int, norm=None) -> InferenceConv:
            return InferenceConv(
                conv, self.num_joints, edge_index, edge_weight[layer], type_index, norm
            )

        self.input_conv = fold(model.input_block.conv, 0, model.input_block.norm)
        self.blocks = torch.nn.ModuleList(
            torch.nn.ModuleList(
                [
                    fold(block.first.conv, 2 * i + 1, block.first.norm),
                    fold(block.second.conv, 2 * i + 2, block.second.norm),
                ]
            )
            for i, block in enumerate(model.blocks)
        )
        self.output_conv = fold(model.output_conv, model.num_layers - 1)
        self.non_local = torch.nn.ModuleList(
            torch.nn.Identity()
            if model.non_local is None
            else InferenceNonLocal(model.non_local[i], self.num_joints)
            for i in range(model.num_blocks + 1)
        )
        self.root = model.root if model.root_relative else None
        self.bone_symmetry = model.bone_symmetry if model.symmetric else None

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 3 or x.shape[1:] != (self.num_joints, self.in_channels):
            raise ValueError(
                f"{self.__class__.__name__} expects static poses of shape [B, "
                f"{self.num_joints}, {self.in_channels}], got {list(x.shape)}"
            )
        if (
            x.device.type == "cpu"
            and not torch.compiler.is_compiling()
            and not bool(torch.isfinite(x).all())
        ):
            raise ValueError("PoseGCN input holds NaN or infinite values")
        h = self.input_conv(x.transpose(0, 1).contiguous()).relu_()
        h = self.non_local[0](h)
        for block, non_local in zip(self.blocks, self.non_local[1:], strict=True):
            first, second = block
            h = non_local(second(first(h).relu_()).relu_().add_(h))
        out = self.output_conv(h)
        if self.root is not None:
            out = out - out[self.root]
        out = out.transpose(0, 1)
        if self.bone_symmetry is not None:
            out = self.bone_symmetry(out)
        return out.contiguous()

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
            f"num_joints={self.num_joints}, num_blocks={len(self.blocks)}, "
            f"non_local={isinstance(self.non_local[0], InferenceNonLocal)})"
        )


@torch.no_grad()
def predict(model: torch.nn.Module, inputs: Tensor, device: torch.device) -> Tensor:
    """Predictions :obj:`[N, J, 3]` for every pose, computed in eval mode in
    batches of :obj:`EVAL_BATCH_SIZE` on :obj:`device` and returned on the
    CPU (one transfer each way, no wait between batches).

    Args:
        model (torch.nn.Module): The lifting network, on :obj:`device`.
        inputs (torch.Tensor): Poses :obj:`[N, J, C_in]`.
        device (torch.device): Where the model runs.

    Example:
        >>> from pyg_weightshare import PoseGCN, h36m_skeleton
        >>> model = PoseGCN(h36m_skeleton(16), hidden_channels=8)
        >>> predict(model, torch.zeros(5, 16, 2), torch.device("cpu")).shape
        torch.Size([5, 16, 3])
    """
    model.eval()
    chunks = [
        model(chunk).float() for chunk in inputs.to(device).split(EVAL_BATCH_SIZE)
    ]
    if not chunks:
        return inputs.new_zeros(0, inputs.size(1), 3)
    return torch.cat(chunks).cpu()
