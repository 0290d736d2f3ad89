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
from pyg_weightshare.nn.models.serialization import load_checkpoint
from pyg_weightshare.pretrained import (
    CHECKPOINTS,
    checkpoint_path,
    load_pretrained,
    reference_errors,
)
from pyg_weightshare.training.cross_domain import limb_ratios

# The errors each bundled model makes on its reference sample, as recorded
# when it was bundled (docs/scripts/bundle_pretrained.py): a converted or
# re-saved file must keep them to the micrometre.
RECORDED_ERRORS = {
    "h36m": {"mpjpe_mm": 157.733, "p_mpjpe_mm": 101.298},
    "coco": {"mpjpe_mm": 160.097, "p_mpjpe_mm": 99.693},
}
LAYOUTS = list(CHECKPOINTS)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_bundled_file_is_small_and_says_what_it_expects(layout):
    path = checkpoint_path(layout)
    assert path.is_file() and path.stat().st_size <= 10 * 2**20
    checkpoint = load_checkpoint(path)
    assert checkpoint.metadata["input"] == {"layout": layout, "normalization": "person"}
    architecture = checkpoint.architecture
    assert (architecture["scheme"], architecture["decouple"]) == ("pre_agg", True)
    assert architecture["in_channels"] == 3 and architecture["root_relative"] is True
    assert architecture["symmetric"] is True
    assert checkpoint.training == {}
    provenance = checkpoint.metadata["provenance"]
    command = "python -m pyg_weightshare.training.bundled --layout " + layout
    assert command in provenance["command"]
    assert provenance["wall_time_s"] > 0 and provenance["data"]["layout"] == layout


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_bundled_model_reproduces_its_reference_errors(layout):
    model = load_pretrained(layout=layout)
    assert isinstance(model, PoseGCN) and not model.training
    reference = load_checkpoint(checkpoint_path(layout)).metadata["reference"]
    assert reference["inputs"].shape == (512, 16, 3)
    errors = reference_errors(model, reference)
    # Exact to the micrometre: any change to the weights or the model shows.
    recorded = {key: reference[key] for key in RECORDED_ERRORS[layout]}
    assert errors == recorded == RECORDED_ERRORS[layout]
    # A lifter, not a mean pose: far below the spread of the targets.
    spread = (reference["targets"] - reference["targets"].mean(0)).norm(dim=-1)
    assert errors["mpjpe_mm"] < 0.75 * 1000 * spread.mean().item()


def test_a_changed_model_is_noticed():
    model = load_pretrained()
    reference = load_checkpoint(checkpoint_path()).metadata["reference"]
    with torch.no_grad():
        next(model.parameters())[0].mul_(1.001)
    assert reference_errors(model, reference) != RECORDED_ERRORS["h36m"]


def test_the_layout_selects_the_model_and_pose_gcn_pretrained_follows():
    coco, h36m = load_pretrained(layout="coco"), load_pretrained(layout="h36m")
    x = torch.rand(2, 16, 3)
    assert not torch.equal(coco(x), h36m(x))
    assert torch.equal(PoseGCN.pretrained("coco")(x), coco(x))
    assert torch.equal(PoseGCN.pretrained()(x), h36m(x))
    with pytest.raises(ValueError, match="No bundled model for the 'openpose' layout"):
        load_pretrained(layout="openpose")


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
    depth, size = points[front][..., 2], cameras.size[front]
    detected, _ = detect(rng, pixels, depth, size, "coco")
    detected[rng.random(detected.shape[:2]) < 0.2] = np.nan
    inputs = person_inputs(model_joints(detected, "coco"))
    poses = load_pretrained(layout="coco")(inputs)
    ratios = limb_ratios(poses)
    assert ratios.median() <= 1.05 and ratios.max() <= 1.3
    assert torch.equal(poses[:, 0], torch.zeros(len(poses), 3))


def test_another_model_file_loads_and_a_foreign_one_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    checkpoint = load_checkpoint(checkpoint_path())
    torch.save(checkpoint.to_dict(), path)
    assert load_pretrained(path).architecture == checkpoint.architecture
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="not a pyg-weightshare model file"):
        load_pretrained(path)
    checkpoint.architecture["hidden_channels"] = 32
    torch.save(checkpoint.to_dict(), path)
    with pytest.raises(ValueError, match=f"{path} does not hold a usable model"):
        load_pretrained(path)
