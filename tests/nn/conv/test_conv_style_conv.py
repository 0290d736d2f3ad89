import torch

from pyg_weightshare import ConvStyleConv, h36m_skeleton


def test_weight_layout_and_table1_parameter_count():
    conv = ConvStyleConv(128, 128)
    assert conv.weight.shape == (3, 128, 128) and conv.self_weight is None
    assert sum(p.numel() for p in conv.parameters()) == 3 * 128 * 128 + 128


def test_repr():
    assert repr(ConvStyleConv(2, 128)) == "ConvStyleConv(2, 128, num_displacements=3)"


def test_displacement_matrices_follow_the_hop_distance():
    # Only W_1 (neighbour farther from the centre) changed: the leaves, which
    # have no farther neighbour, are unaffected; every other joint changes.
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    conv = ConvStyleConv(3, 4).double()
    x = torch.randn(2, 16, 3, dtype=torch.float64)
    before = conv(x, graph.edge_index, displacement=graph.displacement)
    with torch.no_grad():
        conv.weight[1] += 1.0
    after = conv(x, graph.edge_index, displacement=graph.displacement)
    changed = (after - before).abs().amax(dim=(0, 2)) > 0
    leaves = {3, 6, 9, 12, 15}  # feet, head, wrists
    assert set((~changed).nonzero().flatten().tolist()) == leaves
