"""The ``pyg-weightshare`` command.

Subcommands: ``synth`` (write the synthetic dataset), ``train``, ``evaluate``,
``ablation`` (a paper table in one command), ``visualize``, ``lift`` (3D
poses from 2D keypoint files) and ``export`` (an ONNX graph).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyg_weightshare.training.config import RECIPES, SCHEMES, TrainConfig


def _add_train_arguments(parser: argparse.ArgumentParser) -> None:
    data = parser.add_argument_group("data")
    data.add_argument("--data-dir", help="VideoPose3D .npz files (default: synthetic)")
    data.add_argument(
        "--keypoints", help="2D input: gt or cpn_ft_h36m_dbb (default: recipe)"
    )
    data.add_argument("--num-joints", type=int, default=16, choices=(16, 17))
    data.add_argument("--stride", type=int, help="keep every n-th training frame")
    _add_subject_arguments(data)
    data.add_argument(
        "--select-on",
        choices=("val", "test", "last"),
        default="val",
        help="epoch selection; 'test' mimics the published code (default: val)",
    )
    model = parser.add_argument_group("model")
    model.add_argument("--scheme", choices=SCHEMES, default="pre_agg")
    model.add_argument("--no-decouple", dest="decouple", action="store_false")
    model.add_argument("--hidden", type=int, default=128)
    model.add_argument("--num-blocks", type=int, default=4)
    model.add_argument(
        "--adjacency", choices=("sym", "row", "learnable"), default="sym"
    )
    model.add_argument("--init", choices=("xavier", "stacked"), default="xavier")
    model.add_argument("--dropout", type=float)
    model.add_argument(
        "--non-local", action=argparse.BooleanOptionalAction, default=None
    )
    optim = parser.add_argument_group("optimisation")
    optim.add_argument("--recipe", choices=list(RECIPES), default="demo")
    optim.add_argument("--epochs", type=int)
    optim.add_argument("--batch-size", type=int)
    optim.add_argument("--lr", type=float)
    optim.add_argument("--seed", type=int, default=0)
    runtime = parser.add_argument_group("runtime")
    runtime.add_argument("--device", default="cpu", help="cpu or cuda")
    runtime.add_argument("--amp", choices=("none", "bf16", "fp16"), default="none")
    runtime.add_argument(
        "--compile", action="store_true", help="torch.compile the model"
    )
    runtime.add_argument(
        "--no-progress", dest="progress", action="store_false", help="no progress bars"
    )


def _add_subject_arguments(group) -> None:
    group.add_argument(
        "--train-subjects",
        nargs="+",
        help="default: Human3.6M's S1 S5 S6 S7 S8 without the validation ones",
    )
    group.add_argument(
        "--val-subjects",
        nargs="*",
        default=["S8"],
        help="held out of training to pick the best epoch (default: S8)",
    )
    group.add_argument(
        "--test-subjects", nargs="+", default=["S9", "S11"], help="(default: S9 S11)"
    )


def _subjects(args: argparse.Namespace) -> dict[str, list[str] | None]:
    return {
        "train_subjects": args.train_subjects,
        "val_subjects": list(args.val_subjects),
        "test_subjects": list(args.test_subjects),
    }


def _config(args: argparse.Namespace, out: str) -> TrainConfig:
    return TrainConfig(
        out=out,
        data_dir=args.data_dir,
        recipe=args.recipe,
        scheme=args.scheme,
        decouple=args.decouple,
        hidden=args.hidden,
        num_blocks=args.num_blocks,
        num_joints=args.num_joints,
        adjacency=args.adjacency,
        init=args.init,
        keypoints=args.keypoints,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        dropout=args.dropout,
        non_local=args.non_local,
        stride=args.stride,
        **_subjects(args),
        select_on=args.select_on,
        seed=args.seed,
        device=args.device,
        amp=args.amp,
        compile=args.compile,
    )


def _synth(args: argparse.Namespace) -> None:
    from pyg_weightshare.datasets.synthetic import main

    main(["--out", args.out, *args.rest])


def _train(args: argparse.Namespace) -> None:
    from pyg_weightshare.training.trainer import train

    train(_config(args, args.out), resume=args.resume, progress=args.progress)


def _evaluate(args: argparse.Namespace) -> None:
    from pyg_weightshare.training.report import markdown_table
    from pyg_weightshare.training.trainer import evaluate_checkpoint

    errors, config = evaluate_checkpoint(
        args.checkpoint, args.data_dir, args.device, args.test_subjects
    )
    subjects = " ".join(config.test_subjects)
    print(
        f"{args.checkpoint}: {config.scheme}, test subjects {subjects}, errors in mm\n"
    )
    print(markdown_table(errors))


def _visualize(args: argparse.Namespace) -> None:
    from pyg_weightshare.training.visualize import visualize_checkpoint

    path = visualize_checkpoint(
        args.checkpoint, args.out, args.data_dir, args.num_poses
    )
    print(f"Wrote {path}")


def _ablation(args: argparse.Namespace) -> None:
    from pyg_weightshare.training.ablation import run_ablation

    run_ablation(
        table=args.table,
        out=Path(args.out),
        epochs=args.epochs,
        seeds=args.seeds,
        data_dir=args.data_dir,
        stride=args.stride,
        device=args.device,
        progress=args.progress,
        subjects=_subjects(args),
    )


def _add_lift_commands(commands) -> None:
    lift = commands.add_parser("lift", help="3D poses from a file of 2D keypoints")
    lift.add_argument("--checkpoint", required=True)
    lift.add_argument(
        "--input",
        required=True,
        help="VideoPose3D custom 2D .npz, COCO keypoint results .json, or .npy "
        "[frames, keypoints, 2 or 3]",
    )
    lift.add_argument("--out", required=True, help=".npz of 3D poses to write")
    lift.add_argument(
        "--layout", choices=("h36m", "coco"), help="default: what the file says"
    )
    lift.add_argument(
        "--image-size",
        nargs=2,
        type=int,
        metavar=("W", "H"),
        help="image size in pixels (default: the .npz metadata)",
    )
    lift.add_argument(
        "--min-confidence",
        type=float,
        default=0.1,
        help="keypoints less confident are filled in (default: 0.1)",
    )
    lift.add_argument("--plot", action="store_true", help="an animated GIF per video")
    lift.add_argument("--device", default="cpu")
    lift.set_defaults(run=_lift)

    export = commands.add_parser("export", help="ONNX graph of a checkpoint")
    export.add_argument("--checkpoint", required=True)
    export.add_argument("--out", required=True, help=".onnx file to write")
    export.set_defaults(run=_export)


def _lift(args: argparse.Namespace) -> None:
    import re

    from pyg_weightshare.lifting import Lifter, save_lifted

    lifter = Lifter.from_checkpoint(
        args.checkpoint, min_confidence=args.min_confidence, device=args.device
    )
    videos = lifter.lift_file(args.input, args.layout, args.image_size)
    out = save_lifted(args.out, videos, lifter)
    frames = sum(len(video.poses) for video in videos.values())
    print(f"Lifted {frames} frames of {len(videos)} video(s) to {out}")
    if args.plot:
        from pyg_weightshare.lifting.animation import animate_lift

        for name, video in videos.items():
            safe = re.sub(r"[^\w.-]+", "_", name)
            gif = animate_lift(
                video.keypoints,
                video.poses,
                lifter.skeleton,
                out.with_name(f"{out.stem}_{safe}.gif"),
                video.image_size,
            )
            print(f"Wrote {gif}")


def _export(args: argparse.Namespace) -> None:
    from pyg_weightshare.lifting import Lifter
    from pyg_weightshare.lifting.onnx import export_onnx, onnx_max_difference

    model = Lifter.from_checkpoint(args.checkpoint).model
    try:
        path = export_onnx(model, args.out)
        difference = onnx_max_difference(model, path)
    except ImportError as error:  # one line, like every expected error
        raise OSError(str(error)) from None
    print(
        f"Wrote {path}: input 'keypoints' [batch, {model.num_joints}, 2], output "
        f"'poses' [batch, {model.num_joints}, 3]; onnxruntime vs PyTorch, max "
        f"difference {difference:.1e} on 256 poses"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pyg-weightshare`` command."""
    parser = argparse.ArgumentParser(
        prog="pyg-weightshare",
        description="Weight-sharing GCNs for 2D-to-3D human pose lifting "
        "(Liu et al., ECCV 2020).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    synth = commands.add_parser("synth", help="write the synthetic Human3.6M dataset")
    synth.add_argument("--out", required=True)
    synth.add_argument("rest", nargs=argparse.REMAINDER, help="--frames N --seed S ...")
    synth.set_defaults(run=_synth)

    train = commands.add_parser("train", help="train and evaluate a lifting network")
    train.add_argument("--out", default="runs/pre_agg", help="run directory")
    train.add_argument(
        "--resume", action="store_true", help="continue the run in --out"
    )
    _add_train_arguments(train)
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="per-action errors of a checkpoint")
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--data-dir")
    evaluate.add_argument("--device", default="cpu")
    evaluate.add_argument(
        "--test-subjects", nargs="+", help="default: those of the checkpoint"
    )
    evaluate.set_defaults(run=_evaluate)

    ablation = commands.add_parser("ablation", help="train every row of a paper table")
    ablation.add_argument("--table", type=int, choices=(2, 3, 4), required=True)
    ablation.add_argument("--out", default=None, help="default: runs/table<N>")
    ablation.add_argument(
        "--epochs", type=int, default=None, help="default: the recipe's 50"
    )
    ablation.add_argument("--seeds", type=int, default=1)
    ablation.add_argument("--stride", type=int, default=None)
    ablation.add_argument("--data-dir")
    _add_subject_arguments(ablation)
    ablation.add_argument("--device", default="cpu")
    ablation.add_argument(
        "--no-progress", dest="progress", action="store_false", help="no progress bars"
    )
    ablation.set_defaults(run=_ablation)

    visualize = commands.add_parser("visualize", help="figure like the paper's Fig. 7")
    visualize.add_argument("--checkpoint", required=True)
    visualize.add_argument("--out", default=None, help="PNG path (default: next to it)")
    visualize.add_argument("--data-dir")
    visualize.add_argument("--num-poses", type=int, default=4)
    visualize.set_defaults(run=_visualize)
    _add_lift_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs the ``pyg-weightshare`` command; returns its exit status (2 for an
    error in the inputs, reported on stderr without a traceback)."""
    args = build_parser().parse_args(argv)
    if getattr(args, "out", None) is None and args.command == "ablation":
        args.out = f"runs/table{args.table}"
    try:
        args.run(args)
    except (OSError, ValueError, KeyError) as error:
        print(f"pyg-weightshare {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
