import numpy as np
import pytest
import torch

from pyg_weightshare.datasets.human36m import ACTIONS
from pyg_weightshare.metrics import ActionErrors, evaluate_by_action, mpjpe, p_mpjpe


def reference_mpjpe(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    return np.array(
        [np.mean([np.linalg.norm(p - t) for p, t in zip(a, b, strict=True)])
         for a, b in zip(pred, target, strict=True)]
    )  # fmt: skip


def reference_p_mpjpe(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Kabsch-Umeyama with scale, one pose at a time (column vectors)."""
    errors = []
    for p, t in zip(pred, target, strict=True):
        p0, t0 = p - p.mean(0), t - t.mean(0)
        u, s, vt = np.linalg.svd(t0.T @ p0)  # rotation maps p0 onto t0
        d = np.sign(np.linalg.det(u @ vt))
        correction = np.diag([1.0, 1.0, d])
        rotation = u @ correction @ vt
        scale = np.trace(np.diag(s) @ correction) / np.sum(p0**2)
        aligned = scale * p0 @ rotation.T + t.mean(0)
        errors.append(np.mean(np.linalg.norm(aligned - t, axis=1)))
    return np.array(errors)


def random_rotations(num: int, generator: torch.Generator) -> torch.Tensor:
    q, r = torch.linalg.qr(torch.randn(num, 3, 3, generator=generator))
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1)).unsqueeze(-2)
    flip = torch.linalg.det(q) < 0
    q[flip, :, 0] *= -1
    return q


def test_agree_with_numpy_references():
    rng = np.random.default_rng(0)
    target = rng.standard_normal((50, 16, 3))
    pred = target + 0.3 * rng.standard_normal((50, 16, 3))
    assert np.allclose(mpjpe(torch.from_numpy(pred), torch.from_numpy(target),
                             reduction="none").numpy(),
                       reference_mpjpe(pred, target))  # fmt: skip
    ours = p_mpjpe(torch.from_numpy(pred), torch.from_numpy(target), reduction="none")
    assert np.allclose(ours.numpy(), reference_p_mpjpe(pred, target), atol=1e-10)
    assert np.all(ours.numpy() < reference_mpjpe(pred, target))


def test_similarity_transform_is_invisible_to_p_mpjpe():
    generator = torch.Generator().manual_seed(1)
    target = torch.randn(32, 17, 3, generator=generator)
    rotation = random_rotations(32, generator)
    scale = torch.rand(32, 1, 1, generator=generator) * 3 + 0.2
    shift = torch.randn(32, 1, 3, generator=generator) * 10
    pred = scale * target @ rotation + shift
    assert mpjpe(pred, target) > 0.5
    assert torch.all(p_mpjpe(pred, target, reduction="none") < 1e-5)


def test_p_mpjpe_never_reflects():
    generator = torch.Generator().manual_seed(2)
    target = torch.randn(20, 16, 3, generator=generator)
    mirrored = target * torch.tensor([-1.0, 1.0, 1.0])
    errors = p_mpjpe(mirrored, target, reduction="none")
    # A reflection would align them exactly; rotations alone cannot.
    assert torch.all(errors > 0.1)
    expected = reference_p_mpjpe(mirrored.double().numpy(), target.double().numpy())
    assert np.allclose(errors.numpy(), expected, atol=1e-5)


def test_reductions_and_types():
    target = np.random.default_rng(3).standard_normal((8, 16, 3)).astype(np.float32)
    pred = target + 0.1
    per_pose = p_mpjpe(pred, target, reduction="none")
    assert isinstance(per_pose, np.ndarray) and per_pose.shape == (8,)
    assert per_pose.dtype == np.float32
    assert np.isclose(p_mpjpe(pred, target), per_pose.mean())
    # A constant offset is a translation: Protocol 1 sees it, Protocol 2 not.
    assert np.isclose(mpjpe(pred, target), 0.1 * np.sqrt(3), atol=1e-6)
    assert p_mpjpe(pred, target) < 1e-5
    # Leading batch dimensions are kept.
    batched = mpjpe(
        torch.randn(2, 5, 16, 3), torch.zeros(2, 5, 16, 3), reduction="none"
    )
    assert batched.shape == (2, 5)


def test_collapsed_prediction_aligns_to_the_centroid():
    target = torch.randn(4, 16, 3)
    collapsed = torch.zeros(4, 16, 3)
    expected = (target - target.mean(1, keepdim=True)).norm(dim=-1).mean(-1)
    assert torch.allclose(p_mpjpe(collapsed, target, reduction="none"), expected)


def test_bad_arguments():
    with pytest.raises(ValueError, match="reduction must be one of"):
        mpjpe(torch.zeros(2, 16, 3), torch.zeros(2, 16, 3), reduction="sum")
    with pytest.raises(
        ValueError,
        match=r"same shape \[\.\.\., J, 3\], got \(2, 16, 3\) and \(2, 17, 3\)",
    ):
        p_mpjpe(torch.zeros(2, 16, 3), torch.zeros(2, 17, 3))
    with pytest.raises(ValueError, match=r"got \(2, 16, 2\)"):
        mpjpe(torch.zeros(2, 16, 2), torch.zeros(2, 16, 2))


def test_evaluate_by_action():
    generator = torch.Generator().manual_seed(4)
    target = torch.randn(10, 16, 3, generator=generator)
    # Three poses of action 2, seven of action 5, with errors 1 and 3.
    action = torch.tensor([2, 2, 2, 5, 5, 5, 5, 5, 5, 5])
    error = torch.where(action == 2, 1.0, 3.0)
    pred = target.clone()
    pred[:, 1:, 0] += error[:, None]  # root untouched, all other joints moved
    pred += torch.randn(10, 1, 3, generator=generator)  # removed by re-centring
    errors = evaluate_by_action(pred, target, action, ACTIONS, scale=1000)
    assert errors.actions == ("Eating", "Photo")
    assert errors.num_poses == (3, 7)
    assert np.allclose(errors.mpjpe, (1000 * 15 / 16, 3000 * 15 / 16))
    assert np.isclose(errors.mpjpe_action_mean, 2000 * 15 / 16)
    assert np.isclose(errors.mpjpe_frame_mean, (3 * 1000 + 7 * 3000) / 10 * 15 / 16)
    expected_aligned = [
        float(p_mpjpe(pred[action == a], target[action == a])) * 1000 for a in (2, 5)
    ]
    assert np.allclose(errors.p_mpjpe, expected_aligned, rtol=1e-5)
    assert errors.as_dict()["mpjpe"]["Photo"] == errors.mpjpe[1]
    assert errors.as_dict()["p_mpjpe"]["frame_mean"] == errors.p_mpjpe_frame_mean
    table = str(errors)
    assert "Eating" in table and f"{errors.mpjpe_action_mean:9.1f}" in table


def test_evaluate_chunks_give_the_same_answer():
    target = torch.randn(50, 16, 3)
    pred = target + 0.1 * torch.randn(50, 16, 3)
    action = torch.randint(0, 15, (50,))
    whole = evaluate_by_action(pred, target, action, ACTIONS)
    chunked = evaluate_by_action(pred, target, action, ACTIONS, chunk_size=7)
    assert isinstance(chunked, ActionErrors)
    assert np.allclose(whole.p_mpjpe, chunked.p_mpjpe)
    assert whole.num_poses == chunked.num_poses


def test_evaluate_rejects_bad_action_ids():
    poses = torch.zeros(3, 16, 3)
    with pytest.raises(ValueError, match=r"Action ids must be in \[0, 15\)"):
        evaluate_by_action(poses, poses, torch.tensor([0, 15, 1]), ACTIONS)
    with pytest.raises(ValueError, match="one action id per pose"):
        evaluate_by_action(poses, poses, torch.tensor([0, 1]), ACTIONS)


@pytest.mark.parametrize("metric", [mpjpe, p_mpjpe])
def test_nan_input_is_refused(metric):
    target = torch.randn(3, 16, 3)
    pred = target.clone()
    pred[1, 4, 0] = float("nan")
    with pytest.raises(ValueError, match="pred holds NaN or infinite coordinates"):
        metric(pred, target)
    with pytest.raises(ValueError, match="target holds NaN or infinite"):
        metric(target, torch.full_like(target, float("inf")))


@pytest.mark.parametrize("metric", [mpjpe, p_mpjpe])
def test_integer_millimetres_are_measured(metric):
    generator = torch.Generator().manual_seed(6)
    target = torch.randint(-900, 900, (4, 16, 3), generator=generator)
    pred = target + torch.randint(-30, 30, (4, 16, 3), generator=generator)
    expected = metric(pred.double(), target.double(), reduction="none")
    torch.testing.assert_close(metric(pred, target, reduction="none"), expected)


@pytest.mark.parametrize("scale", [1e-14, 1e-13, 1e150, 1e200])
@pytest.mark.parametrize("metric", [mpjpe, p_mpjpe])
def test_errors_scale_with_the_poses(metric, scale):
    generator = torch.Generator().manual_seed(7)
    target = torch.randn(6, 16, 3, generator=generator, dtype=torch.float64)
    rotation = random_rotations(6, generator).double()
    pred = 1.5 * target @ rotation + 0.05 * torch.randn(
        6, 16, 3, generator=generator, dtype=torch.float64
    )
    unit = metric(pred, target, reduction="none")
    scaled = metric(pred * scale, target * scale, reduction="none") / scale
    torch.testing.assert_close(scaled, unit, rtol=1e-9, atol=0)
