import pytest
import torch
from torch_geometric.data import Batch

from pyg_weightshare import Skeleton, h36m_skeleton


def test_h36m_skeletons_follow_videopose3d():
    s17 = h36m_skeleton(17)
    assert s17.parents == (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)
    assert (s17.left, s17.right) == ((4, 5, 6, 11, 12, 13), (1, 2, 3, 14, 15, 16))
    s16 = h36m_skeleton(16)
    assert s16.parents == (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 8, 10, 11, 8, 13, 14)
    assert (s16.left, s16.right) == ((4, 5, 6, 10, 11, 12), (1, 2, 3, 13, 14, 15))
    assert "Neck/Nose" not in s16.joint_names and s16.joint_names[9] == "Head"
    assert (s16.num_edge_types, s17.num_edge_types) == (46, 49)


def test_to_data_attributes():
    skeleton = h36m_skeleton(16)
    data = skeleton.to_data()
    assert data.num_nodes == 16 and data.edge_index.shape == (2, 46)
    source, target = data.edge_index
    assert (source == target).sum() == 16  # one self-loop per joint
    assert torch.equal(data.node_type, torch.arange(16))
    assert torch.equal(data.edge_type, torch.arange(46))
    # Symmetric: every edge has its reverse, with the same weight.
    pairs = {
        (j, i): w
        for j, i, w in zip(
            source.tolist(), target.tolist(), data.edge_weight.tolist(), strict=True
        )
    }
    assert all(pairs[(i, j)] == pytest.approx(w) for (j, i), w in pairs.items())


def test_normalizations_match_dense_formulas():
    skeleton = h36m_skeleton(16)
    a = torch.zeros(16, 16)
    for child, parent in skeleton.bones:
        a[child, parent] = a[parent, child] = 1
    a_hat = a + torch.eye(16)
    degree = a_hat.sum(1)
    sym = degree.rsqrt()[:, None] * a_hat * degree.rsqrt()[None]
    torch.testing.assert_close(skeleton.adjacency("sym"), sym)
    torch.testing.assert_close(skeleton.adjacency("row"), a_hat / degree[:, None])
    torch.testing.assert_close(skeleton.adjacency("none"), a_hat)
    with pytest.raises(ValueError, match="normalization must be one of"):
        skeleton.to_data("col")


def test_displacement_classes():
    skeleton = h36m_skeleton(16)  # centre: Hip
    data = skeleton.to_data()
    displacement = {
        (j, i): d
        for j, i, d in zip(
            *data.edge_index.tolist(), data.displacement.tolist(), strict=True
        )
    }
    assert displacement[(5, 5)] == 0
    assert displacement[(2, 1)] == 1  # RKnee is farther from the Hip than RHip
    assert displacement[(1, 2)] == 2
    assert displacement[(7, 0)] == 1  # Spine -> Hip
    # Centred on the Spine, the Hip becomes farther than the Spine.
    spine = h36m_skeleton(16, center=7).to_data()
    moved = {
        (j, i): d
        for j, i, d in zip(
            *spine.edge_index.tolist(), spine.displacement.tolist(), strict=True
        )
    }
    assert moved[(0, 7)] == 1 and moved[(7, 0)] == 2


def test_batching_keeps_type_ids():
    data = h36m_skeleton(16).to_data()
    batch = Batch.from_data_list([data, data, data])
    assert torch.equal(batch.node_type, data.node_type.repeat(3))
    assert torch.equal(batch.edge_type, data.edge_type.repeat(3))
    assert torch.equal(batch.displacement, data.displacement.repeat(3))
    assert torch.equal(batch.edge_index[:, 46:92], data.edge_index + 16)


@pytest.mark.parametrize(
    ("parents", "message"),
    [
        ([], "at least one joint"),
        ([-1, -1], "exactly one root"),
        ([-1, 5], "invalid parent"),
        ([-1, 2, 1], "do not connect all joints"),
    ],
)
def test_rejects_invalid_trees(parents, message):
    with pytest.raises(ValueError, match=message):
        Skeleton(parents)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="2 joint names for 3 joints"):
        Skeleton([-1, 0, 1], ["a", "b"])
    with pytest.raises(ValueError, match="center=3 is not a joint"):
        Skeleton([-1, 0, 1], center=3)
    with pytest.raises(ValueError, match="16 or 17 joints"):
        h36m_skeleton(32)
