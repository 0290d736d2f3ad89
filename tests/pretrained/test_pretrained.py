import pickle

import numpy as np
import pytest
import torch

from pyg_weightshare import PoseGCN
from pyg_weightshare.datasets.detector import (
    coco_keypoints_3d,
    detect,
    model_joints,
    sample_cameras,
)
from pyg_weightshare.datasets.human36m import MOCAP_INDICES_17
from pyg_weightshare.datasets.inputs import person_inputs
from pyg_weightshare.datasets.pose_prior import sample_poses
from pyg_weightshare.pretrained import (
    CHECKPOINTS,
    checkpoint_path,
    load_checkpoint,
    load_pretrained,
    reference_errors,
)
from pyg_weightshare.training.cross_domain import limb_ratios

LAYOUTS = list(CHECKPOINTS)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_bundled_checkpoint_is_small_and_says_what_it_expects(layout):
    path = checkpoint_path(layout)
    assert path.is_file() and path.stat().st_size <= 10 * 2**20
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    assert checkpoint["input"] == {"layout": layout, "normalization": "person"}
    kwargs = checkpoint["model_kwargs"]
    assert (kwargs["scheme"], kwargs["decouple"]) == ("pre_agg", True)
    assert kwargs["in_channels"] == 3 and kwargs["root_relative"] is True
    assert kwargs["symmetric"] is True
    provenance = checkpoint["provenance"]
    command = "python -m pyg_weightshare.training.bundled --layout " + layout
    assert command in provenance["command"]
    assert provenance["wall_time_s"] > 0 and provenance["data"]["layout"] == layout


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_bundled_model_reproduces_its_reference_errors(layout):
    model = load_pretrained(layout=layout)
    assert isinstance(model, PoseGCN) and not model.training
    reference = load_checkpoint(layout=layout)["reference"]
    assert reference["inputs"].shape == (512, 16, 3)
    errors = reference_errors(model, reference)
    # Exact to the micrometre: any change to the weights or the model shows.
    assert errors == {
        "mpjpe_mm": reference["mpjpe_mm"],
        "p_mpjpe_mm": reference["p_mpjpe_mm"],
    }
    # A lifter, not a mean pose: far below the spread of the targets.
    spread = (reference["targets"] - reference["targets"].mean(0)).norm(dim=-1)
    assert errors["mpjpe_mm"] < 0.75 * 1000 * spread.mean().item()


def test_the_layout_selects_the_model_and_the_pass_throughs_follow():
    coco, h36m = load_pretrained(layout="coco"), load_pretrained(layout="h36m")
    x = torch.rand(2, 16, 3)
    assert not torch.equal(coco(x), h36m(x))
    assert torch.equal(PoseGCN.pretrained("coco")(x), coco(x))
    assert torch.equal(PoseGCN.pretrained()(x), h36m(x))
    with pytest.raises(ValueError, match="No bundled lifter for layout 'openpose'"):
        load_pretrained(layout="openpose")


def test_a_changed_model_is_noticed():
    model = load_pretrained()
    reference = load_checkpoint()["reference"]
    with torch.no_grad():
        next(model.parameters())[0].mul_(1.001)
    assert reference_errors(model, reference) != {
        "mpjpe_mm": reference["mpjpe_mm"],
        "p_mpjpe_mm": reference["p_mpjpe_mm"],
    }


@torch.no_grad()
def test_lifted_coco_people_have_symmetric_limbs_and_the_root_at_zero():
    # Held-out people (a seed no split uses), a detector's noise and 20% of
    # the keypoints missing at random.
    rng = np.random.default_rng(12345)
    joints, _ = sample_poses(rng, 2000)
    joints = joints[:, list(MOCAP_INDICES_17)]
    cameras = sample_cameras(rng, joints, np.full(len(joints), 1.7))
    points = cameras.to_camera(coco_keypoints_3d(joints, rng))
    front = (points[..., 2] > 0.2).all(-1)
    pixels = cameras.project(points)[front]
    detected, _ = detect(rng, pixels, points[front][..., 2], cameras.size[front], "coco")
    detected[rng.random(detected.shape[:2]) < 0.2] = np.nan
    poses = load_pretrained(layout="coco")(person_inputs(model_joints(detected, "coco")))
    ratios = limb_ratios(poses)
    assert ratios.median() <= 1.05 and ratios.max() <= 1.3
    assert torch.equal(poses[:, 0], torch.zeros(len(poses), 3))


class _RunsCode:
    def __reduce__(self):
        return (print, ("this must not run",))


@pytest.mark.parametrize(
    "content",
    [b"not a checkpoint", pickle.dumps({"state_dict": _RunsCode()}, protocol=2)],
    ids=["garbage", "code"],
)
def test_a_bad_file_is_one_clear_error(tmp_path, capsys, content):
    path = tmp_path / "model.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"{path} is not a readable checkpoint"):
        load_pretrained(path)
    assert "must not run" not in capsys.readouterr().out


def test_a_foreign_checkpoint_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="not a pyg-weightshare pretrained"):
        load_pretrained(path)
    checkpoint = load_checkpoint()
    checkpoint["model_kwargs"] = checkpoint["model_kwargs"] | {"hidden_channels": 32}
    torch.save(checkpoint, path)
    with pytest.raises(ValueError, match="does not fit its own model"):
        load_pretrained(path)
