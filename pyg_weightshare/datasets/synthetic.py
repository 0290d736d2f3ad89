r"""A synthetic Human3.6M: the VideoPose3D files generated from a pose prior,
so the whole pipeline runs, and generalises to real people, without the real
dataset.

Every subject gets its own body and every take its own motion, drawn from
the pose prior of :mod:`pyg_weightshare.datasets.pose_prior`: key poses
with joint angles within anatomical limits, eased into one another, with
gait, turns, tilts and jumps. Each action draws its key poses from its
own mix of postures (mostly sitting for Sitting, walking and running for
Walking...), always with some of every posture so that any action covers the
space of real poses. The 3D
mocap is projected with the real calibration of each subject to give the
ground-truth 2D, or with randomly placed cameras, and optionally perturbed
like a 2D detector's output.

Run as a script to write a dataset::

    python -m pyg_weightshare.datasets.synthetic --out data/h36m_synthetic
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pyg_weightshare.datasets.camera import Camera, h36m_cameras
from pyg_weightshare.datasets.human36m import (
    ACTIONS,
    MOCAP_INDICES_17,
    SUBJECTS,
)
from pyg_weightshare.datasets.pose_prior import (
    FPS,
    sample_body,
    sample_take,
    smooth_noise,
)
from pyg_weightshare.outputs import OutputError, atomic_outputs, check_output
from pyg_weightshare.skeleton import H36M_LEFT_17, H36M_RIGHT_17

# The middle of the floor area that all 28 subject-camera pairs see whole.
_CAPTURE_CENTER = (0.2, 0.3)
# Every action mixes in some of every posture, then its own.
_COMMON = {"athletic": 0.5, "run": 0.25, "squat": 0.25, "floor": 0.15, "lie": 0.15}
MOTIONS = {
    "Directions": {"stand": 3, "walk": 1},
    "Discussion": {"stand": 3, "walk": 1},
    "Eating": {"sit": 3, "stand": 1},
    "Greeting": {"stand": 2, "walk": 1},
    "Phoning": {"stand": 2, "walk": 1, "sit": 1},
    "Photo": {"stand": 2, "squat": 1, "walk": 0.5},
    "Posing": {"stand": 1, "athletic": 2},
    "Purchases": {"stand": 1, "walk": 1, "squat": 1},
    "Sitting": {"sit": 3, "floor": 0.5},
    "SittingDown": {"floor": 2, "sit": 1, "squat": 1, "lie": 0.5},
    "Smoking": {"stand": 2, "sit": 1},
    "Waiting": {"stand": 2, "sit": 1, "walk": 0.5},
    "WalkDog": {"walk": 2, "stand": 1, "squat": 0.5},
    "Walking": {"walk": 3, "run": 1},
    "WalkTogether": {"walk": 3, "stand": 0.5},
}
"""The posture weights of each action (added to a common mix of every
posture), see :obj:`~pyg_weightshare.datasets.pose_prior.POSTURES`."""

DEFAULT_FRAMES = 700
_TAKES = ("", " 1")
CAMERA_MODES = ("h36m", "random")
# Random cameras: focal length (pixels) and how many pixels a metre at the
# subject spans, which sets the distance (2-11 m, as phones and webcams).
_FOCAL_RANGE = (700.0, 1700.0)
_PIXELS_PER_METRE = (150.0, 350.0)


def random_camera(
    rng: np.random.Generator, camera: Camera, target: np.ndarray
) -> Camera:
    """A randomly placed camera that keeps the orientation of ``camera``:
    the loader rotates the 3D into the camera frame with the packaged
    calibration, so the orientation must stay.

    Args:
        rng (numpy.random.Generator): The random generator.
        camera (Camera): The calibrated camera it replaces.
        target (numpy.ndarray): The world point (metres) it looks at.

    Returns:
        Camera: A camera with a focal length of 700-1700 pixels, no lens
        distortion, placed so that ``target`` is 2-11 m away, off the image
        centre by up to a tenth of the image width.
    """
    focal = rng.uniform(*_FOCAL_RANGE)
    distance = focal / rng.uniform(*_PIXELS_PER_METRE)
    offset = rng.uniform(-0.1, 0.1, size=2) * camera.res_w / focal
    in_camera = np.array([offset[0], offset[1], 1.0]) * distance
    from_target = dataclasses.replace(
        camera, translation=(0.0, 0.0, 0.0)
    ).camera_to_world(in_camera)
    return dataclasses.replace(
        camera,
        focal_length=(focal, focal),
        radial_distortion=(0.0, 0.0, 0.0),
        tangential_distortion=(0.0, 0.0),
        translation=tuple(np.asarray(target) - from_target),
    )


def _detections(rng: np.random.Generator, pixels: np.ndarray) -> np.ndarray:
    """Pixels ``[T, 17, 2]`` perturbed like a 2D detector's output, a few
    frames longer as CPN files are."""
    spread = np.full(17, 2.5)
    spread[[2, 5, 12, 15]] = 4.0  # knees, elbows
    spread[[3, 6, 13, 16]] = 6.0  # feet, wrists
    spread[[9, 10]] = 3.5  # nose, head
    t = np.arange(len(pixels)) / FPS
    drift = smooth_noise(rng, t, 34, interval=0.12).reshape(-1, 17, 2)
    jitter = rng.standard_normal(pixels.shape)
    outliers = (rng.random(pixels.shape[:2]) < 0.005)[..., None] * 20.0
    noisy = pixels + spread[:, None] * drift + jitter * (1.0 + outliers)
    extra = noisy[-1] + rng.standard_normal((rng.integers(0, 5), 17, 2))
    return np.concatenate([noisy, extra]).astype(np.float32)


def synthesize_h36m(
    root: str | os.PathLike,
    frames: int = DEFAULT_FRAMES,
    seed: int = 0,
    subjects: Sequence[str] = SUBJECTS,
    detections: str | None = None,
    cameras: str = "h36m",
    force: bool = False,
) -> list[Path]:
    r"""Writes a synthetic Human3.6M in the VideoPose3D format.

    Writes :obj:`data_3d_h36m.npz` (32 mocap joints, world coordinates in
    metres, 50 Hz) and :obj:`data_2d_h36m_gt.npz` (the 17 joints projected
    with the full lens model of each subject's four cameras, in pixels), with
    two takes of each of the 15 actions per subject (:obj:`"Walking"`,
    :obj:`"Walking 1"`, ...), without S11 :obj:`"Directions"` as in the real
    files. The output only depends on the arguments.

    Args:
        root (str or os.PathLike): The output directory, created if needed.
        frames (int, optional): Mean number of frames per take (each take
            varies by up to 25%). The default gives about 146k mocap frames,
            585k poses over the four cameras. (default: :obj:`700`)
        seed (int, optional): The random seed. (default: :obj:`0`)
        subjects (Sequence[str], optional): Subjects to write.
            (default: :obj:`SUBJECTS`, all seven)
        detections (str, optional): Also write noisy 2D keypoints, a few
            frames longer than the mocap like CPN detections, as
            :obj:`data_2d_h36m_<detections>.npz`. (default: :obj:`None`)
        cameras (str, optional): :obj:`"h36m"` projects with the four real
            cameras of each subject; :obj:`"random"` gives each take and
            camera a random focal length (700-1700 px) and distance (2-11 m
            from the middle of the take's path) with the real camera's
            orientation, see
            :func:`~pyg_weightshare.datasets.synthetic.random_camera`.
            (default: :obj:`"h36m"`)
        force (bool, optional): Replace the files of a dataset already in
            :obj:`root`, and write beside other VideoPose3D files there.
            (default: :obj:`False`)

    The files are written together (see
    :func:`~pyg_weightshare.outputs.atomic_outputs`): on an error, a full
    disk or Ctrl-C, :obj:`root` keeps its previous files and no partial one,
    and a kill while they are renamed into place leaves a marker that makes
    :class:`~pyg_weightshare.datasets.Human36M` refuse the directory.

    Returns:
        list[pathlib.Path]: The files written.

    Raises:
        ~pyg_weightshare.outputs.OutputError: Without :obj:`force`, a file
            to write exists, or :obj:`root` holds VideoPose3D files of
            another dataset; whatever :obj:`force`, :obj:`detections` is
            :obj:`"gt"` (the ground-truth 2D file) or not a plain name.

    Example:
        >>> import tempfile
        >>> paths = synthesize_h36m(tempfile.mkdtemp(), frames=20, detections="det")
        >>> [path.name for path in paths]
        ['data_3d_h36m.npz', 'data_2d_h36m_gt.npz', 'data_2d_h36m_det.npz']
    """
    if frames < 2:
        raise ValueError(f"frames must be at least 2, got {frames}")
    unknown = set(subjects) - set(SUBJECTS)
    if unknown:
        raise ValueError(f"Unknown subjects {sorted(unknown)}; choose from {SUBJECTS}")
    if cameras not in CAMERA_MODES:
        raise ValueError(f"Unknown cameras {cameras!r}; choose from {CAMERA_MODES}")
    if detections is not None and (not detections.isidentifier() or detections == "gt"):
        raise OutputError(
            f"detections must be a plain name other than gt (data_2d_h36m_gt.npz "
            f"is the ground-truth 2D file), got {detections!r}"
        )
    root = Path(root)
    names = ["data_3d_h36m.npz", "data_2d_h36m_gt.npz"]
    if detections is not None:
        names.append(f"data_2d_h36m_{detections}.npz")
    paths = [root / name for name in names]
    if root.is_dir() and not force:
        for path in paths:
            check_output(path)
        others = sorted(
            path.name
            for path in root.glob("data_[23]d_*.npz")
            if path.name not in names
        )
        if others:
            raise OutputError(
                f"{root} holds another dataset ({', '.join(others)}): choose an "
                "empty --out, or pass --force to write beside it"
            )
    root.mkdir(parents=True, exist_ok=True)

    positions_3d: dict[str, dict[str, np.ndarray]] = {}
    positions_2d: dict[str, dict[str, list[np.ndarray]]] = {}
    detected: dict[str, dict[str, list[np.ndarray]]] = {}
    for subject in subjects:
        subject_id = SUBJECTS.index(subject)
        body = sample_body(np.random.default_rng([seed, subject_id]))
        calibrated = h36m_cameras(subject)
        positions_3d[subject], positions_2d[subject], detected[subject] = {}, {}, {}
        for action_id, action in enumerate(ACTIONS):
            for take_id, take in enumerate(_TAKES):
                key = action + take
                if subject == "S11" and key == "Directions":
                    continue
                rng = np.random.default_rng([seed, subject_id, action_id, take_id])
                num_frames = max(2, round(frames * rng.uniform(0.75, 1.25)))
                postures = _COMMON | {
                    name: _COMMON.get(name, 0) + weight
                    for name, weight in MOTIONS[action].items()
                }
                mocap = sample_take(rng, body, num_frames, postures, _CAPTURE_CENTER)
                positions_3d[subject][key] = mocap.astype(np.float32)
                world = positions_3d[subject][key][:, MOCAP_INDICES_17]
                target = np.array([*mocap[:, 0, :2].mean(axis=0), 0.9])
                views = [
                    camera.project(camera.world_to_camera(world))
                    for camera in (
                        calibrated
                        if cameras == "h36m"
                        else [random_camera(rng, c, target) for c in calibrated]
                    )
                ]
                positions_2d[subject][key] = views
                if detections is not None:
                    detected[subject][key] = [_detections(rng, view) for view in views]

    metadata = {
        "num_joints": len(MOCAP_INDICES_17),
        "keypoints_symmetry": [list(H36M_LEFT_17), list(H36M_RIGHT_17)],
        "layout_name": "h36m",
    }
    with atomic_outputs(paths, force=force) as temporaries:
        np.savez(temporaries[0], positions_3d=positions_3d)
        np.savez(temporaries[1], positions_2d=positions_2d, metadata=metadata)
        if detections is not None:
            np.savez(temporaries[2], positions_2d=detected, metadata=metadata)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry: writes a synthetic dataset and reports its size."""
    parser = argparse.ArgumentParser(
        prog="python -m pyg_weightshare.datasets.synthetic",
        description="Write a synthetic Human3.6M in the VideoPose3D .npz format.",
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--frames",
        type=int,
        default=DEFAULT_FRAMES,
        help=f"mean frames per take (default: {DEFAULT_FRAMES})",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--subjects", nargs="+", default=list(SUBJECTS), help="subjects to write"
    )
    parser.add_argument(
        "--cameras",
        choices=CAMERA_MODES,
        default="h36m",
        help="the real cameras (default) or random ones per take",
    )
    parser.add_argument(
        "--detections",
        metavar="NAME",
        help="also write noisy 2D keypoints as data_2d_h36m_NAME.npz",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace a dataset in --out"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = synthesize_h36m(
        args.out,
        args.frames,
        args.seed,
        args.subjects,
        args.detections,
        args.cameras,
        args.force,
    )
    elapsed = time.perf_counter() - start
    with np.load(paths[0], allow_pickle=True) as archive:
        takes = archive["positions_3d"].item()
    num_frames = sum(len(mocap) for take in takes.values() for mocap in take.values())
    print(
        f"Wrote {num_frames} mocap frames ({4 * num_frames} poses over 4 cameras) "
        f"in {elapsed:.1f} s:"
    )
    for path in paths:
        print(f"  {path} ({path.stat().st_size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
