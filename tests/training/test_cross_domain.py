import json

import numpy as np
import pytest
import torch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.datasets.deepmimic import CLIP_ACTIONS
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.datasets.pose_prior import sample_poses
from pyg_weightshare.training import bundled, cross_domain
from pyg_weightshare.training.cross_domain import (
    clip_views,
    evaluate_clips,
    format_report,
    limb_ratios,
)

IDENTITY = [1.0, 0.0, 0.0, 0.0]


def tiny_clips(num_clips: int = 2, frames: int = 6) -> dict[str, np.ndarray]:
    joints, _ = sample_poses(np.random.default_rng(0), num_clips * frames)
    joints = joints[:, list(MOCAP_INDICES_17)] + [0.2, 0.3, 0.0]
    return {f"clip{i}": part for i, part in enumerate(np.split(joints, num_clips))}


class Constant(torch.nn.Module):
    """A 'lifter' that answers one pose whatever it is given."""

    in_channels = 3

    def __init__(self, pose: torch.Tensor) -> None:
        super().__init__()
        self.pose = pose

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pose.expand(len(x), -1, -1)


def test_limb_ratios_are_one_for_a_symmetric_body_and_see_a_long_limb():
    skeleton = h36m_skeleton(16)
    model = PoseGCN(skeleton, hidden_channels=8, num_blocks=1, symmetric=True)
    poses = model.symmetric_bones(torch.randn(3, 16, 3))
    assert torch.allclose(limb_ratios(poses), torch.ones(3, 4), atol=1e-5)
    stretched = poses.clone()
    stretched[:, 12] = poses[:, 11] + 1.5 * (poses[:, 12] - poses[:, 11])
    assert torch.allclose(limb_ratios(stretched)[:, 1], torch.full((3,), 1.5))


def test_the_mean_pose_scores_a_ratio_of_one_and_hiding_changes_nothing():
    clips = tiny_clips()
    views = [clip_views(j, "coco", cross_domain_cameras()) for j in clips.values()]
    mean = torch.cat([v.targets for v in views]).mean(0, keepdim=True)
    result = evaluate_clips(Constant(mean), clips, "coco")
    assert set(result["clips"]) == set(clips)
    for row in result["clips"].values():
        assert row["ratio"] == pytest.approx(1.0)
        assert row["frames"] == 6
    assert result["mean"]["ratio"] == pytest.approx(1.0)
    growth = result["missing_joint"]
    assert len(growth) == 16  # every COCO keypoint but the unused nose
    assert all(row["growth"] == pytest.approx(0.0) for row in growth.values())
    assert "One keypoint hidden" in format_report(result)


def cross_domain_cameras():
    from pyg_weightshare.datasets import h36m_cameras

    return [c for s in cross_domain.CAMERA_SUBJECTS for c in h36m_cameras(s)]


@pytest.mark.parametrize("layout", ["h36m", "coco"])
def test_a_lifter_is_measured_per_clip(layout):
    torch.manual_seed(0)
    model = PoseGCN(
        h36m_skeleton(16), hidden_channels=8, num_blocks=1, in_channels=3,
        root_relative=True, symmetric=True,
    ).eval()  # fmt: skip
    result = evaluate_clips(model, tiny_clips(), layout, detector_seed=1)
    for row in result["clips"].values():
        assert row["mpjpe"] > 0 and row["p_mpjpe"] <= row["mpjpe"]
        assert row["symmetry_median"] == pytest.approx(1.0, abs=1e-4)
    assert len(result["missing_joint"]) == 16


def test_an_image_normalised_model_needs_every_joint():
    model = PoseGCN(h36m_skeleton(16), hidden_channels=8, num_blocks=1).eval()
    result = evaluate_clips(model, tiny_clips(), "h36m")
    assert "missing_joint" not in result  # it cannot be given a missing joint
    with pytest.raises(ValueError, match="2 input channels needs every joint"):
        evaluate_clips(model, tiny_clips(), "h36m", detector_seed=0)


def deepmimic_frames(num_frames: int = 4) -> list[list[float]]:
    frame = [1 / 30, 0.0, 0.9, 0.0, *IDENTITY * 4]
    frame += [0.3, *IDENTITY, *IDENTITY, 0.2, *IDENTITY, 0.3, *IDENTITY, *IDENTITY, 0.2]
    return [frame] * num_frames


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "coco"
    bundled.main(
        ["--layout", "coco", "--out", str(out), "--num-train", "1024",
         "--num-val", "256", "--num-test", "256", "--epochs", "1",
         "--hidden-channels", "8", "--batch-size", "256"]
    )  # fmt: skip
    return out


def test_the_bundled_recipe_trains_a_person_input_symmetric_model(tiny_run):
    data = json.loads((tiny_run / "data.json").read_text())
    assert data["layout"] == "coco" and data["num_train"] == 1024
    config = json.loads((tiny_run / "config.json").read_text())
    assert (config["inputs"], config["bones"]) == ("person", "symmetric")
    assert (tiny_run / "best.pt").is_file()


def test_the_command_prints_every_clip_and_writes_json(tiny_run, tmp_path, capsys):
    for clip in CLIP_ACTIONS.values():
        path = tmp_path / f"humanoid3d_{clip}.txt"
        path.write_text(json.dumps({"Frames": deepmimic_frames()}))
    out = tmp_path / "cross.json"
    result = cross_domain.main(
        ["--checkpoint", str(tiny_run / "best.pt"), "--layout", "coco",
         "--motions", str(tmp_path), "--json", str(out)]
    )  # fmt: skip
    printed = capsys.readouterr().out
    for clip in CLIP_ACTIONS.values():
        assert f"\n{clip} " in printed
    assert "mean of clips" in printed
    assert json.loads(out.read_text())["mean"] == pytest.approx(result["mean"])
    with pytest.raises(SystemExit) as exit_info:
        cross_domain.main(
            ["--checkpoint", str(tiny_run / "best.pt"), "--motions", str(tmp_path),
             "--json", str(out)]
        )  # fmt: skip
    assert exit_info.value.code == 2
    assert "exists: pass --force" in capsys.readouterr().err


def test_missing_clips_are_one_line_and_exit_2(tiny_run, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cross_domain.main(
            ["--checkpoint", str(tiny_run / "best.pt"), "--motions", str(tmp_path)]
        )
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip()
    assert "is not a DeepMimic motion file" in error and "\n" not in error
