"""The layer benchmark runs, and its reference formulations agree with the
layers (it checks them before timing)."""

import importlib.util
import math
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "bench_convs.py"


@pytest.fixture(scope="module")
def bench_convs():
    spec = importlib.util.spec_from_file_location("bench_convs", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    # PyG inspects MessagePassing subclasses through their module.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_every_scheme_is_measured_against_every_reference(bench_convs, capsys):
    arguments = "--batch-size 4 --channels 8 --rounds 1 --min-run-time 0.001"
    large = "--large-graph --large-nodes 300 --large-channels 8 --large-rounds 1"
    rows = bench_convs.main([*arguments.split(), "--sgemm-size", "64", *large.split()])
    assert list(rows["static"]) == list(bench_convs.SCHEMES)
    for row in rows["static"].values():
        assert all(math.isfinite(value) and value > 0 for value in row.values())
    references = {reference for _, reference in rows["large_graph"]}
    assert references == {"HeteroLinear+propagate", "RGCNConv", "FastRGCNConv"}
    for (scheme, _), row in rows["large_graph"].items():
        assert all(value > 0 for value in row.values())
        if scheme in ("conv-style", "no-sharing"):  # both orders, as ratios
            columns = {"per edge, scatter", "aggregate first, scatter"}
            assert columns | {"aggregate first, automatic"} <= set(row)
            assert "aggregate first over per edge" in row
    for scheme in ("conv-style", "no-sharing"):
        assert (
            rows["large_graph"][(scheme, "RGCNConv")]["slot groups over one group"] > 0
        )
    printed = capsys.readouterr().out
    assert "pre-agg (decoupled)" in printed and "vs 0.1" in printed
    assert "vs PyG, automatic" in printed and "vs PyG, scatter" in printed
