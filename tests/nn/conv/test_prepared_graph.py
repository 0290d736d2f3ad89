import pytest
import torch

from pyg_weightshare import h36m_skeleton
from pyg_weightshare.nn.conv.prepared_graph import (
    aggregation_operator,
    incidence_operator,
    sparse_aggregation_applies,
    sparse_aggregation_operators,
    split_self_loops,
)

# Three nodes; edges 0->1, 1->1 (self-loop), 2->1, 0->0 twice (duplicates).
EDGE_INDEX = torch.tensor([[0, 1, 2, 0, 0], [1, 1, 1, 0, 0]])
EDGE_WEIGHT = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=torch.float64)
SLOT = torch.tensor([1, 0, 1, 0, 0])


def test_split_self_loops_moves_the_diagonal_out_of_the_edges():
    weight, self_loop_weight = split_self_loops(EDGE_INDEX, EDGE_WEIGHT, 3)
    assert weight.tolist() == [1.0, 0.0, 3.0, 0.0, 0.0]
    assert self_loop_weight.tolist() == [9.0, 2.0, 0.0]


def test_dense_operators_hold_the_edges_by_target_and_slot():
    operator = aggregation_operator(EDGE_INDEX, EDGE_WEIGHT, SLOT, 2, 3)
    expected = torch.zeros(6, 3, dtype=torch.float64)
    expected[2 * 1 + 1, 0] = 1.0  # edge 0 -> 1, slot 1
    expected[2 * 1 + 0, 1] = 2.0
    expected[2 * 1 + 1, 2] = 3.0
    expected[0, 0] = 9.0  # the duplicates add up
    torch.testing.assert_close(operator, expected)
    incidence = incidence_operator(EDGE_INDEX, EDGE_WEIGHT, 3)
    assert incidence.shape == (3, 5)
    torch.testing.assert_close(incidence.sum(0), EDGE_WEIGHT)
    assert incidence.argmax(0).tolist() == EDGE_INDEX[1].tolist()


@pytest.mark.parametrize("slots_per_group", [1, 2, 3])
def test_sparse_operators_are_the_dense_rows_of_their_groups(slots_per_group):
    # Three slots: groups of one (three operators), of two (two, the last
    # of one slot) and of three (one operator, all of the dense one).
    slot = torch.tensor([1, 0, 2, 0, 2])
    operators = sparse_aggregation_operators(
        EDGE_INDEX, EDGE_WEIGHT, slot, 3, 3, slots_per_group
    )
    dense = aggregation_operator(EDGE_INDEX, EDGE_WEIGHT, slot, 3, 3).view(3, 3, 3)
    assert len(operators) == -(-3 // slots_per_group)
    for index, operator in enumerate(operators):
        assert operator.layout == torch.sparse_csr
        group = dense[:, index * slots_per_group : (index + 1) * slots_per_group]
        torch.testing.assert_close(operator.to_dense(), group.reshape(-1, 3))


def test_sparse_operator_serves_only_fixed_weights_in_eager_cpu_code():
    x = torch.randn(16, 2)
    weight = h36m_skeleton(16).to_data().edge_weight
    assert sparse_aggregation_applies(x, weight)
    assert not sparse_aggregation_applies(x, weight.clone().requires_grad_())
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert not sparse_aggregation_applies(x, weight)
