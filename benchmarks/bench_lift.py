"""Inference throughput of :class:`~pyg_weightshare.lifting.Lifter`, each way
of running the network as a ratio to the eager network, in one run.

Lifts one long video of 2D keypoints in pixels (with a confidence channel
and a few missing keypoints, so that the masking, layout mapping,
interpolation and normalisation all run) with the default model (pre-agg,
decoupled, 128 channels, 4 residual blocks, 16 joints) or the bundled one
(``--bundled``), through each path:

* ``eager``: the :class:`~pyg_weightshare.PoseGCN` itself, in batches under
  :func:`torch.inference_mode` (what ``Lifter`` ran before its backends);
* ``fused``: :meth:`PoseGCN.for_inference <pyg_weightshare.PoseGCN.for_inference>`
  (BatchNorm folded, node-major layers), the lifter's default;
* ``compiled``: the same through :func:`torch.compile` (``Lifter(...,
  compile=True)``);
* ``onnxruntime``: its ONNX graph run by onnxruntime (``Lifter(...,
  backend="onnxruntime")``), when onnxruntime and onnxscript are installed.

For each it times the whole :meth:`Lifter.lift` (preprocessing included) and
the network alone on a tensor of the same number of poses, and prints both
as poses per second, as ratios to ``eager``, and as fractions of the bound
that the floating-point operations per pose (counted by
:class:`torch.utils.flop_counter.FlopCounterMode` on the eager network) and
this CPU's rate on one large matrix product (SGEMM) set. The preprocessing
alone is a lift whose network does nothing. All of it at each thread count
of ``--threads``; the timers, the SGEMM's included, take turns for a few
rounds (so that a machine whose speed drifts moves them all alike) and each
keeps its best. The first compiled call and the ONNX export are timed too, and the
number of poses beyond which compiling pays off (compile seconds over the
seconds it saves per pose) is printed. Run:

    python benchmarks/bench_lift.py --bundled
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.lifting import Lifter
from pyg_weightshare.lifting.backends import default_batch_size
from pyg_weightshare.nn.models.inference import EVAL_BATCH_SIZE

PATHS = ("eager", "fused", "compiled", "onnxruntime")


def _record_time(function, times: list[float]) -> None:
    start = time.perf_counter()
    function()
    times.append(time.perf_counter() - start)


def flops_per_pose(model: torch.nn.Module, inputs: torch.Tensor) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model.eval()(inputs)
    return counter.get_total_flops() / len(inputs)


def sgemm(size: int):
    """One SGEMM of two :obj:`size` square matrices, to time, and its FLOPs."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    return (lambda: a @ b), 2 * size**3


def has_onnxruntime() -> bool:
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("onnxruntime", "onnxscript")
    )


class EagerNetwork:
    """The network itself in batches, as a lifter backend."""

    def __init__(self, model: PoseGCN, batch_size: int) -> None:
        self.model, self.batch_size = model, batch_size

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return torch.cat([self.model(c) for c in inputs.split(self.batch_size)])


def no_network(inputs: torch.Tensor) -> torch.Tensor:
    """A backend that does nothing: a lift through it is the preprocessing."""
    return inputs.new_zeros(*inputs.shape[:2], 3)


def build_model(args: argparse.Namespace) -> PoseGCN:
    if args.bundled:
        return PoseGCN.pretrained()
    torch.manual_seed(0)
    return PoseGCN(h36m_skeleton(16), args.scheme, hidden_channels=args.channels)


def make_lifters(
    model: PoseGCN, paths: list[str], batch_size: int | None
) -> dict[str, Lifter]:
    """One lifter per path, the eager one (in batches of
    :obj:`EVAL_BATCH_SIZE`, as the lifter ran before its backends) and the
    preprocessing one with their backends replaced; :obj:`batch_size`, when
    given, replaces the backends' own."""
    lifters = {}
    for path in paths:
        if path == "onnxruntime":
            lifters[path] = Lifter(model, backend="onnxruntime")
        else:
            lifters[path] = Lifter(model, compile=path == "compiled")
        if batch_size is not None:
            lifters[path].backend.batch_size = batch_size
    lifters["eager"].backend = EagerNetwork(model, batch_size or EVAL_BATCH_SIZE)
    lifters["preprocessing"] = Lifter(model, compile=False)
    lifters["preprocessing"].backend = no_network
    return lifters


def measure(
    args: argparse.Namespace, model: PoseGCN, keypoints, paths, flops: float
) -> dict:
    """Rates of every path at the current thread count, and the SGEMM bound
    (poses per second) of a network of :obj:`flops` per pose."""
    torch._dynamo.reset()
    image_size = (1000, 1002)
    inputs = 2 * torch.rand(args.poses, model.num_joints, model.in_channels) - 1
    setup = {
        "batch_size": args.batch_size
        or default_batch_size(model, torch.device("cpu"), torch.get_num_threads())
    }
    start = time.perf_counter()
    lifters = make_lifters(model, paths, args.batch_size)
    setup["build"] = time.perf_counter() - start

    def lift(name):
        return lambda: lifters[name].lift(
            keypoints, layout=args.layout, image_size=image_size
        )

    def network(name):
        return lambda: lifters[name].backend(inputs)

    product, product_flops = sgemm(args.sgemm_size)
    # The bound takes turns with the paths, so that all see the same machine.
    timers = {
        ("sgemm", "bound"): product,
        ("preprocessing", "lift"): lift("preprocessing"),
    }
    for name in paths:
        timers[(name, "lift")] = lift(name)
        timers[(name, "model")] = network(name)
    # The first call compiles (and fills every cache): timed apart.
    first = {}
    for name in paths:
        start = time.perf_counter()
        network(name)()
        first[name] = time.perf_counter() - start
    times = {key: [] for key in timers}
    for _ in range(args.rounds):
        for key, timer in timers.items():
            _record_time(timer, times[key])
    rates = {key: args.poses / min(values) for key, values in times.items()}
    rates[("sgemm", "bound")] = product_flops / min(times[("sgemm", "bound")])
    if "compiled" in paths:
        setup["compile"] = first["compiled"] - args.poses / rates[("compiled", "model")]
    return {"rates": rates, "setup": setup, "bound": rates[("sgemm", "bound")] / flops}


def break_even_poses(compile_seconds: float, fused: float, compiled: float) -> float:
    """Poses beyond which compiling saves more than it costs (infinite when
    the compiled network is not faster)."""
    saved_per_pose = 1 / fused - 1 / compiled
    return compile_seconds / saved_per_pose if saved_per_pose > 0 else float("inf")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=int, default=65_536)
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--scheme", default="pre_agg")
    parser.add_argument(
        "--bundled", action="store_true", help="the bundled model (PoseGCN.pretrained)"
    )
    parser.add_argument("--layout", choices=("h36m", "coco"), default="coco")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--batch-size",
        type=int,
        help="poses per batch of every path (default: each backend's own, "
        "default_batch_size; the eager network's EVAL_BATCH_SIZE)",
    )
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sgemm-size", type=int, default=2048)
    args = parser.parse_args(argv)

    paths = [p for p in args.paths if p != "onnxruntime" or has_onnxruntime()]
    if "eager" not in paths:
        paths.insert(0, "eager")
    model = build_model(args).eval()
    rng = np.random.default_rng(0)
    keypoints = np.concatenate(
        [rng.uniform(0, 1000, (args.poses, 17, 2)), np.ones((args.poses, 17, 1))],
        axis=-1,
    )
    keypoints[rng.random((args.poses, 17)) < 0.01, 2] = 0.0  # missed keypoints
    example = torch.zeros(
        min(args.poses, EVAL_BATCH_SIZE), model.num_joints, model.in_channels
    )
    flops = flops_per_pose(model, example)

    name = "bundled model" if args.bundled else args.scheme
    print(
        f"{name}, {model.hidden_channels} channels, {model.in_channels} input "
        f"channels, {sum(p.numel() for p in model.parameters()) / 1e6:.3f} M "
        f"parameters, {flops / 1e6:.2f} MFLOP per pose; {args.poses:,} poses "
        f"({args.layout} layout); eager batches of "
        f"{args.batch_size or EVAL_BATCH_SIZE}"
    )
    threads_before = torch.get_num_threads()
    results = {}
    for threads in args.threads:
        torch.set_num_threads(threads)
        results[threads] = result = measure(args, model, keypoints, paths, flops)
        _print_table(threads, result, paths)
    torch.set_num_threads(threads_before)
    return results


def _print_table(threads: int, result: dict, paths: list[str]) -> None:
    rates, setup, bound = result["rates"], result["setup"], result["bound"]
    eager_lift, eager_model = rates[("eager", "lift")], rates[("eager", "model")]
    print(
        f"\n{threads} thread(s), batches of {setup['batch_size']}: SGEMM bound "
        f"{bound:,.0f} poses/s; preprocessing alone "
        f"{rates[('preprocessing', 'lift')]:,.0f} poses/s"
    )
    header = (
        f"  {'path':<12}{'lift/s':>10}{'vs eager':>10}{'of bound':>10}"
        f"{'model/s':>11}{'vs eager':>10}{'of bound':>10}"
    )
    print(header + "\n  " + "-" * (len(header) - 2))
    for name in paths:
        lift, model = rates[(name, "lift")], rates[(name, "model")]
        print(
            f"  {name:<12}{lift:>10,.0f}{lift / eager_lift:>9.2f}x"
            f"{lift / bound:>10.0%}{model:>11,.0f}{model / eager_model:>9.2f}x"
            f"{model / bound:>10.0%}"
        )
    if "compile" in setup:
        poses = break_even_poses(
            setup["compile"], rates[("fused", "model")], rates[("compiled", "model")]
        )
        pays_off = f"beyond {poses:,.0f} poses" if poses < float("inf") else "never"
        print(f"  compiling took {setup['compile']:.1f} s: it pays off {pays_off}")
    print(f"  building the lifters (ONNX export included) took {setup['build']:.1f} s")


if __name__ == "__main__":
    main()
