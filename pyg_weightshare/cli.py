"""The ``pyg-weightshare`` command.

Subcommands: ``synth`` (write the synthetic dataset), ``train``, ``evaluate``,
``ablation`` (a paper table in one command), ``visualize``, ``lift`` (3D poses
from 2D keypoint files) and ``export`` (an ONNX graph), declared with their
options in :obj:`COMMANDS`, each option once (:class:`Option`); those of
``train`` and ``ablation`` are the fields of
:class:`~pyg_weightshare.training.TrainConfig` (:func:`config_option`).
Every expected error is one line on stderr and exit status 2; Ctrl-C stops
with one line and status 130.
Building the parser imports no torch, so ``--help`` and ``--version`` are
immediate.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyg_weightshare import __version__
from pyg_weightshare.training.config import (
    RECIPE_FIELDS,
    RECIPES,
    InvalidSetting,
    TrainConfig,
)

# The keypoint layouts of lift (pyg_weightshare.keypoints.LAYOUTS), named here
# so that building the parser imports no numpy or torch.
LAYOUT_NAMES = ("h36m", "coco", "openpose", "mediapipe")

# More threads than this rarely help the small matrix products of a lifting
# network, and every one beyond the free cores costs far more than it gains.
MAX_DEFAULT_THREADS = 4

# The most poses `visualize` draws: a figure of 64 poses is already 32 rows.
MAX_NUM_POSES = 64
TRAIN_CONFIG_FIELDS = {field.name: field for field in dataclasses.fields(TrainConfig)}

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


def apply_runtime_arguments(args: argparse.Namespace) -> str:
    """Sets the threads of :obj:`--threads` in PyTorch and returns the line
    that says so, for the first line a command prints.

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


def _thread_count(text: str) -> int:
    value = _positive_int(text)
    if value > available_cores():
        raise argparse.ArgumentTypeError(
            f"{value} threads, but this process may run on {available_cores()} "
            "CPU cores: more threads than cores only wait on each other"
        )
    return value


def _num_poses(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_NUM_POSES:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_NUM_POSES} poses fit a figure, got {value}"
        )
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


class Option:
    """One option of a subcommand, declared once: its flag, help text and
    ``argparse`` settings. The help text
    shows the default, appended as ``(default: ...)``: :obj:`shown_default`
    when given, else the value of :obj:`default`; a required option shows
    none.

    Args:
        flag (str): The option, e.g. :obj:`"--out"`.
        help (str): What it sets, without its default.
        shown_default (str, optional): The default as the help text says
            it, when not the value itself (e.g. :obj:`"the checkpoint's"`).
        group (str, optional): The title of the help section it is listed
            in. (default: :obj:`None`, the subcommand's options)
        **settings: Other arguments of ``add_argument``, e.g.
            :obj:`required`, :obj:`type`, :obj:`default`, :obj:`action`.

    Example:
        >>> force = Option("--force", "replace an existing output",
        ...                action="store_true", shown_default="no")
        >>> force.help_text()
        'replace an existing output (default: no)'
    """

    def __init__(
        self,
        flag: str,
        help: str,
        shown_default: str | None = None,
        group: str | None = None,
        **settings: Any,
    ) -> None:
        self.flag, self.help, self.shown_default = flag, help, shown_default
        self.group, self.settings = group, settings

    def help_text(self) -> str:
        """The help text with the default it shows."""
        if self.settings.get("required"):
            return self.help
        default = self.shown_default
        if default is None:
            default = self.settings.get("default")
            default = " ".join(default) if isinstance(default, list) else default
        return f"{self.help} (default: {default})"

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Adds the option to :obj:`parser`."""
        parser.add_argument(self.flag, help=self.help_text(), **self.settings)


def _shown_default(field: dataclasses.Field) -> str:
    if "shown_default" in field.metadata:
        return field.metadata["shown_default"]
    if field.name in RECIPE_FIELDS:
        values = ", ".join(
            f"{name} {getattr(recipe, field.name)}" for name, recipe in RECIPES.items()
        )
        return f"the recipe's: {values}"
    default = _field_default(field)
    return " ".join(default) if isinstance(default, list) else str(default)


def _field_default(field: dataclasses.Field) -> Any:
    if field.default is dataclasses.MISSING:
        return field.default_factory()
    return field.default


def config_option(name: str, **overrides: Any) -> Option:
    """The option of the :class:`TrainConfig` field :obj:`name`, with the
    field's help text, choices and default. The option is left out of the
    parsed namespace when not given (so that a resumed run keeps its
    saved value), unless :obj:`overrides` give it a :obj:`default`.

    Args:
        name (str): The field, e.g. :obj:`"device"`.
        **overrides: :class:`Option` arguments that differ for this
            subcommand, e.g. :obj:`shown_default`.
    """
    field = TRAIN_CONFIG_FIELDS[name]
    settings = dict(field.metadata)
    settings.pop("shown_default", None)
    help_text = settings.pop("help")
    settings.setdefault("dest", name)
    settings.setdefault("default", argparse.SUPPRESS)
    if field.type in ("bool", "bool | None"):
        settings["action"] = argparse.BooleanOptionalAction
    elif "type" not in settings and "choices" in settings:
        settings["type"] = type(settings["choices"][0])
    settings["shown_default"] = _shown_default(field)
    settings.update(overrides)
    return Option("--" + name.replace("_", "-"), help_text, **settings)


def config_options(names: tuple[str, ...] | None = None) -> tuple[Option, ...]:
    """The options of the :class:`TrainConfig` fields (those in
    :obj:`names`; default: all but :obj:`out`), in the fields' order."""
    if names is None:
        names = tuple(name for name in TRAIN_CONFIG_FIELDS if name != "out")
    return tuple(config_option(name) for name in TRAIN_CONFIG_FIELDS if name in names)


def _given_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`TrainConfig` options given on the command line, but the
    run directory."""
    return {
        name: value
        for name, value in vars(args).items()
        if name in TRAIN_CONFIG_FIELDS and name != "out"
    }


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
        args.out,
        args.frames,
        args.seed,
        args.subjects,
        args.detections,
        force=args.force,
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
    path = visualize_checkpoint(
        args.checkpoint, out, args.data_dir, args.num_poses, force=args.force
    )
    print(f"Wrote {path}")


def _ablation(args: argparse.Namespace) -> None:
    from pyg_weightshare.training.ablation import run_ablation

    out = Path(args.out if args.out is not None else f"runs/table{args.table}")
    run_ablation(
        args.table,
        out,
        args.seeds,
        progress=args.progress,
        force=args.force,
        **_given_settings(args),
    )


def _count(number: int, noun: str, plural: str | None = None) -> str:
    """:obj:`"1 frame"`, :obj:`"2 frames"`."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _lift(args: argparse.Namespace) -> None:
    from pyg_weightshare.keypoints import model_layout
    from pyg_weightshare.lifting import Lifter, read_keypoints
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
    options = {
        "min_confidence": args.min_confidence,
        "device": args.device,
        "compile": args.compile,
        "backend": args.backend,
    }
    try:
        if args.checkpoint is None:
            layout = model_layout(next(iter(people.videos.values())).layout)
            lifter = Lifter.pretrained(layout, **options)
            print(f"{prefix}: lifting with {lifter.source} (see --checkpoint)")
        else:
            lifter = Lifter.from_checkpoint(args.checkpoint, **options)
    except ImportError as error:  # --backend onnxruntime without onnxruntime
        raise OSError(str(error)) from None
    for note in people.notes:
        print(f"{prefix}: {args.input}: {note}")
    lifted = lifter.lift_people(people, progress=True)
    bodies = {}
    if args.fit or args.bvh:
        lifted, bodies = _fit(lifted, args)
    for name, reason in lifted.failures.items():
        print(f"{prefix}: warning: {args.input}: {name}: {reason}", file=sys.stderr)
    if not lifted.videos:
        raise ValueError(
            f"{args.input}: nothing lifted: none of its "
            f"{_count(len(people.videos), 'person', 'people')} could be"
        )
    bvh_paths = _bvh_paths(args.bvh, list(bodies)) if args.bvh else {}
    for path in bvh_paths.values():
        check_output(path, people.sources, args.force)
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
    if args.bvh:
        from pyg_weightshare.lifting.bvh import write_bvh

        for name, path in bvh_paths.items():
            write_bvh(path, bodies[name], args.fps, people.sources, args.force)
            print(f"Wrote {path}")


def _fit(lifted, args: argparse.Namespace):
    """Fits a kinematic body to each lifted person (``--fit``, ``--bvh``);
    with ``--fit`` the output's poses are the body's joints. A person the
    fit refuses joins the failures."""
    from pyg_weightshare.lifting.fit import fit_skeleton

    videos, failures, bodies = {}, dict(lifted.failures), {}
    for name, video in lifted.videos.items():
        keypoints = video.keypoints if video.image_size is not None else None
        try:
            bodies[name] = fit_skeleton(
                video.poses, keypoints, video.image_size, args.focal_length,
                args.fps, args.smoothing, seen=video.seen,
            )  # fmt: skip
        except ValueError as error:
            failures[name] = f"the kinematic fit failed: {error}"
            continue
        videos[name] = video
        if args.fit:
            videos[name] = video._replace(poses=bodies[name].joints.astype("float32"))
    return lifted._replace(videos=videos, failures=failures), bodies


def _bvh_paths(bvh: str, names: list[str]) -> dict[str, Path]:
    """``OUT.bvh`` for one person, ``OUT_<person>.bvh`` for several."""
    import re

    bvh_path = Path(bvh)
    if len(names) == 1:
        return {names[0]: bvh_path}
    safe = {name: re.sub(r"[^\w.-]+", "_", name) for name in names}
    return {name: bvh_path.with_stem(f"{bvh_path.stem}_{safe[name]}") for name in names}


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
    from pyg_weightshare.outputs import atomic_output, check_output

    inputs = () if args.checkpoint is None else (args.checkpoint,)
    check_output(args.out, inputs, args.force)  # before the model is built
    if args.checkpoint is None:
        lifter = Lifter.pretrained(args.layout)
        print(f"pyg-weightshare export: exporting {lifter.source} (see --checkpoint)")
    else:
        lifter = Lifter.from_checkpoint(args.checkpoint)
    model = lifter.model
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


@dataclasses.dataclass(frozen=True)
class Command:
    """A subcommand: its one-line help, the function that runs it and its
    options.

    Args:
        help (str): What it does, shown in ``pyg-weightshare --help``.
        run (Callable[[argparse.Namespace], None]): Runs it on the parsed
            arguments.
        options (tuple[Option, ...]): Its options, in the order of its help.
    """

    help: str
    run: Callable[[argparse.Namespace], None]
    options: tuple[Option, ...]


# Options several subcommands share.
THREADS = Option(
    "--threads",
    "CPU threads of PyTorch, at most the available cores",
    shown_default=f"half the available cores, at most {MAX_DEFAULT_THREADS}; "
    f"{default_threads()} here",
    type=_thread_count,
    default=None,
    metavar="N",
)
NO_PROGRESS = Option(
    "--no-progress",
    "no progress bars",
    shown_default="shown",
    dest="progress",
    action="store_false",
)
CHECKPOINT = Option("--checkpoint", "a best.pt or last.pt of a run", required=True)
CHECKPOINT_DATA = config_option(
    "data_dir",
    shown_default="the data the checkpoint was trained on",
    default=None,
    group=None,
)
DEVICE = config_option("device", default="cpu", group=None)
FORCE = Option(
    "--force",
    "replace existing output files (never an input)",
    shown_default="no",
    action="store_true",
)

COMMANDS = {
    "synth": Command(
        "write the synthetic Human3.6M dataset",
        _synth,
        (
            Option("--out", "output directory", required=True),
            Option("--frames", "mean frames per take", type=_positive_int,
                   default=700),
            Option("--seed", "random seed", type=int, default=0),
            Option("--subjects", "subjects to write", shown_default="all seven",
                   nargs="+", default=["S1", "S5", "S6", "S7", "S8", "S9", "S11"]),
            Option("--detections",
                   "also write noisy 2D keypoints as data_2d_h36m_NAME.npz",
                   shown_default="no", metavar="NAME"),
            FORCE,
        ),
    ),
    "train": Command(
        "train and evaluate a lifting network",
        _train,
        (
            config_option(
                "out",
                default=_field_default(TRAIN_CONFIG_FIELDS["out"]),
                group=None,
            ),
            Option("--resume",
                   "continue the run in --out with its saved settings; options "
                   "given must equal them, except --epochs, which may grow",
                   shown_default="start a new run", action="store_true"),
            *config_options(),
            THREADS,
            NO_PROGRESS,
        ),
    ),
    "evaluate": Command(
        "per-action errors of a checkpoint",
        _evaluate,
        (
            CHECKPOINT,
            CHECKPOINT_DATA,
            DEVICE,
            config_option("test_subjects", shown_default="the checkpoint's",
                          default=None, group=None),
            THREADS,
        ),
    ),
    "ablation": Command(
        "train every row of a paper table",
        _ablation,
        (
            Option("--table",
                   "the paper table: 2 (decoupling), 3 (schemes) or 4 (size)",
                   type=int, choices=(2, 3, 4), required=True),
            Option("--out", "directory of the runs", shown_default="runs/table<N>",
                   default=None),
            Option("--seeds", "runs per row, seeded 0, 1, ...",
                   type=_positive_int, default=1),
            FORCE,
            *config_options(ABLATION_FIELDS),
            THREADS,
            NO_PROGRESS,
        ),
    ),
    "visualize": Command(
        "figure like the paper's Fig. 7",
        _visualize,
        (
            CHECKPOINT,
            CHECKPOINT_DATA,
            Option("--out", "PNG path, or a directory to write poses.png in",
                   shown_default="poses.png beside the checkpoint", default=None),
            Option("--num-poses", f"test poses to draw, at most {MAX_NUM_POSES}",
                   type=_num_poses, default=4),
            FORCE,
        ),
    ),
    "lift": Command(
        "3D poses from a file of 2D keypoints",
        _lift,
        (
            Option("--input",
                   "COCO annotations or results .json, OpenPose *_keypoints.json "
                   "(a directory, a glob pattern or a file), MediaPipe Pose "
                   ".json, VideoPose3D custom 2D .npz, or .npy [frames, "
                   "keypoints, 2 or 3]",
                   required=True),
            Option("--out",
                   "file of 3D poses to write: .npz (read with np.load) or .json",
                   required=True),
            Option("--format", "output format",
                   shown_default="json for an --out ending in .json, else npz",
                   choices=("npz", "json")),
            Option("--checkpoint", CHECKPOINT.help,
                   shown_default="the bundled model for the input's layout"),
            Option("--layout", "keypoint layout of the input",
                   shown_default="what the file says", choices=LAYOUT_NAMES),
            Option("--image-size",
                   "image size in pixels, needed by models that normalise by "
                   "the image", shown_default="what the file says", nargs=2,
                   type=_positive_int, metavar=("W", "H")),
            Option("--image-info",
                   "COCO file whose 'images' give the image sizes of COCO results",
                   shown_default="none", metavar="FILE"),
            Option("--group",
                   "person: each detection (or track_id) is its own video; "
                   "video: the images are the frames of one video and people are "
                   "followed across them",
                   shown_default="person for COCO annotations, video otherwise",
                   choices=("person", "video")),
            Option("--min-confidence",
                   "keypoints less confident are missing; confidence 0 always is",
                   type=float, default=0.1),
            Option("--plot",
                   "also draw each person: PNG for one frame, MP4 (with ffmpeg) "
                   "or GIF for a video",
                   shown_default="no", action="store_true"),
            Option("--image", "image drawn under the 2D keypoints of --plot",
                   shown_default="none", metavar="FILE"),
            Option("--video-frames",
                   "directory of the frames' images, named by frame id, drawn "
                   "under the 2D keypoints of --plot",
                   shown_default="none", metavar="DIR"),
            Option("--fit",
                   "write the poses of a kinematic body fitted to the lift: "
                   "constant bones, hinge knees and elbows, smoothed, reprojected "
                   "onto the 2D",
                   shown_default="the raw lift", action="store_true"),
            Option("--bvh",
                   "also write the fitted body's animation, on its trajectory, "
                   "as BVH; one file per video, named OUT_<video>.bvh when there "
                   "are several",
                   shown_default="none", metavar="OUT.bvh"),
            Option("--fps", "frame rate of the videos, for smoothing and BVH",
                   type=_positive_float, default=50.0),
            Option("--focal-length",
                   "the camera's focal length in pixels, for the trajectory and "
                   "the reprojection",
                   shown_default="the image's larger side, a 53 degree field "
                   "of view", type=_positive_float, metavar="PIXELS"),
            Option("--smoothing",
                   "with --fit or --bvh: motion faster than this is treated as "
                   "jitter; raise it for fast motion, 0 turns smoothing off",
                   type=float, default=4.0, metavar="HZ"),
            Option("--compile",
                   "run the network compiled: Inductor on a CPU, a CUDA graph "
                   "on a GPU",
                   shown_default="where the input is large enough for it to "
                   "pay off", action=argparse.BooleanOptionalAction),
            Option("--backend",
                   "torch (the fused inference network) or onnxruntime (its "
                   "ONNX graph, CPU only; needs the onnx extra)",
                   choices=("torch", "onnxruntime"), default="torch"),
            FORCE,
            DEVICE,
            THREADS,
        ),
    ),
    "export": Command(
        "ONNX graph of a lifting model",
        _export,
        (
            Option("--checkpoint", CHECKPOINT.help,
                   shown_default="the bundled model"),
            Option("--layout", "the keypoints the bundled model is for",
                   choices=("h36m", "coco"), default="h36m"),
            Option("--out", ".onnx file to write", required=True),
            FORCE,
        ),
    ),
}  # fmt: skip
"""The subcommands of ``pyg-weightshare`` by name: to add an option to one,
add an :class:`Option` to its :obj:`options`."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``pyg-weightshare`` command, built from
    :obj:`COMMANDS`."""
    parser = _Parser(
        prog="pyg-weightshare",
        description="Weight-sharing GCNs for 2D-to-3D human pose lifting "
        "(Liu et al., ECCV 2020).",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        subparser = subparsers.add_parser(
            name, help=command.help, description=command.help
        )
        groups: dict[str, argparse._ArgumentGroup] = {}
        for option in command.options:
            target = subparser
            if option.group is not None:
                if option.group not in groups:
                    groups[option.group] = subparser.add_argument_group(option.group)
                target = groups[option.group]
            option.add_to(target)
        subparser.set_defaults(run=command.run)
    return parser


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
        if getattr(args, "device", None) is not None:
            from pyg_weightshare.devices import check_device

            check_device(args.device)  # before anything runs or is read
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
