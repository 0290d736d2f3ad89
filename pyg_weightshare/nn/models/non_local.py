"""SemGCN's non-local block over the joints of a pose."""

from collections.abc import Sequence

import torch
from torch import Tensor
from torch.nn import BatchNorm1d, Linear

from pyg_weightshare.skeleton import Skeleton

# SemGCN pools keys and values over these joint pairs of the 16-joint
# Human3.6M skeleton; the 17-joint skeleton's extra Neck/Nose joins the head
# group, so both skeletons have eight groups.
H36M_JOINT_GROUPS = (
    ("RKnee", "RFoot"),
    ("LKnee", "LFoot"),
    ("RHip", "LHip"),
    ("Hip", "Spine"),
    ("Thorax", "Neck/Nose", "Head"),
    ("RElbow", "RWrist"),
    ("LElbow", "LWrist"),
    ("LShoulder", "RShoulder"),
)


def h36m_joint_groups(skeleton: Skeleton) -> list[list[int]] | None:
    r"""The joint groups over which :class:`NonLocalBlock` pools, for the 16-
    and 17-joint Human3.6M skeletons: the pairs of SemGCN, with the
    17-joint skeleton's Neck/Nose grouped with Thorax and Head.

    Returns :obj:`None` (no pooling) for a skeleton whose joints are not
    exactly those of Human3.6M.

    Example:
        >>> from pyg_weightshare import h36m_skeleton
        >>> h36m_joint_groups(h36m_skeleton(16))
        [[2, 3], [5, 6], [1, 4], [0, 7], [8, 9], [14, 15], [11, 12], [10, 13]]
    """
    index = {name: joint for joint, name in enumerate(skeleton.joint_names)}
    groups = [
        [index[name] for name in group if name in index] for group in H36M_JOINT_GROUPS
    ]
    if sorted(joint for group in groups for joint in group) != list(range(len(index))):
        return None
    return groups


class NonLocalBlock(torch.nn.Module):
    r"""The non-local block of `Zhao et al. (SemGCN)
    <https://arxiv.org/abs/1904.03345>`_, the dot-product non-local operation
    of `Wang et al. <https://arxiv.org/abs/1711.07971>`_ over the joints of
    each pose, with keys and values max-pooled over joint groups:

    .. math::
        \mathbf{z}_i = \mathbf{x}_i + \mathrm{BN}\Big(\frac{1}{G}
        \sum_{g=1}^{G} (\mathbf{x}_i \mathbf{W}_q)
        (\mathbf{k}_g)^{\top} \mathbf{v}_g \, \mathbf{W}_o\Big),
        \quad \mathbf{k}_g = \max_{j \in g} \mathbf{x}_j \mathbf{W}_k,
        \quad \mathbf{v}_g = \max_{j \in g} \mathbf{x}_j \mathbf{W}_v

    (each linear map with a bias). The batch normalisation starts with a zero
    scale and shift, so the block starts as the identity.

    Args:
        channels (int): Size of each joint feature :math:`C`.
        groups (Sequence[Sequence[int]], optional): The joint groups
            :math:`g` of the keys and values, e.g.
            :func:`h36m_joint_groups`. Groups may differ in size.
            (default: :obj:`None`, one group per joint)
        inter_channels (int, optional): Size of queries, keys and values.
            (default: :obj:`channels // 2`)

    Shapes:
        - **input:** :math:`(B, J, C)`
        - **output:** :math:`(B, J, C)`

    Example:
        >>> from pyg_weightshare import h36m_skeleton
        >>> block = NonLocalBlock(64, h36m_joint_groups(h36m_skeleton(16)))
        >>> block
        NonLocalBlock(64, num_groups=8)
        >>> x = torch.randn(4, 16, 64)
        >>> torch.equal(block(x), x)  # the identity until trained
        True
    """

    def __init__(
        self,
        channels: int,
        groups: Sequence[Sequence[int]] | None = None,
        inter_channels: int | None = None,
    ) -> None:
        super().__init__()
        if inter_channels is None:
            inter_channels = channels // 2
        if inter_channels <= 0:
            raise ValueError(
                f"NonLocalBlock needs at least one inter channel, got "
                f"{inter_channels} (channels={channels})"
            )
        self.channels = channels
        self.query = Linear(channels, inter_channels)
        self.key = Linear(channels, inter_channels)
        self.value = Linear(channels, inter_channels)
        self.out = Linear(inter_channels, channels)
        self.norm = BatchNorm1d(channels)
        self.register_buffer(
            "group_index",
            None if groups is None else _padded_groups(groups),
            persistent=False,
        )
        self.reset_parameters()

    @property
    def num_groups(self) -> int | None:
        return None if self.group_index is None else self.group_index.size(0)

    def reset_parameters(self) -> None:
        for linear in (self.query, self.key, self.value, self.out):
            linear.reset_parameters()
        self.norm.reset_parameters()
        torch.nn.init.zeros_(self.norm.weight)

    def forward(self, x: Tensor) -> Tensor:
        query = self.query(x)
        key = self._pool(self.key(x))
        value = self._pool(self.value(x))
        attention = query @ key.transpose(-1, -2) / key.size(-2)
        y = self.out(attention @ value)
        return x + self.norm(y.reshape(-1, self.channels)).view_as(y)

    def _pool(self, x: Tensor) -> Tensor:
        if self.group_index is None:
            return x
        return x[:, self.group_index].amax(dim=2)

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.channels}, num_groups={self.num_groups})"
        )


def _padded_groups(groups: Sequence[Sequence[int]]) -> Tensor:
    """:math:`[G, S]` joint ids, smaller groups padded with their first joint
    (a repeated joint does not change a maximum)."""
    if not groups or not all(groups):
        raise ValueError("NonLocalBlock groups must be non-empty lists of joints")
    size = max(len(group) for group in groups)
    return torch.tensor(
        [list(group) + [group[0]] * (size - len(group)) for group in groups]
    )
