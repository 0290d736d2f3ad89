r"""A pose prior for synthetic training data: a kinematic adult whose joint
angles are drawn within anatomical limits, with the correlations real bodies
show, and moved smoothly from one drawn pose to the next.

A pose is a vector of joint-angle channels (degrees). A *key pose* draws the
legs and trunk around one of a few postures (standing, stepping, sitting,
squatting or kneeling, sitting on the floor, lying, and free athletic poses),
the arms and head from broad ranges, and correlates the channels that move
together (hip and knee flexion, both hips, shoulder elevation and elbow
flexion, both shoulders). Every channel is then clamped softly into its
anatomical range, so the limits hold exactly and poses near them (a
straight knee) stay likely. Key poses are eased into one another, a gait
cycle is added while the body walks or runs, and the whole body turns, tilts
(lying, cartwheels) and leaves the floor (jumps).

Bodies vary per subject around the average Human3.6M adult: a height scale
and every bone length drawn independently, plus where the hip and shoulder
joints sit, since mocap skeletons place them differently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FPS = 50

# Bone lengths of an average adult between the joints Human3.6M's mocap
# uses (metres), as the generator this one replaced had them.
BONES = {
    "hip_width": 0.133,
    "thigh": 0.452,
    "shin": 0.447,
    "lower_spine": 0.233,
    "upper_spine": 0.257,
    "neck": 0.118,
    "head": 0.115,
    "shoulder_width": 0.151,
    "upper_arm": 0.279,
    "forearm": 0.249,
    "foot": 0.15,
}
# Relative standard deviation of each bone around the subject's height scale.
# Widths vary most, as mocap skeletons differ most there (the hip joints
# of DeepMimic's humanoid are 36% closer together than BONES has them).
BONE_SPREAD = {name: 0.16 if "width" in name else 0.07 for name in BONES}
# A subject's height scale: mean 1, this standard deviation, clipped to
# HEIGHT_RANGE; every bone is further clipped to +-2.5 of its spread.
HEIGHT_SPREAD = 0.05
HEIGHT_RANGE = (0.88, 1.12)
# Where mocap systems put the joints inside the body differs: the hip joints
# below the pelvis centre, the shoulders below or above the thorax (metres).
JOINT_OFFSETS = {"hip_drop": (-0.02, 0.07), "shoulder_drop": (-0.02, 0.06)}

# Joint-angle channels. Trunk: lean (forward at the hips), roll of the
# pelvis, bend (upper spine forward), side bend, twist, chest twist; head nod
# and turn. Each limb swings by an elevation from hanging straight down
# (forward positive) in a plane turned outwards by an azimuth, with an
# internal twist about its own axis, and bends at the knee or elbow.
LIMB_CHANNELS = (
    "hip_elev", "hip_az", "hip_twist", "knee", "ankle",
    "sh_elev", "sh_az", "sh_twist", "elbow",
)  # fmt: skip
CHANNELS = (
    "lean", "roll", "bend", "side", "twist", "chest_twist", "nod", "turn",
    *(f"{side}_{name}" for side in "lr" for name in LIMB_CHANNELS),
)  # fmt: skip
# Anatomical ranges of motion (degrees), from the usual clinical tables.
LIMITS = {
    "lean": (-30, 90), "roll": (-15, 15), "bend": (-20, 45), "side": (-35, 35),
    "twist": (-45, 45), "chest_twist": (-30, 30), "nod": (-50, 60),
    "turn": (-80, 80),
    **{f"{side}_{name}": limits for side in "lr" for name, limits in (
        ("hip_elev", (-30, 130)), ("hip_az", (-25, 90)), ("hip_twist", (-40, 45)),
        ("knee", (0, 150)), ("ankle", (-30, 45)), ("sh_elev", (-50, 180)),
        ("sh_az", (-45, 130)), ("sh_twist", (-70, 90)), ("elbow", (0, 150)),
    )},
}  # fmt: skip
# Channels that change sign when a pose is mirrored left to right.
_LATERAL = ("roll", "side", "twist", "chest_twist", "turn")

# Every key pose: (centre, spread) of each channel before the posture's own.
_BASE = {
    "lean": (5, 12), "roll": (0, 4), "bend": (5, 10), "side": (0, 10),
    "twist": (0, 15), "chest_twist": (0, 10), "nod": (5, 15), "turn": (0, 30),
    **{f"{side}_{name}": spec for side in "lr" for name, spec in (
        ("hip_elev", (5, 12)), ("hip_az", (8, 8)), ("hip_twist", (0, 12)),
        ("knee", (8, 10)), ("ankle", (0, 8)), ("sh_elev", (30, 50)),
        ("sh_az", (20, 35)), ("sh_twist", (15, 35)), ("elbow", (45, 45)),
    )},
}  # fmt: skip


def _both_sides(**channels: tuple[float, float]) -> dict[str, tuple[float, float]]:
    return {f"{side}_{name}": v for side in "lr" for name, v in channels.items()}


@dataclass(frozen=True)
class Posture:
    """A family of key poses.

    Args:
        channels: (centre, spread) in degrees of the channels that differ
            from the common prior.
        tilt: Standard deviation (degrees) of the body's pitch and roll away
            from upright, about the pelvis.
        pitch: Mean pitch (degrees) of the body: 90 lies on the back.
        speed: Range of the walking or running speed (m/s).
        flight: Range of the height (m) of a jump at each key pose.
    """

    channels: dict[str, tuple[float, float]]
    tilt: float = 0.0
    pitch: float = 0.0
    speed: tuple[float, float] = (0.0, 0.0)
    flight: tuple[float, float] = (0.0, 0.0)


POSTURES = {
    "stand": Posture({}),
    "walk": Posture({}, speed=(0.6, 1.7)),
    "run": Posture(
        {"lean": (12, 6), **_both_sides(sh_elev=(10, 20), elbow=(85, 15))},
        speed=(2.0, 4.0),
        flight=(0.0, 0.12),
    ),
    "sit": Posture(
        {"lean": (5, 15),
         **_both_sides(hip_elev=(90, 12), hip_az=(12, 12), knee=(90, 20))}
    ),
    "squat": Posture(
        {"lean": (30, 15),
         **_both_sides(hip_elev=(95, 25), knee=(115, 25), ankle=(20, 12))}
    ),
    "floor": Posture(
        {"lean": (-10, 15),
         **_both_sides(hip_elev=(90, 20), hip_az=(25, 20), knee=(60, 50))}
    ),
    "lie": Posture(
        {**_both_sides(hip_elev=(15, 30), hip_az=(20, 20), knee=(30, 35))},
        tilt=20.0,
        pitch=90.0,
    ),
    "athletic": Posture(
        {
            "lean": (20, 35), "bend": (10, 20), "side": (0, 20), "twist": (0, 25),
            **_both_sides(hip_elev=(40, 55), hip_az=(30, 35), hip_twist=(0, 20),
                    knee=(50, 55), ankle=(5, 15), sh_elev=(70, 70), sh_az=(40, 50),
                    elbow=(40, 50)),
        },
        tilt=45.0,
        flight=(0.0, 0.5),
    ),
}  # fmt: skip

# Sports and everyday postures beyond Human3.6M's, for the wide prior of
# the bundled lifters (:obj:`WIDE_POSTURES`). Asymmetric ones name the right
# limb; :func:`sample_key_poses` mirrors half of every posture.
POSTURES |= {
    "ski": Posture(
        {"lean": (40, 12), "bend": (15, 10),
         **_both_sides(hip_elev=(65, 15), knee=(75, 15), ankle=(25, 8),
                       sh_elev=(35, 25), elbow=(50, 25))}
    ),
    "bat": Posture(
        {"lean": (20, 10), "twist": (30, 25), "chest_twist": (15, 15),
         **_both_sides(hip_elev=(20, 10), hip_az=(25, 10), knee=(30, 15),
                       sh_elev=(75, 25), sh_az=(50, 30), elbow=(70, 35))}
    ),
    "throw": Posture(
        {"lean": (10, 15), "twist": (25, 25), "side": (10, 10),
         "r_sh_elev": (150, 25), "r_sh_az": (80, 25), "r_elbow": (90, 35),
         "l_sh_elev": (70, 30), "l_hip_elev": (45, 20), "l_knee": (30, 20)}
    ),
    "kick": Posture(
        {"lean": (-10, 12), "r_hip_elev": (90, 25), "r_knee": (40, 35),
         "l_knee": (15, 10), **_both_sides(sh_elev=(55, 30), sh_az=(60, 30))},
        flight=(0.0, 0.2),
    ),
    "jump": Posture(
        {**_both_sides(hip_elev=(40, 35), knee=(45, 40), sh_elev=(110, 50),
                       elbow=(30, 30))},
        tilt=15.0,
        flight=(0.1, 0.7),
    ),
    "climb": Posture(
        {"lean": (25, 12), "r_hip_elev": (85, 20), "r_knee": (95, 20),
         "l_hip_elev": (-5, 10), "l_knee": (15, 15), "r_sh_elev": (140, 25),
         "l_sh_elev": (100, 35), **_both_sides(elbow=(60, 35))}
    ),
    "kneel": Posture(
        {"r_hip_elev": (0, 15), "r_knee": (100, 20), "l_hip_elev": (45, 45),
         "l_knee": (95, 15), "lean": (5, 15)}
    ),
    "crawl": Posture(
        {**_both_sides(hip_elev=(85, 15), knee=(90, 15), sh_elev=(90, 20),
                       elbow=(10, 10), sh_az=(0, 15))},
        tilt=10.0,
        pitch=90.0,
    ),
    "reach": Posture(
        {"nod": (-20, 15), **_both_sides(sh_elev=(160, 20), elbow=(15, 15))}
    ),
    "bend": Posture(
        {"lean": (80, 15), "bend": (30, 10), "nod": (-20, 15),
         **_both_sides(knee=(15, 15), sh_elev=(80, 35), elbow=(20, 20))}
    ),
}  # fmt: skip

WIDE_POSTURES = {
    "stand": 2.0, "walk": 2.0, "run": 1.0, "sit": 1.0, "squat": 1.0,
    "floor": 1.0, "lie": 1.0, "athletic": 1.0, "ski": 1.0, "bat": 1.0,
    "throw": 1.0, "kick": 1.0, "jump": 1.0, "climb": 1.0, "kneel": 1.0,
    "crawl": 1.0, "reach": 1.0, "bend": 1.0,
}  # fmt: skip
"""The posture weights of the wide prior of :func:`sample_poses`."""

# Correlations between channels of one key pose (latent Gaussian).
CORRELATIONS = {
    **{(f"{side}_hip_elev", f"{side}_knee"): 0.5 for side in "lr"},
    **{(f"{side}_sh_elev", f"{side}_elbow"): 0.3 for side in "lr"},
    ("l_hip_elev", "r_hip_elev"): 0.35,
    ("l_knee", "r_knee"): 0.3,
    ("l_sh_elev", "r_sh_elev"): 0.4,
}


def _correlation_factor() -> np.ndarray:
    """The Cholesky factor of the channels' correlation matrix."""
    correlation = np.eye(len(CHANNELS))
    for (a, b), value in CORRELATIONS.items():
        i, j = CHANNELS.index(a), CHANNELS.index(b)
        correlation[i, j] = correlation[j, i] = value
    return np.linalg.cholesky(correlation)


_FACTOR = _correlation_factor()
_LOW, _HIGH = (np.array([LIMITS[c][k] for c in CHANNELS], float) for k in (0, 1))


def squash(values: np.ndarray, softness: float = 2.0) -> np.ndarray:
    """Maps unbounded channel values ``[..., C]`` (degrees) smoothly into
    :obj:`LIMITS`: the identity more than a few ``softness`` from both ends
    of a range, a soft clamp to the range near them, never past them."""
    soft = (
        _LOW
        + softness * np.logaddexp(0, (values - _LOW) / softness)
        - softness * np.logaddexp(0, (values - _HIGH) / softness)
    )
    # Far past a limit the two terms cancel only to the last bit.
    return np.clip(soft, _LOW, _HIGH)


def sample_key_poses(rng: np.random.Generator, postures: list[Posture]) -> np.ndarray:
    """Joint angles of one key pose per posture, half of them mirrored left
    to right.

    Args:
        rng (numpy.random.Generator): The random generator.
        postures (list[Posture]): The posture of each key pose.

    Returns:
        numpy.ndarray: ``[K, C]`` degrees in :obj:`CHANNELS` order, within
        :obj:`LIMITS`.
    """
    center = np.array(
        [[(_BASE | p.channels)[c][0] for c in CHANNELS] for p in postures]
    )
    spread = np.array(
        [[(_BASE | p.channels)[c][1] for c in CHANNELS] for p in postures]
    )
    latent = rng.standard_normal((len(postures), len(CHANNELS))) @ _FACTOR.T
    poses = center + spread * latent
    mirror = rng.random(len(postures)) < 0.5
    swapped = [
        CHANNELS.index({"l": "r", "r": "l"}[c[0]] + c[1:]) if c[1] == "_" else i
        for i, c in enumerate(CHANNELS)
    ]
    sign = np.array([-1.0 if c in _LATERAL else 1.0 for c in CHANNELS])
    poses[mirror] = poses[mirror][:, swapped] * sign
    return squash(poses)


def sample_body(rng: np.random.Generator) -> dict[str, float]:
    """A subject's bone lengths and joint offsets (metres): a height scale,
    then every bone varied around :obj:`BONES` by :obj:`BONE_SPREAD`."""
    scale = np.clip(rng.normal(1, HEIGHT_SPREAD), *HEIGHT_RANGE)
    body = {
        name: length
        * scale
        * (1 + BONE_SPREAD[name] * np.clip(rng.standard_normal(), -2.5, 2.5))
        for name, length in BONES.items()
    }
    return body | {name: rng.uniform(*bounds) for name, bounds in JOINT_OFFSETS.items()}


def _rotation(axis: str, angle: np.ndarray) -> np.ndarray:
    """Rotation matrices ``[..., 3, 3]`` about a coordinate axis, radians."""
    cos, sin = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(angle), np.zeros_like(angle)
    rows = {
        "x": ((one, zero, zero), (zero, cos, -sin), (zero, sin, cos)),
        "y": ((cos, zero, sin), (zero, one, zero), (-sin, zero, cos)),
        "z": ((cos, -sin, zero), (sin, cos, zero), (zero, zero, one)),
    }[axis]
    return np.stack([np.stack(row, -1) for row in rows], -2)


def _ease(times: np.ndarray, values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Blends key values ``[K, C]`` at ``times`` ``[K]`` into ``[T, C]`` at
    ``t`` with a cosine ease, so every key is reached with zero velocity."""
    index = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    progress = np.clip((t - times[index]) / (times[index + 1] - times[index]), 0, 1)
    weight = (0.5 - 0.5 * np.cos(np.pi * progress))[:, None]
    return values[index] * (1 - weight) + values[index + 1] * weight


def smooth_noise(
    rng: np.random.Generator, t: np.ndarray, num_channels: int, interval: float
) -> np.ndarray:
    """Unit-variance noise ``[T, C]`` that varies on a time scale of ``interval``."""
    times = np.arange(-1, t[-1] / interval + 2) * interval
    return _ease(times, rng.standard_normal((len(times), num_channels)), t)


def _add_gait(
    channels: dict[str, np.ndarray], speed: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Adds a walking or running cycle scaled by the speed ``[T]`` (m/s);
    returns the gait amplitude ``[T]`` (0 standing, 1 walking, up to 2 running)."""
    amplitude = np.clip(speed / 1.1, 0, 2)
    run = np.clip(amplitude - 1, 0, 1)
    cadence = 0.55 + 0.35 * np.minimum(speed, 1.6) + 0.15 * run  # strides / s
    phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * np.cumsum(cadence) / FPS
    walk = np.minimum(amplitude, 1)
    for side, offset in (("l", 0.0), ("r", np.pi)):
        leg = phase + offset
        # Hip flexion peaks late in the swing, the knee flexes early in the
        # stance and most in the swing (far more when running), and each arm
        # swings against its own leg.
        swing = np.angle(np.exp(1j * (leg - 1.4 * np.pi)))
        loading = np.angle(np.exp(1j * (leg - 0.3 * np.pi)))
        channels[f"{side}_hip_elev"] += (walk + run) * (
            10 + 22 * np.cos(leg + 0.2 * np.pi)
        )
        channels[f"{side}_knee"] += (walk + 0.8 * run) * (
            5
            + 55 * np.exp(-((swing / 0.45) ** 2))
            + 12 * np.exp(-((loading / 0.3) ** 2))
        )
        channels[f"{side}_ankle"] += walk * 10 * np.sin(leg)
        channels[f"{side}_sh_elev"] -= (walk + run) * 14 * np.cos(leg)
        channels[f"{side}_elbow"] += walk * (10 - 8 * np.cos(leg))
    channels["twist"] += walk * 6 * np.sin(phase)
    return amplitude


def forward_kinematics(
    channels: dict[str, np.ndarray], orientation: np.ndarray, body: dict[str, float]
) -> np.ndarray:
    """The 32 Human3.6M mocap joints ``[T, 32, 3]`` of joint angles
    (:obj:`CHANNELS`, degrees, each ``[T]``) and pelvis orientations
    ``[T, 3, 3]``; the root at the origin, z up, the body facing +y with
    its right side towards +x, as a real (not mirrored) body."""
    angle = {name: np.radians(values) for name, values in channels.items()}
    pelvis = orientation @ _rotation("y", angle["roll"])
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

    hip = np.zeros((len(orientation), 3))
    spine = hip + lumbar @ np.array([0, -0.01, body["lower_spine"]])
    thorax = spine + chest @ np.array([0, 0, body["upper_spine"]])
    nose = thorax + head @ (body["neck"] * np.array([0, 0.4, 0.92]))
    head_top = nose + head @ (body["head"] * np.array([0, -0.1, 0.99]))

    limbs = {}
    for side, sign in (("l", -1.0), ("r", 1.0)):

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

        hip_joint = hip + pelvis @ np.array(
            [sign * body["hip_width"], 0, -body["hip_drop"]]
        )
        knee = hip_joint + thigh @ np.array([0, 0, -body["thigh"]])
        ankle = knee + shin @ np.array([0, 0, -body["shin"]])
        shoulder = thorax + chest @ np.array(
            [sign * body["shoulder_width"], -0.01, -body["shoulder_drop"]]
        )
        elbow = shoulder + upper_arm @ np.array([0, 0, -body["upper_arm"]])
        wrist = elbow + forearm @ np.array([0, 0, -body["forearm"]])
        limbs[side] = {
            "leg": [
                hip_joint, knee, ankle,
                ankle + foot @ np.array([0, 0.75 * body["foot"], -0.06]),
                ankle + foot @ np.array([0, 1.15 * body["foot"], -0.07]),
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


# How far above the floor each mocap joint stays (metres): ankles above a
# flat foot, toes, knees when kneeling, the seat, hands, the back of the head.
_CLEARANCE = np.full(32, 0.05)
_CLEARANCE[[3, 8]] = 0.08
_CLEARANCE[[4, 5, 9, 10]] = 0.02
_CLEARANCE[[0, 11]] = 0.10
_CLEARANCE[[15]] = 0.08


def _ground_height(joints: np.ndarray) -> np.ndarray:
    """How high to lift the root ``[T]`` so the lowest joint rests on the floor."""
    return -(joints[..., 2] - _CLEARANCE).min(axis=1)


def sample_take(
    rng: np.random.Generator,
    body: dict[str, float],
    num_frames: int,
    postures: dict[str, float],
    center: tuple[float, float] = (0.0, 0.0),
    hold: tuple[float, float] = (0.4, 1.5),
) -> np.ndarray:
    """World positions of the 32 mocap joints ``[T, 32, 3]`` of one take:
    key poses drawn from the prior, eased into one another, with gait, turns,
    tilts and jumps, on a path around ``center`` with the body on the floor.

    Args:
        rng (numpy.random.Generator): The random generator of the take.
        body (dict[str, float]): The subject, see :func:`sample_body`.
        num_frames (int): Frames at :obj:`FPS`.
        postures (dict[str, float]): The weight of each :obj:`POSTURES` key
            when a key pose is drawn.
        center (tuple[float, float], optional): Centre of the path on the
            floor (metres). (default: :obj:`(0.0, 0.0)`)
        hold (tuple[float, float], optional): Range of seconds between key
            poses. (default: :obj:`(0.4, 1.5)`)

    Returns:
        numpy.ndarray: The joints in the Human3.6M mocap order, metres, z up.
    """
    t = np.arange(num_frames) / FPS
    holds = rng.uniform(*hold, size=int(t[-1] / hold[0]) + 3)
    times = np.concatenate([[0.0], np.cumsum(holds[:-1])]) - rng.uniform(0, holds[0])
    names = list(postures)
    weights = np.array([postures[name] for name in names], float)
    # A take stays in a posture for a while: each key keeps the previous
    # one's posture half of the time.
    chosen = rng.choice(len(names), size=len(times), p=weights / weights.sum())
    keep = rng.random(len(times)) < 0.5
    for k in np.flatnonzero(keep[1:]) + 1:  # in order, so runs chain
        chosen[k] = chosen[k - 1]
    key_postures = [POSTURES[names[index]] for index in chosen]

    keys = sample_key_poses(rng, key_postures)
    values = _ease(times, keys, t) + 3.0 * smooth_noise(rng, t, len(CHANNELS), 0.5)
    channels = dict(zip(CHANNELS, values.T.copy(), strict=True))
    speed = _ease(times, np.array([[rng.uniform(*p.speed)] for p in key_postures]), t)
    amplitude = _add_gait(channels, speed[:, 0], rng)
    values = squash(np.stack([channels[name] for name in CHANNELS], -1))
    channels = dict(zip(CHANNELS, values.T, strict=True))

    # An elliptic path walked at the current speed; the body faces along it
    # while walking and turns freely otherwise. Pitch (on its back or front
    # when lying) and roll tilt the whole body.
    radii = rng.uniform([0.7, 0.5], [1.1, 0.8])
    direction = rng.choice([-1.0, 1.0])
    angle = rng.uniform(0, 2 * np.pi) + direction * np.cumsum(speed[:, 0]) / FPS / (
        radii.mean()
    )
    tilt_matrix = _rotation("z", np.array(rng.uniform(0, np.pi)))[:2, :2]
    ellipse = np.stack([radii[0] * np.cos(angle), radii[1] * np.sin(angle)], -1)
    tangent = direction * np.stack(
        [-radii[0] * np.sin(angle), radii[1] * np.cos(angle)], -1
    )
    position = np.asarray(center) + ellipse @ tilt_matrix.T
    tangent = tangent @ tilt_matrix.T
    turns = np.cumsum(rng.normal(0, 60, size=len(times)))
    # On its back or on its front for the whole take: turning over between
    # every two keys would be a fast spin.
    pitch = np.array([p.pitch for p in key_postures]) * rng.choice([-1, 1])
    spread = np.array([p.tilt for p in key_postures])[:, None]
    tilts = np.column_stack([pitch, np.zeros(len(times))]) + spread * (
        rng.standard_normal((len(times), 2))
    )
    euler = np.radians(_ease(times, np.column_stack([turns, tilts]), t))
    gait = np.minimum(amplitude, 1)
    # Turning follows the path while walking and the drawn turns otherwise;
    # blending the rates, not the angles, keeps a start from spinning.
    along_path = np.unwrap(np.arctan2(-tangent[:, 0], tangent[:, 1]))
    rate = gait[1:] * np.diff(along_path) + (1 - gait[1:]) * np.diff(euler[:, 0])
    heading = along_path[0] + euler[0, 0] + np.concatenate([[0.0], np.cumsum(rate)])
    orientation = (
        _rotation("z", heading)
        @ _rotation("x", euler[:, 1])
        @ _rotation("y", euler[:, 2])
    )
    flight = _ease(times, np.array([[rng.uniform(*p.flight)] for p in key_postures]), t)

    joints = forward_kinematics(channels, orientation, body)
    joints[..., :2] += position[:, None]
    joints[..., 2] += (_ground_height(joints) + flight[:, 0])[:, None]
    return joints


# Height of a person over the average adult of :obj:`BONES`: most are adults,
# some children (a 1 m child is about 0.57) and tall adults (2 m: 1.14).
CHILD_SHARE = 0.25
CHILD_RANGE = (0.55, 0.9)
# How each bone grows with height (allometry: a child's head is large and
# its legs short for its height), as exponents of the height scale.
GROWTH = {
    "head": 0.35, "neck": 0.6, "lower_spine": 0.95, "upper_spine": 0.95,
    "thigh": 1.15, "shin": 1.15, "foot": 1.0, "upper_arm": 1.05,
    "forearm": 1.05, "hip_width": 0.9, "shoulder_width": 0.9,
}  # fmt: skip


def sample_people(rng: np.random.Generator) -> dict[str, float]:
    """A person of the wide prior: an adult around :obj:`BONES` (height
    scale mean 1, standard deviation 6%, clipped to 0.85-1.15) or, with
    probability :obj:`CHILD_SHARE`, a child (0.55-0.9), every bone scaled by
    its :obj:`GROWTH` exponent and varied by :obj:`BONE_SPREAD`, plus the
    joint offsets of :obj:`JOINT_OFFSETS`."""
    if rng.random() < CHILD_SHARE:
        scale = rng.uniform(*CHILD_RANGE)
    else:
        scale = np.clip(rng.normal(1, 0.06), 0.85, 1.15)
    body = {
        name: length
        * scale ** GROWTH[name]
        * (1 + BONE_SPREAD[name] * np.clip(rng.standard_normal(), -2.5, 2.5))
        for name, length in BONES.items()
    }
    return body | {
        name: scale * rng.uniform(*bounds) for name, bounds in JOINT_OFFSETS.items()
    }


def sample_poses(
    rng: np.random.Generator,
    num_poses: int,
    postures: dict[str, float] | None = None,
    uniform_share: float = 0.1,
    poses_per_person: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Independent poses of many people from the wide prior: key poses of
    :obj:`postures`, and a share drawn uniformly over the joint limits, each
    turned to any heading, tilted as its posture says and standing (or
    lying, or in the air) on the floor.

    Args:
        rng (numpy.random.Generator): The random generator.
        num_poses (int): The number of poses.
        postures (dict[str, float], optional): Posture weights.
            (default: :obj:`WIDE_POSTURES`)
        uniform_share (float, optional): The share of poses whose channels
            are uniform within :obj:`LIMITS`. (default: :obj:`0.1`)
        poses_per_person (int, optional): Poses of each person of
            :func:`sample_people`. (default: :obj:`64`)

    Returns:
        tuple[numpy.ndarray, numpy.ndarray]: World positions of the 32 mocap
        joints :obj:`[N, 32, 3]` (metres, z up, the floor at 0) and the
        index of each pose's posture in :obj:`postures` :obj:`[N]`
        (:obj:`len(postures)` for a uniform pose).
    """
    postures = WIDE_POSTURES if postures is None else postures
    names = list(postures)
    weights = np.array([postures[name] for name in names], float)
    chosen = rng.choice(len(names), size=num_poses, p=weights / weights.sum())
    uniform = rng.random(num_poses) < uniform_share
    chosen[uniform] = len(names)
    channels = np.empty((num_poses, len(CHANNELS)))
    for index, name in enumerate(names):
        rows = np.flatnonzero(chosen == index)
        if len(rows):
            channels[rows] = sample_key_poses(rng, [POSTURES[name]] * len(rows))
    rows = np.flatnonzero(uniform)
    channels[rows] = rng.uniform(_LOW, _HIGH, size=(len(rows), len(CHANNELS)))

    specs = [POSTURES[name] for name in names] + [POSTURES["athletic"]]
    pitch = np.array([p.pitch for p in specs])[chosen] * rng.choice([-1, 1], num_poses)
    tilt = np.array([p.tilt for p in specs])[chosen, None]
    flight = np.array([p.flight for p in specs])[chosen]
    tilts = np.radians(
        np.column_stack([pitch, np.zeros(num_poses)])
        + tilt * rng.standard_normal((num_poses, 2))
    )
    orientation = (
        _rotation("z", rng.uniform(0, 2 * np.pi, num_poses))
        @ _rotation("x", tilts[:, 0])
        @ _rotation("y", tilts[:, 1])
    )
    joints = np.empty((num_poses, 32, 3))
    for start in range(0, num_poses, poses_per_person):
        rows = slice(start, start + poses_per_person)
        angles = dict(zip(CHANNELS, channels[rows].T, strict=True))
        joints[rows] = forward_kinematics(angles, orientation[rows], sample_people(rng))
    joints[..., 2] += (
        _ground_height(joints) + rng.uniform(flight[:, 0], flight[:, 1])
    )[:, None]
    return joints, chosen
