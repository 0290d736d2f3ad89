"""Forward+backward speed of every weight-sharing layer, as ratios.

For each of the eight variants, one layer on the static layout (B poses of
the 16-joint Human3.6M skeleton, C channels in and out, float32) is timed
against, in the same run:

* the dense formulation of the published code: separate ``einsum``/``matmul``
  transforms on ``[B, J, C]`` and masked ``J x J`` adjacency products (for
  no-sharing, a dense ``J x J`` grid of matrices);
* the formulation of pyg-weightshare 0.1 (``legacy_static.py``);
* the naive ``MessagePassing`` formulation that gathers a weight matrix per
  edge (``W[type][edge]``) and multiplies with ``bmm``;
* the same layer on the flat PyG batch of the same poses;
* the machine's own SGEMM rate (useful FLOPs of the layer per second, as a
  fraction of a large square ``torch.mm``).

Then, with ``--large-graph``, the flat layout on a large random graph (by
default 100k nodes of 16 unevenly used types, average in-degree 8) against
PyTorch Geometric's own building blocks doing the same products:
``HeteroLinear`` with a ``GCNConv``-style propagate for full, pre- and
post-aggregation, ``RGCNConv`` and ``FastRGCNConv`` for the edge-typed
schemes, for which the layers run in both orders (per edge, and aggregate
first, whose slots are summed and transformed in groups, timed against one
group of all the slots); with each aggregation of the layers
(``automatic``, the default: sparse products on the CPU where they apply,
PyG's ``scatter`` otherwise; ``scatter``; torch-scatter's ``segment_csr``),
and the peak memory of each formulation.

Every formulation is first checked to give the layer's output. Run:

    python benchmarks/bench_convs.py [--large-graph]
"""

import argparse
import os
import resource
from unittest import mock

import torch
import torch.utils.benchmark as benchmark
from torch import Tensor
from torch_geometric.data import Batch
from torch_geometric.nn import FastRGCNConv, HeteroLinear, MessagePassing, RGCNConv
from torch_geometric.utils import scatter

from pyg_weightshare import (
    ConvStyleConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    backend,
    h36m_skeleton,
)
from pyg_weightshare.nn.conv import WeightShareConv, edge_typed_conv
from pyg_weightshare.nn.conv.edge_typed_conv import EdgeTypedConv
from pyg_weightshare.nn.schemes import SCHEMES as REGISTRY
from pyg_weightshare.nn.schemes import typed_inputs

# The eight variants: (scheme, decouple).
SCHEMES = {
    "full": ("full", False),
    "full (decoupled)": ("full", True),
    "pre-agg": ("pre_agg", False),
    "pre-agg (decoupled)": ("pre_agg", True),
    "post-agg": ("post_agg", False),
    "post-agg (decoupled)": ("post_agg", True),
    "conv-style": ("conv_style", True),
    "no-sharing": ("no_sharing", True),
}


def build(variant, in_channels, out_channels, num_node_types, num_edge_types):
    scheme, decouple = SCHEMES[variant]
    return REGISTRY[scheme].make_conv(
        in_channels, out_channels, num_node_types, num_edge_types, decouple
    )


def typed_kwargs(conv, graph, flat):
    return typed_inputs(conv, graph, static=not flat)


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


# The formulation of pyg-weightshare 0.1 ---------------------------------------
#
# Version 0.1 rebuilt a dense [S, J, J] operator per slot with index_put_ on
# every call, computed in node-major memory ([J, B, C], one mm with the J x J
# operator over all poses) and returned a transposed view; decoupled
# self-loops were a separate node-major term.


def legacy_static(conv: WeightShareConv, graph):
    """The layer as version 0.1 computed it on a static batch ``[B, J, C]``,
    from the layer's own parameters."""
    source, target = graph.edge_index
    edge_weight = graph.edge_weight
    weight, self_weight, bias = conv.weight, conv.self_weight, conv.bias
    index = conv.weight_index

    def operators(weights: Tensor, slot: Tensor, num_slots: int, num_nodes: int):
        empty = weights.new_zeros(num_slots, num_nodes, num_nodes)
        return empty.index_put_((slot, target, source), weights, accumulate=True)

    def per_node(matrices: Tensor, num_nodes: int) -> Tensor:
        if matrices.size(0) == 1:
            return matrices.expand(num_nodes, -1, -1)
        return matrices

    def forward(x: Tensor) -> Tensor:
        batch_size, num_nodes, channels = x.shape
        node_major = x.transpose(0, 1)
        weights, term = edge_weight, None
        if self_weight is not None:  # the decoupled self-loops, node-major
            self_loops = edge_weight * (source == target)
            diagonal = x.new_zeros(num_nodes).index_add_(0, target, self_loops)
            scaled = diagonal.view(-1, 1, 1) * per_node(self_weight, num_nodes)
            term = torch.bmm(node_major, scaled)
            weights = edge_weight - self_loops
        if index == "edge_type":
            gathered = node_major.index_select(0, source)
            transformed = torch.bmm(gathered, weight.index_select(0, graph.edge_type))
            incidence = x.new_zeros(num_nodes, source.numel()).index_put_(
                (target, torch.arange(source.numel())), weights
            )
            out = (incidence @ transformed.flatten(1)).view(num_nodes, batch_size, -1)
        elif index in ("shared", "source_node"):  # transform, then aggregate
            operator = operators(weights, torch.zeros_like(source), 1, num_nodes)[0]
            transformed = torch.bmm(node_major, per_node(weight, num_nodes))
            transformed = transformed.view(num_nodes, -1)
            if term is None:
                out = operator @ transformed
            else:
                out = torch.addmm(term.view(num_nodes, -1), operator, transformed)
            out = out.view(num_nodes, batch_size, -1)
        else:  # aggregate, then transform, slot by slot
            if index == "displacement":
                slot, slots = graph.displacement, list(weight.unsqueeze(1).unbind())
            else:
                slot, slots = torch.zeros_like(source), [weight]
            flat = node_major.reshape(num_nodes, -1)
            out = term
            for operator, matrices in zip(
                operators(weights, slot, len(slots), num_nodes), slots, strict=True
            ):
                aggregated = (operator @ flat).view(num_nodes, -1, channels)
                matrices = per_node(matrices, num_nodes)
                if out is None:
                    out = torch.bmm(aggregated, matrices)
                else:
                    out = torch.baddbmm(out, aggregated, matrices)
        out = out.transpose(0, 1)
        return out if bias is None else out + bias

    return forward


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
    stacked, index = (
        conv.weight,
        {
            "shared": torch.zeros_like(source),
            "source_node": node_type[source],
            "target_node": node_type[target],
            "displacement": batch.displacement,
            "edge_type": batch.edge_type,
        }[conv.weight_index],
    )
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

    timer = benchmark.Timer(
        "step()", globals={"step": step}, num_threads=torch.get_num_threads()
    )
    timer.step = step  # for peak_memory_mib
    return timer


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


def static_table(args):
    """One layer on the static layout against every reference formulation."""
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
        f"{'scheme':<22}{'vs 0.1':>8}{'vs dense':>10}{'(bound)':>9}"
        f"{'vs naive':>10}{'of SGEMM':>10}{'flat/static':>13}"
    )
    print(header)
    print("-" * len(header))
    rows = {}
    for name in args.schemes or SCHEMES:
        conv = build(
            name,
            args.channels,
            args.channels,
            skeleton.num_joints,
            skeleton.num_edge_types,
        )
        conv.cached = True  # one skeleton for every batch, as in PoseGCN
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

        legacy = legacy_static(conv, graph)
        dense = dense_reference(conv, graph, args.num_joints)
        naive = naive_reference(conv, batch, args.num_joints)
        with torch.no_grad():
            expected = ours(x)
            for reference in (legacy, dense):
                torch.testing.assert_close(reference(x), expected, atol=1e-4, rtol=1e-4)
            for reference in (naive, ours_flat):
                torch.testing.assert_close(
                    reference(x_flat).view_as(expected), expected, atol=1e-4, rtol=1e-4
                )

        products = num_products(conv, args.num_joints, graph.num_edges)
        gemm, gemm_inputs = products_only(conv, args.batch_size, products)
        timers = {
            "ours": step_timer(ours, x, parameters),
            "legacy": step_timer(legacy, x, parameters),
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
            "vs_legacy": t["legacy"] / t["ours"],
            "vs_dense": t["dense"] / t["ours"],
            "dense_bound": t["dense"] / t["products"],
            "vs_naive": t["naive"] / t["ours"],
            "of_sgemm": flops / t["ours"] / sgemm_rate,
            "flat_over_static": t["flat"] / t["ours"],
        }
        row = rows[name]
        print(
            f"{name:<22}{row['vs_legacy']:>7.2f}x{row['vs_dense']:>9.2f}x"
            f"{row['dense_bound']:>8.2f}x{row['vs_naive']:>9.0f}x"
            f"{row['of_sgemm']:>10.0%}{row['flat_over_static']:>12.2f}x"
        )
    print(
        "\nvs 0.1 / vs dense / vs naive: speed-up of the layer (static layout) "
        "over the formulation of pyg-weightshare 0.1 / the dense formulation of "
        "the published code / the per-edge weight gather. (bound): dense time "
        "over the time of the layer's matrix products alone, the most any "
        "formulation computing them can gain over dense. of SGEMM: the layer's "
        f"useful FLOP rate over this machine's {args.sgemm_size}^3 SGEMM rate. "
        "flat/static: time on the flat PyG batch over time on the static batch."
    )
    return rows


# The large-graph flat layout against PyG's building blocks -------------------


class WeightedPropagate(MessagePassing):
    """``GCNConv``'s propagate: a weighted sum over the in-neighbours."""

    def __init__(self) -> None:
        super().__init__(aggr="add")

    def forward(self, x, edge_index, edge_weight):
        return self.propagate(edge_index, x=x, edge_weight=edge_weight)

    def message(self, x_j, edge_weight):
        return edge_weight.view(-1, 1) * x_j


def random_graph(num_nodes, num_types, degree, seed=0):
    """A random graph with self-loops, node types drawn with skewed
    frequencies (type t about twice as often as type t + 1, some types
    rare), in-degree ``degree`` plus the self-loop, and the typed attributes
    of the layers."""
    generator = torch.Generator().manual_seed(seed)
    frequency = 0.5 ** (torch.arange(num_types) / 3)
    node_type = torch.multinomial(frequency, num_nodes, True, generator=generator)
    target = torch.arange(num_nodes).repeat_interleave(degree)
    source = torch.randint(0, num_nodes, (target.numel(),), generator=generator)
    loops = torch.arange(num_nodes)
    edge_index = torch.stack([torch.cat([source, loops]), torch.cat([target, loops])])
    displacement = torch.randint(0, 3, (edge_index.size(1),), generator=generator)
    displacement[num_nodes * degree :] = 0  # self-loops
    edge_type = torch.randint(0, num_types, (edge_index.size(1),), generator=generator)
    edge_weight = torch.rand(edge_index.size(1), generator=generator)
    return node_type, edge_index, edge_weight, displacement, edge_type


def pyg_building_blocks(conv, node_type, edge_index, edge_weight, typed):
    """The same products from PyG's layers: ``HeteroLinear`` (typed node
    products) and a weighted propagate for full/pre/post; ``RGCNConv`` and
    ``FastRGCNConv`` (edge-typed products; unweighted sums, as they take no
    edge weights) for convolution-style and no-sharing."""
    num_types, in_channels, out_channels = conv.weight.shape
    propagate = WeightedPropagate()
    is_self_loop = edge_index[0] == edge_index[1]
    self_weight_of_node = scatter(
        edge_weight * is_self_loop, edge_index[1], 0, node_type.numel(), "sum"
    )
    neighbour_weight = edge_weight * ~is_self_loop

    def linear(weight):
        if weight.size(0) == 1:
            layer = torch.nn.Linear(in_channels, out_channels, bias=False)
            layer.weight.data = weight[0].t().contiguous()
            return lambda x: layer(x)
        layer = HeteroLinear(in_channels, out_channels, num_types, bias=False)
        layer.weight.data = weight.data
        return lambda x: layer(x, node_type)

    if conv.weight_index in ("shared", "source_node", "target_node"):
        transform = linear(conv.weight)
        self_transform = None if conv.self_weight is None else linear(conv.self_weight)
        weights = edge_weight if self_transform is None else neighbour_weight

        def forward(x):
            if conv.weight_index == "target_node":
                out = transform(propagate(x, edge_index, weights))
            else:
                out = propagate(transform(x), edge_index, weights)
            if self_transform is not None:
                out = out + self_weight_of_node.view(-1, 1) * self_transform(x)
            return out + conv.bias

        return {"HeteroLinear+propagate": forward}

    relation = typed[conv.typed_attribute]
    num_relations = conv.weight.size(0)
    layers = {}
    for name, layer_class in (("RGCNConv", RGCNConv), ("FastRGCNConv", FastRGCNConv)):
        layer = layer_class(
            in_channels, out_channels, num_relations, aggr="add", root_weight=False
        )
        layer.weight.data = conv.weight.data
        layer.bias.data = conv.bias.data
        layers[name] = lambda x, layer=layer: layer(x, edge_index, relation)
    return layers


def peak_memory_mib(step):
    """Peak resident memory of one forward+backward step, in MiB above the
    memory in use before it, measured in a forked process on one thread
    (OpenMP's thread pool does not survive a fork)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(reader)
        torch.set_num_threads(1)
        before = _resident_kib()
        step()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        os.write(writer, str((peak - before) / 1024).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        value = float(pipe.read() or "nan")
    os.waitpid(pid, 0)
    return value


def _resident_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def large_graph_table(args):
    """The flat layout on a large graph against PyG's building blocks; the
    edge-typed layers in both orders (per edge, the order of
    pyg-weightshare before aggregate-first; aggregate first, what the layer
    chooses on this graph)."""
    torch.manual_seed(0)
    node_type, edge_index, edge_weight, displacement, edge_type = random_graph(
        args.large_nodes, args.large_types, args.large_degree
    )
    typed = {
        "node_type": node_type,
        "displacement": displacement,
        "edge_type": edge_type,
    }
    counts = torch.bincount(node_type, minlength=args.large_types)
    channels = args.large_channels
    x = torch.randn(args.large_nodes, channels, requires_grad=True)
    print(
        f"\nflat layout, forward+backward: {args.large_nodes:,} nodes of "
        f"{args.large_types} types ({int(counts.max()):,} to {int(counts.min()):,} "
        f"nodes per type), {edge_index.size(1):,} edges, C={channels}"
    )
    # The aggregation of the layers: backend.use_segment_csr for each column.
    backends = {"automatic": None, "scatter": False}
    if backend.WITH_TORCH_SCATTER:
        backends["segment_csr"] = True
    header = (
        f"{'scheme':<22}{'order':<17}{'PyG layer':<24}"
        + "".join(f"{'vs PyG, ' + name:>22}" for name in backends)
        + f"{'peak MiB (ours / PyG)':>24}"
    )
    print(header)
    print("-" * len(header))
    rows = {}
    for name in args.schemes or SCHEMES:
        conv = build(name, channels, channels, args.large_types, args.large_types)
        torch.nn.init.normal_(conv.bias)
        kwargs = {}
        if conv.typed_attribute is not None:
            kwargs[conv.typed_attribute] = typed[conv.typed_attribute]
        references = pyg_building_blocks(
            conv, node_type, edge_index, edge_weight, typed
        )
        parameters = [x, *conv.parameters()]
        edge_typed = isinstance(conv, EdgeTypedConv)
        orders = ORDERS if edge_typed else {"": None}

        def ours(x, conv=conv, kwargs=kwargs, weight=edge_weight):
            return conv(x, edge_index, weight, **kwargs)

        with torch.no_grad():
            # RGCNConv and FastRGCNConv take no edge weights: compare with
            # unit weights.
            weight = torch.ones_like(edge_weight) if edge_typed else edge_weight
            for order in orders.values():
                if edge_typed:
                    conv.aggregate_first = order
                expected = ours(x, weight=weight)
                for reference in references.values():
                    torch.testing.assert_close(
                        reference(x), expected, atol=1e-3, rtol=1e-3
                    )
        timers = {}
        for order_name, order in orders.items():
            for backend_name, segment in backends.items():
                timers[order_name, backend_name] = step_timer(
                    _with_order_and_backend(ours, conv, order, segment),
                    x,
                    parameters,
                )
        if edge_typed:  # the default order, all the slots in one group
            timers["one group"] = step_timer(
                _in_one_group(_with_order_and_backend(ours, conv, True, None)),
                x,
                parameters,
            )
        for reference, forward in references.items():
            timers[reference] = step_timer(forward, x, parameters)
        t = best_times(timers, args.large_rounds, 0.0)
        memory = {key: peak_memory_mib(timer.step) for key, timer in timers.items()}
        for reference in references:
            row = rows[(name, reference)] = {}
            for order_name in orders:
                ratios = [t[reference] / t[order_name, b] for b in backends]
                for b, ratio in zip(backends, ratios, strict=True):
                    row[_column(order_name, b)] = ratio
                peak = memory[order_name, "automatic"]
                row[_column(order_name, "peak_mib")] = peak
                print(
                    f"{name:<22}{order_name:<17}{reference:<24}"
                    + "".join(f"{ratio:>21.2f}x" for ratio in ratios)
                    + f"{peak:>12.0f} / {memory[reference]:<9.0f}"
                )
            row["reference_peak_mib"] = memory[reference]
            if edge_typed:
                old, new = (t[order, "automatic"] for order in ORDERS)
                row["aggregate first over per edge"] = old / new
        if edge_typed:
            grouped = t["one group"] / new
            rows[(name, "RGCNConv")]["slot groups over one group"] = grouped
            print(f"{'':<22}aggregate first over per edge: {old / new:.2f}x")
            print(
                f"{'':<22}slots in groups of at most SLOT_GROUP_BYTES over one "
                f"group: {grouped:.2f}x"
            )
    print(
        "\nvs PyG: time of PyG's building blocks doing the same products over "
        "the layer's time, with the layer's default aggregation (automatic: "
        "sparse products where they apply), PyG's scatter or torch-scatter's "
        "segment_csr. order: for the edge-typed layers, each message "
        "transformed by its own matrix (per edge) or the messages summed per "
        "target and type, then transformed (aggregate first). RGCNConv and "
        "FastRGCNConv sum unweighted messages: the products and sums are the "
        "same, the edge weights are not applied. Peak MiB: resident memory of "
        "one step above the memory in use before it (the layer with its "
        "default aggregation / the PyG layer)."
    )
    return rows


# The two orders of the edge-typed layers: aggregate_first of EdgeTypedConv.
ORDERS = {"per edge": False, "aggregate first": True}


def _column(order, name):
    return f"{order}, {name}" if order else name


def _in_one_group(forward):
    def run(x):
        with mock.patch.object(edge_typed_conv, "SLOT_GROUP_BYTES", 2**62):
            return forward(x)

    return run


def _with_order_and_backend(forward, conv, aggregate_first, segment):
    def run(x):
        if aggregate_first is not None:
            conv.aggregate_first = aggregate_first
        with mock.patch.object(backend, "use_segment_csr", segment):
            return forward(x)

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--num-joints", type=int, default=16, choices=(16, 17))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--min-run-time", type=float, default=0.3)
    parser.add_argument("--sgemm-size", type=int, default=2048)
    parser.add_argument("--schemes", nargs="+", choices=list(SCHEMES), default=None)
    parser.add_argument(
        "--large-graph", action="store_true", help="also time the large flat graph"
    )
    parser.add_argument("--large-nodes", type=int, default=100_000)
    parser.add_argument("--large-types", type=int, default=16)
    parser.add_argument("--large-degree", type=int, default=8)
    parser.add_argument("--large-channels", type=int, default=32)
    parser.add_argument("--large-rounds", type=int, default=3)
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    rows = static_table(args)
    if args.large_graph:
        rows = {"static": rows, "large_graph": large_graph_table(args)}
    return rows


if __name__ == "__main__":
    main()
