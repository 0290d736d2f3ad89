"""Forward+backward speed of every weight-sharing layer, as ratios.

For each of the eight variants, one layer on the static layout (B poses of
the 16-joint Human3.6M skeleton, C channels in and out, float32) is timed
against, in the same run:

* the dense formulation of the published code: separate ``einsum``/``matmul``
  transforms on ``[B, J, C]`` and masked ``J x J`` adjacency products (for
  no-sharing, a dense ``J x J`` grid of matrices);
* the naive ``MessagePassing`` formulation that gathers a weight matrix per
  edge (``W[type][edge]``) and multiplies with ``bmm``;
* the same layer on the flat PyG batch of the same poses;
* the machine's own SGEMM rate (useful FLOPs of the layer per second, as a
  fraction of a large square ``torch.mm``).

Every formulation is first checked to give the layer's output. Run:

    python benchmarks/bench_convs.py
"""

import argparse

import torch
import torch.utils.benchmark as benchmark
from torch import Tensor
from torch_geometric.data import Batch
from torch_geometric.nn import MessagePassing

from pyg_weightshare import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    h36m_skeleton,
)

SCHEMES = {
    "full": (FullShareConv, {"decouple": False}),
    "full (decoupled)": (FullShareConv, {"decouple": True}),
    "pre-agg": (PreAggConv, {"decouple": False}),
    "pre-agg (decoupled)": (PreAggConv, {"decouple": True}),
    "post-agg": (PostAggConv, {"decouple": False}),
    "post-agg (decoupled)": (PostAggConv, {"decouple": True}),
    "conv-style": (ConvStyleConv, {}),
    "no-sharing": (NoShareConv, {}),
}


def build(conv_class, options, channels, skeleton):
    if conv_class in (PreAggConv, PostAggConv):
        options = {**options, "num_nodes": skeleton.num_joints}
    if conv_class is NoShareConv:
        options = {**options, "num_edge_types": skeleton.num_edge_types}
    return conv_class(channels, channels, **options)


def typed_kwargs(conv, graph, flat):
    if isinstance(conv, ConvStyleConv):
        return {"displacement": graph.displacement}
    if isinstance(conv, NoShareConv):
        return {"edge_type": graph.edge_type}
    if isinstance(conv, PreAggConv | PostAggConv) and flat:
        return {"node_type": graph.node_type}
    return {}


# The dense formulation of the published code ---------------------------------


def dense_reference(conv, graph, num_joints):
    """The layer as the published code computes it, from dense matrices."""
    adj = torch.zeros(num_joints, num_joints)
    adj[graph.edge_index[1], graph.edge_index[0]] = graph.edge_weight
    weight, self_weight, bias = conv.weight, conv.self_weight, conv.bias

    def masked(mask):
        return adj * mask

    if isinstance(conv, NoShareConv):
        grid_index = torch.zeros(num_joints, num_joints, dtype=torch.long)
        grid_index[graph.edge_index[1], graph.edge_index[0]] = graph.edge_type + 1

        def forward(x):
            padded = torch.cat([weight.new_zeros(1, *weight.shape[1:]), weight])
            grid = adj[..., None, None] * padded[grid_index]  # [J, J, C, O]
            return torch.einsum("bjc,ijco->bio", x, grid) + bias

        return forward

    if isinstance(conv, ConvStyleConv):
        classes = torch.zeros(3, num_joints, num_joints)
        classes[graph.displacement, graph.edge_index[1], graph.edge_index[0]] = 1

        def forward(x):
            out = sum(masked(classes[d]) @ (x @ weight[d]) for d in range(3))
            return out + bias

        return forward

    eye = torch.eye(num_joints)
    per_node = isinstance(conv, PreAggConv | PostAggConv)

    def transform(x, matrices):
        if per_node:
            return torch.einsum("bjc,jco->bjo", x, matrices)
        return torch.matmul(x, matrices[0])

    if isinstance(conv, PostAggConv):
        if self_weight is None:
            return lambda x: transform(adj @ x, weight) + bias
        return lambda x: (
            transform(masked(eye) @ x, self_weight)
            + transform(masked(1 - eye) @ x, weight)
            + bias
        )
    if self_weight is None:
        return lambda x: adj @ transform(x, weight) + bias
    return lambda x: (
        masked(eye) @ transform(x, self_weight)
        + masked(1 - eye) @ transform(x, weight)
        + bias
    )


# The naive per-edge formulation ------------------------------------------------


class PerEdgeWeightConv(MessagePassing):
    """Gathers one matrix per edge, ``stacked[weight_index]``, then ``bmm``."""

    def __init__(self, stacked: Tensor, bias: Tensor) -> None:
        super().__init__(aggr="add")
        self.stacked = stacked
        self.bias = bias

    def forward(self, x, edge_index, edge_weight, weight_index):
        out = self.propagate(
            edge_index, x=x, edge_weight=edge_weight, weight_index=weight_index
        )
        return out + self.bias

    def message(self, x_j, edge_weight, weight_index):
        per_edge = self.stacked[weight_index]  # [E, C, O]
        return edge_weight.view(-1, 1) * torch.bmm(x_j.unsqueeze(1), per_edge)[:, 0]


def naive_reference(conv, batch, num_joints):
    """The layer as a per-edge weight gather over the flat batch."""
    source, target = batch.edge_index
    is_self_loop = (source == target).long()
    node_type = batch.node_type
    if isinstance(conv, FullShareConv):
        stacked, index = conv.weight, torch.zeros_like(source)
    elif isinstance(conv, PreAggConv):
        stacked, index = conv.weight, node_type[source]
    elif isinstance(conv, PostAggConv):
        stacked, index = conv.weight, node_type[target]
    elif isinstance(conv, ConvStyleConv):
        stacked, index = conv.weight, batch.displacement
    else:
        stacked, index = conv.weight, batch.edge_type
    if conv.self_weight is not None:
        stacked = torch.cat([stacked, conv.self_weight])
        index = torch.where(is_self_loop.bool(), conv.weight.size(0) + index, index)
    layer = PerEdgeWeightConv(stacked, conv.bias)
    return lambda x: layer(x, batch.edge_index, batch.edge_weight, index)


# Timing --------------------------------------------------------------------------


def step_timer(forward, x, parameters):
    """A timer of one forward+backward step."""
    grad = torch.randn_like(forward(x))

    def step():
        for tensor in parameters:
            tensor.grad = None
        forward(x).backward(grad)

    return benchmark.Timer(
        "step()", globals={"step": step}, num_threads=torch.get_num_threads()
    )


def sgemm_timer(size):
    a, b = torch.randn(size, size), torch.randn(size, size)
    return benchmark.Timer(
        "a @ b", globals={"a": a, "b": b}, num_threads=torch.get_num_threads()
    )


def best_times(timers, rounds, min_run_time):
    """Seconds per call of each timer: the timers take turns for several
    rounds and each keeps its best round median, so that a burst of load
    from elsewhere on the machine hits every formulation alike and is
    discarded."""
    best = {name: float("inf") for name in timers}
    for _ in range(rounds):
        for name, timer in timers.items():
            median = timer.blocked_autorange(min_run_time=min_run_time).median
            best[name] = min(best[name], median)
    return best


def num_products(conv, num_joints, num_edges):
    """The matrix products a layer needs per pose: one per (node, matrix)
    pair (per edge for no-sharing)."""
    if isinstance(conv, NoShareConv):
        return num_edges
    if isinstance(conv, ConvStyleConv):
        return 3 * num_joints
    return num_joints * (2 if conv.self_weight is not None else 1)


def products_only(conv, batch_size, num_products):
    """The layer's matrix products alone, as one batched product: what any
    formulation of the layer must at least compute."""
    rows = torch.randn(num_products, batch_size, conv.in_channels, requires_grad=True)
    weight = torch.randn(num_products, conv.in_channels, conv.out_channels)
    weight.requires_grad_()
    return lambda x: torch.bmm(rows, weight), [rows, weight]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--num-joints", type=int, default=16, choices=(16, 17))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--min-run-time", type=float, default=0.3)
    parser.add_argument("--sgemm-size", type=int, default=2048)
    parser.add_argument("--schemes", nargs="+", choices=list(SCHEMES), default=None)
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    skeleton = h36m_skeleton(args.num_joints)
    graph = skeleton.to_data()
    batch = Batch.from_data_list([graph] * args.batch_size)
    x = torch.randn(args.batch_size, args.num_joints, args.channels)
    x.requires_grad_()
    x_flat = x.detach().view(-1, args.channels).requires_grad_()
    sgemm = sgemm_timer(args.sgemm_size)

    print(
        f"one layer, forward+backward, B={args.batch_size}, J={args.num_joints}, "
        f"C={args.channels}, float32, {torch.get_num_threads()} threads"
    )
    header = (
        f"{'scheme':<22}{'vs dense':>10}{'(bound)':>9}{'vs naive':>10}"
        f"{'of SGEMM':>10}{'flat/static':>13}"
    )
    print(header)
    print("-" * len(header))
    rows = {}
    for name in args.schemes or SCHEMES:
        conv_class, options = SCHEMES[name]
        conv = build(conv_class, options, args.channels, skeleton)
        parameters = [x, x_flat, *conv.parameters()]

        def ours(x, conv=conv):
            return conv(
                x,
                graph.edge_index,
                graph.edge_weight,
                **typed_kwargs(conv, graph, False),
            )

        def ours_flat(x, conv=conv):
            return conv(
                x,
                batch.edge_index,
                batch.edge_weight,
                **typed_kwargs(conv, batch, True),
            )

        dense = dense_reference(conv, graph, args.num_joints)
        naive = naive_reference(conv, batch, args.num_joints)
        with torch.no_grad():
            expected = ours(x)
            torch.testing.assert_close(dense(x), expected, atol=1e-4, rtol=1e-4)
            torch.testing.assert_close(
                naive(x_flat).view_as(expected), expected, atol=1e-4, rtol=1e-4
            )
            torch.testing.assert_close(
                ours_flat(x_flat).view_as(expected), expected, atol=1e-4, rtol=1e-4
            )

        products = num_products(conv, args.num_joints, graph.num_edges)
        gemm, gemm_inputs = products_only(conv, args.batch_size, products)
        timers = {
            "ours": step_timer(ours, x, parameters),
            "dense": step_timer(dense, x, parameters),
            "flat": step_timer(ours_flat, x_flat, parameters),
            "products": step_timer(gemm, None, gemm_inputs),
            "sgemm": sgemm,
        }
        t = best_times(timers, args.rounds, args.min_run_time)
        # Two orders of magnitude slower: two single steps are enough.
        naive_timer = {"naive": step_timer(naive, x_flat, parameters)}
        t.update(best_times(naive_timer, 2, 0.0))
        flops = (
            3 * 2 * args.batch_size * conv.in_channels * conv.out_channels * products
        )
        sgemm_rate = 2 * args.sgemm_size**3 / t["sgemm"]
        rows[name] = {
            "vs_dense": t["dense"] / t["ours"],
            "dense_bound": t["dense"] / t["products"],
            "vs_naive": t["naive"] / t["ours"],
            "of_sgemm": flops / t["ours"] / sgemm_rate,
            "flat_over_static": t["flat"] / t["ours"],
        }
        row = rows[name]
        print(
            f"{name:<22}{row['vs_dense']:>9.2f}x{row['dense_bound']:>8.2f}x"
            f"{row['vs_naive']:>9.0f}x"
            f"{row['of_sgemm']:>10.0%}{row['flat_over_static']:>12.2f}x"
        )
    print(
        "\nvs dense / vs naive: speed-up of the layer (static layout) over the "
        "dense formulation of the published code / the per-edge weight gather. "
        "(bound): dense time over the time of the layer's matrix products "
        "alone, the most any formulation computing them can gain over dense. "
        "of SGEMM: the layer's useful FLOP rate over this machine's "
        f"{args.sgemm_size}^3 SGEMM rate. flat/static: time on the flat PyG "
        "batch over time on the static batch."
    )
    return rows


if __name__ == "__main__":
    main()
