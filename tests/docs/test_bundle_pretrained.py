"""docs/scripts/bundle_pretrained.py turns a training run into a model file
that loads like the bundled one and reproduces its recorded errors."""

import runpy
from pathlib import Path

import torch

from pyg_weightshare import PoseGCN
from pyg_weightshare.nn.models.serialization import load_checkpoint
from pyg_weightshare.pretrained import load_pretrained, reference_errors
from pyg_weightshare.training import TrainConfig, train

SCRIPT = Path(__file__).parents[2] / "docs" / "scripts" / "bundle_pretrained.py"


def test_a_run_becomes_a_model_file(tiny_data, tiny_run, tmp_path, monkeypatch):
    run = tmp_path / "run"
    train(TrainConfig(out=str(run), data_dir=str(tiny_data), epochs=1, **tiny_run),
          progress=False)  # fmt: skip
    out = tmp_path / "bundled.pt"
    argv = ["bundle_pretrained.py", "--run", str(run), "--data-dir", str(tiny_data),
            "--command", "pyg-weightshare train ...", "--wall-time", "1.5",
            "--out", str(out)]  # fmt: skip
    monkeypatch.setattr("sys.argv", argv)
    runpy.run_path(str(SCRIPT), run_name="__main__")

    bundled, trained = load_checkpoint(out), load_checkpoint(run / "best.pt")
    assert bundled.architecture == trained.architecture
    assert bundled.training == {}
    assert bundled.metadata["provenance"]["wall_time_s"] == 1.5
    assert bundled.metadata["provenance"]["epoch"] == 1
    reference = bundled.metadata["reference"]
    model = load_pretrained(out)
    assert reference_errors(model, reference) == {
        "mpjpe_mm": reference["mpjpe_mm"],
        "p_mpjpe_mm": reference["p_mpjpe_mm"],
    }
    poses = reference["inputs"][:4]
    assert torch.equal(model(poses), PoseGCN.from_checkpoint(trained)(poses))
