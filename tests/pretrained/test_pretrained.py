import pickle

import pytest
import torch

from pyg_weightshare import PoseGCN
from pyg_weightshare.pretrained import (
    checkpoint_path,
    load_checkpoint,
    load_pretrained,
    reference_errors,
)


def test_the_bundled_checkpoint_is_small_and_loads_weights_only():
    path = checkpoint_path()
    assert path.is_file() and path.stat().st_size < 5 * 2**20
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    assert checkpoint["model_kwargs"]["scheme"] == "pre_agg"
    assert checkpoint["model_kwargs"]["decouple"] is True
    assert checkpoint["model_kwargs"]["hidden_channels"] == 64
    provenance = checkpoint["provenance"]
    assert "pyg_weightshare train --data-dir" in provenance["command"]
    assert provenance["wall_time_s"] > 0


def test_the_bundled_model_reproduces_its_reference_errors():
    model = load_pretrained()
    assert isinstance(model, PoseGCN) and not model.training
    reference = load_checkpoint()["reference"]
    assert reference["inputs"].shape == (512, 16, 2)
    errors = reference_errors(model, reference)
    # Exact to the micrometre: any change to the weights or the model shows.
    assert errors == {
        "mpjpe_mm": reference["mpjpe_mm"],
        "p_mpjpe_mm": reference["p_mpjpe_mm"],
    }
    # A lifter, not a mean pose: far below the spread of the targets.
    spread = (reference["targets"] - reference["targets"].mean(0)).norm(dim=-1)
    assert errors["mpjpe_mm"] < 0.6 * 1000 * spread.mean().item()


def test_a_changed_model_is_noticed():
    model = load_pretrained()
    reference = load_checkpoint()["reference"]
    with torch.no_grad():
        next(model.parameters())[0].mul_(1.001)
    assert reference_errors(model, reference) != {
        "mpjpe_mm": reference["mpjpe_mm"],
        "p_mpjpe_mm": reference["p_mpjpe_mm"],
    }


class _RunsCode:
    def __reduce__(self):
        return (print, ("this must not run",))


@pytest.mark.parametrize(
    "content",
    [b"not a checkpoint", pickle.dumps({"state_dict": _RunsCode()}, protocol=2)],
    ids=["garbage", "code"],
)
def test_a_bad_file_is_one_clear_error(tmp_path, capsys, content):
    path = tmp_path / "model.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"{path} is not a readable checkpoint"):
        load_pretrained(path)
    assert "must not run" not in capsys.readouterr().out


def test_a_foreign_checkpoint_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="not a pyg-weightshare pretrained"):
        load_pretrained(path)
    checkpoint = load_checkpoint()
    checkpoint["model_kwargs"] = checkpoint["model_kwargs"] | {"hidden_channels": 32}
    torch.save(checkpoint, path)
    with pytest.raises(ValueError, match="does not fit its own model"):
        load_pretrained(path)
