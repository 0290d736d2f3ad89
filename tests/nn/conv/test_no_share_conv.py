import torch

from pyg_weightshare import NoShareConv, h36m_skeleton


def test_weight_layout_and_minimal_parameter_count():
    skeleton = h36m_skeleton(16)
    conv = NoShareConv(128, 128, num_edge_types=skeleton.num_edge_types)
    assert conv.weight.shape == (46, 128, 128) and conv.self_weight is None
    # Table 1: D' x D x sum_i |N̂(i)| = 46 matrices, not a 16 x 16 grid.
    assert sum(p.numel() for p in conv.parameters()) == 46 * 128 * 128 + 128


def test_repr():
    assert repr(NoShareConv(2, 128, 46)) == "NoShareConv(2, 128, num_edge_types=46)"


def test_each_matrix_serves_exactly_one_ordered_pair():
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    conv = NoShareConv(3, 4, num_edge_types=46).double()
    x = torch.randn(2, 16, 3, dtype=torch.float64)
    before = conv(x, graph.edge_index, edge_type=graph.edge_type)
    for edge in (0, 17, 45):
        with torch.no_grad():
            conv.weight[edge] += 1.0
        after = conv(x, graph.edge_index, edge_type=graph.edge_type)
        changed = (after - before).abs().amax(dim=(0, 2)) > 0
        assert changed.nonzero().flatten().tolist() == [graph.edge_index[1, edge]]
        before = after
