"""The lift benchmark runs and reports finite rates."""

import importlib.util
import math
from pathlib import Path

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "bench_lift.py"


def test_lift_is_measured_against_the_model():
    spec = importlib.util.spec_from_file_location("bench_lift", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rates = module.main("--poses 64 --channels 8 --rounds 1 --sgemm-size 64".split())
    assert set(rates) == {"lift", "model", "preprocessing", "ratio", "bound"}
    assert all(math.isfinite(rate) and rate > 0 for rate in rates.values())
