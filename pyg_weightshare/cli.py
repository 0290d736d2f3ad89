"""The ``pyg-weightshare`` command.

Subcommands: ``synth`` (write the synthetic dataset), ``train``, ``evaluate``,
``ablation`` (a paper table in one command), ``visualize``, ``lift`` (3D poses
from 2D keypoint files) and ``export`` (an ONNX graph). The options of
``train`` and ``ablation`` are the fields of
:class:`~pyg_weightshare.training.TrainConfig`. Every expected error is one
line on stderr and exit status 2; Ctrl-C stops with one line and status 130.
Building the parser imports no torch, so ``--help`` and ``--version`` are
immediate.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from pyg_weightshare import __version__
from pyg_weightshare.training.config import (
    RECIPE_FIELDS,
    RECIPES,
    InvalidSetting,
    TrainConfig,
)

# The keypoint layouts of lift (pyg_weightshare.lifting.LAYOUTS), named here
# so that building the parser imports no numpy or torch.
LAYOUT_NAMES = ("h36m", "coco", "openpose", "mediapipe")

# More threads than this rarely help the small matrix products of a lifting
# network, and every one beyond the free cores costs far more than it gains.
MAX_DEFAULT_THREADS = 4

# The TrainConfig fields `ablation` takes: the rest are fixed by the table.
ABLATION_FIELDS = (
    "data_dir",
    "keypoints",
    "stride",
    "train_subjects",
    "val_subjects",
    "test_subjects",
    "select_on",
    "epochs",
    "batch_size",
    "lr",
    "device",
    "amp",
    "compile",
)


class _Parser(argparse.ArgumentParser):
    """Reports a bad argument in one line (no usage block)."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def available_cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_threads() -> int:
    """Half the available cores, at most :obj:`MAX_DEFAULT_THREADS`: leaving
    cores free keeps OpenMP from waiting on a core another process holds."""
    return max(1, min(MAX_DEFAULT_THREADS, available_cores() // 2))


def add_runtime_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds :obj:`--threads`; pair with :func:`apply_runtime_arguments`.

    Args:
        parser (argparse.ArgumentParser): A (sub)command's parser.
    """
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"CPU threads of PyTorch (default: half the available cores, at "
        f"most {MAX_DEFAULT_THREADS}; {default_threads()} here)",
    )


def apply_runtime_arguments(args: argparse.Namespace) -> str:
    """Sets the threads of :func:`add_runtime_arguments` in PyTorch and
    returns the line that says so, for the first line a command prints.

    Args:
        args (argparse.Namespace): The parsed arguments.
    """
    import torch

    threads = args.threads if args.threads is not None else default_threads()
    torch.set_num_threads(threads)
    origin = "--threads" if args.threads is not None else "default, see --threads"
    return (
        f"{torch.get_num_threads()} CPU thread(s) ({origin}; "
        f"{available_cores()} cores available)"
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _default_text(field: dataclasses.Field) -> str:
    if field.name in RECIPE_FIELDS:
        values = ", ".join(
            f"{name} {getattr(recipe, field.name)}" for name, recipe in RECIPES.items()
        )
        return f"the recipe's: {values}"
    default = (
        field.default_factory()
        if field.default is dataclasses.MISSING
        else field.default
    )
    if isinstance(default, list):
        return " ".join(default)
    return str(default)


def add_config_arguments(
    parser: argparse.ArgumentParser, names: tuple[str, ...] | None = None
) -> None:
    """Adds an option for each :class:`TrainConfig` field (or those in
    :obj:`names`), with the help text, choices and default of the field.
    Options not given are left out of the parsed namespace.

    Args:
        parser (argparse.ArgumentParser): The parser.
        names (tuple[str, ...], optional): The fields. (default: all but
            :obj:`out`)
    """
    groups: dict[str, Any] = {}
    for field in dataclasses.fields(TrainConfig):
        if field.name == "out" or (names is not None and field.name not in names):
            continue
        options = dict(field.metadata)
        group_name = options.pop("group")
        if group_name not in groups:
            groups[group_name] = parser.add_argument_group(group_name)
        help_text = options.pop("help")
        if "(default:" not in help_text:
            help_text += f" (default: {_default_text(field)})"
        if field.name in ("decouple", "non_local"):
            options["action"] = argparse.BooleanOptionalAction
        elif "type" not in options and "choices" in options:
            options["type"] = type(options["choices"][0])
        flag = "--" + field.name.replace("_", "-")
        groups[group_name].add_argument(
            flag, dest=field.name, default=argparse.SUPPRESS, help=help_text, **options
        )


def _given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`TrainConfig` options given on the command line, but the
    run directory."""
    names = {field.name for field in dataclasses.fields(TrainConfig)} - {"out"}
    return {name: value for name, value in vars(args).items() if name in names}


def _config(args: argparse.Namespace) -> TrainConfig:
    """The run's configuration: the given options, and for a resumed run
    the saved settings for the options not given."""
    given = dict(_given_settings(args), out=args.out)
    if args.resume:
        from pyg_weightshare.training.checkpoint import RunDirectory

        run = RunDirectory(args.out)
        if run.has_run():
            return dataclasses.replace(run.saved_config(), **given)
    return TrainConfig(**given)


def _synth(args: argparse.Namespace) -> None:
    from pyg_weightshare.datasets import synthesize_h36m

    paths = synthesize_h36m(
        args.out, args.frames, args.seed, args.subjects, args.detections
    )
    print("Wrote " + ", ".join(str(path) for path in paths))


def _train(args: argparse.Namespace) -> None:
    from pyg_weightshare.training.trainer import train

    train(_config(args), resume=args.resume, progress=args.progress)


def _evaluate(args: argparse.Namespace) -> None:
    from pyg_weightshare.training.evaluation import evaluate_checkpoint
    from pyg_weightshare.training.report import markdown_table

    errors, config = evaluate_checkpoint(
        args.checkpoint, args.data_dir, args.device, args.test_subjects
    )
    subjects = " ".join(config.test_subjects)
    print(f"{args.checkpoint}: {config.scheme}, test subjects {subjects}, in mm\n")
    print(markdown_table(errors))


def _visualize(args: argparse.Namespace) -> None:
    from pyg_weightshare.training.visualize import visualize_checkpoint

    out = args.out
    if out is not None and Path(out).is_dir():
        out = Path(out) / "poses.png"
    path = visualize_checkpoint(args.checkpoint, out, args.data_dir, args.num_poses)
    print(f"Wrote {path}")


def _ablation(args: argparse.Namespace) -> None:
    from pyg_weightshare.training.ablation import run_ablation

    out = Path(args.out if args.out is not None else f"runs/table{args.table}")
    run_ablation(
        args.table, out, args.seeds, progress=args.progress, **_given_settings(args)
    )


def _count(number: int, noun: str, plural: str | None = None) -> str:
    """:obj:`"1 frame"`, :obj:`"2 frames"`."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _lift(args: argparse.Namespace) -> None:
    from pyg_weightshare.lifting import Lifter, model_layout, read_keypoints
    from pyg_weightshare.lifting.lifter import lifted_path, save_lifted
    from pyg_weightshare.outputs import check_output

    prefix = "pyg-weightshare lift"
    if args.plot:
        _check_plot_arguments(args)
    people = read_keypoints(
        args.input, args.layout, args.image_size, args.group, args.image_info
    )
    out_format = args.format or ("json" if args.out.endswith(".json") else "npz")
    out = check_output(lifted_path(args.out, out_format), people.sources, args.force)
    options = {"min_confidence": args.min_confidence, "device": args.device}
    if args.checkpoint is None:
        layout = model_layout(next(iter(people.videos.values())).layout)
        lifter = Lifter.pretrained(layout, **options)
        print(f"{prefix}: lifting with {lifter.source} (see --checkpoint)")
    else:
        lifter = Lifter.from_checkpoint(args.checkpoint, **options)
    for note in people.notes:
        print(f"{prefix}: {args.input}: {note}")
    lifted = lifter.lift_people(people, progress=True)
    for name, reason in lifted.failures.items():
        print(f"{prefix}: warning: {args.input}: {name}: {reason}", file=sys.stderr)
    if not lifted.videos:
        raise ValueError(
            f"{args.input}: nothing lifted: none of its "
            f"{_count(len(people.videos), 'person', 'people')} could be"
        )
    if args.plot:
        from pyg_weightshare.lifting.animation import picture_paths

        for path in picture_paths(lifted, out).values():
            check_output(path, people.sources, args.force)
    save_lifted(out, lifted, lifter, args.input, out_format, args.force)
    frames = sum(len(video.poses) for video in lifted.videos.values())
    people_text = _count(len(lifted.videos), "person", "people")
    if lifted.failures:
        people_text += f" ({len(lifted.failures)} not lifted: see the warnings)"
    print(f"Lifted {_count(frames, 'frame')} of {people_text} to {out}")
    if args.plot:
        from pyg_weightshare.lifting.animation import plot_lifted

        for path in plot_lifted(
            lifted, lifter.skeleton, out, args.image, args.video_frames, args.force
        ):
            print(f"Wrote {path}")


def _check_plot_arguments(args: argparse.Namespace) -> None:
    """Refuses --plot without matplotlib, or with a missing --image or
    --video-frames, before anything is written."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise OSError(
            "--plot needs matplotlib: pip install 'pyg-weightshare[examples]'"
        ) from None
    if args.image is not None and not Path(args.image).is_file():
        raise FileNotFoundError(f"No image at {args.image} (--image)")
    if args.video_frames is not None and not Path(args.video_frames).is_dir():
        raise FileNotFoundError(f"No directory at {args.video_frames} (--video-frames)")


def _export(args: argparse.Namespace) -> None:
    from pyg_weightshare.lifting import Lifter
    from pyg_weightshare.lifting.onnx import export_onnx, onnx_max_difference
    from pyg_weightshare.outputs import atomic_output

    if args.checkpoint is None:
        lifter = Lifter.pretrained(args.layout)
        print(f"pyg-weightshare export: exporting {lifter.source} (see --checkpoint)")
    else:
        lifter = Lifter.from_checkpoint(args.checkpoint)
    model = lifter.model
    inputs = () if args.checkpoint is None else (args.checkpoint,)
    try:
        with atomic_output(args.out, inputs, args.force) as temporary:
            export_onnx(model, temporary)
            difference = onnx_max_difference(model, temporary)
    except ImportError as error:  # one line, like every expected error
        raise OSError(str(error)) from None
    joints, channels = model.num_joints, model.in_channels
    print(
        f"Wrote {args.out}: input 'keypoints' [batch, {joints}, {channels}], output "
        f"'poses' [batch, {joints}, 3]; onnxruntime vs PyTorch, max "
        f"difference {difference:.1e} on 256 poses"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pyg-weightshare`` command."""
    parser = _Parser(
        prog="pyg-weightshare",
        description="Weight-sharing GCNs for 2D-to-3D human pose lifting "
        "(Liu et al., ECCV 2020).",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=help)

    synth = command("synth", "write the synthetic Human3.6M dataset")
    synth.add_argument("--out", required=True, help="output directory")
    synth.add_argument(
        "--frames",
        type=_positive_int,
        default=700,
        help="mean frames per take (default: 700)",
    )
    synth.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    synth.add_argument(
        "--subjects",
        nargs="+",
        default=["S1", "S5", "S6", "S7", "S8", "S9", "S11"],
        help="subjects to write (default: all seven)",
    )
    synth.add_argument(
        "--detections",
        metavar="NAME",
        help="also write noisy 2D keypoints as data_2d_h36m_NAME.npz (default: no)",
    )
    synth.set_defaults(run=_synth)

    train = command("train", "train and evaluate a lifting network")
    train.add_argument(
        "--out", default="runs/pre_agg", help="run directory (default: runs/pre_agg)"
    )
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out with its saved settings; options given "
        "must equal them, except --epochs, which may grow (default: start a new "
        "run)",
    )
    add_config_arguments(train)
    add_runtime_arguments(train)
    _add_progress_argument(train)
    train.set_defaults(run=_train)

    evaluate = command("evaluate", "per-action errors of a checkpoint")
    _add_checkpoint_arguments(evaluate)
    evaluate.add_argument(
        "--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)"
    )
    evaluate.add_argument(
        "--test-subjects",
        nargs="+",
        metavar="SUBJECT",
        help="subjects to evaluate on (default: the checkpoint's)",
    )
    add_runtime_arguments(evaluate)
    evaluate.set_defaults(run=_evaluate)

    ablation = command("ablation", "train every row of a paper table")
    ablation.add_argument(
        "--table",
        type=int,
        choices=(2, 3, 4),
        required=True,
        help="the paper table: 2 (decoupling), 3 (schemes) or 4 (size)",
    )
    ablation.add_argument(
        "--out", default=None, help="directory of the runs (default: runs/table<N>)"
    )
    ablation.add_argument(
        "--seeds",
        type=_positive_int,
        default=1,
        help="runs per row, seeded 0, 1, ... (default: 1)",
    )
    add_config_arguments(ablation, ABLATION_FIELDS)
    add_runtime_arguments(ablation)
    _add_progress_argument(ablation)
    ablation.set_defaults(run=_ablation)

    visualize = command("visualize", "figure like the paper's Fig. 7")
    _add_checkpoint_arguments(visualize)
    visualize.add_argument(
        "--out",
        default=None,
        help="PNG path, or a directory to write poses.png in (default: poses.png "
        "beside the checkpoint)",
    )
    visualize.add_argument(
        "--num-poses",
        type=_positive_int,
        default=4,
        help="test poses to draw (default: 4)",
    )
    visualize.set_defaults(run=_visualize)

    lift = command("lift", "3D poses from a file of 2D keypoints")
    lift.add_argument(
        "--input",
        required=True,
        help="COCO annotations or results .json, OpenPose *_keypoints.json "
        "(a directory, a glob pattern or a file), MediaPipe Pose .json, "
        "VideoPose3D custom 2D .npz, or .npy [frames, keypoints, 2 or 3]",
    )
    lift.add_argument(
        "--out",
        required=True,
        help="file of 3D poses to write: .npz (read with np.load) or .json",
    )
    lift.add_argument(
        "--format",
        choices=("npz", "json"),
        help="output format (default: json for an --out ending in .json, else npz)",
    )
    lift.add_argument(
        "--checkpoint",
        help="a best.pt or last.pt of a run (default: the bundled model for the "
        "input's layout)",
    )
    lift.add_argument(
        "--layout",
        choices=tuple(LAYOUT_NAMES),
        help="keypoint layout of the input (default: what the file says)",
    )
    lift.add_argument(
        "--image-size",
        nargs=2,
        type=_positive_int,
        metavar=("W", "H"),
        help="image size in pixels (default: what the file says; needed by "
        "models that normalise by the image)",
    )
    lift.add_argument(
        "--image-info",
        metavar="FILE",
        help="COCO file whose 'images' give the image sizes of COCO results "
        "(default: none)",
    )
    lift.add_argument(
        "--group",
        choices=("person", "video"),
        help="person: each detection (or track_id) is its own video; video: the "
        "images are the frames of one video and people are followed across them "
        "(default: person for COCO annotations, video otherwise)",
    )
    lift.add_argument(
        "--min-confidence",
        type=float,
        default=0.1,
        help="keypoints less confident are missing; confidence 0 always is "
        "(default: 0.1)",
    )
    lift.add_argument(
        "--plot",
        action="store_true",
        help="also draw each person: PNG for one frame, MP4 (with ffmpeg) or GIF "
        "for a video (default: no)",
    )
    lift.add_argument(
        "--image",
        metavar="FILE",
        help="image drawn under the 2D keypoints of --plot (default: none)",
    )
    lift.add_argument(
        "--video-frames",
        metavar="DIR",
        help="directory of the frames' images, named by frame id, drawn under the "
        "2D keypoints of --plot (default: none)",
    )
    _add_force_argument(lift)
    lift.add_argument(
        "--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)"
    )
    add_runtime_arguments(lift)
    lift.set_defaults(run=_lift)

    export = command("export", "ONNX graph of a lifting model")
    export.add_argument(
        "--checkpoint",
        help="a best.pt or last.pt of a run (default: the bundled model)",
    )
    export.add_argument(
        "--layout",
        choices=("h36m", "coco"),
        default="h36m",
        help="the keypoints the bundled model is for (default: h36m)",
    )
    export.add_argument("--out", required=True, help=".onnx file to write")
    _add_force_argument(export)
    export.set_defaults(run=_export)
    return parser


def _add_checkpoint_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--checkpoint", required=True, help="a best.pt or last.pt of a run"
    )
    parser.add_argument(
        "--data-dir",
        help="directory of the VideoPose3D .npz files (default: the data the "
        "checkpoint was trained on)",
    )


def _add_force_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace existing output files (never an input) (default: no)",
    )


def _add_progress_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="no progress bars (default: shown)",
    )


def _one_line(error: BaseException) -> str:
    # KeyError's str() is the repr of its argument; the others read as is.
    text = error.args[0] if isinstance(error, KeyError) and error.args else error
    return str(text).splitlines()[0] if str(text) else type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Runs the ``pyg-weightshare`` command; returns its exit status (2 for an
    error in the inputs, reported on stderr in one line without a
    traceback, 130 after Ctrl-C)."""
    args = build_parser().parse_args(argv)
    prefix = f"pyg-weightshare {args.command}"
    try:
        if hasattr(args, "threads"):
            print(f"{prefix}: {apply_runtime_arguments(args)}", flush=True)
        args.run(args)
    except InvalidSetting as error:
        flag = "--" + error.name.replace("_", "-")
        print(f"{prefix}: error: {flag} {error.problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hint = ""
        if args.command == "train":
            hint = f"; continue with: pyg-weightshare train --out {args.out} --resume"
        elif args.command == "ablation":
            hint = "; run the same command again to continue"
        print(f"{prefix}: interrupted{hint}", file=sys.stderr)
        return 130
    except (OSError, ValueError, KeyError, FloatingPointError) as error:
        print(f"{prefix}: error: {_one_line(error)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
