"""Predictions in batches, and the inference form of PoseGCN, which equals
the network in eval mode."""

import pytest
import torch

from pyg_weightshare import NonLocalBlock, PoseGCN, h36m_skeleton
from pyg_weightshare.nn.models import inference
from pyg_weightshare.nn.models.inference import (
    InferenceConv,
    InferencePoseGCN,
    batch_norm_affine,
    predict,
)
from pyg_weightshare.nn.models.serialization import load_checkpoint, pretrained_path
from pyg_weightshare.nn.schemes import SCHEMES

SKELETON = h36m_skeleton(16)
VARIANTS = [
    (name, decouple)
    for name, scheme in SCHEMES.items()
    for decouple in ((False, True) if scheme.decouplable else (True,))
]


def trained_like(model: PoseGCN, seed: int = 0) -> PoseGCN:
    """Moves every state away from its initial value, as training would:
    BatchNorm statistics (those of a batch of random poses, so the outputs
    keep the scale of trained ones), scales and shifts, biases, the non-local
    blocks' zero-initialised norms and the learnable adjacency's logits. A
    folding that forgot any of them would not give the network's numbers."""
    generator = torch.Generator().manual_seed(seed)

    def randn_like(tensor, mean=0.0, std=1.0):
        return mean + std * torch.randn(tensor.shape, generator=generator)

    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, NonLocalBlock):  # starts as the identity
                module.norm.weight.copy_(randn_like(module.norm.weight, 0, 0.3))
            elif isinstance(module, torch.nn.BatchNorm1d):
                module.weight.copy_(randn_like(module.weight, 1, 0.3))
                module.bias.copy_(randn_like(module.bias, 0, 0.3))
            elif getattr(module, "bias", None) is not None:
                module.bias.copy_(randn_like(module.bias, 0, 0.1))
        if model.learnable_adjacency is not None:
            model.learnable_adjacency.logit.copy_(
                randn_like(model.learnable_adjacency.logit)
            )
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # the running statistics of one batch
        x = randn_like(torch.empty(64, model.num_joints, model.in_channels))
        model.train()(x)
        for norm in norms:
            norm.momentum = 0.1
    return model.eval()


def make_model(scheme="pre_agg", decouple=True, **kwargs) -> PoseGCN:
    torch.manual_seed(0)
    kwargs.setdefault("hidden_channels", 16)
    kwargs.setdefault("num_blocks", 2)
    return trained_like(PoseGCN(SKELETON, scheme, decouple, **kwargs))


def assert_same_outputs(model: PoseGCN, num_poses: int = 33) -> None:
    """Equal within 1e-5 of the outputs' scale: float32 rounds both at that
    relative size (random networks reach tens of 'metres')."""
    x = torch.randn(num_poses, model.num_joints, model.in_channels)
    with torch.inference_mode():
        expected = model(x)
        actual = model.for_inference()(x)
    scale = max(1.0, float(expected.abs().max()))
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-5 * scale)


@pytest.mark.parametrize("layout", ["h36m", "coco"])
def test_the_bundled_model_within_1e_5(layout):
    model = PoseGCN.pretrained(layout=layout)
    x = 2 * torch.rand(4096, model.num_joints, model.in_channels) - 1
    x[..., 2:] = x[..., 2:] > 0  # the seen flags of person inputs
    with torch.inference_mode():
        expected = model(x)
        actual = model.for_inference()(x)
    # A random pose can have a bone of almost no length, whose rescaling to
    # its mirror's length (a ratio of two lengths) amplifies float32
    # rounding: 5e-5 m (0.05 mm) at most.
    torch.testing.assert_close(actual, expected, rtol=0, atol=5e-5)
    # The recorded sample of real-looking poses: within 1e-5.
    reference = load_checkpoint(pretrained_path(layout)).metadata["reference"]
    with torch.inference_mode():
        expected = model(reference["inputs"])
        actual = model.for_inference()(reference["inputs"])
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("adjacency", ["sym", "row", "learnable"])
@pytest.mark.parametrize(("scheme", "decouple"), VARIANTS)
def test_every_scheme_and_adjacency_gives_the_networks_numbers(
    scheme, decouple, adjacency
):
    assert_same_outputs(make_model(scheme, decouple, adjacency=adjacency))


@pytest.mark.parametrize("non_local", [False, True])
@pytest.mark.parametrize(
    ("in_channels", "root_relative"), [(2, False), (3, True), (3, False)]
)
@pytest.mark.parametrize("scheme", ["pre_agg", "no_sharing"])
def test_every_network_option_gives_the_networks_numbers(
    scheme, in_channels, root_relative, non_local
):
    model = make_model(
        scheme,
        in_channels=in_channels,
        root_relative=root_relative,
        non_local=non_local,
        num_blocks=3,
    )
    assert_same_outputs(model)


def test_17_joints_and_no_residual_blocks():
    skeleton = h36m_skeleton(17)
    model = trained_like(PoseGCN(skeleton, hidden_channels=8, num_blocks=0))
    assert_same_outputs(model)
    model = trained_like(PoseGCN(skeleton, hidden_channels=8, non_local=True))
    assert_same_outputs(model)


@pytest.mark.parametrize(("scheme", "decouple"), VARIANTS)
def test_no_poses(scheme, decouple):
    fast = make_model(scheme, decouple, non_local=True).for_inference()
    with torch.inference_mode():
        assert fast(torch.zeros(0, 16, 2)).shape == (0, 16, 3)


def test_root_relative_outputs_have_the_root_at_zero():
    model = make_model(root_relative=True, in_channels=3)
    with torch.inference_mode():
        out = model.for_inference()(torch.randn(5, 16, 3))
    assert torch.equal(out[:, model.root], torch.zeros(5, 3))


def test_a_single_conv_folds_its_batch_norm():
    model = make_model("post_agg")
    conv, norm = model.input_block.conv, model.input_block.norm
    folded = InferenceConv(conv, 16, model.edge_index, model.edge_weight, None, norm)
    x = torch.randn(7, 16, 2)
    with torch.inference_mode():
        expected = norm(conv(x, model.edge_index, model.edge_weight).flatten(0, 1))
        actual = folded(x.transpose(0, 1).contiguous()).transpose(0, 1)
    torch.testing.assert_close(actual.flatten(0, 1), expected, rtol=0, atol=1e-5)


def test_batch_norm_affine_needs_running_statistics():
    with pytest.raises(ValueError, match="running statistics"):
        batch_norm_affine(torch.nn.BatchNorm1d(4, track_running_stats=False))


def test_learns_nothing_and_keeps_what_it_copied():
    model = make_model(adjacency="learnable")
    fast = model.for_inference()
    assert isinstance(fast, InferencePoseGCN)
    assert not any(p.requires_grad for p in fast.parameters())
    x = torch.randn(4, 16, 2)
    with torch.inference_mode():
        before = fast(x)
        trained_like(model, seed=1)  # the network changes afterwards
        assert torch.equal(fast(x), before)
        assert not torch.allclose(model(x), before, atol=1e-3)


def test_float64_networks_fold_exactly():
    model = make_model(non_local=True, adjacency="learnable").double()
    x = torch.randn(9, 16, 2, dtype=torch.float64)
    with torch.inference_mode():
        torch.testing.assert_close(
            model.for_inference()(x), model(x), rtol=0, atol=1e-12
        )


def test_runs_in_bfloat16():
    model = make_model()
    fast = model.for_inference().to(torch.bfloat16)
    x = torch.randn(16, 16, 2)
    with torch.inference_mode():
        expected = model(x)
        actual = fast(x.bfloat16()).float()
    assert actual.dtype == torch.float32
    torch.testing.assert_close(actual, expected, rtol=0.05, atol=0.05)


@pytest.mark.parametrize(
    ("shape", "problem"),
    [((4, 17, 2), r"\[B, 16, 2\]"), ((4, 16, 3), r"\[B, 16, 2\]"), ((64, 2), "static")],
)
def test_rejects_other_shapes(shape, problem):
    with pytest.raises(ValueError, match=problem):
        make_model().for_inference()(torch.zeros(shape))


def test_rejects_nan_inputs():
    x = torch.zeros(2, 16, 2)
    x[1, 3, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        make_model().for_inference()(x)


def test_repr():
    fast = make_model(non_local=True).for_inference()
    assert repr(fast) == (
        "InferencePoseGCN(2, 3, num_joints=16, num_blocks=2, non_local=True)"
    )
    assert repr(fast.input_conv) == (
        "InferenceConv(2, 16, transform_first=True, decoupled=True)"
    )


def test_predict_returns_every_pose_on_the_cpu_in_batches(monkeypatch):
    monkeypatch.setattr(inference, "EVAL_BATCH_SIZE", 4)
    model = PoseGCN(h36m_skeleton(16), hidden_channels=8, num_blocks=1).train()
    batch_sizes = []
    model.register_forward_hook(lambda _, args, out: batch_sizes.append(len(out)))
    inputs = torch.randn(10, 16, 2)
    out = predict(model, inputs, torch.device("cpu"))
    assert batch_sizes == [4, 4, 2]
    assert out.device.type == "cpu" and not model.training
    torch.testing.assert_close(out, model(inputs))
    empty = predict(model, inputs[:0], torch.device("cpu"))
    assert empty.shape == (0, 16, 3)


def test_symmetric_bones_are_kept_for_inference():
    model = make_model(in_channels=3, root_relative=True, symmetric=True)
    assert_same_outputs(model)
