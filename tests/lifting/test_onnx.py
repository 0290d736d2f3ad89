import re
import sys

import numpy as np
import pytest
import torch

from pyg_weightshare.cli import main
from pyg_weightshare.lifting import Lifter
from pyg_weightshare.lifting.onnx import export_onnx

onnxruntime = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


def test_export_matches_pytorch_with_any_batch_size(checkpoint, tmp_path, capsys):
    out = tmp_path / "lifter.onnx"
    assert main(["export", "--checkpoint", str(checkpoint), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    difference = float(re.search(r"max difference (\S+) on 256 poses", printed)[1])
    assert difference <= 1e-4
    assert [path.name for path in tmp_path.iterdir()] == ["lifter.onnx"]

    model = Lifter.from_checkpoint(checkpoint).model
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (keypoints,) = session.get_inputs()
    assert keypoints.name == "keypoints"
    assert keypoints.shape[1:] == [model.num_joints, 2]
    for batch_size in (1, 300):
        inputs = torch.rand(batch_size, model.num_joints, 2) * 2 - 1
        (poses,) = session.run(["poses"], {"keypoints": inputs.numpy()})
        with torch.no_grad():
            expected = model(inputs).numpy()
        assert poses.shape == (batch_size, model.num_joints, 3)
        assert np.abs(poses - expected).max() <= 1e-4


def test_export_without_the_extra(checkpoint, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxscript", None)
    model = Lifter.from_checkpoint(checkpoint).model
    with pytest.raises(ImportError, match=r"pip install 'pyg-weightshare\[onnx\]'"):
        export_onnx(model, tmp_path / "lifter.onnx")
    argv = ["export", "--checkpoint", str(checkpoint), "--out", str(tmp_path / "a")]
    assert main(argv) == 2
    assert "pyg-weightshare[onnx]" in capsys.readouterr().err


def test_export_defaults_to_the_bundled_model_and_keeps_files(tmp_path, capsys):
    out = tmp_path / "lifter.onnx"
    assert main(["export", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "exporting the bundled model pose_gcn_h36m.pt" in printed
    assert "input 'keypoints' [batch, 16, 3]" in printed
    before = out.read_bytes()
    assert main(["export", "--out", str(out)]) == 2
    assert "lifter.onnx exists: pass --force" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert main(["export", "--out", str(out), "--force"]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["lifter.onnx"]


def test_export_of_a_model_that_takes_what_was_seen(tmp_path):
    from pyg_weightshare import PoseGCN, h36m_skeleton
    from pyg_weightshare.lifting.onnx import onnx_max_difference

    torch.manual_seed(0)
    model = PoseGCN(
        h36m_skeleton(16), in_channels=3, root_relative=True, hidden_channels=8
    ).eval()
    path = export_onnx(model, tmp_path / "masked.onnx")
    assert onnx_max_difference(model, path) <= 1e-4
