import pytest
import torch

from pyg_weightshare import h36m_skeleton
from pyg_weightshare.choices import DECOUPLABLE_SCHEMES, SCHEME_LABELS, SCHEME_NAMES
from pyg_weightshare.nn.schemes import SCHEMES, get_scheme, typed_inputs
from pyg_weightshare.testing import reference_conv

# The number of matrices each scheme learns on the 16-joint skeleton
# (16 node types, 46 ordered pairs, 3 displacement classes), decoupled.
NUM_MATRICES = {"full": 2, "conv_style": 3, "pre_agg": 32, "post_agg": 32,
                "no_sharing": 46}  # fmt: skip


def test_registry_holds_the_vocabulary():
    assert tuple(SCHEMES) == SCHEME_NAMES
    assert {name: scheme.label for name, scheme in SCHEMES.items()} == SCHEME_LABELS
    decouplable = tuple(name for name, s in SCHEMES.items() if s.decouplable)
    assert decouplable == DECOUPLABLE_SCHEMES


@pytest.mark.parametrize("name", SCHEMES)
def test_make_conv_builds_the_scheme_s_layer_for_the_graph(name):
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    scheme = get_scheme(name)
    conv = scheme.make_conv(2, 8, 16, skeleton.num_edge_types).double()
    torch.nn.init.normal_(conv.bias)
    assert conv.typed_attribute == scheme.typed_attribute
    matrices = sum(p.size(0) for p in (conv.weight, conv.self_weight) if p is not None)
    assert matrices == NUM_MATRICES[name]
    x = torch.randn(3, 16, 2, dtype=torch.float64)
    kwargs = typed_inputs(conv, graph)
    out = conv(x, graph.edge_index, graph.edge_weight.double(), **kwargs)
    expected = reference_conv(conv, x, graph.edge_index, graph.edge_weight, **kwargs)
    torch.testing.assert_close(out, expected, atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", DECOUPLABLE_SCHEMES)
def test_coupled_layers_share_the_neighbours_matrices_with_the_self_loops(name):
    conv = get_scheme(name).make_conv(2, 8, 16, 46, decouple=False)
    assert conv.self_weight is None
    assert conv.weight.size(0) == NUM_MATRICES[name] // 2


@pytest.mark.parametrize("name", ["conv_style", "pre_agg", "no_sharing"])
def test_typed_inputs_give_the_layer_the_attribute_it_reads(name):
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    conv = get_scheme(name).make_conv(2, 8, 16, skeleton.num_edge_types).double()
    x = torch.randn(16, 2, dtype=torch.float64)
    kwargs = typed_inputs(conv, graph, static=False)
    (attribute,) = kwargs
    out = conv(x, graph.edge_index, graph.edge_weight.double(), **kwargs)
    # Another assignment of types gives other outputs: the layer reads it.
    shuffled = {attribute: kwargs[attribute].roll(1)}
    other = conv(x, graph.edge_index, graph.edge_weight.double(), **shuffled)
    assert not torch.allclose(out, other)


def test_bad_names_and_coupling_are_refused():
    with pytest.raises(ValueError, match="scheme must be one of"):
        get_scheme("dense")
    with pytest.raises(ValueError, match="decouples self-loops by definition"):
        SCHEMES["conv_style"].make_conv(2, 8, 16, 46, decouple=False)
