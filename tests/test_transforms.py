import pytest
import torch
from torch_geometric.data import Batch, Data

from pyg_weightshare import ConvStyleConv, NoShareConv, PreAggConv, h36m_skeleton
from pyg_weightshare.testing import reference_conv
from pyg_weightshare.transforms import AddTypedAttributes, hop_distances


def edges(data):
    return list(zip(*data.edge_index.tolist(), strict=True))


def test_cycle_gets_self_loops_sorted_edges_and_a_same_distance_class():
    # A 5-cycle 0-1-2-3-4-0: nodes 2 and 3 are both two hops from node 0.
    ring = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 0]])
    data = AddTypedAttributes(centers=0)(Data(edge_index=ring, num_nodes=5))
    assert data.edge_index.size(1) == 10  # 5 edges + 5 self-loops
    assert data.edge_index[1].tolist() == sorted(data.edge_index[1].tolist())
    classes = dict(zip(edges(data), data.displacement.tolist(), strict=True))
    assert classes[(0, 0)] == 0
    assert classes[(0, 1)] == 2  # 0 -> 1: the source is closer to the centre
    assert classes[(4, 0)] == 1  # 4 -> 0: the source is farther
    assert classes[(2, 3)] == 3  # both two hops from the centre
    assert data.edge_type.tolist() == list(range(10))


def test_disconnected_graph_measures_each_component_from_its_lowest_node():
    edge_index = torch.tensor([[0, 1, 5, 3], [1, 2, 4, 4]])  # 0-1-2 and 3-4-5
    assert hop_distances(edge_index, 6, [1]).tolist() == [1, 0, 1, 0, 1, 2]


def test_several_centres_take_the_nearest():
    chain = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    assert hop_distances(chain, 6, [0, 5]).tolist() == [0, 1, 2, 2, 1, 0]


def test_existing_node_types_make_pair_types():
    # Two "atoms" of type 0 around one of type 1: the two 0 -> 1 bonds share
    # an ordered type pair, hence an edge type.
    bonds = torch.tensor([[0, 2, 1, 1], [1, 1, 0, 2]])
    data = Data(edge_index=bonds, node_type=torch.tensor([0, 1, 0]), num_nodes=3)
    data = AddTypedAttributes(centers=1, normalization="none")(data)
    types = dict(zip(edges(data), data.edge_type.tolist(), strict=True))
    assert types[(0, 1)] == types[(2, 1)] != types[(1, 0)] == types[(1, 2)]
    assert types[(0, 0)] == types[(2, 2)] != types[(1, 1)]
    assert int(data.edge_type.max()) + 1 == 4  # (0,0), (0,1), (1,0), (1,1)
    assert torch.equal(data.edge_weight, torch.ones(7))


def test_normalizations():
    star = torch.tensor([[1, 2, 3], [0, 0, 0]])
    data = AddTypedAttributes(normalization="row")(Data(edge_index=star, num_nodes=4))
    weights = dict(zip(edges(data), data.edge_weight.tolist(), strict=True))
    assert weights[(1, 0)] == pytest.approx(1 / 4)  # node 0 has in-degree 4
    data = AddTypedAttributes()(Data(edge_index=star, num_nodes=4))
    weights = dict(zip(edges(data), data.edge_weight.tolist(), strict=True))
    assert weights[(1, 0)] == pytest.approx((4 * 1) ** -0.5)


def test_skeleton_graph_is_the_transform_of_its_bones():
    skeleton = h36m_skeleton(17, center=7)
    data = skeleton.to_data("row")
    assert data.edge_type.tolist() == list(range(skeleton.num_edge_types))
    hops = torch.tensor(skeleton.hops)
    source, target = data.edge_index
    farther = data.displacement == 1
    assert (hops[source[farther]] == hops[target[farther]] + 1).all()


def test_layers_run_on_a_transformed_molecule_batch():
    bonds = torch.tensor([[0, 1, 1, 2, 2, 0], [1, 0, 2, 1, 0, 2]])  # a triangle
    transform = AddTypedAttributes(centers=0)
    graphs = [
        transform(Data(x=torch.randn(3, 4, dtype=torch.float64),
                       edge_index=bonds, num_nodes=3))
        for _ in range(2)
    ]  # fmt: skip
    batch = Batch.from_data_list(graphs)
    for conv, key in (
        (ConvStyleConv(4, 2, num_displacements=4), "displacement"),
        (NoShareConv(4, 2, num_edge_types=9), "edge_type"),
        (PreAggConv(4, 2, num_node_types=3), "node_type"),
    ):
        conv = conv.double()
        kwargs = {key: batch[key]}
        out = conv(batch.x, batch.edge_index, batch.edge_weight, **kwargs)
        expected = reference_conv(
            conv, batch.x, batch.edge_index, batch.edge_weight, **kwargs
        )
        torch.testing.assert_close(out, expected)


def test_refuses_edge_attributes_it_cannot_carry_and_bad_centres():
    data = Data(
        edge_index=torch.tensor([[0], [1]]), edge_attr=torch.ones(1, 2), num_nodes=2
    )
    with pytest.raises(
        ValueError, match=r"cannot carry the edge attributes \['edge_attr'\]"
    ):
        AddTypedAttributes()(data)
    with pytest.raises(ValueError, match="center 3 is not a node"):
        AddTypedAttributes(centers=3)(
            Data(edge_index=torch.tensor([[0], [1]]), num_nodes=2)
        )
    with pytest.raises(ValueError, match="normalization must be one of"):
        AddTypedAttributes(normalization="col")
