import pytest
import torch

from pyg_weightshare.nn import PoseGCN
from pyg_weightshare.nn.models.serialization import Checkpoint
from pyg_weightshare.skeleton import h36m_skeleton
from pyg_weightshare.training.checkpoint import atomic_save
from pyg_weightshare.training.config import TrainConfig


def make_checkpoint(path, num_joints: int, settings, seed: int = 0):
    """A small untrained model of :obj:`settings` saved as the trainer saves
    its checkpoints, with batch-norm statistics that are not the identity."""
    config = TrainConfig(out=str(path.parent), num_joints=num_joints, **settings)
    torch.manual_seed(seed)
    model = PoseGCN(h36m_skeleton(num_joints), **config.model_kwargs())
    with torch.no_grad():
        model.train()(torch.randn(256, num_joints, 2) * 0.5)
    checkpoint = Checkpoint(
        model.architecture, model.state_dict(), training={"config": config.to_dict()}
    )
    atomic_save(checkpoint.to_dict(), path)
    return path


@pytest.fixture(scope="session", params=[16, 17], ids=["16-joints", "17-joints"])
def checkpoint(request, tmp_path_factory, tiny_run):
    path = tmp_path_factory.mktemp("run") / "best.pt"
    return make_checkpoint(path, request.param, tiny_run)
