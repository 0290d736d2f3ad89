import math

import torch

from pyg_weightshare import FullShareConv, h36m_skeleton


def test_weight_layout_and_table1_parameter_count():
    conv = FullShareConv(128, 64)
    assert conv.weight.shape == (1, 128, 64)
    assert conv.self_weight.shape == (1, 128, 64)
    assert conv.bias.shape == (64,)
    # Table 1: D' x D, plus T for the decoupled self-loops (Eq. 9).
    assert sum(p.numel() for p in conv.parameters()) == 2 * 128 * 64 + 64
    shared = FullShareConv(128, 64, decouple=False, bias=False)
    assert shared.self_weight is None and shared.bias is None
    assert sum(p.numel() for p in shared.parameters()) == 128 * 64


def test_repr():
    assert repr(FullShareConv(2, 128)) == "FullShareConv(2, 128, decouple=True)"
    assert (
        repr(FullShareConv(2, 128, decouple=False))
        == "FullShareConv(2, 128, decouple=False)"
    )


def test_reset_parameters_is_per_matrix_xavier_and_zero_bias():
    conv = FullShareConv(300, 100)
    bound = math.sqrt(6 / 400)
    for weight in (conv.weight, conv.self_weight):
        assert weight.abs().max() <= bound
        assert weight.abs().max() > 0.95 * bound  # uses the whole range
    torch.nn.init.ones_(conv.bias)
    conv.reset_parameters()
    assert torch.equal(conv.bias, torch.zeros(100))


def test_shared_weight_equals_dense_gcn_layer():
    # Without decoupling, full-sharing is Eq. 1: H' = Â H W (row-vector form).
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    conv = FullShareConv(3, 4, decouple=False).double()
    x = torch.randn(5, 16, 3, dtype=torch.float64)
    dense = skeleton.adjacency().double() @ x @ conv.weight[0] + conv.bias
    torch.testing.assert_close(conv(x, graph.edge_index), dense)
