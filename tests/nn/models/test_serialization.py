import pickle
import re

import pytest
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.nn.models.serialization import (
    FORMAT_VERSION,
    Checkpoint,
    load_checkpoint,
)


class _RunsCode:
    def __reduce__(self):
        return (print, ("this must not run",))


def small_model(**kwargs) -> PoseGCN:
    return PoseGCN(h36m_skeleton(16), hidden_channels=8, num_blocks=1, **kwargs)


def test_a_model_comes_back_from_its_file(tmp_path):
    model = small_model(root_relative=True, in_channels=3, scheme="full").eval()
    metadata = {"input": {"layout": "coco"}, "reference": torch.arange(3)}
    path = tmp_path / "model.pt"
    torch.save(
        Checkpoint(model.architecture, model.state_dict(), metadata=metadata).to_dict(),
        path,
    )
    checkpoint = load_checkpoint(path)
    assert checkpoint.source == str(path)
    assert checkpoint.metadata["input"] == {"layout": "coco"}
    assert torch.equal(checkpoint.metadata["reference"], torch.arange(3))
    loaded = PoseGCN.from_checkpoint(path)
    assert loaded.architecture == model.architecture and not loaded.training
    poses = torch.randn(4, 16, 3)
    assert torch.equal(loaded(poses), model(poses))
    assert loaded(poses)[:, 0].abs().max() == 0  # root_relative travelled


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"not a checkpoint", "is not a readable checkpoint"),
        (
            pickle.dumps({"weights": _RunsCode()}, protocol=2),
            "is not a readable checkpoint: it holds more than tensors",
        ),
    ],
    ids=["garbage", "code"],
)
def test_a_bad_file_is_one_clear_error(tmp_path, capsys, content, problem):
    path = tmp_path / "model.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="^" + re.escape(f"{path} {problem}")):
        load_checkpoint(path)
    assert "must not run" not in capsys.readouterr().out


def valid() -> dict:
    model = small_model()
    return Checkpoint(model.architecture, model.state_dict()).to_dict()


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda c: c.pop("format"), "is not a pyg-weightshare model file"),
        (lambda c: c.clear() or c.update(config={}, model={}, epoch=3),
         "was written by pyg-weightshare before its model file format"),
        (lambda c: c.update(format_version=FORMAT_VERSION + 1), "has model file "
         f"version {FORMAT_VERSION + 1}; this version of pyg-weightshare reads"),
        (lambda c: c.update(metadata=[1]), "'metadata' is not a dictionary"),
        (lambda c: c["weights"].update({"x.weight": [1.0]}),
         "weight 'x.weight' is not a tensor"),
        (lambda c: c["architecture"].update(hidden=3),
         r"does not describe a PoseGCN \(unknown \['hidden'\]\)"),
        (lambda c: c["architecture"].update(scheme="bogus"),
         "does not hold a usable model"),
        (lambda c: c["weights"].pop("output_conv.bias"),
         "does not hold a usable model: Error"),
    ],
    ids=["format", "legacy", "version", "section", "weight", "unknown", "scheme",
         "missing"],
)  # fmt: skip
def test_an_invalid_model_file_is_refused_naming_it(tmp_path, change, problem):
    content = valid()
    change(content)
    path = tmp_path / "model.pt"
    torch.save(content, path)
    with pytest.raises(ValueError, match="^" + re.escape(str(path)) + f" .*{problem}"):
        PoseGCN.from_checkpoint(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No checkpoint at .*absent\.pt"):
        load_checkpoint(tmp_path / "absent.pt")
