r"""How a lifter does on real motion it never saw: per clip, its errors
beside the mean pose's, how symmetric its bodies are, and how much a joint
missing in every frame costs the others.

Each clip's 3D joints (by default the DeepMimic clips of the user's
``pybullet``, :mod:`pyg_weightshare.datasets.deepmimic`) are seen through
the eight calibrated cameras of Human3.6M's test subjects S9 and S11, as
Human3.6M joints or COCO keypoints
(:func:`~pyg_weightshare.datasets.detector.coco_keypoints_3d`), either
exactly or as a detector reports them
(:func:`~pyg_weightshare.datasets.detector.detect`, ``--detector``). Printed per clip:

* **MPJPE** and **P-MPJPE** of the model (mm);
* **mean pose**: the MPJPE of always answering the mean of every clip's
  poses (the best constant guess for this data, which it has not seen
  either), and the model's **ratio** to it;
* **symmetry**: the ratio of the longer to the shorter of each left/right
  upper arm, forearm, thigh and shin of each predicted pose, median and
  worst;

and for models that know missing joints, the **missing-joint growth**: the
MPJPE of the other joints with one joint hidden in every frame, against the
same input with it seen, per hidden joint.

Run::

    python -m pyg_weightshare.training.cross_domain --pretrained coco
    python -m pyg_weightshare.training.cross_domain --checkpoint RUN/best.pt \
        --layout h36m --motions DIR
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from pyg_weightshare.datasets.camera import Camera, h36m_cameras
from pyg_weightshare.datasets.detector import (
    CONFIDENCE_THRESHOLD,
    LAYOUTS,
    coco_keypoints_3d,
    detect,
    model_joints,
)
from pyg_weightshare.datasets.inputs import person_inputs
from pyg_weightshare.metrics import mpjpe, p_mpjpe
from pyg_weightshare.skeleton import H36M_JOINTS_17, h36m_skeleton

#: The cameras each clip is seen through: those of the test subjects.
CAMERA_SUBJECTS = ("S9", "S11")
_MODEL_JOINTS = [H36M_JOINTS_17.index(name) for name in h36m_skeleton(16).joint_names]
# (left, right) (parent, child) bones of the 16-joint skeleton: upper arm,
# forearm, thigh, shin.
LIMBS = {
    "upper arm": ((10, 11), (13, 14)),
    "forearm": ((11, 12), (14, 15)),
    "thigh": ((4, 5), (1, 2)),
    "shin": ((5, 6), (2, 3)),
}


def limb_ratios(poses: torch.Tensor) -> torch.Tensor:
    """The longer over the shorter of each left/right limb pair of
    16-joint Human3.6M poses :obj:`[N, 16, 3]`: :obj:`[N, 4]` for the upper
    arm, forearm, thigh and shin, 1 for a symmetric body."""
    ratios = []
    for left, right in LIMBS.values():
        lengths = [
            (poses[:, child] - poses[:, parent]).norm(dim=-1)
            for parent, child in (left, right)
        ]
        longer = torch.maximum(*lengths)
        shorter = torch.minimum(*lengths).clamp(min=1e-9)
        ratios.append(longer / shorter)
    return torch.stack(ratios, dim=-1)


@dataclass
class Views:
    """A clip seen through cameras: 2D keypoints with NaN where missing,
    and the root-relative camera-frame 3D of the model's joints.

    Args:
        keypoints (numpy.ndarray): :obj:`[N, K, 2]` pixels.
        targets (torch.Tensor): :obj:`[N, 16, 3]` metres.
        cameras (list[Camera]): The camera of each block of frames.
    """

    keypoints: np.ndarray
    targets: torch.Tensor
    cameras: list[Camera]


def clip_views(
    joints: np.ndarray,
    layout: str,
    cameras: Sequence[Camera],
    detector_seed: int | None = None,
) -> Views:
    """A clip's 17 Human3.6M world joints :obj:`[T, 17, 3]` through every
    camera, as exact keypoints of :obj:`layout` or, with a
    :obj:`detector_seed`, as :func:`~pyg_weightshare.datasets.detector.detect`
    reports them (confidences below its threshold missing)."""
    rng = np.random.default_rng(detector_seed or 0)
    points = joints if layout == "h36m" else coco_keypoints_3d(joints, rng)
    keypoints, targets = [], []
    for camera in cameras:
        in_camera = camera.world_to_camera(points)
        pixels = camera.project(in_camera)
        if detector_seed is not None:
            size = np.tile([camera.res_w, camera.res_h], (len(pixels), 1))
            pixels, confidence = detect(rng, pixels, in_camera[..., 2], size, layout)
            pixels[confidence < CONFIDENCE_THRESHOLD] = np.nan
        keypoints.append(pixels)
        target = camera.world_to_camera(joints)[:, _MODEL_JOINTS]
        targets.append(target - target[:, :1])
    return Views(
        np.concatenate(keypoints),
        torch.as_tensor(np.concatenate(targets), dtype=torch.float32),
        list(cameras),
    )


def model_inputs(
    model: torch.nn.Module, keypoints: np.ndarray, layout: str, cameras: list[Camera]
) -> torch.Tensor:
    """The inputs of :obj:`model` for keypoints :obj:`[N, K, 2]` (NaN where
    missing): :func:`person_inputs` for a 3-channel model; for a 2-channel
    (image-normalised) one, the screen coordinates of each camera's image,
    which needs every joint."""
    joints = model_joints(keypoints, layout)
    if model.in_channels == 3:
        return person_inputs(joints)
    if np.isnan(joints).any():
        raise ValueError(
            "a model with 2 input channels needs every joint: lift without "
            "--detector, or use a model that knows missing joints"
        )
    per_camera = np.split(joints, len(cameras))
    normalized = [
        camera.normalize(part) for camera, part in zip(cameras, per_camera, strict=True)
    ]
    return torch.as_tensor(np.concatenate(normalized), dtype=torch.float32)


@torch.no_grad()
def evaluate_clips(
    model: torch.nn.Module,
    clips: dict[str, np.ndarray],
    layout: str = "h36m",
    detector_seed: int | None = None,
    missing_joints: bool = True,
) -> dict:
    """The errors of :obj:`model` on each clip (see the module).

    Args:
        model (torch.nn.Module): A lifter of the 16 Human3.6M joints.
        clips (dict[str, numpy.ndarray]): World joints :obj:`[T, 17, 3]`
            (metres, z up) by clip name.
        layout (str, optional): The keypoints the model is given.
            (default: :obj:`"h36m"`)
        detector_seed (int, optional): Perturb the keypoints like a detector
            with this seed. (default: :obj:`None`, exact keypoints)
        missing_joints (bool, optional): Also measure the missing-joint
            growth (3-channel models only). (default: :obj:`True`)

    Returns:
        dict: :obj:`"clips"` (per clip :obj:`frames`, :obj:`mpjpe`,
        :obj:`p_mpjpe`, :obj:`mean_pose_mpjpe`, :obj:`ratio`,
        :obj:`symmetry_median`, :obj:`symmetry_worst`, millimetres),
        :obj:`"mean"` (the same averaged over clips) and
        :obj:`"missing_joint"` (per hidden joint: the other joints' MPJPE
        with it seen and hidden, and the growth).
    """
    model.eval()
    cameras = [camera for s in CAMERA_SUBJECTS for camera in h36m_cameras(s)]
    views = {
        name: clip_views(joints, layout, cameras, detector_seed)
        for name, joints in clips.items()
    }
    mean_pose = torch.cat([v.targets for v in views.values()]).mean(0, keepdim=True)
    rows = {}
    for name, view in views.items():
        inputs = model_inputs(model, view.keypoints, layout, view.cameras)
        predicted = model(inputs)
        ratios = limb_ratios(predicted)
        error = 1000 * mpjpe(predicted, view.targets).item()
        baseline = 1000 * mpjpe(mean_pose.expand_as(view.targets), view.targets).item()
        rows[name] = {
            "frames": len(clips[name]),
            "mpjpe": error,
            "p_mpjpe": 1000 * p_mpjpe(predicted, view.targets).item(),
            "mean_pose_mpjpe": baseline,
            "ratio": error / baseline,
            "symmetry_median": ratios.median().item(),
            "symmetry_worst": ratios.max().item(),
        }
    mean = {key: float(np.mean([row[key] for row in rows.values()]))
            for key in next(iter(rows.values()))}  # fmt: skip
    mean["symmetry_worst"] = max(row["symmetry_worst"] for row in rows.values())
    result = {"clips": rows, "mean": mean}
    if missing_joints and model.in_channels == 3:
        result["missing_joint"] = missing_joint_growth(model, views.values(), layout)
    return result


def missing_joint_growth(model, views, layout: str) -> dict[str, dict[str, float]]:
    """Per input keypoint (joint of the 16, or COCO keypoint): the MPJPE
    (mm) over every view of the model's joints that do not come from it,
    with it seen and with it hidden in every frame, and the relative growth.
    (The joints :obj:`COCO_TO_H36M` builds from a COCO keypoint are left
    out: a hip's Hip and Spine, which the other side and the shoulders then
    estimate, a shoulder's Thorax and Spine; the Head is the mean of the
    eyes and ears left.)"""
    from pyg_weightshare.keypoints import COCO_KEYPOINTS, COCO_TO_H36M

    keypoints = np.concatenate([v.keypoints for v in views])
    targets = torch.cat([v.targets for v in views])
    baseline = model(person_inputs(model_joints(keypoints, layout)))
    names = h36m_skeleton(16).joint_names
    if layout == "coco":
        hidden_names = [k for k in COCO_KEYPOINTS if k != "nose"]  # unused
    else:
        hidden_names = list(names)
    growth = {}
    for hidden_name in hidden_names:
        hidden = keypoints.copy()
        if layout == "coco":
            hidden[:, COCO_KEYPOINTS.index(hidden_name)] = np.nan
            others = [
                j
                for j, name in enumerate(names)
                if hidden_name not in COCO_TO_H36M[name] or name == "Head"
            ]
        else:
            hidden[:, H36M_JOINTS_17.index(hidden_name)] = np.nan
            others = [j for j, name in enumerate(names) if name != hidden_name]
        predicted = model(person_inputs(model_joints(hidden, layout)))
        seen = 1000 * mpjpe(baseline[:, others], targets[:, others]).item()
        missing = 1000 * mpjpe(predicted[:, others], targets[:, others]).item()
        growth[hidden_name] = {
            "seen": seen,
            "hidden": missing,
            "growth": missing / seen - 1,
        }
    return growth


def format_report(result: dict) -> str:
    """The tables of :func:`evaluate_clips` as text."""
    lines = [
        f"{'clip':<16}{'frames':>7}{'MPJPE':>8}{'P-MPJPE':>9}{'mean pose':>11}"
        f"{'ratio':>7}{'sym. med':>10}{'sym. worst':>11}"
    ]
    for name, row in [*result["clips"].items(), ("mean of clips", result["mean"])]:
        lines.append(
            f"{name:<16}{row['frames']:>7.0f}{row['mpjpe']:>8.1f}"
            f"{row['p_mpjpe']:>9.1f}{row['mean_pose_mpjpe']:>11.1f}"
            f"{row['ratio']:>7.2f}{row['symmetry_median']:>10.3f}"
            f"{row['symmetry_worst']:>11.3f}"
        )
    if "missing_joint" in result:
        lines.append("")
        lines.append(
            "One keypoint hidden in every frame: MPJPE of the joints it does "
            "not build (mm)"
        )
        lines.append(f"{'hidden':<16}{'seen':>8}{'hidden':>8}{'growth':>8}")
        for name, row in result["missing_joint"].items():
            lines.append(
                f"{name:<16}{row['seen']:>8.1f}{row['hidden']:>8.1f}"
                f"{100 * row['growth']:>7.1f}%"
            )
    return "\n".join(lines)


def load_model(
    checkpoint: str | os.PathLike | None, pretrained: str | None
) -> tuple[torch.nn.Module, str | None]:
    """A model file (a run's :obj:`best.pt` or a bundled lifter's), or a
    bundled lifter by layout; returns the model and the layout its file's
    metadata names (or :obj:`None`)."""
    from pyg_weightshare import PoseGCN
    from pyg_weightshare.nn.models.serialization import load_checkpoint
    from pyg_weightshare.pretrained import load_pretrained

    if pretrained is not None:
        return load_pretrained(layout=pretrained), pretrained
    model_file = load_checkpoint(checkpoint)
    layout = model_file.metadata.get("input", {}).get("layout")
    return PoseGCN.from_checkpoint(model_file), layout


def main(argv: Sequence[str] | None = None) -> dict:
    """Command-line entry; exits with status 2 and one line on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m pyg_weightshare.training.cross_domain",
        description="Evaluate a lifter on real motion clips (default: pybullet's "
        "DeepMimic clips) beside the mean pose.",
    )
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--checkpoint", help="a training run's checkpoint (best.pt)")
    model.add_argument("--pretrained", choices=LAYOUTS, help="a bundled lifter")
    parser.add_argument(
        "--layout",
        choices=LAYOUTS,
        help="the keypoints the model takes (default: its checkpoint's, or h36m)",
    )
    parser.add_argument(
        "--motions",
        type=Path,
        help="a directory of DeepMimic humanoid3d_*.txt clips (default: pybullet's)",
    )
    parser.add_argument(
        "--detector",
        type=int,
        metavar="SEED",
        help="perturb the keypoints like a detector, with this seed",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--force", action="store_true", help="replace --json")
    args = parser.parse_args(argv)
    from pyg_weightshare.datasets.deepmimic import read_clips
    from pyg_weightshare.outputs import atomic_output, check_output

    try:
        if args.json is not None:
            check_output(args.json, force=args.force)
        net, layout = load_model(args.checkpoint, args.pretrained)
        clips = read_clips(args.motions)
        result = evaluate_clips(
            net, clips, args.layout or layout or "h36m", args.detector
        )
    except (ValueError, FileNotFoundError) as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(format_report(result))
    if args.json is not None:
        with atomic_output(args.json, force=args.force) as tmp:
            Path(tmp).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
