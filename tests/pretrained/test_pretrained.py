import pytest
import torch

from pyg_weightshare import PoseGCN
from pyg_weightshare.nn.models.serialization import load_checkpoint
from pyg_weightshare.pretrained import (
    checkpoint_path,
    load_pretrained,
    reference_errors,
)

# The errors the bundled model makes on its reference sample, as recorded
# when it was bundled (docs/scripts/bundle_pretrained.py): a converted or
# re-saved file must keep them to the micrometre.
RECORDED_ERRORS = {"mpjpe_mm": 111.244, "p_mpjpe_mm": 82.773}


def test_the_bundled_checkpoint_is_small_and_a_model_file():
    path = checkpoint_path()
    assert path.is_file() and path.stat().st_size < 5 * 2**20
    checkpoint = load_checkpoint(path)
    assert checkpoint.architecture["scheme"] == "pre_agg"
    assert checkpoint.architecture["decouple"] is True
    assert checkpoint.architecture["hidden_channels"] == 64
    assert checkpoint.training == {}
    provenance = checkpoint.metadata["provenance"]
    assert "pyg_weightshare train --data-dir" in provenance["command"]
    assert provenance["wall_time_s"] > 0


def test_the_bundled_model_reproduces_its_reference_errors():
    model = load_pretrained()
    assert isinstance(model, PoseGCN) and not model.training
    reference = load_checkpoint(checkpoint_path()).metadata["reference"]
    assert reference["inputs"].shape == (512, 16, 2)
    errors = reference_errors(model, reference)
    # Exact to the micrometre: any change to the weights or the model shows.
    recorded = {key: reference[key] for key in RECORDED_ERRORS}
    assert errors == recorded == RECORDED_ERRORS
    # A lifter, not a mean pose: far below the spread of the targets.
    spread = (reference["targets"] - reference["targets"].mean(0)).norm(dim=-1)
    assert errors["mpjpe_mm"] < 0.6 * 1000 * spread.mean().item()


def test_a_changed_model_is_noticed():
    model = load_pretrained()
    reference = load_checkpoint(checkpoint_path()).metadata["reference"]
    with torch.no_grad():
        next(model.parameters())[0].mul_(1.001)
    assert reference_errors(model, reference) != RECORDED_ERRORS


def test_pose_gcn_pretrained_is_the_bundled_model():
    bundled, loaded = PoseGCN.pretrained(), load_pretrained()
    assert bundled.architecture == loaded.architecture
    for name, tensor in bundled.state_dict().items():
        if torch.is_tensor(tensor):
            assert torch.equal(tensor, loaded.state_dict()[name]), name


def test_another_model_file_loads_and_a_foreign_one_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    checkpoint = load_checkpoint(checkpoint_path())
    torch.save(checkpoint.to_dict(), path)
    assert load_pretrained(path).architecture == checkpoint.architecture
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="not a pyg-weightshare model file"):
        load_pretrained(path)
    checkpoint.architecture["hidden_channels"] = 32
    torch.save(checkpoint.to_dict(), path)
    with pytest.raises(ValueError, match=f"{path} does not hold a usable model"):
        load_pretrained(path)
