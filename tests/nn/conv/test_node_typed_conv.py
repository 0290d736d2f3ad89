"""What pre- and post-aggregation share: one matrix (and one self-loop
matrix) per node type."""

import pytest
import torch

from pyg_weightshare import PostAggConv, PreAggConv, h36m_skeleton

LAYERS = {"pre_agg": PreAggConv, "post_agg": PostAggConv}


@pytest.mark.parametrize("layer", LAYERS.values(), ids=LAYERS)
def test_weight_layout_and_table1_parameter_count(layer):
    conv = layer(128, 128, num_node_types=16)
    assert conv.weight.shape == conv.self_weight.shape == (16, 128, 128)
    # Table 1: D' x D x N, twice with decoupled self-loops (Eqs. 10, 11).
    assert sum(p.numel() for p in conv.parameters()) == 2 * 16 * 128 * 128 + 128
    shared = layer(128, 128, num_node_types=16, decouple=False)
    assert shared.self_weight is None
    assert sum(p.numel() for p in shared.parameters()) == 16 * 128 * 128 + 128


@pytest.mark.parametrize("layer", LAYERS.values(), ids=LAYERS)
@pytest.mark.parametrize("decouple", [True, False])
def test_repr(layer, decouple):
    assert repr(layer(2, 128, num_node_types=17, decouple=decouple)) == (
        f"{layer.__name__}(2, 128, num_node_types=17, decouple={decouple})"
    )


# Changing the matrix of the Head (joint 9 of the 16-joint order) changes:
# with pre-aggregation, where the Head's message is received, i.e. the Thorax
# (8), and with decoupling not the Head itself; with post-aggregation, the
# Head's own output and nothing else.
@pytest.mark.parametrize(
    ("layer", "changed_joints"),
    [(PreAggConv, [8]), (PostAggConv, [9])],
    ids=LAYERS,
)
def test_a_node_type_s_matrix_reaches_only_where_it_applies(layer, changed_joints):
    graph = h36m_skeleton(16).to_data()
    conv = layer(3, 4, num_node_types=16).double()
    x = torch.randn(2, 16, 3, dtype=torch.float64)
    before = conv(x, graph.edge_index)
    with torch.no_grad():
        conv.weight[9] += 1.0
    changed = (conv(x, graph.edge_index) - before).abs().amax(dim=(0, 2)) > 0
    assert changed.nonzero().flatten().tolist() == changed_joints


@pytest.mark.parametrize("layer", LAYERS.values(), ids=LAYERS)
def test_num_nodes_still_works_with_a_deprecation_warning(layer):
    with pytest.warns(DeprecationWarning, match="now called num_node_types"):
        conv = layer(2, 3, num_nodes=16)
    assert conv.num_node_types == 16 and conv.weight.shape == (16, 2, 3)
