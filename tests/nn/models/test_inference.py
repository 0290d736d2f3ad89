import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.nn.models import inference
from pyg_weightshare.nn.models.inference import predict


def test_predict_returns_every_pose_on_the_cpu_in_batches(monkeypatch):
    monkeypatch.setattr(inference, "EVAL_BATCH_SIZE", 4)
    model = PoseGCN(h36m_skeleton(16), hidden_channels=8, num_blocks=1).train()
    batch_sizes = []
    model.register_forward_hook(lambda _, args, out: batch_sizes.append(len(out)))
    inputs = torch.randn(10, 16, 2)
    out = predict(model, inputs, torch.device("cpu"))
    assert batch_sizes == [4, 4, 2]
    assert out.device.type == "cpu" and not model.training
    torch.testing.assert_close(out, model(inputs))
    empty = predict(model, inputs[:0], torch.device("cpu"))
    assert empty.shape == (0, 16, 3)
