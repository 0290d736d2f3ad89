import pytest
import torch

from pyg_weightshare.training.checkpoint import atomic_save, check_same_model


class Unpicklable:
    def __reduce__(self):
        raise RuntimeError("disk full")


def test_atomic_save_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "last.pt"
    atomic_save({"epoch": 1}, path)
    with pytest.raises(RuntimeError, match="disk full"):
        atomic_save({"epoch": 2, "broken": Unpicklable()}, path)
    assert torch.load(path) == {"epoch": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]  # no leftovers


def test_check_same_model_names_every_difference(tmp_path):
    saved = {"scheme": "pre_agg", "hidden": 128, "num_joints": 16}
    check_same_model(saved, dict(saved, epochs=9), tmp_path)
    with pytest.raises(ValueError, match="hidden: checkpoint 128, requested 64"):
        check_same_model(saved, dict(saved, hidden=64), tmp_path)
