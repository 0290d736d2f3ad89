r"""BVH (Biovision hierarchy) files of fitted bodies, for Blender and other
animation tools.

The file holds the fitted skeleton's rest offsets and, per frame, the root's
position and every joint's rotation:

* Units are metres (Blender's BVH import at its default scale 1.0 gives a
  body of its real size).
* Axes: :math:`Y` up, the rest pose facing :math:`+Z` with its left side
  towards :math:`+X`, limbs hanging (Blender's default import axes, forward
  :math:`-Z` and up :math:`Y`, stand it upright on Blender's floor). The
  frame is the camera's turned half a turn about its :math:`x` axis, so the
  floor is tilted as much as the camera looked down.
* Every joint has the rotation channels ``Zrotation Xrotation
  Yrotation`` in degrees, meaning the rotation :math:`R_z R_x R_y` applied to
  column vectors (rotate about :math:`Y` first); the root also has
  ``Xposition Yposition Zposition`` first.
* Feet, wrists and the head end in an ``End Site`` a few centimetres on,
  so animation tools draw them as bones.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pyg_weightshare.lifting.fit import CAMERA_TO_BODY, FittedBody
from pyg_weightshare.outputs import atomic_output

# Where each leaf's bone ends, in its own frame (metres): the toes forward,
# the hand on along the forearm, the top of the head above it.
END_SITES = {
    "RFoot": (0.0, 0.0, 0.12),
    "LFoot": (0.0, 0.0, 0.12),
    "LWrist": (0.0, -0.08, 0.0),
    "RWrist": (0.0, -0.08, 0.0),
    "Head": (0.0, 0.1, 0.0),
}
ROTATION_CHANNELS = "Zrotation Xrotation Yrotation"


def euler_zxy(rotations: np.ndarray) -> np.ndarray:
    r"""Angles :math:`(z, x, y)` in degrees ``[..., 3]`` of rotation
    matrices ``[..., 3, 3]`` written :math:`R_z(z) R_x(x) R_y(y)`, with
    :math:`x \in [-90°, 90°]`.

    Example:
        >>> euler_zxy(np.eye(3)) + 0.0
        array([0., 0., 0.])
    """
    r = rotations
    x = np.arcsin(np.clip(r[..., 2, 1], -1.0, 1.0))
    z = np.arctan2(-r[..., 0, 1], r[..., 1, 1])
    y = np.arctan2(-r[..., 2, 0], r[..., 2, 2])
    return np.degrees(np.stack([z, x, y], -1))


def _hierarchy(body: FittedBody) -> list[str]:
    children = {joint: [] for joint in range(len(body.parents))}
    for joint, parent in enumerate(body.parents):
        if parent >= 0:
            children[parent].append(joint)

    def block(joint: int, depth: int) -> list[str]:
        pad = "\t" * depth
        name = body.joint_names[joint]
        root = body.parents[joint] < 0
        channels = (
            f"CHANNELS 6 Xposition Yposition Zposition {ROTATION_CHANNELS}"
            if root
            else f"CHANNELS 3 {ROTATION_CHANNELS}"
        )
        lines = [
            f"{pad}{'ROOT' if root else 'JOINT'} {name}",
            f"{pad}{{",
            f"{pad}\tOFFSET {_numbers(body.offsets[joint])}",
            f"{pad}\t{channels}",
        ]
        for child in children[joint]:
            lines += block(child, depth + 1)
        if not children[joint]:
            end = END_SITES.get(name, (0.0, 0.05, 0.0))
            lines += [
                f"{pad}\tEnd Site",
                f"{pad}\t{{",
                f"{pad}\t\tOFFSET {_numbers(end)}",
                f"{pad}\t}}",
            ]
        return [*lines, f"{pad}}}"]

    (root,) = (joint for joint, parent in enumerate(body.parents) if parent < 0)
    return ["HIERARCHY", *block(root, 0)]


def _numbers(values) -> str:
    # Rounded first, so that no -0.000000 is written.
    return " ".join(f"{value:.6f}" for value in np.round(values, 6) + 0.0)


def _depth_first(parents: tuple[int, ...]) -> list[int]:
    """Joints in the order the hierarchy lists them (children in index order)."""
    order: list[int] = []

    def visit(joint: int) -> None:
        order.append(joint)
        for child, parent in enumerate(parents):
            if parent == joint:
                visit(child)

    visit(parents.index(-1))
    return order


def write_bvh(
    path: str | os.PathLike,
    body: FittedBody,
    fps: float,
    inputs: Sequence[str | os.PathLike] = (),
    force: bool = False,
) -> Path:
    r"""Writes a fitted body as a BVH file (units, axes and channels in the
    module's description), atomically: nothing is left at :obj:`path` when
    writing fails.

    Args:
        path (str or os.PathLike): The :obj:`.bvh` file to write.
        body (FittedBody): The body, from
            :func:`~pyg_weightshare.lifting.fit.fit_skeleton`.
        fps (float): Frames per second of the video.
        inputs (Sequence[str or os.PathLike], optional): The files the
            command read, never replaced. (default: :obj:`()`)
        force (bool, optional): Replace an existing file (never an input).
            (default: :obj:`False`)

    Returns:
        pathlib.Path: :obj:`path`.
    """
    if not fps > 0:
        raise ValueError(f"the frame rate must be positive, got {fps}")
    order = _depth_first(body.parents)
    angles = euler_zxy(body.rotations[:, order])
    root = (body.trajectory @ CAMERA_TO_BODY)[:, None]
    motion = np.concatenate([root, angles], axis=1).reshape(len(angles), -1)
    lines = [
        *_hierarchy(body),
        "MOTION",
        f"Frames: {len(motion)}",
        f"Frame Time: {1 / fps:.8f}",
        *(_numbers(frame) for frame in motion),
    ]
    path = Path(path)
    with atomic_output(path, inputs, force) as temporary:
        temporary.write_text("\n".join(lines) + "\n")
    return path
