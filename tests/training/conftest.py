from pathlib import Path

import pytest


@pytest.fixture
def saved_figures(monkeypatch):
    """The matplotlib figures saved during a test, by file name."""
    from matplotlib.figure import Figure

    figures = {}
    save = Figure.savefig

    def record(figure, path, *args, **kwargs):
        figures[Path(path).name] = figure
        save(figure, path, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    return figures
