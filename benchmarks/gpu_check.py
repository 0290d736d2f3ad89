"""One check of a machine with a GPU: the CUDA tests, layer, training and
inference speed as ratios, peak memory, and the projected time of the
paper's benchmark recipe.

Sections, in order (each row that fails records its error and the run goes
on; rows that would overrun ``--budget`` are skipped and say so):

1. the CUDA tests (``pytest -m cuda``) and their summary line;
2. per layer (the eight variants, B poses, J = 16, C channels, forward and
   backward): this library's layer against the dense formulation of the
   published code (``dense_reference`` of ``bench_convs.py``), in float32,
   TF32 and bf16 autocast, as speed-ups;
3. whole-network training throughput (poses/s) of the trainer's own epoch
   loop and :class:`~pyg_weightshare.training.step.TrainingStep`, for the
   benchmark recipe's network (non-local blocks, dropout 0.2, batch 256) and
   the ablation recipe's (batch 64): eager, ``torch.compile``, the whole step
   captured in a CUDA graph (eager or compiled network), each in float32
   and bf16 autocast; and the published code's formulation run eagerly (its
   dense layers, a per-sample :class:`~torch.utils.data.DataLoader` as in
   its training script, ``loss.item()`` every step);
4. evaluation throughput (predictions on the device, metrics as the trainer
   computes them);
5. the projected wall time of the paper's benchmark recipe (30 epochs over
   1.56 M poses, evaluation of the 0.54 M test poses after each) for the
   fastest configuration, beside the paper's 10 hours on an RTX 2080 Ti;
6. inference throughput (poses/s) of the bundled lifting network on the
   device: the eager network, its fused inference form
   (:meth:`PoseGCN.for_inference <pyg_weightshare.PoseGCN.for_inference>`)
   eager, compiled and captured in a CUDA graph, in float32 and bfloat16,
   each with its largest difference to the eager network; and
   :meth:`Lifter.lift <pyg_weightshare.lifting.Lifter.lift>` of a long
   video in pixels (preprocessing on the CPU included), as the lifter
   chooses and with a CUDA graph. It runs right after the layers, before
   the training rows, whose compiled ones take what is left of the budget.

It prints a table and writes everything to ``--json``. On one GPU the full
run takes under 8 minutes::

    python benchmarks/gpu_check.py --json gpu_check.json

On a CPU, with small sizes and the ``aot_eager`` compile backend (the same
graph capture without Inductor's code generation), it is a quick end-to-end
check (CI runs it)::

    python benchmarks/gpu_check.py --device cpu --quick --json gpu_check.json
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.datasets import ACTIONS, PoseSplit
from pyg_weightshare.lifting.backends import CudaGraphModule
from pyg_weightshare.training.config import RECIPES, TrainConfig
from pyg_weightshare.training.evaluation import evaluate
from pyg_weightshare.training.step import TrainingStep
from pyg_weightshare.training.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]
PAPER_HOURS = 10.0  # Sec. 4.3: 30 epochs on one RTX 2080 Ti
PAPER_EPOCHS = 30
TRAIN_POSES = 1_559_752  # Human3.6M S1 S5 S6 S7 S8, four cameras
TEST_POSES = 543_344  # S9 S11
RECIPES_CHECKED = ("benchmark", "ablation")
PRECISIONS = ("fp32", "tf32", "bf16")
# Training configurations: (label, compile mode of TrainingStep).
MODES = {
    "eager": "none",
    "cudagraphs": "cudagraphs",
    "compile": "default",
    "compile+cudagraphs": "default+cudagraphs",
    "reduce-overhead": "reduce-overhead",
}
DEFAULT_MODES = ("eager", "cudagraphs", "compile", "compile+cudagraphs")
CUDA_ONLY_MODES = ("cudagraphs", "compile+cudagraphs", "reduce-overhead")
UNCOMPILED = ("eager", "cudagraphs", "published")
# Seconds a configuration may need at least, to start it within the budget.
COMPILE_ROW_SECONDS = 90.0
ROW_SECONDS = 15.0


@dataclasses.dataclass
class Sizes:
    layer_batch: int = 256
    channels: int = 128
    hidden: int = 128
    num_blocks: int = 4
    layer_rounds: int = 3
    layer_min_run_time: float = 0.05
    steps: int = 300  # per timed epoch
    min_epochs: int = 2
    max_epochs: int = 10
    min_timed_seconds: float = 1.0
    published_steps: int = 100
    published_warmup: int = 10
    eval_poses: int = 100_000
    tests_timeout: float = 150.0
    inference_batch: int = 16_384
    inference_rounds: int = 20
    lift_poses: int = 262_144


QUICK = Sizes(
    layer_batch=16,
    channels=16,
    hidden=16,
    num_blocks=1,
    layer_rounds=1,
    layer_min_run_time=0.001,
    steps=3,
    min_epochs=1,
    max_epochs=1,
    min_timed_seconds=0.0,
    published_steps=3,
    published_warmup=1,
    eval_poses=512,
    tests_timeout=300.0,
    inference_batch=64,
    inference_rounds=2,
    lift_poses=256,
)


def _load(name: str):
    """A sibling benchmark script as a module (PyG inspects classes through
    their module, so it is registered)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, Path(__file__).with_name(f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Budget:
    """Wall-clock seconds left for the run."""

    def __init__(self, seconds: float) -> None:
        self.end = time.perf_counter() + seconds

    def left(self) -> float:
        return self.end - time.perf_counter()


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _error(error: BaseException) -> dict:
    traceback.print_exc(file=sys.stderr)
    return {"error": f"{type(error).__name__}: {error}"[:400]}


# 1. The CUDA tests -------------------------------------------------------------


def run_cuda_tests(timeout: float) -> dict:
    command = [sys.executable, "-m", "pytest", "-m", "cuda", "-q"]
    command += ["-p", "no:cacheprovider", "tests"]
    try:
        result = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {
            "command": " ".join(command[1:]),
            "summary": f"timed out after {timeout:.0f} s",
            "returncode": None,
        }
    lines = [line.strip("= ") for line in result.stdout.splitlines() if line.strip()]
    summary = next(
        (line for line in reversed(lines) if re.search(r"\bin [\d.]+s\b", line)),
        lines[-1] if lines else result.stderr.strip()[-200:],
    )
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return {
        "command": "python " + " ".join(command[1:]),
        "summary": summary,
        "returncode": result.returncode,
        "failures": failures[:20],
    }


# 2. One layer against the published dense formulation ---------------------------


def _precision(name: str):
    """Matmul precision and autocast of a precision row: TF32 differs from
    float32 on CUDA only (on a CPU, 'high' lets oneDNN use what it has)."""
    torch.set_float32_matmul_precision("high" if name == "tf32" else "highest")
    torch.backends.cudnn.allow_tf32 = name == "tf32"


def layer_speedups(device: torch.device, sizes: Sizes, budget: Budget) -> dict:
    bench_convs = _load("bench_convs")
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data().to(device)
    x = torch.randn(sizes.layer_batch, 16, sizes.channels, device=device)
    x.requires_grad_()
    saved = torch.get_float32_matmul_precision(), torch.backends.cudnn.allow_tf32
    rows = {}
    for name in bench_convs.SCHEMES:
        if budget.left() < ROW_SECONDS:
            rows[name] = {"skipped": "time budget"}
            continue
        try:
            rows[name] = _layer_row(bench_convs, name, graph, x, sizes)
        except Exception as error:
            rows[name] = _error(error)
    # The training rows run with torch's defaults: fp32 is float32, no TF32.
    torch.set_float32_matmul_precision(saved[0])
    torch.backends.cudnn.allow_tf32 = saved[1]
    return rows


def _layer_row(bench_convs, variant, graph, x, sizes) -> dict:
    device = x.device
    skeleton = h36m_skeleton(16)
    conv = bench_convs.build(
        variant, sizes.channels, sizes.channels, 16, skeleton.num_edge_types
    )
    conv = conv.to(device)
    typed = bench_convs.typed_kwargs(conv, graph, False)

    def ours(x):
        return conv(x, graph.edge_index, graph.edge_weight, **typed)

    with torch.device(device):  # the reference builds its matrices here
        dense = bench_convs.dense_reference(conv, graph, 16)
    _precision("fp32")
    with torch.no_grad():
        torch.testing.assert_close(dense(x), ours(x), atol=1e-4, rtol=1e-4)
    parameters = [x, *conv.parameters()]
    row = {}
    for precision in PRECISIONS:
        _precision(precision)
        amp = "bf16" if precision == "bf16" else "none"

        def autocast(forward, amp=amp):
            def run(x):
                with _autocast(amp, device):
                    return forward(x)

            return run

        timers = {
            "ours": bench_convs.step_timer(autocast(ours), x, parameters),
            "dense": bench_convs.step_timer(autocast(dense), x, parameters),
        }
        seconds = bench_convs.best_times(
            timers, sizes.layer_rounds, sizes.layer_min_run_time
        )
        row[precision] = {
            "ours_ms": 1e3 * seconds["ours"],
            "dense_ms": 1e3 * seconds["dense"],
            "speedup": seconds["dense"] / seconds["ours"],
        }
    return row


def _autocast(amp: str, device: torch.device):
    from pyg_weightshare.training.step import autocast

    return autocast(amp, device)


# 3. Whole-network training ---------------------------------------------------------


def _random_split(num_poses: int, device: torch.device, seed: int = 0) -> PoseSplit:
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(len(ACTIONS), (num_poses,), generator=generator)
    split = PoseSplit(
        torch.randn(num_poses, 16, 2, generator=generator),
        0.3 * torch.randn(num_poses, 16, 3, generator=generator),
        ids,
        torch.zeros(num_poses, dtype=torch.long),
        torch.zeros(num_poses, dtype=torch.long),
    )
    return split.to(device) if device.type == "cuda" else split


def _recipe_config(recipe: str, sizes: Sizes, device: torch.device, **kwargs):
    return TrainConfig(
        # The trainer's run directory: nothing of this check writes to it.
        out=str(Path(tempfile.gettempdir()) / "gpu-check-unused"),
        recipe=recipe,
        hidden_channels=sizes.hidden,
        num_blocks=sizes.num_blocks,
        stride=1,
        device=str(device),
        **kwargs,
    )


def _reset(device: torch.device) -> None:
    torch._dynamo.reset()
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def _peak_memory_mib(device: torch.device) -> float | None:
    if device.type != "cuda":
        return None
    return torch.cuda.max_memory_allocated(device) / 2**20


def measure_training(
    recipe: str, mode: str, amp: str, device: torch.device, sizes: Sizes, backend: str
) -> dict:
    """Poses per second of the trainer's epoch loop (batches sliced from data
    resident on the device, the trainer's step, its schedule)."""
    _reset(device)
    config = _recipe_config(recipe, sizes, device, amp=amp, compile=mode)
    split = _random_split(sizes.steps * config.batch_size, device)
    dataset = SimpleNamespace(
        skeleton=h36m_skeleton(16), train=split, val=split[:0], test=split[:0]
    )
    trainer = Trainer(config, dataset=dataset, device=device)
    if backend != "inductor":
        trainer.training_step = TrainingStep(
            trainer.model,
            trainer.optimizer,
            max_grad_norm=config.max_grad_norm,
            amp=amp,
            compile=mode,
            network=trainer.network,
            backend=backend,
        )
    # The first epoch compiles, captures and fills the caches.
    _, first_seconds = trainer.train_epoch(1)
    timed, epochs, best = 0.0, 0, math.inf
    while epochs < sizes.min_epochs or (
        timed < sizes.min_timed_seconds and epochs < sizes.max_epochs
    ):
        loss, seconds = trainer.train_epoch(2 + epochs)
        timed, epochs, best = timed + seconds, epochs + 1, min(best, seconds)
    if not math.isfinite(loss):
        raise FloatingPointError(f"training loss {loss}")
    return {
        "poses_per_second": sizes.steps * config.batch_size / best,
        "first_epoch_overhead_seconds": max(0.0, first_seconds - best),
        "timed_epochs": epochs,
        "loss": loss,
        "peak_memory_mib": _peak_memory_mib(device),
    }


class PublishedPoses(torch.utils.data.Dataset):
    """Per-sample access to NumPy arrays, as the published training script's
    dataset (each item converted with ``torch.from_numpy``)."""

    def __init__(self, inputs: np.ndarray, targets: np.ndarray) -> None:
        self.inputs, self.targets = inputs, targets

    def __getitem__(self, index: int):
        return (
            torch.from_numpy(self.inputs[index]).float(),
            torch.from_numpy(self.targets[index]).float(),
        )

    def __len__(self) -> int:
        return len(self.inputs)


def measure_published(
    recipe: str, device: torch.device, sizes: Sizes, workers: int
) -> dict:
    """The published code's formulation, eagerly: its dense layers, a
    shuffled per-sample DataLoader (pinned memory and worker processes on a
    GPU, as its script's defaults), Adam, clipping and ``loss.item()`` after
    every step."""
    _reset(device)
    densify = _load("bench_train").densify
    dense_reference = _load("bench_convs").dense_reference
    config = _recipe_config(recipe, sizes, device)
    torch.manual_seed(0)
    model = PoseGCN(h36m_skeleton(16), **config.model_kwargs()).to(device)
    with torch.device(device):
        densify(model, h36m_skeleton(16).to_data().to(device), dense_reference)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps = sizes.published_warmup + sizes.published_steps
    split = _random_split(steps * config.batch_size, torch.device("cpu"))
    loader = torch.utils.data.DataLoader(
        PublishedPoses(split.inputs.numpy(), split.targets.numpy()),
        batch_size=config.batch_size,
        shuffle=True,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        drop_last=True,
    )
    model.train()
    losses = []
    for step, (inputs, targets) in enumerate(loader):
        if step == sizes.published_warmup:  # worker processes are running
            _synchronize(device)
            start = time.perf_counter()
        prediction = model(inputs.to(device))
        loss = torch.nn.functional.mse_loss(prediction, targets.to(device))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        losses.append(loss.item())
    seconds = time.perf_counter() - start
    if not math.isfinite(losses[-1]):
        raise FloatingPointError(f"training loss {losses[-1]}")
    return {
        "poses_per_second": sizes.published_steps * config.batch_size / seconds,
        "loader_workers": workers,
        "peak_memory_mib": _peak_memory_mib(device),
    }


def training_throughput(
    device: torch.device,
    sizes: Sizes,
    budget: Budget,
    modes: list[str],
    backend: str,
    workers: int,
) -> dict:
    results = {
        recipe: {
            "network": _network(recipe, sizes),
            "rows": {},
            "published": None,
        }
        for recipe in RECIPES_CHECKED
    }
    # Cheap rows of both recipes first, compiled ones last: a short budget
    # drops the slowest rows.
    jobs = []
    for compiled in (False, True):
        for recipe in RECIPES_CHECKED:
            for label in modes:
                if (label not in UNCOMPILED) == compiled:
                    jobs += [(recipe, label, amp) for amp in ("none", "bf16")]
            if not compiled:
                jobs.append((recipe, "published", None))
    for recipe, label, amp in jobs:
        rows = results[recipe]["rows"]
        name = f"{label} {'bf16' if amp == 'bf16' else 'fp32'}"
        needs = ROW_SECONDS if label in UNCOMPILED else COMPILE_ROW_SECONDS
        if label in CUDA_ONLY_MODES and device.type != "cuda":
            rows[name] = {"skipped": "needs CUDA"}
        elif budget.left() < needs:
            row = {"skipped": "time budget"}
            if label == "published":
                results[recipe]["published"] = row
            else:
                rows[name] = row
        elif label == "published":
            try:
                results[recipe]["published"] = measure_published(
                    recipe, device, sizes, workers
                )
            except Exception as error:
                results[recipe]["published"] = _error(error)
        else:
            print(f"  training: {recipe}, {name} ...", file=sys.stderr, flush=True)
            try:
                rows[name] = measure_training(
                    recipe, MODES[label], amp, device, sizes, backend
                )
            except Exception as error:
                rows[name] = _error(error)
    for result in results.values():
        _add_speedups(result)
    return results


def _network(recipe: str, sizes: Sizes) -> dict:
    settings = RECIPES[recipe]
    return {
        "scheme": "pre_agg (decoupled)",
        "hidden": sizes.hidden,
        "num_blocks": sizes.num_blocks,
        "batch_size": settings.batch_size,
        "dropout": settings.dropout,
        "non_local": settings.non_local,
    }


def _add_speedups(result: dict) -> None:
    eager = result["rows"].get("eager fp32", {}).get("poses_per_second")
    published = (result["published"] or {}).get("poses_per_second")
    for row in result["rows"].values():
        rate = row.get("poses_per_second")
        if rate is None:
            continue
        if eager:
            row["speedup_vs_eager"] = rate / eager
        if published:
            row["speedup_vs_published"] = rate / published


# 4. Evaluation --------------------------------------------------------------------


def evaluation_throughput(device: torch.device, sizes: Sizes) -> dict:
    _reset(device)
    config = _recipe_config("benchmark", sizes, device)
    model = PoseGCN(h36m_skeleton(16), **config.model_kwargs()).to(device)
    split = _random_split(sizes.eval_poses, torch.device("cpu"), seed=1)
    evaluate(model, split[:256], device)  # first calls initialise the libraries
    _synchronize(device)
    start = time.perf_counter()
    evaluate(model, split, device)
    seconds = time.perf_counter() - start
    return {"poses": sizes.eval_poses, "poses_per_second": sizes.eval_poses / seconds}


# 5. Projection -------------------------------------------------------------------


def projection(training: dict, evaluation: dict) -> dict | None:
    rows = training["benchmark"]["rows"]
    measured = {name: row for name, row in rows.items() if "poses_per_second" in row}
    if not measured or "poses_per_second" not in evaluation:
        return None
    name = max(measured, key=lambda name: measured[name]["poses_per_second"])
    row = measured[name]
    train_seconds = PAPER_EPOCHS * TRAIN_POSES / row["poses_per_second"]
    eval_seconds = PAPER_EPOCHS * TEST_POSES / evaluation["poses_per_second"]
    total = train_seconds + eval_seconds + row["first_epoch_overhead_seconds"]
    return {
        "configuration": name,
        "train_seconds": train_seconds,
        "evaluation_seconds": eval_seconds,
        "setup_seconds": row["first_epoch_overhead_seconds"],
        "total_minutes": total / 60,
        "paper_hours": PAPER_HOURS,
        "speedup_vs_paper": PAPER_HOURS * 3600 / total,
    }


# 6. Inference ---------------------------------------------------------------------


def inference_throughput(
    device: torch.device, sizes: Sizes, budget: Budget, backend: str
) -> dict:
    """Poses per second of the bundled network on batches resident on the
    device, and of whole lifts."""
    _reset(device)
    model = PoseGCN.pretrained().to(device).eval()
    generator = torch.Generator().manual_seed(2)
    shape = (sizes.inference_batch, model.num_joints, model.in_channels)
    inputs = (2 * torch.rand(shape, generator=generator) - 1).to(device)
    with torch.inference_mode():
        reference = model(inputs)

    def fused(dtype: torch.dtype):
        return model.for_inference().to(dtype)

    def compiled(dtype: torch.dtype):
        module = fused(dtype)
        return torch.compile(module, backend=backend, fullgraph=True, dynamic=False)

    def cuda_graph(dtype: torch.dtype):
        return CudaGraphModule(fused(dtype), inputs.to(dtype))

    builders = {
        "eager fp32": (lambda dtype: model, torch.float32),
        "fused fp32": (fused, torch.float32),
        "compiled fp32": (compiled, torch.float32),
        "cuda graph fp32": (cuda_graph, torch.float32),
        "fused bf16": (fused, torch.bfloat16),
        "compiled bf16": (compiled, torch.bfloat16),
        "cuda graph bf16": (cuda_graph, torch.bfloat16),
    }
    rows = {}
    for name, (build, dtype) in builders.items():
        needs = COMPILE_ROW_SECONDS if name.startswith("compiled") else ROW_SECONDS
        if name.startswith("cuda graph") and device.type != "cuda":
            rows[name] = {"skipped": "needs CUDA"}
        elif budget.left() < needs:
            rows[name] = {"skipped": "time budget"}
        else:
            print(f"  inference: {name} ...", file=sys.stderr, flush=True)
            try:
                rows[name] = _inference_row(build, inputs.to(dtype), reference, sizes)
            except Exception as error:
                rows[name] = _error(error)
    eager = rows["eager fp32"].get("poses_per_second")
    for row in rows.values():
        if eager and "poses_per_second" in row:
            row["speedup_vs_eager"] = row["poses_per_second"] / eager
    return {
        "network": repr(model),
        "batch": sizes.inference_batch,
        "rows": rows,
        "lift": _lift_rows(model, device, sizes, budget),
    }


def _inference_row(build, inputs: torch.Tensor, reference: torch.Tensor, sizes):
    device = inputs.device
    with torch.inference_mode():
        start = time.perf_counter()
        network = build(inputs.dtype)
        output = network(inputs)  # compiles, captures, initialises
        _synchronize(device)
        setup = time.perf_counter() - start
        difference = (output.float() - reference).abs().max()
        start = time.perf_counter()
        for _ in range(sizes.inference_rounds):
            network(inputs)
        _synchronize(device)
        seconds = time.perf_counter() - start
    return {
        "poses_per_second": sizes.inference_rounds * len(inputs) / seconds,
        "max_difference": float(difference),
        "setup_seconds": setup,
    }


def _lift_rows(model: PoseGCN, device: torch.device, sizes, budget: Budget) -> dict:
    """A whole lift of a video in pixels: the lifter's own choice, and
    compiled (a CUDA graph; Inductor on a CPU is measured by
    ``bench_lift.py``)."""
    from pyg_weightshare.lifting import Lifter

    rng = np.random.default_rng(0)
    keypoints = np.concatenate(
        [
            rng.uniform(0, 1000, (sizes.lift_poses, 17, 2)),
            np.ones((sizes.lift_poses, 17, 1)),
        ],
        axis=-1,
    )
    rows = {}
    for name, compile in (("lift", None), ("lift cuda graph", True)):
        if compile and device.type != "cuda":
            rows[name] = {"skipped": "needs CUDA"}
            continue
        if budget.left() < ROW_SECONDS:
            rows[name] = {"skipped": "time budget"}
            continue
        try:
            lifter = Lifter(model, device=device, compile=compile)
            lifter.lift(keypoints[:1024], layout="coco", image_size=(1000, 1000))
            start = time.perf_counter()
            poses = lifter.lift(keypoints, layout="coco", image_size=(1000, 1000))
            seconds = time.perf_counter() - start  # the poses are on the CPU
            if not np.isfinite(poses).all():
                raise FloatingPointError("lifted poses are not finite")
            rows[name] = {
                "poses_per_second": sizes.lift_poses / seconds,
                "compiled": lifter.backend.compiles(sizes.lift_poses),
            }
        except Exception as error:
            rows[name] = _error(error)
    return rows


# Report --------------------------------------------------------------------------


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({torch.get_num_threads()} threads)"


def _cell(row: dict, key: str, fmt: str) -> str:
    if "error" in row:
        return "error"
    if "skipped" in row:
        return "skipped"
    value = row.get(key)
    return "n/a" if value is None else format(value, fmt)


def print_report(report: dict) -> None:
    print(
        f"\ngpu_check: {report['device_name']}, torch {report['torch']}, "
        f"compile backend {report['compile_backend']}"
        + (", --quick sizes" if report["quick"] else "")
    )
    tests = report["tests"]
    if tests is not None:
        print(f"\nCUDA tests ({tests['command']}): {tests['summary']}")
        for line in tests.get("failures", []):
            print(f"  {line}")

    sizes = report["sizes"]
    print(
        f"\none layer, forward+backward, B={sizes['layer_batch']}, J=16, "
        f"C={sizes['channels']}: speed-up over the published dense formulation"
    )
    header = f"{'scheme':<22}" + "".join(f"{p:>10}" for p in PRECISIONS)
    print(header + "\n" + "-" * len(header))
    for name, row in report["layers"].items():
        cells = [_cell(row.get(p, row), "speedup", ".2f") for p in PRECISIONS]
        print(f"{name:<22}" + "".join(f"{c + 'x' * c[0].isdigit():>10}" for c in cells))

    for recipe, result in report["training"].items():
        net = result["network"]
        print(
            f"\ntraining, {recipe} recipe's network (batch {net['batch_size']}, "
            f"dropout {net['dropout']}, non-local {net['non_local']}, "
            f"{net['num_blocks']} blocks x {net['hidden']} channels)"
        )
        header = (
            f"{'configuration':<26}{'poses/s':>12}{'vs eager':>10}"
            f"{'vs published':>14}{'peak MiB':>10}{'setup s':>9}"
        )
        print(header + "\n" + "-" * len(header))
        for name, row in result["rows"].items():
            print(
                f"{name:<26}{_cell(row, 'poses_per_second', ',.0f'):>12}"
                f"{_cell(row, 'speedup_vs_eager', '.2f'):>10}"
                f"{_cell(row, 'speedup_vs_published', '.2f'):>14}"
                f"{_cell(row, 'peak_memory_mib', ',.0f'):>10}"
                f"{_cell(row, 'first_epoch_overhead_seconds', '.1f'):>9}"
            )
        published = result["published"] or {"skipped": "not run"}
        print(
            f"{'published code, eager':<26}"
            f"{_cell(published, 'poses_per_second', ',.0f'):>12}"
            f"{'':>10}{'1.00':>14}{_cell(published, 'peak_memory_mib', ',.0f'):>10}"
        )

    evaluation = report["evaluation"]
    print(
        f"\nevaluation: {_cell(evaluation, 'poses_per_second', ',.0f')} poses/s "
        "(predictions on the device, metrics as the trainer computes them)"
    )
    projected = report["projection"]
    if projected is not None:
        print(
            f"\nprojected benchmark recipe ({PAPER_EPOCHS} epochs x "
            f"{TRAIN_POSES:,} poses, {TEST_POSES:,} test poses evaluated per "
            f"epoch) with {projected['configuration']}: "
            f"{projected['total_minutes']:.1f} min (training "
            f"{projected['train_seconds'] / 60:.1f}, evaluation "
            f"{projected['evaluation_seconds'] / 60:.1f}, setup "
            f"{projected['setup_seconds']:.0f} s); the paper: "
            f"{PAPER_HOURS:.0f} h on an RTX 2080 Ti "
            f"({projected['speedup_vs_paper']:.0f}x as long)"
        )
    _print_inference(report["inference"], report["device_name"])
    print(f"\n{report['elapsed_seconds']:.0f} s in all")


def _print_inference(inference: dict, device_name: str) -> None:
    if "error" in inference:
        print(f"\ninference: {inference['error']}")
        return
    print(
        f"\ninference on {device_name}, the bundled network ({inference['network']}), "
        f"batches of {inference['batch']:,} poses resident on the device"
    )
    header = (
        f"{'configuration':<26}{'poses/s':>14}{'vs eager':>10}{'max diff':>10}"
        f"{'setup s':>9}"
    )
    print(header + "\n" + "-" * len(header))
    for name, row in inference["rows"].items():
        print(
            f"{name:<26}{_cell(row, 'poses_per_second', ',.0f'):>14}"
            f"{_cell(row, 'speedup_vs_eager', '.2f'):>10}"
            f"{_cell(row, 'max_difference', '.1e'):>10}"
            f"{_cell(row, 'setup_seconds', '.1f'):>9}"
        )
    for name, row in inference["lift"].items():
        print(
            f"{name + ' (from pixels)':<26}{_cell(row, 'poses_per_second', ',.0f'):>14}"
        )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument(
        "--budget", type=float, default=420.0, help="seconds for the whole run"
    )
    parser.add_argument(
        "--modes", nargs="+", choices=list(MODES), default=list(DEFAULT_MODES)
    )
    parser.add_argument(
        "--compile-backend",
        default=None,
        help="torch.compile backend (default: inductor; aot_eager with --quick)",
    )
    parser.add_argument(
        "--loader-workers",
        type=int,
        default=None,
        help="DataLoader workers of the published baseline (default: 8 on a "
        "GPU as its script, 0 on a CPU)",
    )
    parser.add_argument("--skip-tests", action="store_true")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("no CUDA device: pass --device cpu")
    sizes = QUICK if args.quick else Sizes()
    backend = args.compile_backend or ("aot_eager" if args.quick else "inductor")
    workers = args.loader_workers
    if workers is None:
        workers = min(8, os.cpu_count() or 1) if device.type == "cuda" else 0
    budget = Budget(args.budget)
    torch.manual_seed(0)

    report = {
        "device_name": _device_name(device),
        "device": str(device),
        "torch": torch.__version__,
        "quick": args.quick,
        "compile_backend": backend,
        "sizes": dataclasses.asdict(sizes),
        "tests": None,
    }
    if not args.skip_tests:
        print("CUDA tests ...", file=sys.stderr, flush=True)
        report["tests"] = run_cuda_tests(min(sizes.tests_timeout, budget.left() / 3))
    print("layers ...", file=sys.stderr, flush=True)
    report["layers"] = layer_speedups(device, sizes, budget)
    print("inference ...", file=sys.stderr, flush=True)
    try:
        report["inference"] = inference_throughput(device, sizes, budget, backend)
    except Exception as error:
        report["inference"] = _error(error)
    report["training"] = training_throughput(
        device, sizes, budget, args.modes, backend, workers
    )
    try:
        report["evaluation"] = evaluation_throughput(device, sizes)
    except Exception as error:
        report["evaluation"] = _error(error)
    report["projection"] = projection(report["training"], report["evaluation"])
    report["elapsed_seconds"] = time.perf_counter() - start
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
