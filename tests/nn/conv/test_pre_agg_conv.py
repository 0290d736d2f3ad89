import torch

from pyg_weightshare import PreAggConv, h36m_skeleton


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
