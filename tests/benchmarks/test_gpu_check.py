"""The GPU check runs end to end on a CPU with small sizes (as CI runs it)
and reports every section."""

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"
SCHEMES = [
    "full",
    "full (decoupled)",
    "pre-agg",
    "pre-agg (decoupled)",
    "post-agg",
    "post-agg (decoupled)",
    "conv-style",
    "no-sharing",
]


def walk(value, path=""):
    """Every (path, key, value) of a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, item
            yield from walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}/{i}")


def test_quick_cpu_run_reports_every_section(tmp_path):
    out = tmp_path / "gpu_check.json"
    command = [sys.executable, str(SCRIPT), "--device", "cpu", "--quick"]
    result = subprocess.run(
        [*command, "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(out.read_text())

    errors = [f"{path}: {item}" for path, key, item in walk(report) if key == "error"]
    assert not errors
    speedups = [
        (path, key, item) for path, key, item in walk(report) if "speedup" in key
    ]
    assert len(speedups) >= 8 * 3 + 2 * 4 * 2 + 1
    for path, key, value in speedups:
        assert isinstance(value, float) and math.isfinite(value) and value > 0, (
            path,
            key,
            value,
        )

    assert report["tests"]["returncode"] == 0
    assert "skipped" in report["tests"]["summary"]
    assert list(report["layers"]) == SCHEMES
    for row in report["layers"].values():
        assert set(row) == {"fp32", "tf32", "bf16"}

    assert set(report["training"]) == {"benchmark", "ablation"}
    benchmark = report["training"]["benchmark"]
    assert benchmark["network"]["non_local"] and benchmark["network"]["dropout"] > 0
    for result_ in report["training"].values():
        rows = result_["rows"]
        for name in ("eager fp32", "eager bf16", "compile fp32", "compile bf16"):
            assert rows[name]["poses_per_second"] > 0
            assert "peak_memory_mib" in rows[name]
        for name in ("cudagraphs fp32", "compile+cudagraphs bf16"):
            assert rows[name] == {"skipped": "needs CUDA"}
        assert result_["published"]["poses_per_second"] > 0

    inference = report["inference"]
    assert "PoseGCN" in inference["network"]
    rows = inference["rows"]
    for name in ("eager fp32", "fused fp32", "compiled fp32", "fused bf16"):
        assert rows[name]["poses_per_second"] > 0
        assert rows[name]["speedup_vs_eager"] > 0
    for name in ("fused fp32", "compiled fp32"):
        assert rows[name]["max_difference"] <= 1e-5
    assert rows["fused bf16"]["max_difference"] < 0.1
    for name in ("cuda graph fp32", "cuda graph bf16"):
        assert rows[name] == {"skipped": "needs CUDA"}
    assert inference["lift"]["lift"]["poses_per_second"] > 0
    assert inference["lift"]["lift cuda graph"] == {"skipped": "needs CUDA"}
    assert "inference on CPU" in result.stdout

    projection = report["projection"]
    assert projection["configuration"] in benchmark["rows"]
    assert projection["paper_hours"] == 10
    assert 0 < projection["total_minutes"] < math.inf
    assert "projected benchmark recipe" in result.stdout
    assert "published code, eager" in result.stdout
