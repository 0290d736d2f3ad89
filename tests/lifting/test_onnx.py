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
