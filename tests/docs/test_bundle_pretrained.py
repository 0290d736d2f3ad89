"""docs/scripts/bundle_pretrained.py turns a run of the bundled lifters'
training command into a model file that loads like the bundled ones and
reproduces its recorded errors."""

import runpy
from pathlib import Path

import torch

from pyg_weightshare import PoseGCN
from pyg_weightshare.nn.models.serialization import load_checkpoint
from pyg_weightshare.pretrained import load_pretrained, reference_errors
from pyg_weightshare.training import bundled

SCRIPT = Path(__file__).parents[2] / "docs" / "scripts" / "bundle_pretrained.py"


def test_a_run_becomes_a_model_file(tmp_path, monkeypatch):
    run = tmp_path / "run"
    bundled.main(
        ["--layout", "h36m", "--out", str(run), "--num-train", "512",
         "--num-val", "128", "--num-test", "600", "--epochs", "1",
         "--hidden-channels", "8", "--batch-size", "256"]
    )  # fmt: skip
    out = tmp_path / "bundled.pt"
    argv = ["bundle_pretrained.py", "--run", str(run), "--out", str(out)]
    monkeypatch.setattr("sys.argv", argv)
    runpy.run_path(str(SCRIPT), run_name="__main__")

    model_file, trained = load_checkpoint(out), load_checkpoint(run / "best.pt")
    assert model_file.architecture == trained.architecture
    assert model_file.training == {}
    assert model_file.metadata["input"] == {"layout": "h36m", "normalization": "person"}
    provenance = model_file.metadata["provenance"]
    assert provenance["epoch"] == 1 and provenance["data"]["num_train"] == 512
    assert "--layout h36m" in provenance["command"]
    synthetic_test = provenance["synthetic_test"]
    assert synthetic_test["data"]["description"].startswith("detector-shaped h36m")
    assert synthetic_test["data"]["test_split"] == "poses of seed 2"
    reference = model_file.metadata["reference"]
    assert reference["inputs"].shape == (512, 16, 3)
    model = load_pretrained(out)
    assert reference_errors(model, reference) == {
        "mpjpe_mm": reference["mpjpe_mm"],
        "p_mpjpe_mm": reference["p_mpjpe_mm"],
    }
    poses = reference["inputs"][:4]
    assert torch.equal(model(poses), PoseGCN.from_checkpoint(trained)(poses))
