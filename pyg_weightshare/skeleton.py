"""Tree skeletons as PyTorch Geometric graphs."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import torch
from torch import Tensor
from torch_geometric.data import Data

from pyg_weightshare.transforms import AddTypedAttributes

H36M_JOINTS_17 = (
    "Hip", "RHip", "RKnee", "RFoot", "LHip", "LKnee", "LFoot", "Spine",
    "Thorax", "Neck/Nose", "Head", "LShoulder", "LElbow", "LWrist",
    "RShoulder", "RElbow", "RWrist",
)  # fmt: skip
H36M_PARENTS_17 = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
H36M_LEFT_17 = (4, 5, 6, 11, 12, 13)
H36M_RIGHT_17 = (1, 2, 3, 14, 15, 16)


class Skeleton:
    r"""A tree-shaped skeleton: joints, their parents and a centre joint.

    The skeleton defines everything the weight-sharing convolutions need as
    typed graph attributes (see :meth:`to_data`): node types (joint ids),
    ordered-pair edge types (for no-sharing) and displacement classes (for
    convolution-style sharing), measured in hops from :obj:`center`.

    Args:
        parents (Sequence[int]): The parent of each joint, :obj:`-1` for the
            root. Exactly one root; the parent links must form a tree.
        joint_names (Sequence[str], optional): One name per joint.
            (default: :obj:`None`, names :obj:`"joint_0"`, ...)
        center (int, optional): The joint from which displacement classes
            are measured. (default: :obj:`0`)
        left (Sequence[int], optional): Joints on the left side of the body.
            (default: :obj:`()`)
        right (Sequence[int], optional): Their mirror images, in the same
            order. (default: :obj:`()`)

    Example:
        >>> skeleton = Skeleton([-1, 0, 1, 0], center=0)
        >>> skeleton.num_joints, skeleton.num_edges, skeleton.num_edge_types
        (4, 3, 10)
        >>> skeleton.to_data().edge_index.shape
        torch.Size([2, 10])
    """

    def __init__(
        self,
        parents: Sequence[int],
        joint_names: Sequence[str] | None = None,
        center: int = 0,
        left: Sequence[int] = (),
        right: Sequence[int] = (),
    ) -> None:
        self.parents = tuple(int(p) for p in parents)
        num_joints = len(self.parents)
        if num_joints == 0:
            raise ValueError("A skeleton needs at least one joint")
        roots = [i for i, p in enumerate(self.parents) if p == -1]
        if len(roots) != 1:
            raise ValueError(f"A skeleton needs exactly one root (-1), got {roots}")
        for i, p in enumerate(self.parents):
            if not -1 <= p < num_joints or p == i:
                raise ValueError(f"Joint {i} has an invalid parent {p}")
        if joint_names is None:
            joint_names = [f"joint_{i}" for i in range(num_joints)]
        if len(joint_names) != num_joints:
            raise ValueError(
                f"Got {len(joint_names)} joint names for {num_joints} joints"
            )
        if not 0 <= center < num_joints:
            raise ValueError(f"center={center} is not a joint of the skeleton")
        if len(left) != len(right):
            raise ValueError("left and right must pair up joint by joint")
        self.joint_names = tuple(joint_names)
        self.center = int(center)
        self.left = tuple(left)
        self.right = tuple(right)
        self.hops = self._hops_from(self.center)  # also rejects cycles

    def _hops_from(self, center: int) -> tuple[int, ...]:
        neighbours: list[list[int]] = [[] for _ in self.parents]
        for child, parent in self.bones:
            neighbours[child].append(parent)
            neighbours[parent].append(child)
        hops = [-1] * self.num_joints
        hops[center] = 0
        queue = deque([center])
        while queue:
            joint = queue.popleft()
            for other in neighbours[joint]:
                if hops[other] < 0:
                    hops[other] = hops[joint] + 1
                    queue.append(other)
        if min(hops) < 0:
            raise ValueError("The parent links do not connect all joints")
        return tuple(hops)

    @property
    def num_joints(self) -> int:
        return len(self.parents)

    @property
    def bones(self) -> list[tuple[int, int]]:
        """The (child, parent) pairs."""
        return [(i, p) for i, p in enumerate(self.parents) if p >= 0]

    @property
    def num_edges(self) -> int:
        """Number of bones (undirected edges)."""
        return self.num_joints - 1

    @property
    def num_edge_types(self) -> int:
        r"""Number of ordered pairs :math:`(i, j)` with :math:`j \in \hat{N}(i)`:
        :math:`J + 2E`, the number of matrices of no-sharing."""
        return self.num_joints + 2 * self.num_edges

    def adjacency(self, normalization: str = "sym") -> Tensor:
        r"""The dense :math:`[J, J]` matrix :math:`\hat{A}` (row :math:`i`
        target, column :math:`j` source), self-loops included."""
        data = self.to_data(normalization)
        adj = torch.zeros(self.num_joints, self.num_joints)
        adj[data.edge_index[1], data.edge_index[0]] = data.edge_weight
        return adj

    def to_data(self, normalization: str = "sym") -> Data:
        r"""The skeleton as a :class:`torch_geometric.data.Data` graph.

        Built with :class:`~pyg_weightshare.transforms.AddTypedAttributes`
        (centre :obj:`center`): edges are ordered by target joint, then
        source joint, and include one self-loop per joint. Attributes:

        * :obj:`edge_index` :math:`[2, J + 2E]`: row 0 the source :math:`j`,
          row 1 the target :math:`i` (flow source to target).
        * :obj:`edge_weight` :math:`[J + 2E]`: :math:`\hat{a}_{ij}`, with
          :obj:`normalization` :obj:`"sym"`
          (:math:`D^{-1/2}(A + I)D^{-1/2}`, the paper's Eq. 2), :obj:`"row"`
          (:math:`D^{-1}(A + I)`, as in the published code) or :obj:`"none"`
          (:math:`A + I`).
        * :obj:`node_type` :math:`[J]`: the joint id of each node.
        * :obj:`edge_type` :math:`[J + 2E]`: the id of the ordered pair
          :math:`(i, j)`, in :obj:`0..J+2E-1`.
        * :obj:`displacement` :math:`[J + 2E]`: :obj:`0` for self-loops,
          :obj:`1` if :math:`j` is farther from the centre than :math:`i`,
          :obj:`2` if it is closer.
        * :obj:`num_nodes`: :math:`J`; :obj:`joint_names`: the names.

        Type ids are not offset when graphs are batched with
        :class:`torch_geometric.data.Batch` (only :obj:`edge_index` is).
        """
        pairs = [(i, i) for i in range(self.num_joints)]
        for child, parent in self.bones:
            pairs += [(child, parent), (parent, child)]
        target, source = torch.tensor(pairs, dtype=torch.long).t()
        data = Data(edge_index=torch.stack([source, target]), num_nodes=self.num_joints)
        data = AddTypedAttributes(self.center, normalization)(data)
        data.joint_names = list(self.joint_names)
        return data

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(num_joints={self.num_joints}, "
            f"center={self.joint_names[self.center]!r})"
        )


def h36m_skeleton(num_joints: int = 16, center: int = 0) -> Skeleton:
    r"""The Human3.6M skeleton with 17 joints, or 16 without Neck/Nose.

    Joint order, names, parents and left/right sets follow VideoPose3D.

    Args:
        num_joints (int, optional): :obj:`16` or :obj:`17`. (default: :obj:`16`)
        center (int, optional): The centre joint of the displacement classes.
            (default: :obj:`0`, the Hip; some published code uses the Spine)

    Example:
        >>> skeleton = h36m_skeleton(16)
        >>> skeleton.joint_names[9], skeleton.num_edge_types
        ('Head', 46)
    """
    if num_joints == 17:
        return Skeleton(
            H36M_PARENTS_17, H36M_JOINTS_17, center, H36M_LEFT_17, H36M_RIGHT_17
        )
    if num_joints != 16:
        raise ValueError(f"Human3.6M has 16 or 17 joints, got {num_joints}")
    neck = H36M_JOINTS_17.index("Neck/Nose")
    keep = [i for i in range(17) if i != neck]
    new_id = {old: new for new, old in enumerate(keep)}
    # Head hangs off the Thorax once the Neck/Nose is gone.
    parents = [
        -1 if p == -1 else new_id[H36M_PARENTS_17[p] if p == neck else p]
        for p in (H36M_PARENTS_17[i] for i in keep)
    ]
    return Skeleton(
        parents,
        [H36M_JOINTS_17[i] for i in keep],
        center,
        [new_id[i] for i in H36M_LEFT_17],
        [new_id[i] for i in H36M_RIGHT_17],
    )
