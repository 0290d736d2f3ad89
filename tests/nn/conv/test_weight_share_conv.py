"""Properties every one of the eight variants must have, checked against the
slow reference written from the paper's equations."""

import pytest
import torch
from torch_geometric.data import Batch, Data
from torch_geometric.loader import DataLoader
from torch_geometric.utils import to_torch_coo_tensor, to_torch_csr_tensor

from pyg_weightshare import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    Skeleton,
    backend,
    h36m_skeleton,
)
from pyg_weightshare.nn.conv.weight_share_conv import WeightShareConv
from pyg_weightshare.nn.schemes import typed_inputs
from pyg_weightshare.testing import assert_compiles, reference_conv

# A tree with a centre joint that is not the root, to exercise displacements.
TREE = Skeleton([-1, 0, 1, 1, 0, 4, 5, 2, 0], center=1)

VARIANTS = {
    "full": lambda c_in, c_out, skeleton: FullShareConv(c_in, c_out, decouple=False),
    "full_decoupled": lambda c_in, c_out, skeleton: FullShareConv(c_in, c_out),
    "pre_agg": lambda c_in, c_out, skeleton: PreAggConv(
        c_in, c_out, skeleton.num_joints, decouple=False
    ),
    "pre_agg_decoupled": lambda c_in, c_out, skeleton: PreAggConv(
        c_in, c_out, skeleton.num_joints
    ),
    "post_agg": lambda c_in, c_out, skeleton: PostAggConv(
        c_in, c_out, skeleton.num_joints, decouple=False
    ),
    "post_agg_decoupled": lambda c_in, c_out, skeleton: PostAggConv(
        c_in, c_out, skeleton.num_joints
    ),
    "conv_style": lambda c_in, c_out, skeleton: ConvStyleConv(c_in, c_out),
    "conv_style_per_edge": lambda c_in, c_out, skeleton: ConvStyleConv(
        c_in, c_out, aggregate_first=False
    ),
    "no_sharing": lambda c_in, c_out, skeleton: NoShareConv(
        c_in, c_out, skeleton.num_edge_types
    ),
    "no_sharing_aggregate_first": lambda c_in, c_out, skeleton: NoShareConv(
        c_in, c_out, skeleton.num_edge_types, aggregate_first=True
    ),
}


def make_conv(name, c_in, c_out, skeleton, dtype=torch.float64):
    torch.manual_seed(0)
    conv = VARIANTS[name](c_in, c_out, skeleton).to(dtype)
    if conv.bias is not None:
        torch.nn.init.normal_(conv.bias)  # a zero bias would hide its mistakes
    return conv


typed_kwargs = typed_inputs  # the typed attribute a conv needs, from a graph


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("skeleton", [h36m_skeleton(16), TREE], ids=["h36m", "tree"])
@pytest.mark.parametrize("given_weight", [True, False])
def test_static_layout_matches_reference(name, skeleton, given_weight):
    conv = make_conv(name, 3, 4, skeleton)
    graph = skeleton.to_data()
    edge_weight = graph.edge_weight.double() if given_weight else None
    x = torch.randn(5, skeleton.num_joints, 3, dtype=torch.float64)
    kwargs = typed_kwargs(conv, graph)
    out = conv(x, graph.edge_index, edge_weight, **kwargs)
    expected = reference_conv(conv, x, graph.edge_index, edge_weight, **kwargs)
    assert out.shape == (5, skeleton.num_joints, 4)
    torch.testing.assert_close(out, expected, atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("normalization", ["sym", "row"])
def test_flat_dataloader_batches_match_reference_and_static(name, normalization):
    skeleton = TREE
    conv = make_conv(name, 3, 4, skeleton)
    graph = skeleton.to_data(normalization)
    x = torch.randn(7, skeleton.num_joints, 3, dtype=torch.float64)
    graphs = [Data(x=pose, **graph.to_dict()) for pose in x]
    static = conv(
        x, graph.edge_index, graph.edge_weight.double(), **typed_kwargs(conv, graph)
    )
    outs = []
    for batch in DataLoader(graphs, batch_size=3):
        kwargs = typed_kwargs(conv, batch, static=False)
        out = conv(batch.x, batch.edge_index, batch.edge_weight.double(), **kwargs)
        expected = reference_conv(
            conv, batch.x, batch.edge_index, batch.edge_weight, **kwargs
        )
        torch.testing.assert_close(out, expected, atol=1e-12, rtol=0)
        outs.append(out)
    torch.testing.assert_close(
        torch.cat(outs).view_as(static), static, atol=1e-12, rtol=0
    )


@pytest.mark.parametrize("name", VARIANTS)
def test_flat_graph_with_uneven_types_matches_reference(name):
    # Not a skeleton: a 6-node cycle plus self-loops, two nodes per type for
    # pre/post (types repeat unevenly), as a PyG user's own graph would be.
    ring = torch.arange(6)
    source = torch.cat([ring, ring, (ring + 1) % 6])
    target = torch.cat([ring, (ring + 1) % 6, ring])
    edge_index = torch.stack([source, target])
    displacement = torch.cat(
        [torch.zeros(6), torch.ones(6), torch.full((6,), 2)]
    ).long()
    skeleton = Skeleton([-1, 0, 1, 2])  # four node types, 18 edge types
    conv = make_conv(name, 3, 2, skeleton)
    edge_type = torch.randint(0, skeleton.num_edge_types, (18,))
    node_type = torch.tensor([0, 0, 0, 2, 3, 3])
    graph = Data(
        edge_index=edge_index,
        displacement=displacement,
        edge_type=edge_type,
        node_type=node_type,
    )
    kwargs = typed_kwargs(conv, graph, static=False)
    x = torch.randn(6, 3, dtype=torch.float64)
    out = conv(x, edge_index, **kwargs)
    torch.testing.assert_close(
        out, reference_conv(conv, x, edge_index, **kwargs), atol=1e-12, rtol=0
    )


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("static", [True, False], ids=["static", "flat"])
def test_gradcheck(name, static):
    skeleton = TREE
    conv = make_conv(name, 2, 3, skeleton)
    graph = skeleton.to_data()
    shape = (2, skeleton.num_joints, 2) if static else (skeleton.num_joints, 2)
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    edge_weight = graph.edge_weight.double().requires_grad_()
    kwargs = typed_kwargs(conv, graph, static)
    names = [name for name, _ in conv.named_parameters()]

    def run(x, edge_weight, *weights):
        parameters = dict(zip(names, weights, strict=True))
        args = (x, graph.edge_index, edge_weight)
        return torch.func.functional_call(conv, parameters, args, kwargs)

    weights = [p.detach().clone().requires_grad_() for p in conv.parameters()]
    inputs = (x, edge_weight, *weights)
    assert torch.autograd.gradcheck(run, inputs)


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("static", [True, False], ids=["static", "flat"])
def test_invariant_to_edge_order(name, static):
    skeleton = h36m_skeleton(17)
    conv = make_conv(name, 3, 4, skeleton)
    graph = skeleton.to_data()
    shape = (4, 17, 3) if static else (17, 3)
    x = torch.randn(shape, dtype=torch.float64)
    out = conv(
        x,
        graph.edge_index,
        graph.edge_weight.double(),
        **typed_kwargs(conv, graph, static),
    )
    perm = torch.randperm(graph.num_edges, generator=torch.Generator().manual_seed(1))
    shuffled = graph.edge_subgraph(perm)  # permutes every edge attribute with it
    shuffled_out = conv(
        x,
        shuffled.edge_index,
        shuffled.edge_weight.double(),
        **typed_kwargs(conv, shuffled, static),
    )
    assert not torch.equal(shuffled.edge_index, graph.edge_index)
    torch.testing.assert_close(shuffled_out, out, atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", VARIANTS)
def test_float32_close_to_float64(name):
    skeleton = h36m_skeleton(16)
    conv64 = make_conv(name, 8, 8, skeleton)
    conv32 = make_conv(name, 8, 8, skeleton, dtype=torch.float32)
    conv32.load_state_dict(conv64.state_dict())
    graph = skeleton.to_data()
    x = torch.randn(6, 16, 8, dtype=torch.float64)
    kwargs = typed_kwargs(conv64, graph)
    out32 = conv32(x.float(), graph.edge_index, graph.edge_weight, **kwargs)
    out64 = conv64(x, graph.edge_index, graph.edge_weight, **kwargs)
    assert out32.dtype == torch.float32 and out64.dtype == torch.float64
    torch.testing.assert_close(out32.double(), out64, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", VARIANTS)
def test_torch_compile_fullgraph(name):
    skeleton = h36m_skeleton(16)
    conv = make_conv(name, 4, 5, skeleton, dtype=torch.float32)
    graph = skeleton.to_data()
    x = torch.randn(3, 16, 4)
    assert_compiles(
        conv, x, graph.edge_index, graph.edge_weight, **typed_kwargs(conv, graph)
    )


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("segment_csr", [False, True], ids=["scatter", "segment"])
def test_torch_compile_fullgraph_flat_layout(name, segment_csr, monkeypatch):
    if segment_csr and not backend.WITH_TORCH_SCATTER:
        pytest.skip("needs torch-scatter")
    monkeypatch.setattr(backend, "use_segment_csr", segment_csr)
    skeleton = h36m_skeleton(16)
    conv = make_conv(name, 4, 5, skeleton, dtype=torch.float32)
    batch = Batch.from_data_list([skeleton.to_data()] * 3)
    x = torch.randn(48, 4)
    kwargs = typed_kwargs(conv, batch, static=False)
    assert_compiles(conv, x, batch.edge_index, batch.edge_weight, **kwargs)


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("segment_csr", [False, True], ids=["scatter", "segment"])
def test_aggregation_backends_agree_on_a_shuffled_flat_batch(
    name, segment_csr, monkeypatch
):
    if segment_csr and not backend.WITH_TORCH_SCATTER:
        pytest.skip("needs torch-scatter")
    monkeypatch.setattr(backend, "use_segment_csr", segment_csr)
    conv = make_conv(name, 3, 4, TREE)
    batch = Batch.from_data_list([TREE.to_data()] * 2)
    perm = torch.randperm(batch.num_edges, generator=torch.Generator().manual_seed(0))
    batch = batch.edge_subgraph(perm)  # edges no longer sorted by target
    x = torch.randn(batch.num_nodes, 3, dtype=torch.float64)
    kwargs = typed_kwargs(conv, batch, static=False)
    graph = conv.prepare_graph(
        x, batch.edge_index, batch.edge_weight.double(), *kwargs.values()
    )
    assert (graph.target_ptr is not None) == segment_csr  # the backend runs
    out = conv(x, batch.edge_index, batch.edge_weight.double(), **kwargs)
    expected = reference_conv(conv, x, batch.edge_index, batch.edge_weight, **kwargs)
    torch.testing.assert_close(out, expected, atol=1e-12, rtol=0)


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("layout", ["coo", "csr"])
def test_sparse_adjacency_matches_the_edge_list(name, layout):
    skeleton = h36m_skeleton(16)
    conv = make_conv(name, 3, 4, skeleton)
    graph = skeleton.to_data("row")  # not symmetric: catches a transposition
    x = torch.randn(2, 16, 3, dtype=torch.float64)
    convert = to_torch_coo_tensor if layout == "coo" else to_torch_csr_tensor
    # Row i (target), column j (source): PyG's transposed adjacency.
    adj_t = convert(graph.edge_index.flip(0), graph.edge_weight.double(), (16, 16))
    # Typed edge attributes follow the sparse tensor's row-major order, which
    # is the order of to_data() edges (sorted by target, then source).
    kwargs = typed_kwargs(conv, graph)
    out = conv(x, adj_t, **kwargs)
    expected = conv(x, graph.edge_index, graph.edge_weight.double(), **kwargs)
    torch.testing.assert_close(out, expected, atol=1e-12, rtol=0)
    with pytest.raises(ValueError, match="holds the edge weights as its values"):
        conv(x, adj_t, graph.edge_weight.double(), **kwargs)


@pytest.mark.parametrize("name", VARIANTS)
def test_empty_batches_and_graphs_without_edges_give_empty_outputs(name):
    skeleton = h36m_skeleton(16)
    conv = make_conv(name, 3, 4, skeleton)
    graph = skeleton.to_data()
    kwargs = typed_kwargs(conv, graph)
    empty = torch.zeros(0, 16, 3, dtype=torch.float64)
    assert conv(empty, graph.edge_index, **kwargs).shape == (0, 16, 4)
    no_edges = torch.zeros(2, 0, dtype=torch.long)
    edge_kwargs = {key: value[:0] for key, value in kwargs.items()}
    node_kwargs = {"node_type": graph.node_type} if "node" in conv.weight_index else {}
    x = torch.randn(16, 3, dtype=torch.float64)
    out = conv(x, no_edges, **edge_kwargs, **node_kwargs)
    expected = conv.bias.expand(16, 4) if conv.bias is not None else 0
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("name", VARIANTS)
def test_cached_graph_is_reused_until_the_layer_moves(name):
    skeleton = h36m_skeleton(16)
    conv = make_conv(name, 3, 4, skeleton)
    cached = make_conv(name, 3, 4, skeleton)
    cached.cached = True
    graph = skeleton.to_data()
    kwargs = typed_kwargs(conv, graph)
    x = torch.randn(5, 16, 3, dtype=torch.float64)
    edge_weight = graph.edge_weight.double()
    expected = conv(x, graph.edge_index, edge_weight, **kwargs)
    for weights in (edge_weight, 2 * edge_weight):  # the second call reuses the first
        out = cached(x, graph.edge_index, weights, **kwargs)
        torch.testing.assert_close(out, expected)
    other = h36m_skeleton(17).to_data()
    other_x = torch.randn(2, 17, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match="the graph of a cached layer must not"):
        cached(other_x, other.edge_index, **typed_kwargs(cached, other))
    cached.float().double()  # moving the layer drops the cache with its tensors
    out = cached(x, graph.edge_index, 2 * edge_weight, **kwargs)
    torch.testing.assert_close(
        out, conv(x, graph.edge_index, 2 * edge_weight, **kwargs)
    )
    learnable = graph.edge_weight.float().requires_grad_()
    with pytest.raises(ValueError, match="cannot learn them"):
        cached.float()(x.float(), graph.edge_index, learnable, **kwargs)


class TargetTypedMessageConv(WeightShareConv):
    """A user's own layer: the matrix of the target node, applied to every
    message (post-aggregation written the slow way)."""

    weight_index = "target_node"

    def __init__(self, in_channels, out_channels, num_node_types):
        super().__init__(in_channels, out_channels, num_node_types)

    def forward(self, x, edge_index, edge_weight=None, node_type=None):
        graph = self.prepare_graph(x, edge_index, edge_weight, node_type)
        return self.propagate_graph(graph, x=x)

    def message(self, x_j, edge_weight, type_index, edge_index_i):
        target_type = type_index.index_select(0, edge_index_i)
        return edge_weight.view(-1, 1) * self.typed_transform(
            x_j, self.weight, target_type
        )


def test_reference_checks_a_users_own_subclass():
    conv = TargetTypedMessageConv(3, 4, num_node_types=9).double()
    graph = TREE.to_data()
    x = torch.randn(9, 3, dtype=torch.float64)
    out = conv(x, graph.edge_index, node_type=graph.node_type)
    torch.testing.assert_close(
        out, reference_conv(conv, x, graph.edge_index), atol=1e-12, rtol=0
    )
    post = PostAggConv(3, 4, num_node_types=9, decouple=False).double()
    post.load_state_dict(conv.state_dict())
    torch.testing.assert_close(post(x, graph.edge_index), out, atol=1e-12, rtol=0)


def test_rejects_features_of_another_dtype():
    conv = PreAggConv(2, 3, num_node_types=16)
    graph = h36m_skeleton(16).to_data()
    with pytest.raises(ValueError, match=r"has torch.float32 weights but got x of "):
        conv(torch.randn(4, 16, 2, dtype=torch.float16), graph.edge_index)


@pytest.mark.cuda
@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("static", [True, False], ids=["static", "flat"])
def test_cuda_never_synchronizes(name, static):
    # The uneven types of a flat batch too: no value is read back.
    skeleton = h36m_skeleton(16)
    conv = make_conv(name, 4, 5, skeleton, dtype=torch.float32).cuda()
    batch = Batch.from_data_list([skeleton.to_data()] * 3).cuda()
    x = torch.randn((3, 16, 4) if static else (48, 4), device="cuda")
    graph = batch if not static else skeleton.to_data().cuda()
    kwargs = typed_kwargs(conv, graph, static)
    conv(x, graph.edge_index, graph.edge_weight, **kwargs)  # warm-up
    torch.cuda.set_sync_debug_mode("error")
    try:
        conv(x, graph.edge_index, graph.edge_weight, **kwargs).sum().backward()
    finally:
        torch.cuda.set_sync_debug_mode("default")


@pytest.mark.cuda
@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("static", [True, False], ids=["static", "flat"])
def test_cuda_matches_cpu(name, static):
    skeleton = h36m_skeleton(16)
    conv = make_conv(name, 4, 5, skeleton, dtype=torch.float32)
    graph = skeleton.to_data()
    x = torch.randn((3, 16, 4) if static else (16, 4))
    kwargs = typed_kwargs(conv, graph, static)
    expected = conv(x, graph.edge_index, graph.edge_weight, **kwargs)
    cuda_kwargs = {key: value.cuda() for key, value in kwargs.items()}
    out = conv.cuda()(
        x.cuda(), graph.edge_index.cuda(), graph.edge_weight.cuda(), **cuda_kwargs
    )
    torch.testing.assert_close(out.cpu(), expected, atol=1e-5, rtol=1e-4)


# Bad input -----------------------------------------------------------------


@pytest.mark.parametrize("name", VARIANTS)
def test_rejects_wrong_feature_width(name):
    skeleton = h36m_skeleton(16)
    conv = make_conv(name, 4, 5, skeleton)
    graph = skeleton.to_data()
    with pytest.raises(ValueError, match="expects 4 input features, got x with 3"):
        conv(
            torch.randn(2, 16, 3, dtype=torch.float64),
            graph.edge_index,
            **typed_kwargs(conv, graph),
        )
    with pytest.raises(ValueError, match=r"\[N, C\] \(flat\) or \[B, J, C\]"):
        conv(
            torch.randn(2, 2, 16, 4, dtype=torch.float64),
            graph.edge_index,
            **typed_kwargs(conv, graph),
        )


@pytest.mark.parametrize("name", VARIANTS)
def test_rejects_edges_to_missing_nodes(name):
    skeleton = h36m_skeleton(17)
    conv = make_conv(name, 4, 5, skeleton)
    graph = skeleton.to_data()
    x = torch.randn(2, 16, 4, dtype=torch.float64)  # 16-joint data, 17-joint graph
    with pytest.raises(RuntimeError, match=r"edge_index holds ids outside 0..15"):
        conv(x, graph.edge_index, **typed_kwargs(conv, graph))


@pytest.mark.parametrize("name", VARIANTS)
def test_rejects_edge_attributes_of_the_wrong_length(name):
    skeleton = h36m_skeleton(16)
    conv = make_conv(name, 4, 5, skeleton)
    graph = skeleton.to_data()
    x = torch.randn(2, 16, 4, dtype=torch.float64)
    kwargs = typed_kwargs(conv, graph)
    with pytest.raises(
        ValueError, match=r"edge_weight must hold one entry per edge \(46\)"
    ):
        conv(x, graph.edge_index, graph.edge_weight[:-1].double(), **kwargs)
    for key in kwargs:
        with pytest.raises(
            ValueError, match=rf"{key} must hold one entry per edge \(46\)"
        ):
            conv(x, graph.edge_index, **{key: kwargs[key][:-1]})


def test_rejects_type_ids_out_of_range():
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    x = torch.randn(2, 16, 4)
    for conv in (
        PreAggConv(4, 5, num_node_types=16),
        PostAggConv(4, 5, num_node_types=16),
    ):
        with pytest.raises(RuntimeError, match=r"node_type holds ids outside 0..15"):
            conv(x, graph.edge_index, node_type=graph.node_type + 1)
    with pytest.raises(RuntimeError, match=r"edge_type holds ids outside 0..44"):
        NoShareConv(4, 5, num_edge_types=45)(
            x, graph.edge_index, edge_type=graph.edge_type
        )
    with pytest.raises(RuntimeError, match=r"displacement holds ids outside 0..2"):
        ConvStyleConv(4, 5)(x, graph.edge_index, displacement=graph.displacement + 1)


def test_rejects_missing_typed_attributes():
    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    x = torch.randn(2, 16, 4)
    with pytest.raises(ValueError, match="ConvStyleConv needs displacement"):
        ConvStyleConv(4, 5)(x, graph.edge_index)
    with pytest.raises(ValueError, match="NoShareConv needs edge_type"):
        NoShareConv(4, 5, 46)(x, graph.edge_index)
    batch = next(iter(DataLoader([graph, graph], batch_size=2)))
    for conv in (
        PreAggConv(4, 5, num_node_types=16),
        PostAggConv(4, 5, num_node_types=16),
    ):
        with pytest.raises(
            ValueError,
            match="has 16 node types: it needs node_type for a flat batch of 32 nodes",
        ):
            conv(torch.randn(32, 4), batch.edge_index)


def test_rejects_a_skeleton_of_another_size():
    graph = h36m_skeleton(17).to_data()
    for conv in (
        PreAggConv(4, 5, num_node_types=16),
        PostAggConv(4, 5, num_node_types=16),
    ):
        with pytest.raises(
            ValueError, match="has 16 node types: it needs node_type for a graph of 17"
        ):
            conv(torch.randn(2, 17, 4), graph.edge_index)


def test_rejects_float_type_ids():
    graph = h36m_skeleton(16).to_data()
    with pytest.raises(ValueError, match="edge_type must be int64"):
        NoShareConv(4, 5, 46)(
            torch.randn(16, 4), graph.edge_index, edge_type=graph.edge_type.float()
        )
