import re

import pytest
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.choices import SCHEME_NAMES
from pyg_weightshare.limits import (
    MAX_PARAMETERS,
    check_architecture,
    check_finite_weights,
    parameter_bound,
)
from pyg_weightshare.training.config import InvalidSetting, TrainConfig


@pytest.mark.parametrize("scheme", SCHEME_NAMES)
@pytest.mark.parametrize("non_local", [False, True])
def test_the_bound_is_an_upper_bound(scheme, non_local):
    model = PoseGCN(h36m_skeleton(17), scheme, hidden_channels=24, num_blocks=2,
                    non_local=non_local)  # fmt: skip
    count = sum(p.numel() for p in model.parameters())
    assert count <= parameter_bound(scheme, 24, 2, 17) < 60 * count


def test_a_saved_architecture_passes():
    model = PoseGCN(h36m_skeleton(16), "no_sharing", hidden_channels=8, non_local=True,
                    in_channels=3, root_relative=True, symmetric=True)  # fmt: skip
    check_architecture(model.get_extra_state())


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("hidden_channels", 10**7, "hidden_channels must be an integer from 1 to 8192"),
        ("num_blocks", 10**5, "num_blocks must be an integer from 0 to 256"),
        ("hidden_channels", 12.5, "hidden_channels must be an integer"),
        ("decouple", "yes", "decouple must be True or False"),
        ("dropout", float("nan"), "dropout must be a number in [0.0, 1.0)"),
        ("scheme", "magic", "scheme must be one of"),
        ("parents", [0] * 1000, "parents must be a list of 16 or 17 ints"),
        ("surprise", 1, "unknown architecture field 'surprise'"),
    ],
)
def test_each_field_is_checked(field, value, problem):
    with pytest.raises(ValueError, match=rf"^m\.pt has .*{re.escape(problem)}"):
        check_architecture({"scheme": "pre_agg", field: value}, "m.pt")


def test_a_network_too_large_in_total():
    wide = {"scheme": "no_sharing", "hidden_channels": 4096, "num_blocks": 4}
    assert parameter_bound("no_sharing", 4096, 4) > MAX_PARAMETERS
    with pytest.raises(ValueError, match="more than the 500,000,000 allowed"):
        check_architecture(wide)
    with pytest.raises(InvalidSetting, match="hidden_channels 4096 and num_blocks 4"):
        TrainConfig(scheme="no_sharing", hidden_channels=4096)
    TrainConfig(scheme="full", hidden_channels=512)  # the paper's widest


def test_non_finite_weights_are_named():
    weights = {"a": torch.ones(3), "steps": torch.tensor(3), "b": torch.ones(2)}
    check_finite_weights(weights)
    weights["b"][1] = float("inf")
    with pytest.raises(
        ValueError, match=r"m.pt has weight 'b' holding 1 NaN or infinite"
    ):
        check_finite_weights(weights, "m.pt")
