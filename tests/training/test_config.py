import dataclasses

import pytest

from pyg_weightshare import PoseGCN, h36m_skeleton, paper_config
from pyg_weightshare.training.config import (
    RECIPE_FIELDS,
    RECIPES,
    InvalidSetting,
    TrainConfig,
)


def test_every_recipe_field_is_a_setting_taken_from_the_recipe():
    names = {field.name for field in dataclasses.fields(TrainConfig)}
    assert set(RECIPE_FIELDS) <= names
    config = TrainConfig(recipe="benchmark", lr=3e-4)
    for name in RECIPE_FIELDS:
        expected = 3e-4 if name == "lr" else getattr(RECIPES["benchmark"], name)
        assert getattr(config, name) == expected, name


def test_model_settings_are_the_model_s_arguments():
    # A paper row is a configuration as it is: no renaming, nothing dropped.
    row = paper_config(2, "full", decouple=False)
    config = TrainConfig(**row)
    assert config.model_kwargs() == {**row, "init": "xavier"}
    model = PoseGCN(h36m_skeleton(16), **config.model_kwargs())
    assert model.hidden_channels == 180


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"batch_size": -16}, "batch_size must be an integer of at least 1"),
        ({"epochs": 2.5}, "epochs must be an integer of at least 1, got 2.5"),
        ({"lr": float("inf")}, "lr must be positive and finite"),
        ({"lr_decay": 0}, r"lr_decay must be in \(0, 1\]"),
        ({"max_grad_norm": -1.0}, "max_grad_norm must be positive"),
        ({"keypoints": "../x"}, "keypoints must be a name like gt"),
        ({"decouple": "no"}, "decouple must be True or False"),
        ({"amp": "fp16"}, "amp 'fp16' needs a CUDA --device"),
        ({"decay_steps": 10}, "decay_epochs and decay_steps .* are both set"),
    ],
)
def test_settings_are_checked_on_construction(settings, message):
    with pytest.raises(InvalidSetting, match=message):
        TrainConfig(**settings)


def test_saved_configurations_round_trip_and_foreign_ones_are_refused():
    config = TrainConfig(recipe="ablation", hidden_channels=64)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match=r"c\.json: .*unknown settings \['hidden'\]"):
        TrainConfig.from_dict({**config.to_dict(), "hidden": 64}, "c.json")
    with pytest.raises(ValueError, match=r"c\.json: batch_size must be"):
        TrainConfig.from_dict({**config.to_dict(), "batch_size": 0}, "c.json")


def test_differences_allow_more_epochs_and_another_device_only():
    run = TrainConfig(epochs=5)
    assert run.differences(dataclasses.replace(run, epochs=9, device="cuda")) == []
    assert run.differences(dataclasses.replace(run, epochs=4, lr_decay=0.9)) == [
        "epochs: run 5, requested 4",
        "lr_decay: run 0.5, requested 0.9",
    ]


def test_person_inputs_and_symmetric_bones_set_the_model_s_arguments():
    config = TrainConfig(inputs="person", bones="symmetric", hidden_channels=16)
    kwargs = config.model_kwargs()
    assert kwargs["in_channels"] == 3 and kwargs["root_relative"] is True
    assert kwargs["symmetric"] is True
    model = PoseGCN(h36m_skeleton(16), **kwargs)
    assert model.in_channels == 3 and model.symmetric
    assert "in_channels" not in TrainConfig().model_kwargs()
    with pytest.raises(InvalidSetting, match="inputs must be one of"):
        TrainConfig(inputs="pixels")


def test_a_configuration_saved_before_inputs_and_bones_existed_still_loads():
    saved = TrainConfig(hidden_channels=64).to_dict()
    del saved["inputs"], saved["bones"]
    config = TrainConfig.from_dict(saved)
    assert (config.inputs, config.bones) == ("image", "free")
