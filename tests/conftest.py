"""Fixtures the test packages share, and tests marked ``cuda`` (``pytest -m
cuda`` selects them all) skipped cleanly on a machine without a GPU."""

from types import MappingProxyType

import pytest
import torch

from pyg_weightshare.datasets import synthesize_h36m


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if item.get_closest_marker("cuda") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    """A small synthetic Human3.6M with ground-truth 2D and detections."""
    root = tmp_path_factory.mktemp("h36m")
    synthesize_h36m(root, frames=12, seed=3, detections="cpn_ft_h36m_dbb")
    return root


@pytest.fixture(scope="session")
def tiny_run():
    """:class:`TrainConfig` settings of a small model on few poses, read-only:
    a whole training run takes seconds."""
    settings = {"hidden_channels": 16, "num_blocks": 1, "batch_size": 128}
    return MappingProxyType(settings | {"stride": 2})


@pytest.fixture
def tiny(tiny_run):
    """The command-line options of :func:`tiny_run`, without progress bars."""
    options = []
    for name, value in tiny_run.items():
        options += [f"--{name.replace('_', '-')}", str(value)]
    return [*options, "--no-progress"]
