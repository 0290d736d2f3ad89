"""The short examples run and do what they say."""

import re
import runpy
from pathlib import Path

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_quickstart_layouts_agree(capsys):
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    printed = capsys.readouterr().out
    assert printed.count("flat batch agrees: True") == 5
    conv = "PreAggConv(2, 128, num_node_types=16, decouple=True)"
    assert f"{conv}: 8,320 parameters" in printed


def test_custom_graph_learns(capsys):
    runpy.run_path(str(EXAMPLES / "custom_graph.py"), run_name="__main__")
    losses = [float(v) for v in re.findall(r"loss (\d+\.\d+)", capsys.readouterr().out)]
    assert len(losses) == 4
    assert losses[-1] < 0.1 * losses[0]
