"""The lift benchmark runs every path at two thread counts and reports finite
rates."""

import importlib.util
import math
from pathlib import Path

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "bench_lift.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("bench_lift", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ARGV = "--poses 40 --channels 8 --rounds 1 --sgemm-size 64 --batch-size 16".split()


def check(results, paths, thread_counts, printed):
    assert set(results) == set(thread_counts)
    for result in results.values():
        expected = {(name, kind) for name in paths for kind in ("lift", "model")}
        assert set(result["rates"]) == expected | {
            ("preprocessing", "lift"),
            ("sgemm", "bound"),
        }
        rates = [*result["rates"].values(), result["bound"], *result["setup"].values()]
        assert all(math.isfinite(rate) and rate > 0 for rate in rates)
    assert printed.count("SGEMM bound") == len(thread_counts)
    assert printed.count("batches of 16: SGEMM bound") == len(thread_counts)
    for name in paths:
        assert printed.count(f"  {name} ") == len(thread_counts)


def test_every_path_is_measured_against_eager_and_the_bound(capsys):
    module = load_benchmark()
    paths = ["eager", "fused", "compiled"]
    if module.has_onnxruntime():
        paths.append("onnxruntime")
    results = module.main([*ARGV, "--threads", "1"])
    printed = capsys.readouterr().out
    check(results, paths, [1], printed)
    assert "compiling took" in printed


def test_one_table_per_thread_count(capsys):
    module = load_benchmark()
    results = module.main([*ARGV, "--threads", "1", "2", "--paths", "fused"])
    check(results, ["eager", "fused"], [1, 2], capsys.readouterr().out)


def test_break_even():
    module = load_benchmark()
    # 10 s to save 1/100 - 1/200 = 1/200 s per pose: 2000 poses.
    assert module.break_even_poses(10.0, 100.0, 200.0) == 2000.0
    assert module.break_even_poses(10.0, 200.0, 100.0) == math.inf
