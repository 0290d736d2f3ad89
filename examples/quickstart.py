"""The weight-sharing convolutions on the Human3.6M skeleton, in both layouts.

Run: python examples/quickstart.py
"""

import torch
from torch_geometric.data import Batch

from pyg_weightshare import (
    ConvStyleConv,
    FullShareConv,
    NoShareConv,
    PostAggConv,
    PreAggConv,
    h36m_skeleton,
)

skeleton = h36m_skeleton(16)
graph = skeleton.to_data()  # edge_index (self-loops included), edge_weight, types
print(skeleton, graph, sep="\n")

layers = {
    "full-sharing": (FullShareConv(2, 128), {}),
    "pre-aggregation": (PreAggConv(2, 128, num_node_types=16), {}),
    "post-aggregation": (PostAggConv(2, 128, num_node_types=16), {}),
    "convolution-style": (ConvStyleConv(2, 128), {"displacement": graph.displacement}),
    "no-sharing": (
        NoShareConv(2, 128, num_edge_types=skeleton.num_edge_types),
        {"edge_type": graph.edge_type},
    ),
}

poses = torch.randn(64, 16, 2)  # a static batch: [B, J, C]
batch = Batch.from_data_list([graph] * 64)  # the same poses as a flat PyG batch
for name, (conv, typed) in layers.items():
    static = conv(poses, graph.edge_index, graph.edge_weight, **typed)
    flat_typed = {key: batch[key] for key in typed}
    if isinstance(conv, PreAggConv | PostAggConv):
        flat_typed["node_type"] = batch.node_type
    flat = conv(poses.view(-1, 2), batch.edge_index, batch.edge_weight, **flat_typed)
    params = sum(p.numel() for p in conv.parameters())
    same = torch.allclose(flat.view_as(static), static, atol=1e-5)
    print(f"{name:<18} {conv}: {params:,} parameters, output {list(static.shape)}, "
          f"flat batch agrees: {same}")  # fmt: skip
