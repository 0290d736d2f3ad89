import re
from pathlib import Path

import pytest


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
