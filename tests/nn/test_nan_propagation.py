"""Where a NaN in one joint's features goes, as docs/guide/own_gnn.rst says:
the whole graph in the static layout, the joint's neighbourhood in the flat
layout, never another graph of the batch; PoseGCN refuses it on the CPU."""

import pytest
import torch
from torch_geometric.data import Batch

from pyg_weightshare import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PoseGCN,
    PostAggConv,
    PreAggConv,
    h36m_skeleton,
)
from pyg_weightshare.nn.schemes import typed_inputs

SKELETON = h36m_skeleton(16)
MISSING = 5  # LKnee: its neighbours are LHip (4) and LFoot (6)
CONVS = {
    "full": lambda: FullShareConv(3, 4),
    "pre_agg": lambda: PreAggConv(3, 4, SKELETON.num_joints),
    "post_agg": lambda: PostAggConv(3, 4, SKELETON.num_joints),
    "conv_style": lambda: ConvStyleConv(3, 4),
    "no_sharing": lambda: NoShareConv(3, 4, SKELETON.num_edge_types),
}


def _nan_joints(out):
    return set(out.isnan().any(dim=-1).nonzero().flatten().tolist())


def _features():
    x = torch.randn(
        2, SKELETON.num_joints, 3, generator=torch.Generator().manual_seed(0)
    )
    x[0, MISSING] = float("nan")
    return x


@pytest.mark.parametrize("name", CONVS)
def test_static_layout_spreads_a_nan_over_its_whole_graph(name):
    conv, graph = CONVS[name](), SKELETON.to_data()
    out = conv(
        _features(),
        graph.edge_index,
        graph.edge_weight,
        **typed_inputs(conv, graph, True),
    )
    assert _nan_joints(out[0]) == set(range(SKELETON.num_joints))
    assert out[1].isfinite().all()  # the other pose of the batch


@pytest.mark.parametrize("name", CONVS)
def test_flat_layout_keeps_a_nan_in_its_neighbourhood(name):
    conv, graph = CONVS[name](), SKELETON.to_data()
    batch = Batch.from_data_list([graph, graph])
    out = conv(
        _features().view(-1, 3),
        batch.edge_index,
        batch.edge_weight,
        **typed_inputs(conv, batch, False),
    )
    neighbours = set(graph.edge_index[1, graph.edge_index[0] == MISSING].tolist())
    assert _nan_joints(out) == neighbours | {MISSING} == {4, 5, 6}


def test_pose_gcn_refuses_a_nan_on_the_cpu_in_both_layouts():
    model = PoseGCN(SKELETON, in_channels=3, hidden_channels=8, num_blocks=1).eval()
    with pytest.raises(ValueError, match="NaN or infinite"):
        model(_features())
    batch = Batch.from_data_list([SKELETON.to_data(), SKELETON.to_data()])
    with pytest.raises(ValueError, match="NaN or infinite"):
        model(
            _features().view(-1, 3),
            batch.edge_index,
            edge_type=batch.edge_type,
            node_type=batch.node_type,
            batch=batch.batch,
        )
