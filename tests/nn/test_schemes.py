import pytest
import torch

from pyg_weightshare import h36m_skeleton
from pyg_weightshare.nn.schemes import (
    DECOUPLABLE_SCHEMES,
    SCHEMES,
    get_scheme,
    typed_inputs,
)


def test_registry_names_labels_and_attributes():
    assert list(SCHEMES) == ["full", "conv_style", "pre_agg", "post_agg", "no_sharing"]
    assert DECOUPLABLE_SCHEMES == ("full", "pre_agg", "post_agg")
    attributes = {name: scheme.typed_attribute for name, scheme in SCHEMES.items()}
    assert attributes == {
        "full": None,
        "conv_style": "displacement",
        "pre_agg": "node_type",
        "post_agg": "node_type",
        "no_sharing": "edge_type",
    }
    assert SCHEMES["pre_agg"].label == "Pre-agg"


@pytest.mark.parametrize("name", SCHEMES)
def test_make_conv_builds_a_layer_that_runs_on_the_skeleton(name):
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    conv = get_scheme(name).make_conv(2, 8, 16, skeleton.num_edge_types)
    assert isinstance(conv, SCHEMES[name].conv)
    out = conv(torch.randn(3, 16, 2), graph.edge_index, graph.edge_weight,
               **typed_inputs(conv, graph))  # fmt: skip
    assert out.shape == (3, 16, 8)


def test_bad_names_and_coupling_are_refused():
    with pytest.raises(ValueError, match="scheme must be one of"):
        get_scheme("dense")
    with pytest.raises(ValueError, match="decouples self-loops by definition"):
        SCHEMES["conv_style"].make_conv(2, 8, 16, 46, decouple=False)
