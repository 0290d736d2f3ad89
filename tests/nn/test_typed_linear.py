import pytest
import torch

from pyg_weightshare import typed_matmul


def reference(x, weight, type_index):
    return torch.stack([row @ weight[t] for row, t in zip(x, type_index, strict=True)])


@pytest.mark.parametrize(
    "type_index",
    [
        [2, 0, 1, 1, 0, 2],  # balanced, unsorted: one batched product
        [2, 2, 2, 0, 1, 2],  # uneven
        [1, 1, 1, 1, 1, 1],  # types absent
    ],
)
def test_matches_row_by_row_products(type_index):
    x = torch.randn(6, 4, dtype=torch.float64)
    weight = torch.randn(3, 4, 5, dtype=torch.float64)
    type_index = torch.tensor(type_index)
    out = typed_matmul(x, weight, type_index)
    torch.testing.assert_close(out, reference(x, weight, type_index))


def test_single_type_and_empty_input():
    x = torch.randn(5, 4)
    weight = torch.randn(1, 4, 2)
    torch.testing.assert_close(
        typed_matmul(x, weight, torch.zeros(5).long()), x @ weight[0]
    )
    empty = typed_matmul(torch.randn(0, 4), torch.randn(3, 4, 2), torch.zeros(0).long())
    assert empty.shape == (0, 2)


def test_gradcheck():
    x = torch.randn(7, 3, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(3, 3, 2, dtype=torch.float64, requires_grad=True)
    type_index = torch.tensor([0, 2, 2, 1, 0, 2, 2])
    assert torch.autograd.gradcheck(
        lambda x, w: typed_matmul(x, w, type_index), (x, weight)
    )


@pytest.mark.parametrize("num_rows", [1, 17, 300, 5000])
def test_uneven_random_types_match_row_by_row_products(num_rows):
    # Skewed counts and missing types exercise the tiles' padding.
    generator = torch.Generator().manual_seed(num_rows)
    probabilities = torch.tensor([0.6, 0.0, 0.05, 0.3, 0.05])
    type_index = torch.multinomial(probabilities, num_rows, True, generator=generator)
    x = torch.randn(num_rows, 3, dtype=torch.float64, generator=generator)
    weight = torch.randn(5, 3, 2, dtype=torch.float64, generator=generator)
    out = typed_matmul(x, weight, type_index)
    torch.testing.assert_close(out, reference(x, weight, type_index))


def test_compiles_without_graph_breaks_for_uneven_types():
    # Every shape follows from the input shapes: no value is read back, so
    # fullgraph compilation succeeds (a .tolist() would break the graph).
    torch._dynamo.reset()
    compiled = torch.compile(typed_matmul, fullgraph=True, backend="eager")
    x, weight = torch.randn(9, 4), torch.randn(3, 4, 2)
    type_index = torch.tensor([0, 0, 0, 0, 0, 0, 2, 2, 1])
    torch.testing.assert_close(
        compiled(x, weight, type_index), reference(x, weight, type_index)
    )
