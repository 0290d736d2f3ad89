"""The two orders of the edge-typed layers (the equality of each with the
reference in both layouts, gradients, edge order and compilation are checked
for every variant in test_weight_share_conv.py)."""

import pytest
import torch

from pyg_weightshare import ConvStyleConv, NoShareConv, backend, h36m_skeleton
from pyg_weightshare.nn.conv import edge_typed_conv
from pyg_weightshare.nn.conv.edge_typed_conv import aggregates_first
from pyg_weightshare.testing import reference_conv


def random_typed_graph(num_nodes, degree, num_types, seed=0):
    generator = torch.Generator().manual_seed(seed)
    target = torch.arange(num_nodes).repeat_interleave(degree)
    source = torch.randint(0, num_nodes, (target.numel(),), generator=generator)
    edge_index = torch.stack([source, target])
    edge_class = torch.randint(0, num_types, (target.numel(),), generator=generator)
    edge_weight = torch.rand(target.numel(), generator=generator, dtype=torch.float64)
    return edge_index, edge_weight, edge_class


@pytest.mark.parametrize(
    ("num_types", "num_nodes", "num_edges", "expected"),
    [(3, 16, 46, True), (46, 16, 46, False), (16, 100_000, 900_000, True),
     (16, 100, 800, True), (17, 100, 800, False), (5, 0, 0, True)],
)  # fmt: skip
def test_aggregates_first_when_types_are_few_against_the_in_degree(
    num_types, num_nodes, num_edges, expected
):
    assert aggregates_first(num_types, num_nodes, num_edges) == expected


@pytest.mark.parametrize("degree", [2, 12])
def test_the_layer_picks_the_order_from_the_graph(degree):
    edge_index, edge_weight, edge_type = random_typed_graph(20, degree, 8)
    x = torch.randn(20, 3, dtype=torch.float64)
    conv = NoShareConv(3, 4, num_edge_types=8).double()
    graph = conv.prepare_graph(x, edge_index, edge_weight, edge_type)
    # 8 types against 2 edges per node: per edge; against 12: per type first.
    assert (graph.slot is not None) == (degree == 12)


@pytest.mark.parametrize("layer", [NoShareConv, ConvStyleConv])
@pytest.mark.parametrize("aggregate_first", [None, True, False])
@pytest.mark.parametrize("static", [True, False], ids=["static", "flat"])
def test_both_orders_match_the_reference_on_a_graph_with_few_types(
    layer, aggregate_first, static
):
    edge_index, edge_weight, edge_class = random_typed_graph(12, 6, 3)
    torch.manual_seed(0)
    conv = layer.from_type_counts(
        3, 4, num_node_types=12, num_edge_types=3, num_displacements=3,
        aggregate_first=aggregate_first,
    ).double()  # fmt: skip
    torch.nn.init.normal_(conv.bias)
    shape = (2, 12, 3) if static else (12, 3)
    x = torch.randn(shape, dtype=torch.float64)
    attribute = {conv.typed_attribute: edge_class}
    out = conv(x, edge_index, edge_weight, *attribute.values())
    expected = reference_conv(conv, x, edge_index, edge_weight, **attribute)
    torch.testing.assert_close(out, expected, atol=1e-12, rtol=0)


def test_aggregate_first_is_a_constructor_option():
    graph = h36m_skeleton(16).to_data()
    x = torch.randn(16, 2)
    for aggregate_first in (True, False):
        conv = ConvStyleConv(2, 4, aggregate_first=aggregate_first)
        prepared = conv.prepare_graph(x, graph.edge_index, None, graph.displacement)
        assert (prepared.slot is not None) == aggregate_first


@pytest.mark.parametrize("layer", [NoShareConv, ConvStyleConv])
def test_flat_sparse_aggregation_matches_scatter_with_gradients(layer, monkeypatch):
    # Fixed edge weights on the CPU: the slots are one sparse product.
    edge_index, edge_weight, edge_class = random_typed_graph(10, 5, 3)
    conv = layer(2, 3, 3, aggregate_first=True).double()
    x = torch.randn(10, 2, dtype=torch.float64, requires_grad=True)
    graph = conv.prepare_graph(x, edge_index, edge_weight, edge_class)
    assert [operator.layout for operator in graph.operator] == [torch.sparse_csr]
    names = [name for name, _ in conv.named_parameters()]

    def run(x, *weights):
        parameters = dict(zip(names, weights, strict=True))
        args = (x, edge_index, edge_weight, edge_class)
        return torch.func.functional_call(conv, parameters, args)

    weights = [p.detach().clone().requires_grad_() for p in conv.parameters()]
    assert torch.autograd.gradcheck(run, (x, *weights))
    out = conv(x, edge_index, edge_weight, edge_class)
    monkeypatch.setattr(backend, "use_segment_csr", False)  # PyG's scatter
    assert conv.prepare_graph(x, edge_index, edge_weight, edge_class).operator is None
    torch.testing.assert_close(
        conv(x, edge_index, edge_weight, edge_class), out, atol=1e-12, rtol=0
    )


@pytest.mark.parametrize("layer", [NoShareConv, ConvStyleConv])
def test_flat_slots_summed_group_by_group_on_large_graphs(layer, monkeypatch):
    # Slots of more than SLOT_GROUP_BYTES: a sparse product and a transform
    # per group, the same numbers and gradients as one group.
    edge_index, edge_weight, edge_class = random_typed_graph(10, 5, 3)
    torch.manual_seed(0)
    conv = layer(2, 3, 3, aggregate_first=True).double()
    torch.nn.init.normal_(conv.bias)
    x = torch.randn(10, 2, dtype=torch.float64, requires_grad=True)
    args = (edge_index, edge_weight, edge_class)
    one_group = conv(x, *args)
    monkeypatch.setattr(edge_typed_conv, "SLOT_GROUP_BYTES", 2 * 10 * 2 * 8)
    graph = conv.prepare_graph(x, *args)
    assert [operator.size(0) for operator in graph.operator] == [20, 10]
    out = conv(x, *args)
    torch.testing.assert_close(out, one_group, atol=1e-12, rtol=0)
    expected = reference_conv(conv, x, *args[:2], **{conv.typed_attribute: args[2]})
    torch.testing.assert_close(out, expected, atol=1e-12, rtol=0)
    assert torch.autograd.gradcheck(lambda x: conv(x, *args), (x,))
