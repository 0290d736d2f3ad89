import torch

from pyg_weightshare import PostAggConv, h36m_skeleton


def test_weight_layout_and_table1_parameter_count():
    conv = PostAggConv(128, 128, num_node_types=16)
    assert conv.weight.shape == conv.self_weight.shape == (16, 128, 128)
    # Table 1: D' x D x N, twice with decoupled self-loops (Eq. 11).
    assert sum(p.numel() for p in conv.parameters()) == 2 * 16 * 128 * 128 + 128
    shared = PostAggConv(128, 128, num_node_types=16, decouple=False)
    assert sum(p.numel() for p in shared.parameters()) == 16 * 128 * 128 + 128


def test_repr():
    assert (
        repr(PostAggConv(128, 3, num_node_types=17, decouple=False))
        == "PostAggConv(128, 3, num_node_types=17, decouple=False)"
    )


def test_target_matrix_changes_only_the_target():
    # W_i multiplies the aggregate of node i: changing the matrix of the Head
    # (joint 9) changes the Head's output and nothing else.
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    conv = PostAggConv(3, 4, num_node_types=16).double()
    x = torch.randn(2, 16, 3, dtype=torch.float64)
    before = conv(x, graph.edge_index)
    with torch.no_grad():
        conv.weight[9] += 1.0
    changed = (conv(x, graph.edge_index) - before).abs().amax(dim=(0, 2)) > 0
    assert changed.nonzero().flatten().tolist() == [9]
