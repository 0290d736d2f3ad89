r"""A synthetic Human3.6M: the VideoPose3D files generated from a kinematic
human model, so the whole pipeline runs without the real dataset.

Every subject gets its own bone lengths (adult proportions, scaled height)
and every sequence its own motion: key poses typical of the action (pointing,
phoning, sitting on a chair or on the floor, picking things up, waving...)
blended smoothly, a gait cycle whenever the subject walks, turns, a path
inside the capture area, and small smooth noise on every joint angle. Joint
angles are clipped to anatomical limits and the lowest supporting point
(feet, knees or seat) rests on the floor. The 3D mocap is projected with the
real calibration of each subject to give the ground-truth 2D, and optionally
perturbed like a 2D detector's output.

Run as a script to write a dataset::

    python -m pyg_weightshare.datasets.synthetic --out data/h36m_synthetic
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pyg_weightshare.datasets.camera import h36m_cameras
from pyg_weightshare.datasets.human36m import (
    ACTIONS,
    MOCAP_INDICES_17,
    SUBJECTS,
)
from pyg_weightshare.skeleton import H36M_LEFT_17, H36M_RIGHT_17

FPS = 50

# Bone vectors of an average adult (metres) in the rest frame of their
# segment: x to the subject's left, y forward, z up; limbs hang down.
_BONES = {
    "hip_width": 0.13,
    "thigh": 0.45,
    "shin": 0.44,
    "lower_spine": 0.23,
    "upper_spine": 0.25,
    "neck": 0.11,
    "head": 0.115,
    "shoulder_width": 0.15,
    "upper_arm": 0.28,
    "forearm": 0.25,
    "foot": 0.15,
}
_ANKLE_HEIGHT = 0.08
# The middle of the floor area that all 28 subject-camera pairs see whole.
_CAPTURE_CENTER = np.array([0.2, 0.3])

# Joint-angle channels (degrees; speed in m/s). Trunk: lean (forward at the
# hips), bend (upper spine forward), side bend, twist; head nod and turn. Each
# limb swings by an elevation from hanging straight down (forward positive)
# in a plane turned outwards by an azimuth, with an internal twist about
# its own axis, and bends at the knee or elbow.
_LIMB_CHANNELS = (
    "hip_elev", "hip_az", "hip_twist", "knee", "ankle",
    "sh_elev", "sh_az", "sh_twist", "elbow",
)  # fmt: skip
CHANNELS = (
    "lean", "roll", "bend", "side", "twist", "chest_twist", "nod", "turn", "speed",
    *(f"{side}_{name}" for side in "lr" for name in _LIMB_CHANNELS),
)  # fmt: skip
_NEUTRAL = {f"{side}_{name}": value for side in "lr" for name, value in (
    ("hip_az", 6.0), ("knee", 3.0), ("sh_elev", 6.0), ("sh_az", 12.0),
    ("sh_twist", 10.0), ("elbow", 12.0),
)}  # fmt: skip
_LIMITS = {
    "lean": (-30, 80), "roll": (-10, 10), "bend": (-15, 40), "side": (-30, 30),
    "twist": (-40, 40), "chest_twist": (-30, 30), "nod": (-40, 50),
    "turn": (-75, 75), "speed": (0, 2),
    **{f"{side}_{name}": limits for side in "lr" for name, limits in (
        ("hip_elev", (-30, 120)), ("hip_az", (-30, 90)), ("hip_twist", (-40, 40)),
        ("knee", (0, 150)), ("ankle", (-30, 40)), ("sh_elev", (-50, 175)),
        ("sh_az", (-45, 120)), ("sh_twist", (-60, 90)), ("elbow", (0, 150)),
    )},
}  # fmt: skip
# Channels that change sign when a pose is mirrored left to right.
_LATERAL = ("roll", "side", "twist", "chest_twist", "turn")

# Pose templates: channel -> value or (low, high) to draw from. A key pose
# merges a few templates, later ones winning.
Template = dict[str, float | tuple[float, float]]


def _both(**channels: float | tuple[float, float]) -> Template:
    return {f"{side}_{name}": v for side in "lr" for name, v in channels.items()}


def _right(**channels: float | tuple[float, float]) -> Template:
    return {f"r_{name}": value for name, value in channels.items()}


STAND: Template = {"roll": (-4, 4), **_both(hip_az=(0, 12), knee=(0, 8))}
SIT: Template = {
    "speed": 0, "lean": (-10, 15),
    **_both(hip_elev=(80, 95), hip_az=(5, 20), knee=(75, 105),
            sh_elev=(20, 40), elbow=(60, 90)),
}  # fmt: skip
SIT_LEGS_CROSSED: Template = {
    **SIT,
    **_right(hip_elev=(95, 110), hip_az=(-25, -10), knee=(70, 90)),
}
SIT_LEAN_FORWARD: Template = {
    **SIT, "lean": (20, 40), "nod": (0, 20), **_both(sh_elev=(30, 50), elbow=(80, 110)),
}  # fmt: skip
SIT_FLOOR: Template = {
    "speed": 0, "lean": (-25, -5),
    **_both(hip_elev=(85, 95), hip_az=(10, 35), knee=(0, 20),
            sh_elev=(-40, -20), sh_az=(10, 30), elbow=(0, 15)),
}  # fmt: skip
SIT_FLOOR_KNEES_UP: Template = {
    **SIT_FLOOR, **_both(hip_elev=(125, 145), hip_az=(5, 25), knee=(130, 150)),
}  # fmt: skip
HANDS_ON_KNEES: Template = {"lean": (10, 30), **_both(sh_elev=(40, 60), elbow=(0, 30))}
CROUCH: Template = {
    "speed": 0, "lean": (20, 40),
    **_both(hip_elev=(50, 90), knee=(70, 120), ankle=(10, 30)),
}  # fmt: skip
LUNGE: Template = {
    "speed": 0, "lean": (0, 15),
    "l_hip_elev": (40, 70), "l_knee": (50, 80), **_right(hip_elev=(-25, -10)),
}  # fmt: skip
ONE_LEG_RAISED: Template = {"speed": 0, **_right(hip_elev=(20, 60), knee=(20, 90))}
LEGS_APART: Template = {"speed": 0, **_both(hip_az=(60, 90), hip_elev=(8, 15))}
PICK_UP: Template = {
    "speed": 0, "lean": (40, 75), "bend": (10, 25), "nod": (10, 30),
    **_both(hip_elev=(0, 30), knee=(10, 50), sh_elev=(60, 90), elbow=(0, 30)),
}  # fmt: skip
BOW: Template = {"lean": (20, 45), "bend": (5, 15), "nod": (10, 30)}
SIDE_BEND: Template = {"side": (15, 30)}
LOOK_AROUND: Template = {"turn": (-60, 60), "nod": (-10, 20), "twist": (-20, 20)}
TALK_TO_PARTNER: Template = {"turn": (20, 45), "twist": (0, 10)}
ARMS_CROSSED: Template = _both(
    sh_elev=(25, 40), sh_az=(-40, -20), sh_twist=(40, 70), elbow=(100, 125)
)
HANDS_ON_HIPS: Template = _both(
    sh_elev=(25, 40), sh_az=(70, 90), sh_twist=(50, 80), elbow=(80, 110)
)
ARMS_UP: Template = _both(sh_elev=(140, 175), sh_az=(10, 50), elbow=(0, 30))
ARMS_OUT: Template = _both(sh_elev=(80, 100), sh_az=(80, 95), elbow=(0, 15))
GESTURE: Template = _both(
    sh_elev=(10, 45), sh_az=(0, 40), sh_twist=(0, 40), elbow=(50, 100)
)
CARRY: Template = _both(sh_elev=(10, 25), elbow=(70, 100))
CAMERA: Template = {
    "nod": (-5, 10),
    **_both(sh_elev=(60, 85), sh_az=(10, 30), sh_twist=(30, 60), elbow=(110, 135)),
}  # fmt: skip
POINT: Template = {
    "twist": (-20, 20),
    **_right(sh_elev=(70, 110), sh_az=(0, 70), elbow=(0, 20)),
}
# The wrist reaches the ear or the mouth with the elbow raised forwards.
HAND_TO_EAR: Template = _right(
    sh_elev=(70, 90), sh_az=(20, 35), sh_twist=(50, 70), elbow=(140, 150)
)
HAND_TO_MOUTH: Template = {
    "nod": (5, 15),
    **_right(sh_elev=(50, 65), sh_az=(0, 15), sh_twist=(40, 55), elbow=(135, 145)),
}
HOLD_ELBOW: Template = {
    "l_sh_elev": (15, 30), "l_sh_az": (-30, -10), "l_sh_twist": (40, 70),
    "l_elbow": (80, 110),
}  # fmt: skip
WAVE_HIGH: Template = _right(sh_elev=(100, 140), sh_az=(40, 80), elbow=(30, 60))
WAVE_LOW: Template = _right(sh_elev=(100, 140), sh_az=(40, 80), elbow=(70, 100))
HANDSHAKE: Template = {
    "lean": (5, 15),
    **_right(sh_elev=(30, 50), sh_az=(0, 20), elbow=(40, 70)),
}
LEASH: Template = {
    "nod": (10, 30), "lean": (5, 15), **_right(sh_elev=(20, 45), sh_az=(0, 20),
                                               elbow=(10, 40)),
}  # fmt: skip


@dataclass(frozen=True)
class _Action:
    """How an action moves.

    Args:
        poses: Key poses, each a tuple of templates merged in order.
        hold: Range of seconds between key poses.
        walk: Probability that the subject walks towards a key pose.
        speed: Range of the walking speed, m/s.
        turn: Standard deviation of the turn between key poses, degrees.
    """

    poses: tuple[tuple[Template, ...], ...]
    hold: tuple[float, float] = (0.8, 2.5)
    walk: float = 0.0
    speed: tuple[float, float] = (0.8, 1.3)
    turn: float = 40.0


_MOTIONS = {
    "Directions": _Action(
        ((STAND,), (STAND, POINT), (STAND, GESTURE), (STAND, LOOK_AROUND),
         (STAND, ARMS_CROSSED)), walk=0.25, turn=60,
    ),
    "Discussion": _Action(
        ((STAND, GESTURE), (STAND, GESTURE, LOOK_AROUND), (STAND, ARMS_CROSSED),
         (STAND, HANDS_ON_HIPS), (STAND, POINT)), hold=(0.4, 1.5), walk=0.15,
    ),
    "Eating": _Action(
        ((SIT, HAND_TO_MOUTH), (SIT_LEAN_FORWARD, HAND_TO_MOUTH), (SIT,),
         (SIT_LEAN_FORWARD,)), hold=(0.7, 2.5), turn=5,
    ),
    "Greeting": _Action(
        ((STAND, WAVE_HIGH), (STAND, WAVE_LOW), (STAND, HANDSHAKE), (STAND, BOW),
         (STAND,)), hold=(0.3, 1.2), walk=0.3,
    ),
    "Phoning": _Action(
        ((STAND, HAND_TO_EAR), (STAND, GESTURE, HAND_TO_EAR),
         (STAND, LOOK_AROUND, HAND_TO_EAR), (SIT, HAND_TO_EAR)),
        hold=(1.0, 3.0), walk=0.3,
    ),
    "Photo": _Action(
        ((STAND, CAMERA), (CROUCH, CAMERA), (STAND, LOOK_AROUND, CAMERA), (STAND,)),
        walk=0.2, turn=50,
    ),
    "Posing": _Action(
        ((STAND, ARMS_UP), (STAND, ARMS_OUT), (STAND, HANDS_ON_HIPS), (LUNGE, ARMS_UP),
         (LUNGE, ARMS_OUT), (LEGS_APART, HANDS_ON_HIPS), (ONE_LEG_RAISED, ARMS_OUT),
         (STAND, SIDE_BEND, ARMS_UP)), hold=(1.5, 3.5), walk=0.1,
    ),
    "Purchases": _Action(
        ((PICK_UP,), (STAND, CARRY), (STAND, LOOK_AROUND), (STAND, POINT)),
        hold=(0.8, 2.0), walk=0.4,
    ),
    "Sitting": _Action(
        ((SIT,), (SIT_LEGS_CROSSED,), (SIT_LEAN_FORWARD,), (SIT, GESTURE),
         (SIT, ARMS_CROSSED), (SIT, HAND_TO_EAR)), hold=(1.5, 4.0), turn=5,
    ),
    "SittingDown": _Action(
        ((STAND,), (SIT_FLOOR,), (SIT_FLOOR_KNEES_UP,),
         (SIT_FLOOR_KNEES_UP, HANDS_ON_KNEES), (CROUCH,)),
        hold=(1.0, 3.0), turn=30,
    ),
    "Smoking": _Action(
        ((STAND, HOLD_ELBOW), (STAND, HOLD_ELBOW, HAND_TO_MOUTH), (SIT, HAND_TO_MOUTH),
         (SIT, HOLD_ELBOW)), hold=(0.8, 3.0), walk=0.15,
    ),
    "Waiting": _Action(
        ((STAND, ARMS_CROSSED), (STAND, HANDS_ON_HIPS), (STAND, LOOK_AROUND),
         (STAND,), (STAND, ARMS_UP), (SIT,)), hold=(1.5, 4.0), walk=0.2,
    ),
    "WalkDog": _Action(
        ((STAND, LEASH), (STAND, LEASH, LOOK_AROUND), (BOW, LEASH)),
        hold=(1.0, 3.0), walk=0.85, speed=(0.3, 1.2), turn=20,
    ),
    "Walking": _Action(((STAND,),), walk=1.0, speed=(1.0, 1.5), turn=10),
    "WalkTogether": _Action(
        ((STAND, TALK_TO_PARTNER), (STAND,), (STAND, TALK_TO_PARTNER, GESTURE)),
        walk=1.0, speed=(0.7, 1.0), turn=10,
    ),
}  # fmt: skip

DEFAULT_FRAMES = 700
_TAKES = ("", " 1")


def _rotation(axis: str, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices ``[T, 3, 3]`` about a coordinate axis, angles in radians."""
    cos, sin = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(angle), np.zeros_like(angle)
    rows = {
        "x": ((one, zero, zero), (zero, cos, -sin), (zero, sin, cos)),
        "y": ((cos, zero, sin), (zero, one, zero), (-sin, zero, cos)),
        "z": ((cos, -sin, zero), (sin, cos, zero), (zero, zero, one)),
    }[axis]
    return np.stack([np.stack(row, -1) for row in rows], -2)


def _ease(times: np.ndarray, values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Blends key values ``[K, C]`` at ``times`` ``[K]`` into ``[T, C]`` at ``t``
    with a cosine ease, so every key is reached with zero velocity."""
    index = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    progress = np.clip((t - times[index]) / (times[index + 1] - times[index]), 0, 1)
    weight = (0.5 - 0.5 * np.cos(np.pi * progress))[:, None]
    return values[index] * (1 - weight) + values[index + 1] * weight


def _smooth_noise(
    rng: np.random.Generator, t: np.ndarray, num_channels: int, interval: float
) -> np.ndarray:
    """Unit-variance noise ``[T, C]`` that varies on a time scale of ``interval``."""
    times = np.arange(-1, t[-1] / interval + 2) * interval
    return _ease(times, rng.standard_normal((len(times), num_channels)), t)


def _sample_pose(
    rng: np.random.Generator, templates: Sequence[Template], action: _Action
) -> np.ndarray:
    """One key pose: the action's templates drawn, merged, and maybe mirrored."""
    pose = {channel: 0.0 for channel in CHANNELS} | _NEUTRAL
    pose["speed"] = rng.uniform(*action.speed) if rng.random() < action.walk else 0.0
    for template in templates:
        for channel, value in template.items():
            pose[channel] = rng.uniform(*value) if isinstance(value, tuple) else value
    if rng.random() < 0.5:
        pose = {
            {"l": "r", "r": "l"}.get(channel[0], "") + channel[1:]
            if channel[1:2] == "_"
            else channel: -value if channel in _LATERAL else value
            for channel, value in pose.items()
        }
    return np.array([pose[channel] for channel in CHANNELS])


def _gait(channels: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Adds a walking cycle scaled by the speed; returns the gait amplitude."""
    speed = channels["speed"]
    amplitude = np.clip(speed / 1.1, 0, 1)
    cadence = 0.55 + 0.35 * speed  # strides per second
    phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(cadence) / FPS
    for side, offset in (("l", 0.0), ("r", np.pi)):
        leg = phase + offset
        # Hip flexion peaks late in the swing (leg phase -0.2 pi), the knee
        # flexes early in the stance and most in the swing, and each arm
        # swings against its own leg.
        swing = np.angle(np.exp(1j * (leg - 1.4 * np.pi)))
        loading = np.angle(np.exp(1j * (leg - 0.3 * np.pi)))
        channels[f"{side}_hip_elev"] += amplitude * (
            10 + 22 * np.cos(leg + 0.2 * np.pi)
        )
        channels[f"{side}_knee"] += amplitude * (
            5
            + 55 * np.exp(-((swing / 0.45) ** 2))
            + 12 * np.exp(-((loading / 0.3) ** 2))
        )
        channels[f"{side}_ankle"] += amplitude * 10 * np.sin(leg)
        channels[f"{side}_sh_elev"] -= amplitude * 14 * np.cos(leg)
        channels[f"{side}_elbow"] += amplitude * (10 - 8 * np.cos(leg))
    channels["twist"] += amplitude * 6 * np.sin(phase)
    channels["lean"] += amplitude * 5
    return amplitude


def _forward_kinematics(
    channels: dict[str, np.ndarray], heading: np.ndarray, bones: dict[str, float]
) -> np.ndarray:
    """The 32 mocap joints ``[T, 32, 3]`` of a pose sequence, root at the origin."""
    angle = {name: np.radians(values) for name, values in channels.items()}
    pelvis = _rotation("z", heading) @ _rotation("y", angle["roll"])
    lumbar = (
        pelvis
        @ _rotation("x", -angle["lean"])
        @ _rotation("y", angle["side"])
        @ _rotation("z", angle["twist"])
    )
    chest = (
        lumbar @ _rotation("x", -angle["bend"]) @ _rotation("z", angle["chest_twist"])
    )
    head = chest @ _rotation("x", -angle["nod"]) @ _rotation("z", angle["turn"])

    hip = np.zeros((len(heading), 3))
    spine = hip + lumbar @ np.array([0, -0.01, bones["lower_spine"]])
    thorax = spine + chest @ np.array([0, 0, bones["upper_spine"]])
    nose = thorax + head @ (bones["neck"] * np.array([0, 0.4, 0.92]))
    head_top = nose + head @ (bones["head"] * np.array([0, -0.1, 0.99]))

    limbs = {}
    for side, sign in (("l", 1.0), ("r", -1.0)):

        def swing(
            parent: np.ndarray, prefix: str, side: str = side, sign: float = sign
        ):
            # Elevation in a plane turned outwards by the azimuth, then the
            # twist about the limb's own axis, internal rotation positive.
            return (
                parent
                @ _rotation("z", -sign * angle[f"{side}_{prefix}_az"])
                @ _rotation("x", angle[f"{side}_{prefix}_elev"])
                @ _rotation("z", sign * angle[f"{side}_{prefix}_twist"])
            )

        thigh = swing(pelvis, "hip")
        shin = thigh @ _rotation("x", -angle[f"{side}_knee"])
        foot = shin @ _rotation("x", angle[f"{side}_ankle"])
        upper_arm = swing(chest, "sh")
        forearm = upper_arm @ _rotation("x", angle[f"{side}_elbow"])

        hip_joint = hip + pelvis @ np.array([sign * bones["hip_width"], 0, 0])
        knee = hip_joint + thigh @ np.array([0, 0, -bones["thigh"]])
        ankle = knee + shin @ np.array([0, 0, -bones["shin"]])
        shoulder = thorax + chest @ np.array(
            [sign * bones["shoulder_width"], -0.01, -0.03]
        )
        elbow = shoulder + upper_arm @ np.array([0, 0, -bones["upper_arm"]])
        wrist = elbow + forearm @ np.array([0, 0, -bones["forearm"]])
        limbs[side] = {
            "leg": [
                hip_joint, knee, ankle,
                ankle + foot @ np.array([0, 0.75 * bones["foot"], -0.06]),
                ankle + foot @ np.array([0, 1.15 * bones["foot"], -0.07]),
            ],
            # Thorax copy (clavicle), shoulder, elbow, wrist, hand, hand end,
            # thumb (on the wrist, as in the real mocap), thumb end.
            "arm": [
                thorax, shoulder, elbow, wrist,
                wrist + forearm @ np.array([0, 0, -0.07]),
                wrist + forearm @ np.array([0, 0, -0.15]),
                wrist,
                wrist + forearm @ np.array([-sign * 0.03, 0.03, -0.05]),
            ],
        }  # fmt: skip
    # The mocap order: hip, right leg, left leg, spine (on the hip), spine,
    # thorax, nose, head, left arm, right arm.
    joints = [
        hip, *limbs["r"]["leg"], *limbs["l"]["leg"], hip, spine, thorax, nose,
        head_top, *limbs["l"]["arm"], *limbs["r"]["arm"],
    ]  # fmt: skip
    return np.stack(joints, axis=1)


def _ground_height(joints: np.ndarray) -> np.ndarray:
    """How high to lift the root ``[T]`` so the lowest support is on the floor."""
    support = np.concatenate(
        [
            joints[:, [3, 8], 2] - _ANKLE_HEIGHT,  # ankles above a flat foot
            joints[:, [4, 9], 2] - 0.02,  # toes
            joints[:, [2, 7], 2] - 0.05,  # kneeling
            joints[:, [0], 2] - 0.10,  # sitting on the floor
        ],
        axis=1,
    )
    return -support.min(axis=1)


def _body(rng: np.random.Generator) -> dict[str, float]:
    """A subject's bone lengths: an adult scaled in height, each bone varied."""
    scale = rng.uniform(0.9, 1.08)
    return {
        name: length
        * scale
        * np.clip(rng.normal(1, 0.07 if "width" in name else 0.035), 0.85, 1.15)
        for name, length in _BONES.items()
    }


def _sequence(
    rng: np.random.Generator, action: _Action, bones: dict[str, float], num_frames: int
) -> np.ndarray:
    """World positions of the 32 mocap joints ``[T, 32, 3]`` of one take."""
    t = np.arange(num_frames) / FPS
    holds = rng.uniform(*action.hold, size=int(t[-1] / action.hold[0]) + 3)
    times = np.concatenate([[0.0], np.cumsum(holds[:-1])]) - rng.uniform(0, holds[0])
    keys = np.stack(
        [
            _sample_pose(rng, action.poses[rng.integers(len(action.poses))], action)
            for _ in times
        ]
    )
    values = _ease(times, keys, t)
    noise_scale = np.array([0.0 if name == "speed" else 3.0 for name in CHANNELS])
    values += noise_scale * _smooth_noise(rng, t, len(CHANNELS), interval=0.5)
    channels = dict(zip(CHANNELS, values.T.copy(), strict=True))
    amplitude = _gait(channels, rng)
    for name, (low, high) in _LIMITS.items():
        channels[name] = np.clip(channels[name], low, high)
    # Limits of the hip relative to the pelvis, which leans with the trunk.
    for side in "lr":
        elevation = channels[f"{side}_hip_elev"]
        channels[f"{side}_hip_elev"] = np.clip(
            elevation, -25 - channels["lean"], 130 - channels["lean"]
        )

    # An elliptic path inside the capture area, walked at the current speed;
    # the body faces along it while walking and turns freely while standing.
    radii = rng.uniform([0.7, 0.5], [1.1, 0.8])
    center = _CAPTURE_CENTER + rng.uniform(-0.1, 0.1, size=2)
    tilt = _rotation("z", np.array(rng.uniform(0, np.pi)))[:2, :2]
    direction = rng.choice([-1.0, 1.0])
    angle = (
        rng.uniform(0, 2 * np.pi)
        + direction * np.cumsum(channels["speed"]) / FPS / radii.mean()
    )
    position = (
        center
        + np.stack([radii[0] * np.cos(angle), radii[1] * np.sin(angle)], -1) @ tilt.T
    )
    tangent = (
        direction
        * np.stack([-radii[0] * np.sin(angle), radii[1] * np.cos(angle)], -1)
        @ tilt.T
    )
    turns = np.radians(np.cumsum(rng.normal(0, action.turn, size=len(times))))
    heading = (
        np.arctan2(-tangent[:, 0], tangent[:, 1])
        + (1 - amplitude) * _ease(times, turns[:, None], t)[:, 0]
    )

    joints = _forward_kinematics(channels, heading, bones)
    joints[..., :2] += position[:, None] + 0.1 * _smooth_noise(rng, t, 2, 2.0)[:, None]
    joints[..., 2] += _ground_height(joints)[:, None]
    return joints


def _detections(rng: np.random.Generator, pixels: np.ndarray) -> np.ndarray:
    """Pixels ``[T, 17, 2]`` perturbed like a 2D detector's output, a few
    frames longer as CPN files are."""
    spread = np.full(17, 2.5)
    spread[[2, 5, 12, 15]] = 4.0  # knees, elbows
    spread[[3, 6, 13, 16]] = 6.0  # feet, wrists
    spread[[9, 10]] = 3.5  # nose, head
    t = np.arange(len(pixels)) / FPS
    drift = _smooth_noise(rng, t, 34, interval=0.12).reshape(-1, 17, 2)
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

    Returns:
        list[pathlib.Path]: The files written.

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
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)

    positions_3d: dict[str, dict[str, np.ndarray]] = {}
    positions_2d: dict[str, dict[str, list[np.ndarray]]] = {}
    detected: dict[str, dict[str, list[np.ndarray]]] = {}
    for subject in subjects:
        subject_id = SUBJECTS.index(subject)
        bones = _body(np.random.default_rng([seed, subject_id]))
        cameras = h36m_cameras(subject)
        positions_3d[subject], positions_2d[subject], detected[subject] = {}, {}, {}
        for action_id, action in enumerate(ACTIONS):
            for take_id, take in enumerate(_TAKES):
                key = action + take
                if subject == "S11" and key == "Directions":
                    continue
                rng = np.random.default_rng([seed, subject_id, action_id, take_id])
                num_frames = max(2, round(frames * rng.uniform(0.75, 1.25)))
                mocap = _sequence(rng, _MOTIONS[action], bones, num_frames)
                positions_3d[subject][key] = mocap.astype(np.float32)
                world = positions_3d[subject][key][:, MOCAP_INDICES_17]
                views = [
                    camera.project(camera.world_to_camera(world)) for camera in cameras
                ]
                positions_2d[subject][key] = views
                if detections is not None:
                    detected[subject][key] = [_detections(rng, view) for view in views]

    metadata = {
        "num_joints": len(MOCAP_INDICES_17),
        "keypoints_symmetry": [list(H36M_LEFT_17), list(H36M_RIGHT_17)],
        "layout_name": "h36m",
    }
    paths = [root / "data_3d_h36m.npz", root / "data_2d_h36m_gt.npz"]
    np.savez(paths[0], positions_3d=positions_3d)
    np.savez(paths[1], positions_2d=positions_2d, metadata=metadata)
    if detections is not None:
        paths.append(root / f"data_2d_h36m_{detections}.npz")
        np.savez(paths[2], positions_2d=detected, metadata=metadata)
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
        "--detections",
        metavar="NAME",
        help="also write noisy 2D keypoints as data_2d_h36m_NAME.npz",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    paths = synthesize_h36m(
        args.out, args.frames, args.seed, args.subjects, args.detections
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
