import torch

from pyg_weightshare import PreAggConv, h36m_skeleton


def test_weight_layout_and_table1_parameter_count():
    conv = PreAggConv(128, 128, num_node_types=16)
    assert conv.weight.shape == conv.self_weight.shape == (16, 128, 128)
    # Table 1: D' x D x N, twice with decoupled self-loops (Eq. 10).
    assert sum(p.numel() for p in conv.parameters()) == 2 * 16 * 128 * 128 + 128
    shared = PreAggConv(128, 128, num_node_types=16, decouple=False)
    assert shared.self_weight is None
    assert sum(p.numel() for p in shared.parameters()) == 16 * 128 * 128 + 128


def test_repr():
    assert (
        repr(PreAggConv(2, 128, num_node_types=16))
        == "PreAggConv(2, 128, num_node_types=16, decouple=True)"
    )


def test_source_matrix_reaches_only_the_source_and_its_neighbours():
    # W_j multiplies x_j before aggregation: changing the matrix of the Head
    # (joint 9, 16-joint order) changes the output only where the Head sends
    # messages, i.e. the Thorax (8); with decoupling not the Head itself.
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    conv = PreAggConv(3, 4, num_node_types=16).double()
    x = torch.randn(2, 16, 3, dtype=torch.float64)
    before = conv(x, graph.edge_index)
    with torch.no_grad():
        conv.weight[9] += 1.0
    changed = (conv(x, graph.edge_index) - before).abs().amax(dim=(0, 2)) > 0
    assert changed.nonzero().flatten().tolist() == [8]


def test_static_node_type_permutes_the_matrices():
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    conv = PreAggConv(3, 4, num_node_types=16).double()
    x = torch.randn(2, 16, 3, dtype=torch.float64)
    node_type = torch.randperm(16)
    permuted = PreAggConv(3, 4, num_node_types=16).double()
    with torch.no_grad():
        permuted.weight.copy_(conv.weight[node_type])
        permuted.self_weight.copy_(conv.self_weight[node_type])
        permuted.bias.copy_(conv.bias)
    torch.testing.assert_close(
        conv(x, graph.edge_index, node_type=node_type),
        permuted(x, graph.edge_index),
    )
