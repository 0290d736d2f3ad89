import pytest
import torch

from pyg_weightshare import h36m_skeleton
from pyg_weightshare.nn.conv.prepared_graph import (
    aggregation_operator,
    incidence_operator,
    sparse_aggregation_applies,
    sparse_aggregation_operator,
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


@pytest.mark.parametrize("slot", [None, SLOT], ids=["one slot", "two slots"])
def test_sparse_operator_is_the_dense_one(slot):
    num_slots = 1 if slot is None else 2
    sparse = sparse_aggregation_operator(EDGE_INDEX, EDGE_WEIGHT, slot, num_slots, 3)
    assert sparse.layout == torch.sparse_csr
    dense = aggregation_operator(EDGE_INDEX, EDGE_WEIGHT, slot, num_slots, 3)
    torch.testing.assert_close(sparse.to_dense(), dense)


def test_sparse_operator_serves_only_fixed_weights_in_eager_cpu_code():
    x = torch.randn(16, 2)
    weight = h36m_skeleton(16).to_data().edge_weight
    assert sparse_aggregation_applies(x, weight)
    assert not sparse_aggregation_applies(x, weight.clone().requires_grad_())
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert not sparse_aggregation_applies(x, weight)
