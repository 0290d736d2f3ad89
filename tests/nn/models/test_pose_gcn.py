import io

import pytest
import torch
from torch_geometric.data import Batch

from pyg_weightshare import PoseGCN, h36m_skeleton
from pyg_weightshare.nn.schemes import SCHEMES

SKELETON = h36m_skeleton(16)


def make_model(scheme="pre_agg", skeleton=SKELETON, **kwargs):
    torch.manual_seed(0)
    kwargs.setdefault("hidden_channels", 8)
    kwargs.setdefault("num_blocks", 2)
    return PoseGCN(skeleton, scheme, **kwargs).double()


def randomise_identity_starts(model):
    """Non-local blocks start as the identity and the learnable adjacency as
    'row': move both away so that they are exercised."""
    with torch.no_grad():
        for block in model.non_local or ():
            torch.nn.init.normal_(block.norm.weight)
        if model.learnable_adjacency is not None:
            torch.nn.init.normal_(model.learnable_adjacency.logit)


def shuffled_flat_batch(x, skeleton):
    """A PyG batch of the poses x [B, J, C], nodes and edges in random order.
    Returns the batch's tensors and the permutation of the nodes."""
    graphs = []
    for pose in x:
        graph = skeleton.to_data()
        graph.x = pose
        graphs.append(graph)
    batch = Batch.from_data_list(graphs)
    node_perm = torch.randperm(batch.num_nodes)
    new_id = torch.empty_like(node_perm)
    new_id[node_perm] = torch.arange(batch.num_nodes)
    edge_perm = torch.randperm(batch.num_edges)
    inputs = {
        "x": batch.x[node_perm],
        "edge_index": new_id[batch.edge_index[:, edge_perm]],
        "edge_type": batch.edge_type[edge_perm],
        "node_type": batch.node_type[node_perm],
        "batch": batch.batch[node_perm],
    }
    return inputs, node_perm


@pytest.mark.parametrize("scheme", SCHEMES)
def test_maps_2d_poses_to_3d(scheme):
    model = make_model(scheme)
    out = model(torch.randn(5, 16, 2, dtype=torch.float64))
    assert out.shape == (5, 16, 3)
    assert out.is_contiguous()
    assert len(model.blocks) == 2 and model.num_layers == 6


def test_repr():
    assert repr(PoseGCN(SKELETON)) == (
        "PoseGCN(2, 3, num_joints=16, scheme='pre_agg', decouple=True, "
        "hidden_channels=128, num_blocks=4, dropout=0.0, non_local=False, "
        "adjacency='sym')"
    )


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize(
    "options",
    [{}, {"adjacency": "learnable", "non_local": True, "root_relative": True}],
    ids=["plain", "all_options"],
)
def test_flat_batch_matches_static_poses(scheme, options):
    model = make_model(scheme, **options)
    randomise_identity_starts(model)
    x = torch.randn(6, 16, 2, dtype=torch.float64)
    inputs, node_perm = shuffled_flat_batch(x, SKELETON)
    flat = model(**inputs)  # train mode: BatchNorm uses the batch statistics
    static = model(x)
    unshuffled = torch.empty_like(flat)
    unshuffled[node_perm] = flat
    torch.testing.assert_close(unshuffled.view(6, 16, 3), static)


def test_flat_single_pose_needs_no_batch_vector():
    model = make_model(non_local=True, root_relative=True).eval()
    randomise_identity_starts(model)
    x = torch.randn(1, 16, 2, dtype=torch.float64)
    graph = SKELETON.to_data()
    flat = model(x[0], graph.edge_index, graph.edge_type, graph.node_type)
    torch.testing.assert_close(flat, model(x)[0])


@pytest.mark.parametrize("adjacency", ["sym", "row"])
def test_uses_the_chosen_normalisation(adjacency):
    model = make_model("full", adjacency=adjacency)
    torch.testing.assert_close(
        model.edge_weight, SKELETON.to_data(adjacency).edge_weight.double()
    )
    other = make_model("full", adjacency={"sym": "row", "row": "sym"}[adjacency])
    x = torch.randn(4, 16, 2, dtype=torch.float64)
    assert not torch.allclose(model(x), other(x))  # same weights, other Â


def test_learnable_adjacency_starts_as_row_and_learns():
    learnable = make_model(adjacency="learnable")
    row = make_model(adjacency="row")
    with torch.no_grad():
        for name, parameter in row.named_parameters():
            learnable.get_parameter(name).copy_(parameter)
    x = torch.randn(4, 16, 2, dtype=torch.float64)
    out = learnable(x)
    torch.testing.assert_close(out, row(x))
    out.square().sum().backward()
    logit = learnable.learnable_adjacency.logit
    assert logit.shape == (6, 46)  # one logit per edge and convolution
    assert (logit.grad.abs().sum(dim=1) > 0).all()


def test_root_relative_subtracts_the_root_prediction():
    x = torch.randn(4, 16, 2, dtype=torch.float64)
    absolute = make_model().eval()(x)
    relative = make_model(root_relative=True).eval()(x)
    assert SKELETON.parents[0] == -1 and absolute[:, 0].abs().min() > 0
    assert torch.equal(relative[:, 0], torch.zeros(4, 3, dtype=torch.float64))
    torch.testing.assert_close(relative, absolute - absolute[:, :1])


def test_batch_norm_statistics_cover_every_joint_of_every_pose():
    model = make_model("full", num_blocks=0)
    x = torch.randn(4, 16, 2, dtype=torch.float64)
    block = model.input_block
    conv_out = block.conv(x, model.edge_index, model.edge_weight)
    model(x)
    momentum = block.norm.momentum
    torch.testing.assert_close(
        block.norm.running_mean, momentum * conv_out.mean(dim=(0, 1))
    )


def test_non_local_blocks_follow_input_and_residual_blocks():
    model = make_model(non_local=True, num_blocks=3)
    assert len(model.non_local) == 4
    assert model.non_local[0].num_groups == 8
    calls = []
    for i, block in enumerate(model.non_local):
        block.register_forward_hook(lambda *_, i=i: calls.append(f"non_local{i}"))
    for i, block in enumerate(model.blocks):
        block.register_forward_hook(lambda *_, i=i: calls.append(f"block{i}"))
    model(torch.randn(2, 16, 2, dtype=torch.float64))
    assert calls == [
        "non_local0", "block0", "non_local1", "block1", "non_local2", "block2",
        "non_local3",
    ]  # fmt: skip


def test_dropout_only_in_training():
    model = make_model(dropout=0.5)
    x = torch.randn(4, 16, 2, dtype=torch.float64)
    assert not torch.equal(model(x), model(x))
    model.eval()
    assert torch.equal(model(x), model(x))


@pytest.mark.parametrize("init", ["xavier", "stacked"])
def test_init_option_and_reset_parameters(init):
    model = make_model("pre_agg", init=init, non_local=True)
    hidden = model.blocks[0].first.conv  # 8 -> 8, 2 x 16 matrices
    if init == "stacked":
        bound = 1.414 * (6 / (8 * (8 + 32))) ** 0.5
    else:
        bound = (6 / (8 + 8)) ** 0.5
    for weight in (hidden.weight, hidden.self_weight):
        assert 0.9 * bound < weight.abs().max() <= bound
    before = hidden.weight.clone()
    randomise_identity_starts(model)
    model.reset_parameters()
    assert not torch.equal(hidden.weight, before)
    assert not model.non_local[0].norm.weight.any()  # the identity again


@pytest.mark.parametrize("scheme", SCHEMES)
def test_trains_on_a_tiny_batch(scheme):
    torch.manual_seed(0)
    model = PoseGCN(SKELETON, scheme, hidden_channels=16, num_blocks=1)
    x = torch.randn(32, 16, 2)
    target = torch.tanh(x @ torch.randn(2, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(25):
        optimizer.zero_grad()
        loss = (model(x) - target).square().mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


# In the static layout full-, pre- and post-aggregation take no typed
# attribute; these three cover every way the model calls its convolutions.
@pytest.mark.parametrize("scheme", ["pre_agg", "conv_style", "no_sharing"])
def test_compiles_without_graph_breaks(scheme):
    # The "eager" backend runs Dynamo's full-graph capture without the slow
    # Inductor code generation.
    model = PoseGCN(
        SKELETON,
        scheme,
        hidden_channels=8,
        num_blocks=1,
        adjacency="learnable",
        non_local=True,
        root_relative=True,
    )
    x = torch.randn(4, 16, 2)
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend="eager")
    out = compiled(x)
    out.sum().backward()
    torch.testing.assert_close(out, model(x))


@pytest.mark.cuda
@pytest.mark.parametrize("scheme", SCHEMES)
def test_cuda_forward_does_not_synchronise(scheme):
    model = PoseGCN(
        SKELETON,
        scheme,
        hidden_channels=8,
        adjacency="learnable",
        non_local=True,
        root_relative=True,
    ).cuda()
    x = torch.randn(4, 16, 2, device="cuda")
    torch.cuda.set_sync_debug_mode("error")
    try:
        model(x)
    finally:
        torch.cuda.set_sync_debug_mode("default")


# Checkpoints ----------------------------------------------------------------


def save_and_load(state_dict):
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_state_dict_round_trip():
    model = make_model(adjacency="learnable", non_local=True)
    randomise_identity_starts(model)
    model(torch.randn(4, 16, 2, dtype=torch.float64))  # running statistics
    copy = PoseGCN(
        SKELETON, hidden_channels=8, num_blocks=2, adjacency="learnable", non_local=True
    ).double()
    copy.load_state_dict(save_and_load(model.state_dict()))
    x = torch.randn(4, 16, 2, dtype=torch.float64)
    torch.testing.assert_close(copy.eval()(x), model.eval()(x))


@pytest.mark.parametrize(
    ("other", "message"),
    [
        ({"skeleton": h36m_skeleton(17)}, "num_joints=17 .this model: 16."),
        ({"skeleton": h36m_skeleton(16, center=7)}, "center=7 .this model: 0."),
        ({"adjacency": "row"}, "adjacency='row' .this model: 'sym'."),
        ({"scheme": "conv_style"}, "scheme='conv_style'"),
    ],
)
def test_checkpoint_of_another_model_fails_to_load(other, message):
    # Full-sharing weights have the same shapes on every skeleton and
    # normalisation: only the saved architecture tells them apart.
    kwargs = {"scheme": "full", "hidden_channels": 8, "num_blocks": 1}
    model = PoseGCN(SKELETON, **kwargs)
    source = PoseGCN(**{"skeleton": SKELETON, **kwargs, **other})
    with pytest.raises(ValueError, match=f"different PoseGCN: {message}"):
        model.load_state_dict(save_and_load(source.state_dict()))


# Bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (torch.randn(4, 17, 2), "built for a 16-joint skeleton, got poses of 17"),
        (torch.randn(4, 16, 3), r"expects 2 input features per joint, got x of"),
        (torch.randn(2, 4, 16, 2), r"x of shape \[B, J, 2\] \(static\) or"),
        (torch.randn(33, 2), "whole 16-joint poses, got 33 nodes"),
    ],
)
def test_rejects_badly_shaped_input(x, message):
    with pytest.raises(ValueError, match=message):
        make_model()(x)


def test_rejects_nan_and_infinity_on_the_cpu():
    model = make_model()
    for value in (float("nan"), float("inf")):
        x = torch.randn(4, 16, 2, dtype=torch.float64)
        x[2, 5, 1] = value
        with pytest.raises(ValueError, match="NaN or infinite"):
            model(x)


def test_rejects_graph_inputs_that_do_not_fit_the_layout():
    model = make_model(non_local=True)
    graph = SKELETON.to_data()
    with pytest.raises(ValueError, match=r"Static poses .* use the model's own"):
        model(torch.randn(1, 16, 2, dtype=torch.float64), graph.edge_index)
    x = torch.randn(32, 2, dtype=torch.float64)
    batch = Batch.from_data_list([graph, graph])
    with pytest.raises(ValueError, match="needs edge_index, edge_type and node_type"):
        model(x, batch.edge_index, node_type=batch.node_type)
    with pytest.raises(ValueError, match="needs batch for a flat batch of several"):
        model(x, batch.edge_index, batch.edge_type, batch.node_type)
    with pytest.raises(ValueError, match=r"node_type must hold one id per node \(32\)"):
        model(x, batch.edge_index, batch.edge_type, graph.node_type, batch.batch)
    with pytest.raises(RuntimeError, match=r"edge_type holds ids outside 0\.\.45"):
        model(x, batch.edge_index, batch.edge_type + 46, batch.node_type, batch.batch)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scheme": "dense"}, "scheme must be one of"),
        ({"scheme": "conv_style", "decouple": False}, "decouples self-loops by"),
        ({"adjacency": "softmax"}, "adjacency must be one of"),
        ({"init": "kaiming"}, "init must be one of"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"num_blocks": -1}, "num_blocks must be >= 0"),
        ({"non_local": True, "hidden_channels": 1}, "at least one inter channel"),
    ],
)
def test_rejects_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PoseGCN(SKELETON, **kwargs)


def test_symmetric_bones_give_mirrored_limbs_equal_lengths():
    skeleton = h36m_skeleton(16)
    model = PoseGCN(
        skeleton, hidden_channels=8, num_blocks=1, root_relative=True, symmetric=True
    )
    poses = torch.randn(5, 16, 3)
    fixed = model.symmetric_bones(poses)
    parents = skeleton.parents

    def length(p, j):
        return (p[:, j] - p[:, parents[j]]).norm(dim=-1)

    for left, right in zip(skeleton.left, skeleton.right, strict=True):
        assert torch.allclose(length(fixed, left), length(fixed, right), atol=1e-5)
        mean = (length(poses, left) + length(poses, right)) / 2
        assert torch.allclose(length(fixed, left), mean, atol=1e-5)
        # Each bone keeps its direction.
        for j in (left, right):
            before = poses[:, j] - poses[:, parents[j]]
            after = fixed[:, j] - fixed[:, parents[j]]
            cosine = torch.nn.functional.cosine_similarity(before, after, dim=-1)
            assert torch.allclose(cosine, torch.ones(5), atol=1e-5)
    # Bones without a mirror, and the root, are kept.
    assert torch.equal(fixed[:, 0], poses[:, 0])
    assert torch.allclose(length(fixed, 9), length(poses, 9), atol=1e-6)
    out = model(torch.randn(4, 16, 2))
    assert torch.equal(out[:, 0], torch.zeros(4, 3))
    ratio = length(out, 12) / length(out, 15)  # forearms
    assert torch.allclose(ratio, torch.ones(4), atol=1e-5)


def test_symmetric_bones_are_the_same_in_the_flat_layout():
    model = PoseGCN(SKELETON, hidden_channels=8, num_blocks=1, symmetric=True).eval()
    x = torch.randn(1, 16, 2)
    graph = SKELETON.to_data()
    flat = model(x[0], graph.edge_index, graph.edge_type, graph.node_type)
    torch.testing.assert_close(flat, model(x)[0])
