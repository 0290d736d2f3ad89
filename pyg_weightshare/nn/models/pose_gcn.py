"""The residual graph network for 2D-to-3D human pose lifting (Liu et al.,
Fig. 5)."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import BatchNorm1d
from torch_geometric.typing import OptTensor

from pyg_weightshare.choices import ADJACENCIES, INITS
from pyg_weightshare.nn.conv import WeightShareConv
from pyg_weightshare.nn.conv.prepared_graph import check_ids
from pyg_weightshare.nn.models.adjacency import LearnableAdjacency
from pyg_weightshare.nn.models.init import stacked_xavier_uniform_
from pyg_weightshare.nn.models.non_local import NonLocalBlock, h36m_joint_groups
from pyg_weightshare.nn.models.serialization import (
    Checkpoint,
    load_checkpoint,
    pretrained_path,
)
from pyg_weightshare.nn.schemes import get_scheme
from pyg_weightshare.skeleton import Skeleton, h36m_skeleton


class _Graph(NamedTuple):
    """What every layer of one forward pass needs from the graph."""

    edge_index: Tensor
    edge_weight: Tensor  # [num_layers, E], one row per convolution
    typed: dict[str, Tensor]  # the scheme's typed attribute, by keyword
    dense_index: OptTensor  # flat batch: each node's row in [B * J]


class _ConvBlock(torch.nn.Module):
    """Graph convolution, BatchNorm, ReLU and dropout."""

    def __init__(self, conv: WeightShareConv, dropout: float) -> None:
        super().__init__()
        self.conv = conv
        self.norm = BatchNorm1d(conv.out_channels)
        self.dropout = dropout

    def forward(self, x: Tensor, graph: _Graph, edge_weight: Tensor) -> Tensor:
        x = self.conv(x, graph.edge_index, edge_weight, **graph.typed)
        # Statistics over every joint of the batch, read node by node: the
        # memory order of the layers' static outputs, so no copy is made.
        node_major = x.transpose(0, -2)
        x = self.norm(node_major.reshape(-1, x.size(-1))).view(node_major.shape)
        x = x.transpose(0, -2).relu()
        return F.dropout(x, self.dropout, self.training)


class _ResidualBlock(torch.nn.Module):
    """Two convolution blocks around an identity skip."""

    def __init__(self, first: _ConvBlock, second: _ConvBlock) -> None:
        super().__init__()
        self.first = first
        self.second = second

    def forward(self, x: Tensor, graph: _Graph, edge_weight: Tensor) -> Tensor:
        return x + self.second(
            self.first(x, graph, edge_weight[0]), graph, edge_weight[1]
        )


class SymmetricBones(torch.nn.Module):
    r"""Gives the mirrored bones of every pose equal lengths: each bone
    :math:`\mathbf{b}_j = \mathbf{p}_j - \mathbf{p}_{\pi(j)}` of a left
    joint and of its right counterpart :math:`m(j)` keeps its direction and
    gets the mean of the two lengths, and the joints are rebuilt from the
    root outwards, so the root stays where it was,

    .. math::
        \mathbf{b}_j' = \frac{\|\mathbf{b}_j\| + \|\mathbf{b}_{m(j)}\|}{2}
        \frac{\mathbf{b}_j}{\|\mathbf{b}_j\|}, \qquad
        \mathbf{p}_j' = \mathbf{p}_{r(j)} + \sum_{k \in A(j)} \mathbf{b}_k',

    where :math:`A(j)` holds the joints on the path from the root
    :math:`r(j)` to :math:`j` (:math:`j` included). The mirror index and the
    path matrix are built once from the skeleton, so a forward pass is one
    gather, one norm and one :math:`[J, J]` product.

    Args:
        skeleton (Skeleton): The skeleton, whose :obj:`left` and
            :obj:`right` joints are mirror images in order.

    Shapes:
        - **input:** :math:`(B, J, 3)`
        - **output:** :math:`(B, J, 3)`
    """

    def __init__(self, skeleton: Skeleton) -> None:
        super().__init__()
        parents = list(skeleton.parents)
        joints = range(len(parents))
        mirror = list(joints)
        for left, right in zip(skeleton.left, skeleton.right, strict=True):
            mirror[left], mirror[right] = right, left
        paths = torch.zeros(len(parents), len(parents))
        roots = []
        for joint in joints:
            ancestor = joint
            while parents[ancestor] >= 0:
                paths[joint, ancestor] = 1.0
                ancestor = parents[ancestor]
            roots.append(ancestor)
        parent = [j if p < 0 else p for j, p in enumerate(parents)]
        for name, value in (("parent", parent), ("mirror", mirror), ("root", roots)):
            self.register_buffer(name, torch.tensor(value), persistent=False)
        self.register_buffer("paths", paths, persistent=False)

    def forward(self, poses: Tensor) -> Tensor:
        bones = poses - poses[:, self.parent]
        length = bones.norm(dim=-1, keepdim=True)
        scale = (length + length[:, self.mirror]) / (2 * length.clamp(min=1e-8))
        paths = self.paths.to(poses.dtype)
        return poses[:, self.root] + torch.einsum("jk,bkc->bjc", paths, bones * scale)


class PoseGCN(torch.nn.Module):
    r"""The 2D-to-3D pose lifting network of the `"A Comprehensive Study of
    Weight Sharing in Graph Networks for 3D Human Pose Estimation"
    <https://arxiv.org/abs/2010.06844>`_ paper (Fig. 5, Sec. 3.4), for any of
    its weight-sharing schemes.

    An input graph convolution :math:`2 \to C` with BatchNorm and ReLU,
    :obj:`num_blocks` residual blocks of two (graph convolution
    :math:`C \to C`, BatchNorm, ReLU) with identity skips, and an output
    graph convolution :math:`C \to 3`. With :obj:`dropout > 0`, dropout
    follows every ReLU (once: the published code applies ReLU twice there).
    With :obj:`non_local=True`, a :class:`NonLocalBlock` (SemGCN style,
    keys and values pooled over :func:`h36m_joint_groups`) follows the input
    block and every residual block. BatchNorm statistics are over all
    :math:`B \cdot J` joints of the batch.

    The skeleton graph is built once, as buffers. Two input layouts give the
    same numbers:

    * static, :math:`[B, J, 2]` poses in the skeleton's joint order (the
      fast path, compiles with :obj:`torch.compile(fullgraph=True)`);
    * flat, a PyTorch Geometric batch of :meth:`Skeleton.to_data` graphs
      (:obj:`x` :math:`[B \cdot J, 2]`) with its :obj:`edge_index`,
      :obj:`edge_type` (which skeleton edge each edge is, so that the model
      uses its own edge weights), :obj:`node_type` and, when the non-local
      blocks or :obj:`root_relative` need to know the poses, :obj:`batch`.
      Nodes may come in any order.

    Inputs holding NaN or infinity raise a :class:`ValueError` on the CPU.
    On CUDA and under :func:`torch.compile` they are not checked, since the
    check would make the host wait for the device: they give NaN outputs.

    Args:
        skeleton (Skeleton): The skeleton, e.g. :obj:`h36m_skeleton(16)`.
        scheme (str, optional): :obj:`"full"`, :obj:`"pre_agg"`,
            :obj:`"post_agg"`, :obj:`"conv_style"` or :obj:`"no_sharing"`.
            (default: :obj:`"pre_agg"`)
        decouple (bool, optional): Decouple the self-loops (Eqs. 9-11).
            Convolution-style and no-sharing are decoupled by definition and
            reject :obj:`False`. (default: :obj:`True`)
        hidden_channels (int, optional): Width :math:`C`.
            (default: :obj:`128`)
        num_blocks (int, optional): Number of residual blocks.
            (default: :obj:`4`)
        dropout (float, optional): Dropout probability after each hidden
            convolution. (default: :obj:`0.0`)
        non_local (bool, optional): Add the non-local blocks.
            (default: :obj:`False`)
        adjacency (str, optional): The edge weights :math:`\hat{a}_{ij}`:
            :obj:`"sym"` (:math:`D^{-1/2}(A + I)D^{-1/2}`, Eq. 2),
            :obj:`"row"` (:math:`D^{-1}(A + I)`, as in the published code) or
            :obj:`"learnable"` (a :class:`LearnableAdjacency` with one logit
            per edge and convolution, starting equal to :obj:`"row"`).
            (default: :obj:`"sym"`)
        init (str, optional): :obj:`"xavier"`, Xavier-uniform per matrix, or
            :obj:`"stacked"`, the published code's initialisation
            (:func:`stacked_xavier_uniform_`). (default: :obj:`"xavier"`)
        root_relative (bool, optional): Subtract the root joint's prediction
            from every joint, so the root is exactly zero.
            (default: :obj:`False`: the targets are root-relative and the
            network learns to predict a root near zero)
        in_channels (int, optional): Input features per joint.
            (default: :obj:`2`)
        symmetric (bool, optional): Give the left and right bones of every
            predicted pose equal lengths (:meth:`symmetric_bones`), keeping
            each bone's direction. (default: :obj:`False`)
        out_channels (int, optional): Output features per joint.
            (default: :obj:`3`)

    Shapes:
        - **input:** static :math:`(B, J, C_{in})`; or flat
          :math:`(B \cdot J, C_{in})` with edge indices :math:`(2, E)`, edge
          types :math:`(E)`, node types :math:`(B \cdot J)` and graph ids
          :math:`(B \cdot J)` *(optional for a single graph)*
        - **output:** :math:`(B, J, C_{out})` or :math:`(B \cdot J, C_{out})`

    Example:
        >>> from pyg_weightshare import h36m_skeleton
        >>> model = PoseGCN(h36m_skeleton(16), hidden_channels=32, num_blocks=2)
        >>> model(torch.randn(8, 16, 2)).shape
        torch.Size([8, 16, 3])
        >>> sum(p.numel() for p in model.parameters())
        136675
    """

    def __init__(
        self,
        skeleton: Skeleton,
        scheme: str = "pre_agg",
        decouple: bool = True,
        hidden_channels: int = 128,
        num_blocks: int = 4,
        dropout: float = 0.0,
        non_local: bool = False,
        adjacency: str = "sym",
        init: str = "xavier",
        root_relative: bool = False,
        in_channels: int = 2,
        out_channels: int = 3,
        symmetric: bool = False,
    ) -> None:
        super().__init__()
        _check_options(scheme, decouple, num_blocks, dropout, adjacency, init)
        self.skeleton = skeleton
        self.scheme = scheme
        self.decouple = decouple
        self.hidden_channels = hidden_channels
        self.num_blocks = num_blocks
        self.dropout = dropout
        self.adjacency = adjacency
        self.init = init
        self.root_relative = root_relative
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.symmetric = symmetric
        if symmetric and len(skeleton.left) != len(skeleton.right):
            raise ValueError("symmetric bones need as many left as right joints")
        self.bone_symmetry = SymmetricBones(skeleton)

        # A fixed adjacency makes the graph of every static batch the same:
        # the layers prepare it once.
        conv_options = {"decouple": decouple, "cached": adjacency != "learnable"}
        num_types = (skeleton.num_joints, skeleton.num_edge_types)
        resolved = get_scheme(scheme)
        # The graph attribute the layers read after the edge weights.
        self.typed_attribute = resolved.typed_attribute

        def make_conv(in_channels: int, out_channels: int) -> WeightShareConv:
            return resolved.make_conv(
                in_channels, out_channels, *num_types, **conv_options
            )

        def conv_block(in_channels: int) -> _ConvBlock:
            return _ConvBlock(make_conv(in_channels, hidden_channels), dropout)

        self.input_block = conv_block(in_channels)
        self.blocks = torch.nn.ModuleList(
            _ResidualBlock(conv_block(hidden_channels), conv_block(hidden_channels))
            for _ in range(num_blocks)
        )
        self.output_conv = make_conv(hidden_channels, out_channels)
        self.non_local = None
        if non_local:
            groups = h36m_joint_groups(skeleton)
            self.non_local = torch.nn.ModuleList(
                NonLocalBlock(hidden_channels, groups) for _ in range(num_blocks + 1)
            )

        self.num_layers = 2 * num_blocks + 2
        self.learnable_adjacency = None
        graph_attributes = ["edge_index", "edge_type", "displacement"]
        if adjacency == "learnable":
            graph = skeleton.to_data()
            self.learnable_adjacency = LearnableAdjacency(
                graph.num_edges, self.num_layers
            )
        else:
            graph = skeleton.to_data(adjacency)
            graph_attributes.append("edge_weight")
        # Derived from the skeleton, so not saved: get_extra_state() guards
        # against checkpoints of another skeleton instead.
        for name in graph_attributes:
            self.register_buffer(name, graph[name], persistent=False)
        self.root = skeleton.parents.index(-1)
        self.reset_parameters()

    @property
    def num_joints(self) -> int:
        return self.skeleton.num_joints

    @property
    def architecture(self) -> dict[str, Any]:
        """What :meth:`from_checkpoint` rebuilds the model from: its keyword
        arguments and :obj:`"num_joints"` of its Human3.6M skeleton."""
        return {
            "num_joints": self.num_joints,
            "scheme": self.scheme,
            "decouple": self.decouple,
            "hidden_channels": self.hidden_channels,
            "num_blocks": self.num_blocks,
            "dropout": self.dropout,
            "non_local": self.non_local is not None,
            "adjacency": self.adjacency,
            "init": self.init,
            "root_relative": self.root_relative,
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "symmetric": self.symmetric,
        }

    @classmethod
    def from_checkpoint(cls, checkpoint: Checkpoint | str | os.PathLike) -> PoseGCN:
        """The model of a :class:`~pyg_weightshare.nn.models.serialization.Checkpoint`
        (or of the model file at a path, read with
        :func:`~pyg_weightshare.nn.models.serialization.load_checkpoint`),
        rebuilt from its architecture, with its weights, in eval mode.

        Raises:
            ValueError: The architecture or the weights are not those of a
                :class:`PoseGCN`; the message names the file.
        """
        if not isinstance(checkpoint, Checkpoint):
            checkpoint = load_checkpoint(checkpoint)
        where = checkpoint.source or "checkpoint"
        kwargs = dict(checkpoint.architecture)
        known = {"num_joints", *inspect.signature(cls).parameters} - {"skeleton"}
        unknown = sorted(set(kwargs) - known)
        if unknown or "num_joints" not in kwargs:
            problem = f"unknown {unknown}" if unknown else "no num_joints"
            raise ValueError(f"{where} does not describe a PoseGCN ({problem})")
        try:
            model = cls(h36m_skeleton(kwargs.pop("num_joints")), **kwargs)
            model.load_state_dict(checkpoint.weights)
        except (RuntimeError, TypeError, ValueError) as error:
            reason = str(error).splitlines()[0]
            raise ValueError(
                f"{where} does not hold a usable model: {reason}"
            ) from None
        return model.eval()

    @classmethod
    def pretrained(cls, layout: str = "h36m") -> PoseGCN:
        """The lifter bundled with the package for the keypoints of
        :obj:`layout` (:obj:`"h36m"` or :obj:`"coco"`; decoupled
        pre-aggregation, 64 channels, 16 joints, person-box inputs with a
        seen flag), trained on the package's synthetic data and loaded
        weights-only, in eval mode; see :mod:`pyg_weightshare.pretrained`.

        Example:
            >>> model = PoseGCN.pretrained()
            >>> model(torch.zeros(2, 16, 3)).shape
            torch.Size([2, 16, 3])
        """
        return cls.from_checkpoint(pretrained_path(layout))

    def for_inference(self) -> torch.nn.Module:
        """This network for inference on static poses, equal to it in eval
        mode, with its BatchNorms folded into its convolutions and its
        layers' passes fused: see
        :class:`~pyg_weightshare.nn.models.inference.InferencePoseGCN`.

        Example:
            >>> model = PoseGCN.pretrained()
            >>> x = torch.zeros(2, 16, model.in_channels)
            >>> with torch.inference_mode():
            ...     model.for_inference()(x).shape
            torch.Size([2, 16, 3])
        """
        from pyg_weightshare.nn.models.inference import InferencePoseGCN

        return InferencePoseGCN(self)

    def reset_parameters(self) -> None:
        for block in self._conv_blocks():
            self._reset_conv(block.conv)
            block.norm.reset_parameters()
        self._reset_conv(self.output_conv)
        for block in self.non_local or ():
            block.reset_parameters()
        if self.learnable_adjacency is not None:
            self.learnable_adjacency.reset_parameters()

    def _conv_blocks(self) -> list[_ConvBlock]:
        hidden = [conv for block in self.blocks for conv in (block.first, block.second)]
        return [self.input_block, *hidden]

    def _reset_conv(self, conv: WeightShareConv) -> None:
        conv.reset_parameters()
        if self.init == "stacked":
            stacked_xavier_uniform_(conv)

    def forward(
        self,
        x: Tensor,
        edge_index: OptTensor = None,
        edge_type: OptTensor = None,
        node_type: OptTensor = None,
        batch: OptTensor = None,
    ) -> Tensor:
        r"""Lifts 2D poses to 3D.

        Args:
            x (torch.Tensor): Static :math:`[B, J, C_{in}]` or flat
                :math:`[B \cdot J, C_{in}]` joint features.
            edge_index (torch.Tensor, optional): Flat layout only: the
                batched edges of :meth:`Skeleton.to_data` graphs.
            edge_type (torch.Tensor, optional): Flat layout only: the skeleton
                edge id of each edge.
            node_type (torch.Tensor, optional): Flat layout only: the joint id
                of each node.
            batch (torch.Tensor, optional): Flat layout only: the pose of each
                node; needed for several poses with :obj:`non_local` or
                :obj:`root_relative`.
        """
        self._check_input(x)
        if x.dim() == 3:
            _reject_graph_inputs(edge_index, edge_type, node_type, batch)
            graph = self._graph(self.edge_index, self.num_joints)
        else:
            edge_index, edge_type, node_type = self._check_flat_graph(
                x, edge_index, edge_type, node_type
            )
            dense_index = self._dense_index(x, node_type, batch)
            graph = self._graph(
                edge_index, x.size(0), edge_type, node_type, dense_index
            )

        edge_weight = graph.edge_weight
        x = self.input_block(x, graph, edge_weight[0])
        x = self._non_local(0, x, graph)
        for i, block in enumerate(self.blocks):
            x = block(x, graph, edge_weight[2 * i + 1 : 2 * i + 3])
            x = self._non_local(i + 1, x, graph)
        out = self.output_conv(x, graph.edge_index, edge_weight[-1], **graph.typed)
        if self.root_relative:
            out = self._in_static_layout(self._subtract_root, out, graph.dense_index)
        if self.symmetric:
            out = self._in_static_layout(self.symmetric_bones, out, graph.dense_index)
        return out.contiguous()  # poses in their usual memory order

    def _check_input(self, x: Tensor) -> None:
        if x.dim() not in (2, 3):
            raise ValueError(
                f"PoseGCN expects x of shape [B, J, {self.in_channels}] (static) "
                f"or [B * J, {self.in_channels}] (flat batch), got {list(x.shape)}"
            )
        if x.size(-1) != self.in_channels:
            raise ValueError(
                f"PoseGCN expects {self.in_channels} input features per joint, "
                f"got x of shape {list(x.shape)}"
            )
        if x.dim() == 3 and x.size(1) != self.num_joints:
            raise ValueError(
                f"PoseGCN was built for a {self.num_joints}-joint skeleton, got "
                f"poses of {x.size(1)} joints"
            )
        if x.dim() == 2 and x.size(0) % self.num_joints != 0:
            raise ValueError(
                f"A flat batch must hold whole {self.num_joints}-joint poses, "
                f"got {x.size(0)} nodes"
            )
        # Reading a value back syncs with the device: only on the CPU.
        if (
            x.device.type == "cpu"
            and not torch.compiler.is_compiling()
            and not bool(torch.isfinite(x).all())
        ):
            raise ValueError("PoseGCN input holds NaN or infinite values")

    def _check_flat_graph(
        self,
        x: Tensor,
        edge_index: OptTensor,
        edge_type: OptTensor,
        node_type: OptTensor,
    ) -> tuple[Tensor, Tensor, Tensor]:
        if edge_index is None or edge_type is None or node_type is None:
            raise ValueError(
                "A flat batch needs edge_index, edge_type and node_type (the "
                "attributes of Skeleton.to_data() graphs)"
            )
        if edge_type.shape != edge_index.shape[1:]:
            raise ValueError(
                f"edge_type must hold one id per edge ({edge_index.size(1)}), got "
                f"shape {list(edge_type.shape)}"
            )
        if node_type.shape != x.shape[:1]:
            raise ValueError(
                f"node_type must hold one id per node ({x.size(0)}), got shape "
                f"{list(node_type.shape)}"
            )
        for name, ids, size in (
            ("edge_type", edge_type, self.edge_index.size(1)),
            ("node_type", node_type, self.num_joints),
        ):
            check_ids(name, ids, size, f"ids in a {self.num_joints}-joint skeleton")
        return edge_index, edge_type, node_type

    def _dense_index(self, x: Tensor, node_type: Tensor, batch: OptTensor) -> OptTensor:
        """Flat batch: the row of each node in the static layout, when the
        non-local blocks or the root subtraction need whole poses."""
        if self.non_local is None and not (self.root_relative or self.symmetric):
            return None
        if batch is None:
            if x.size(0) != self.num_joints:
                raise ValueError(
                    "PoseGCN needs batch for a flat batch of several poses with "
                    "non_local or root_relative"
                )
            return node_type
        return batch * self.num_joints + node_type

    def _graph(
        self,
        edge_index: Tensor,
        num_nodes: int,
        edge_type: OptTensor = None,
        node_type: OptTensor = None,
        dense_index: OptTensor = None,
    ) -> _Graph:
        """The graph of a forward pass. :obj:`edge_type` (the skeleton edge
        of each edge) and :obj:`node_type` are :obj:`None` for the skeleton
        itself, in the static layout."""
        if self.learnable_adjacency is not None:
            edge_weight = self.learnable_adjacency(edge_index[1], num_nodes, edge_type)
        else:
            edge_weight = self._on_edges(self.edge_weight, edge_type).expand(
                self.num_layers, -1
            )
        attribute = self.typed_attribute
        if attribute is None or (attribute == "node_type" and node_type is None):
            typed = {}  # node_type defaults to the joint order
        elif attribute == "node_type":
            typed = {"node_type": node_type}
        else:
            typed = {attribute: self._on_edges(getattr(self, attribute), edge_type)}
        return _Graph(edge_index, edge_weight, typed, dense_index)

    @staticmethod
    def _on_edges(skeleton_attribute: Tensor, edge_type: OptTensor) -> Tensor:
        """A per-edge attribute of the skeleton, on the edges of the input."""
        if edge_type is None:
            return skeleton_attribute
        return skeleton_attribute.index_select(0, edge_type)

    def _non_local(self, i: int, x: Tensor, graph: _Graph) -> Tensor:
        if self.non_local is None:
            return x
        return self._in_static_layout(self.non_local[i], x, graph.dense_index)

    def symmetric_bones(self, poses: Tensor) -> Tensor:
        """Poses :math:`(B, J, 3)` whose mirrored bones have equal lengths,
        see :class:`~pyg_weightshare.nn.models.pose_gcn.SymmetricBones`."""
        return self.bone_symmetry(poses)

    def _subtract_root(self, out: Tensor) -> Tensor:
        return out - out[:, self.root : self.root + 1]

    def _in_static_layout(
        self,
        function: Callable[[Tensor], Tensor],
        x: Tensor,
        dense_index: OptTensor,
    ) -> Tensor:
        """Applies a :obj:`function` of whole poses :math:`[B, J, C]` to
        static features as they are, and to a flat batch through the static
        layout."""
        if dense_index is None:
            return function(x)
        dense = torch.zeros_like(x).index_copy(0, dense_index, x)
        out = function(dense.view(-1, self.num_joints, x.size(-1)))
        return out.reshape(-1, x.size(-1)).index_select(0, dense_index)

    def get_extra_state(self) -> dict[str, Any]:
        """The architecture, saved with the weights so that a checkpoint of
        another skeleton, scheme or adjacency fails to load."""
        return {
            "num_joints": self.num_joints,
            "parents": self.skeleton.parents,
            "center": self.skeleton.center,
            "joint_names": self.skeleton.joint_names,
            "scheme": self.scheme,
            "decouple": self.decouple,
            "hidden_channels": self.hidden_channels,
            "num_blocks": self.num_blocks,
            "non_local": self.non_local is not None,
            "adjacency": self.adjacency,
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
        }

    def set_extra_state(self, state: dict[str, Any]) -> None:
        expected = self.get_extra_state()
        differences = [
            f"{key}={state.get(key)!r} (this model: {value!r})"
            for key, value in expected.items()
            if state.get(key) != value
        ]
        if differences:
            raise ValueError(
                "The checkpoint is for a different PoseGCN: " + ", ".join(differences)
            )

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
            f"num_joints={self.num_joints}, scheme={self.scheme!r}, "
            f"decouple={self.decouple}, hidden_channels={self.hidden_channels}, "
            f"num_blocks={self.num_blocks}, dropout={self.dropout}, "
            f"non_local={self.non_local is not None}, adjacency={self.adjacency!r})"
        )


def _check_options(
    scheme: str,
    decouple: bool,
    num_blocks: int,
    dropout: float,
    adjacency: str,
    init: str,
) -> None:
    get_scheme(scheme).check_decouple(decouple)
    if num_blocks < 0:
        raise ValueError(f"num_blocks must be >= 0, got {num_blocks}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if adjacency not in ADJACENCIES:
        raise ValueError(f"adjacency must be one of {ADJACENCIES}, got {adjacency!r}")
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")


def _reject_graph_inputs(*graph_inputs: OptTensor) -> None:
    if any(tensor is not None for tensor in graph_inputs):
        raise ValueError(
            "Static poses [B, J, C] use the model's own skeleton graph: pass "
            "edge_index, edge_type, node_type and batch only with a flat batch"
        )
