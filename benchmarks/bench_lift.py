"""Inference throughput of :class:`~pyg_weightshare.lifting.Lifter`, as a ratio.

Lifts one long video of 2D keypoints in pixels (with a confidence channel
and a few missing keypoints, so that the masking, layout mapping,
interpolation and normalisation all run) with the default model (pre-agg,
decoupled, 128 channels, 4 residual blocks, 16 joints) and, in the same
run, evaluates the same model directly on the already-normalised tensor in
batches of the same size, and times the preprocessing (layout mapping,
filling, normalisation) alone. The timers take turns for a few rounds; each
keeps its best. For scale it also prints the model's floating-point
operations per pose (counted by :class:`torch.utils.flop_counter.FlopCounterMode`)
and the rate this CPU reaches on one large matrix product (SGEMM): their
quotient bounds the poses per second of any implementation. Run:

    python benchmarks/bench_lift.py
"""

import argparse
import time

import numpy as np
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.lifting import Lifter
from pyg_weightshare.nn.models.inference import EVAL_BATCH_SIZE


def _record_time(function, times: list[float]) -> None:
    start = time.perf_counter()
    function()
    times.append(time.perf_counter() - start)


def flops_per_pose(model: torch.nn.Module, inputs: torch.Tensor) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model.eval()(inputs)
    return counter.get_total_flops() / len(inputs)


def sgemm_flops_per_second(size: int = 2048, rounds: int = 3) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    times = []
    for _ in range(rounds):
        _record_time(lambda: a @ b, times)
    return 2 * size**3 / min(times)


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--poses", type=int, default=65_536)
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--scheme", default="pre_agg")
    parser.add_argument("--layout", choices=("h36m", "coco"), default="coco")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sgemm-size", type=int, default=2048)
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    model = PoseGCN(h36m_skeleton(16), args.scheme, hidden_channels=args.channels)
    lifter = Lifter(model)
    rng = np.random.default_rng(0)
    keypoints = np.concatenate(
        [rng.uniform(0, 1000, (args.poses, 17, 2)), np.ones((args.poses, 17, 1))],
        axis=-1,
    )
    keypoints[rng.random((args.poses, 17)) < 0.01, 2] = 0.0  # missed keypoints
    image_size = (1000, 1002)
    inputs = lifter.normalize(lifter.prepare(keypoints, args.layout), image_size)

    def lift():
        lifter.lift(keypoints, layout=args.layout, image_size=image_size)

    @torch.no_grad()
    def direct():
        model.eval()
        for chunk in inputs.split(EVAL_BATCH_SIZE):
            model(chunk)

    def preprocess():
        lifter.normalize(lifter.prepare(keypoints, args.layout), image_size)

    times = {"lift": [], "model": [], "preprocessing": []}
    for _ in range(args.rounds):
        _record_time(lift, times["lift"])
        _record_time(direct, times["model"])
        _record_time(preprocess, times["preprocessing"])
    rates = {name: args.poses / min(values) for name, values in times.items()}
    rates["ratio"] = rates["lift"] / rates["model"]
    flops = flops_per_pose(model, inputs[:EVAL_BATCH_SIZE])
    rates["bound"] = sgemm_flops_per_second(args.sgemm_size, args.rounds) / flops
    print(
        f"{args.scheme}, {args.channels} channels, "
        f"{sum(p.numel() for p in model.parameters()) / 1e6:.3f} M parameters, "
        f"{args.poses:,} poses ({args.layout} layout), batches of "
        f"{EVAL_BATCH_SIZE}, {torch.get_num_threads()} thread(s)\n"
        f"  Lifter.lift        {rates['lift']:>10,.0f} poses/s\n"
        f"  model on a tensor  {rates['model']:>10,.0f} poses/s\n"
        f"  lift / model       {rates['ratio']:>10.2f}x\n"
        f"  preprocessing only {rates['preprocessing']:>10,.0f} poses/s (mapping, "
        "filling, normalising)\n"
        f"  {flops / 1e6:.1f} MFLOP per pose; at this CPU's SGEMM rate at most "
        f"{rates['bound']:,.0f} poses/s"
    )
    return rates


if __name__ == "__main__":
    main()
