import pytest
import torch

from pyg_weightshare import NonLocalBlock, Skeleton, h36m_joint_groups, h36m_skeleton

# SemGCN's nodes_group for the 16-joint Human3.6M skeleton.
SEMGCN_GROUPS = [[2, 3], [5, 6], [1, 4], [0, 7], [8, 9], [14, 15], [11, 12], [10, 13]]


def reference_non_local(block, x, groups):
    """The block's equation with explicit loops over poses, joints and groups
    (BatchNorm with batch statistics)."""
    outputs = []
    for pose in x:
        keys = torch.stack([block.key(pose[group]).amax(dim=0) for group in groups])
        values = torch.stack([block.value(pose[group]).amax(dim=0) for group in groups])
        rows = []
        for joint in pose:
            query = block.query(joint)
            rows.append(
                sum((query @ k) * v for k, v in zip(keys, values, strict=True))
                / len(groups)
            )
        outputs.append(block.out(torch.stack(rows)))
    y = torch.stack(outputs)
    mean = y.mean(dim=(0, 1))
    var = y.var(dim=(0, 1), unbiased=False)
    normalised = (y - mean) / torch.sqrt(var + block.norm.eps)
    return x + normalised * block.norm.weight + block.norm.bias


def test_h36m_groups():
    assert h36m_joint_groups(h36m_skeleton(16)) == SEMGCN_GROUPS
    groups_17 = h36m_joint_groups(h36m_skeleton(17))
    assert len(groups_17) == 8
    assert sorted(j for group in groups_17 for j in group) == list(range(17))
    assert [8, 9, 10] in groups_17  # Thorax, Neck/Nose, Head
    assert h36m_joint_groups(Skeleton([-1, 0, 1])) is None


def test_starts_as_the_identity():
    block = NonLocalBlock(16, SEMGCN_GROUPS)
    x = torch.randn(3, 16, 16)
    assert torch.equal(block(x), x)


@pytest.mark.parametrize("num_joints", [16, 17])
def test_matches_the_equation(num_joints):
    torch.manual_seed(0)
    groups = h36m_joint_groups(h36m_skeleton(num_joints))
    block = NonLocalBlock(6, groups).double()
    torch.nn.init.normal_(block.norm.weight)
    torch.nn.init.normal_(block.norm.bias)
    x = torch.randn(4, num_joints, 6, dtype=torch.float64)
    torch.testing.assert_close(block(x), reference_non_local(block, x, groups))


def test_without_groups_attends_to_every_joint():
    torch.manual_seed(0)
    block = NonLocalBlock(4).double()
    torch.nn.init.normal_(block.norm.weight)
    x = torch.randn(2, 5, 4, dtype=torch.float64)
    singletons = [[joint] for joint in range(5)]
    assert block.num_groups is None
    torch.testing.assert_close(block(x), reference_non_local(block, x, singletons))


def test_accepts_a_transposed_view():
    block = NonLocalBlock(8, SEMGCN_GROUPS)
    torch.nn.init.normal_(block.norm.weight)
    node_major = torch.randn(16, 3, 8)
    x = node_major.transpose(0, 1)
    torch.testing.assert_close(block(x), block(x.contiguous()))


def test_repr_and_bad_options():
    assert repr(NonLocalBlock(64, SEMGCN_GROUPS)) == "NonLocalBlock(64, num_groups=8)"
    with pytest.raises(ValueError, match="at least one inter channel"):
        NonLocalBlock(1)
    with pytest.raises(ValueError, match="non-empty lists of joints"):
        NonLocalBlock(4, [[0, 1], []])
