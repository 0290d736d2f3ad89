import torch
from torch_geometric.data import Batch

from pyg_weightshare import LearnableAdjacency, h36m_skeleton

SKELETON = h36m_skeleton(16)
GRAPH = SKELETON.to_data()


def test_starts_as_row_normalisation_in_every_layer():
    adjacency = LearnableAdjacency(GRAPH.num_edges, num_layers=3)
    edge_weight = adjacency(GRAPH.edge_index[1], GRAPH.num_nodes)
    row = SKELETON.to_data("row").edge_weight
    torch.testing.assert_close(edge_weight, row.expand(3, -1))


def test_is_a_softmax_over_incoming_edges():
    # SemGCN's formulation: a dense softmax over each row of the masked
    # logit matrix (row target, column source).
    torch.manual_seed(0)
    adjacency = LearnableAdjacency(GRAPH.num_edges, num_layers=2)
    torch.nn.init.normal_(adjacency.logit)
    edge_weight = adjacency(GRAPH.edge_index[1], GRAPH.num_nodes)
    source, target = GRAPH.edge_index
    for layer in range(2):
        dense = torch.full((16, 16), float("-inf"))
        dense[target, source] = adjacency.logit[layer].detach()
        expected = dense.softmax(dim=1)[target, source]
        torch.testing.assert_close(edge_weight[layer], expected)


def test_batched_copies_share_their_logits():
    torch.manual_seed(0)
    adjacency = LearnableAdjacency(GRAPH.num_edges, num_layers=2)
    torch.nn.init.normal_(adjacency.logit)
    batch = Batch.from_data_list([GRAPH, GRAPH, GRAPH])
    batched = adjacency(batch.edge_index[1], batch.num_nodes, batch.edge_type)
    single = adjacency(GRAPH.edge_index[1], GRAPH.num_nodes)
    torch.testing.assert_close(batched, single.repeat(1, 3))
    batched.sum().backward()  # gradients reach the shared logits
    assert adjacency.logit.grad is not None


def test_repr():
    assert repr(LearnableAdjacency(46, num_layers=10)) == (
        "LearnableAdjacency(46, num_layers=10)"
    )
