import numpy as np
import pytest

from pyg_weightshare.datasets import pose_prior
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.datasets.pose_prior import (
    BONE_SPREAD,
    BONES,
    CHANNELS,
    CORRELATIONS,
    HEIGHT_RANGE,
    JOINT_OFFSETS,
    LIMITS,
    POSTURES,
    forward_kinematics,
    sample_body,
    sample_key_poses,
    sample_take,
    squash,
)
from pyg_weightshare.skeleton import H36M_PARENTS_17

LOW = np.array([LIMITS[name][0] for name in CHANNELS])
HIGH = np.array([LIMITS[name][1] for name in CHANNELS])


def test_squash_keeps_every_channel_inside_its_limits():
    values = np.linspace(-1000, 1000, 201)[:, None] * np.ones(len(CHANNELS))
    squashed = squash(values)
    assert np.all((LOW <= squashed) & (squashed <= HIGH))
    assert np.all(np.diff(squashed, axis=0) >= 0)  # monotonic
    middle = (LOW + HIGH) / 2
    np.testing.assert_allclose(squash(middle + 1.0), middle + 1.0, atol=0.01)


@pytest.mark.parametrize("posture", sorted(POSTURES))
def test_key_poses_respect_the_joint_limits(posture):
    poses = sample_key_poses(np.random.default_rng(0), [POSTURES[posture]] * 5000)
    assert poses.shape == (5000, len(CHANNELS))
    assert np.all((LOW <= poses) & (poses <= HIGH))
    # The range of every joint is used, not one pose.
    assert np.all(poses.std(axis=0) > 2.0)


@pytest.mark.parametrize("posture", ["stand", "sit", "athletic"])
def test_key_poses_have_the_claimed_correlations(posture):
    poses = sample_key_poses(np.random.default_rng(1), [POSTURES[posture]] * 20000)
    for (a, b), value in CORRELATIONS.items():
        i, j = CHANNELS.index(a), CHANNELS.index(b)
        # Mirroring swaps the sides of a pair of the same channel, which
        # keeps it; squashing into the limits lowers it a little.
        measured = np.corrcoef(poses[:, i], poses[:, j])[0, 1]
        assert value - 0.15 < measured < value + 0.05, (a, b, measured)
    uncorrelated = np.corrcoef(
        poses[:, CHANNELS.index("l_knee")], poses[:, CHANNELS.index("r_elbow")]
    )[0, 1]
    assert abs(uncorrelated) < 0.05


def test_postures_move_the_legs_where_they_claim():
    rng = np.random.default_rng(2)
    knee, hip = CHANNELS.index("l_knee"), CHANNELS.index("l_hip_elev")
    median = {
        name: np.median(sample_key_poses(rng, [posture] * 2000), axis=0)
        for name, posture in POSTURES.items()
    }
    assert median["stand"][knee] < 20 and median["stand"][hip] < 20
    assert 70 < median["sit"][knee] < 110 and 75 < median["sit"][hip] < 105
    assert median["squat"][knee] > 100


def test_bodies_follow_the_claimed_statistics():
    bodies = [sample_body(np.random.default_rng([0, i])) for i in range(2000)]
    for name, mean in BONES.items():
        lengths = np.array([body[name] for body in bodies])
        # Every bone stays within the height range times +-2.5 spreads.
        low = mean * HEIGHT_RANGE[0] * (1 - 2.5 * BONE_SPREAD[name])
        high = mean * HEIGHT_RANGE[1] * (1 + 2.5 * BONE_SPREAD[name])
        assert low <= lengths.min() and lengths.max() <= high
        # Mean and spread around adult statistics.
        assert abs(lengths.mean() / mean - 1) < 0.01
        expected = np.hypot(BONE_SPREAD[name], pose_prior.HEIGHT_SPREAD)
        assert 0.8 * expected < lengths.std() / mean < 1.2 * expected
    for name, (low, high) in JOINT_OFFSETS.items():
        offsets = np.array([body[name] for body in bodies])
        assert low <= offsets.min() and offsets.max() <= high
    # The same generator state gives the same body.
    assert sample_body(np.random.default_rng(5)) == sample_body(
        np.random.default_rng(5)
    )


def bone_lengths(mocap: np.ndarray) -> np.ndarray:
    joints = mocap[:, list(MOCAP_INDICES_17)]
    children = [i for i, parent in enumerate(H36M_PARENTS_17) if parent >= 0]
    parents = [H36M_PARENTS_17[i] for i in children]
    return np.linalg.norm(joints[:, children] - joints[:, parents], axis=-1)


def test_forward_kinematics_builds_the_body():
    body = sample_body(np.random.default_rng(3))
    poses = sample_key_poses(np.random.default_rng(4), [POSTURES["athletic"]] * 50)
    channels = dict(zip(CHANNELS, poses.T, strict=True))
    heading = np.random.default_rng(5).uniform(0, 2 * np.pi, 50)
    cos, sin = np.cos(heading), np.sin(heading)
    turns = np.zeros((50, 3, 3))
    turns[:, 0, 0], turns[:, 0, 1], turns[:, 1, 0], turns[:, 1, 1] = cos, -sin, sin, cos
    turns[:, 2, 2] = 1
    joints = forward_kinematics(channels, turns, body)
    assert joints.shape == (50, 32, 3)
    np.testing.assert_allclose(joints[:, 0], 0.0)
    lengths = bone_lengths(joints)
    # Thigh and shin (RHip-RKnee, RKnee-RFoot), upper arm and forearm.
    np.testing.assert_allclose(lengths[:, 1], body["thigh"])
    np.testing.assert_allclose(lengths[:, 2], body["shin"])
    np.testing.assert_allclose(lengths[:, 11], body["upper_arm"])
    np.testing.assert_allclose(lengths[:, 12], body["forearm"])
    assert np.ptp(lengths, axis=0).max() < 1e-9


def test_rest_pose_stands_upright_facing_forward():
    body = sample_body(np.random.default_rng(6))
    channels = {name: np.zeros(1) for name in CHANNELS}
    joints = forward_kinematics(channels, np.eye(3)[None], body)[0]
    head, right_hip, left_hip = joints[15], joints[1], joints[6]
    assert head[2] > 0.5 and joints[3, 2] < -0.8  # head up, feet down
    assert joints[14, 1] > joints[13, 1]  # the nose in front of the thorax
    # A real body, not its mirror image: seen from the front, its left is
    # on the viewer's right, so (left - right) x up points forward.
    forward = np.cross(left_hip - right_hip, [0, 0, 1])
    assert forward[1] > 0.2 and abs(forward[0]) < 1e-9


def test_takes_are_smooth_on_the_floor_and_varied():
    body = sample_body(np.random.default_rng(7))
    rng = np.random.default_rng(8)
    joints = sample_take(rng, body, 1500, {name: 1.0 for name in POSTURES})
    assert joints.shape == (1500, 32, 3)
    # Rigid bones, never under the floor, and joints about as fast as in
    # real athletic mocap (DeepMimic's kicks and backflip peak at 11-12 m/s,
    # their 99th percentiles are 2-10 m/s).
    assert np.ptp(bone_lengths(joints), axis=0).max() < 1e-9
    assert joints[..., 2].min() > -1e-9
    used = joints[:, list(MOCAP_INDICES_17)]
    speed = np.linalg.norm(np.diff(used, axis=0), axis=-1) * 50
    assert speed.max() < 20 and np.percentile(speed, 99) < 10
    # Upright most of the time, but also lying or upside down.
    up = joints[:, 15, 2] - joints[:, 0, 2]
    assert 0.5 < np.mean(up > 0.4) < 0.98
    assert np.mean(up < 0.1) > 0.01


def test_takes_are_seeded():
    body = sample_body(np.random.default_rng(9))
    postures = {"stand": 1.0, "walk": 1.0}
    first = sample_take(np.random.default_rng(10), body, 200, postures)
    again = sample_take(np.random.default_rng(10), body, 200, postures)
    other = sample_take(np.random.default_rng(11), body, 200, postures)
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)


def test_the_wide_prior_covers_every_posture_and_stays_on_the_floor():
    from pyg_weightshare.datasets.pose_prior import WIDE_POSTURES, sample_poses

    joints, posture = sample_poses(np.random.default_rng(0), 3000)
    assert joints.shape == (3000, 32, 3)
    counts = np.bincount(posture, minlength=len(WIDE_POSTURES) + 1)
    assert np.all(counts > 50)  # every posture and the uniform draws
    lowest = joints[..., 2].min(axis=1)
    assert lowest.min() >= 0.0 and np.median(lowest) < 0.1
    # Lying and crawling bodies are horizontal: the head near the hips' height.
    crawl = posture == list(WIDE_POSTURES).index("crawl")
    rise = np.abs(joints[crawl, 15, 2] - joints[crawl, 0, 2])
    stand = posture == list(WIDE_POSTURES).index("stand")
    assert np.median(rise) < 0.3 < np.median(joints[stand, 15, 2] - joints[stand, 0, 2])


def test_people_range_from_children_to_tall_adults():
    from pyg_weightshare.datasets.pose_prior import GROWTH, sample_people

    rng = np.random.default_rng(0)
    people = [sample_people(rng) for _ in range(2000)]
    legs = np.array([p["thigh"] + p["shin"] for p in people])
    heads = np.array([p["head"] for p in people])
    assert legs.min() < 0.6 * (BONES["thigh"] + BONES["shin"])
    assert legs.max() > 1.1 * (BONES["thigh"] + BONES["shin"])
    # A child's head is large for its legs.
    short = legs < np.quantile(legs, 0.1)
    tall = legs > np.quantile(legs, 0.9)
    assert (heads / legs)[short].mean() > 1.3 * (heads / legs)[tall].mean()
    assert set(GROWTH) == set(BONES)


def test_a_few_poses_may_leave_postures_out():
    from pyg_weightshare.datasets.pose_prior import sample_poses

    joints, posture = sample_poses(np.random.default_rng(0), 3)
    assert joints.shape == (3, 32, 3) and posture.shape == (3,)
