import re
from pathlib import Path

import pytest

from pyg_weightshare.datasets import synthesize_h36m


@pytest.fixture
def tiny():
    """Arguments of a small model on few poses: a whole run takes seconds."""
    return [
        "--hidden-channels",
        "16",
        "--num-blocks",
        "1",
        "--batch-size",
        "128",
        "--stride",
        "2",
        "--no-progress",
    ]


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("h36m")
    synthesize_h36m(root, frames=12, seed=3, detections="cpn_ft_h36m_dbb")
    return root


@pytest.fixture
def saved_figures(monkeypatch):
    """The matplotlib figures saved during a test, by the name of the file
    they end in (figures are saved to a temporary file renamed over it)."""
    from matplotlib.figure import Figure

    figures = {}
    save = Figure.savefig

    def record(figure, path, *args, **kwargs):
        name = Path(path).name
        temporary = re.fullmatch(r"\.(.+)\.[^.]+\.partial\.[^.]+", name)
        figures[temporary.group(1) if temporary else name] = figure
        save(figure, path, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    return figures
