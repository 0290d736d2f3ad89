import pytest
import torch

from pyg_weightshare import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    stacked_xavier_uniform_,
)

# Each layer and the number M of matrices in its stacked [M, in, out] tensor.
LAYERS = {
    "full": (lambda i, o: FullShareConv(i, o, decouple=False), 1),
    "full_decoupled": (lambda i, o: FullShareConv(i, o), 2),
    "pre_agg": (lambda i, o: PreAggConv(i, o, 16, decouple=False), 16),
    "pre_agg_decoupled": (lambda i, o: PreAggConv(i, o, 16), 32),
    "post_agg_decoupled": (lambda i, o: PostAggConv(i, o, 16), 32),
    "conv_style": (lambda i, o: ConvStyleConv(i, o), 3),
    "no_sharing": (lambda i, o: NoShareConv(i, o, 46), 46),
}


@pytest.mark.parametrize("name", LAYERS)
def test_is_one_xavier_uniform_over_the_stacked_matrices(name):
    make, num_matrices = LAYERS[name]
    conv = make(2, 128)
    torch.manual_seed(0)
    stacked_xavier_uniform_(conv)
    torch.manual_seed(0)
    expected = torch.nn.init.xavier_uniform_(
        torch.empty(num_matrices, 2, 128), gain=1.414
    )
    matrices = [w for w in (conv.self_weight, conv.weight) if w is not None]
    assert torch.equal(torch.cat(matrices), expected)
    bound = 1.414 * (6 / (128 * (2 + num_matrices))) ** 0.5  # scheme-dependent
    assert 0.99 * bound < expected.abs().max() <= bound


def test_leaves_the_bias_alone():
    conv = PreAggConv(4, 8, 16)
    torch.nn.init.ones_(conv.bias)
    stacked_xavier_uniform_(conv)
    assert torch.equal(conv.bias, torch.ones(8))
