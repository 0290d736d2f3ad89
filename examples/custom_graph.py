"""PreAggConv and NoShareConv on a graph that is not a skeleton, in an
ordinary PyTorch Geometric DataLoader pipeline.

Each graph is a 3x3 grid of sensors (nodes) whose readings must be smoothed
into a per-node target. Every sensor has its own type (pre-aggregation learns
one matrix per sensor) and every ordered pair of neighbours its own edge type
(no-sharing). Run: python examples/custom_graph.py
"""

import torch
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader
from torch_geometric.nn import global_mean_pool
from torch_geometric.utils import add_self_loops, grid

from pyg_weightshare import NoShareConv, PreAggConv

torch.manual_seed(0)
edge_index, _ = grid(3, 3)  # 9 nodes, both directions of every grid edge
edge_index, _ = add_self_loops(edge_index, num_nodes=9)  # â_ii: the node itself
num_nodes, num_edges = 9, edge_index.size(1)


def make_graph() -> Data:
    x = torch.randn(num_nodes, 4)
    # The target: a fixed, node-dependent mix of each node's neighbourhood.
    target = torch.zeros(num_nodes, 1)
    target.index_add_(
        0, edge_index[1], x[edge_index[0], :1] * (1 + edge_index[0:1].T % 3)
    )
    return Data(
        x=x,
        y=target,
        edge_index=edge_index,
        node_type=torch.arange(num_nodes),  # type ids are not offset by batching
        edge_type=torch.arange(num_edges),
    )


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pre = PreAggConv(4, 32, num_node_types=num_nodes)
        self.no_share = NoShareConv(32, 1, num_edge_types=num_edges)

    def forward(self, data: Data) -> torch.Tensor:
        # edge_weight omitted: 1/sqrt(d_i d_j) of the graph as given (Eq. 2).
        h = self.pre(data.x, data.edge_index, node_type=data.node_type).relu()
        return self.no_share(h, data.edge_index, edge_type=data.edge_type)


loader = DataLoader([make_graph() for _ in range(512)], batch_size=32, shuffle=True)
model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(1, 21):
    for batch in loader:
        loss = torch.nn.functional.mse_loss(model(batch), batch.y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d}: loss {loss.item():.4f}")

batch = next(iter(loader))
graph_mean = global_mean_pool(model(batch), batch.batch)  # ordinary PyG from here on
print(f"per-graph mean prediction of the first batch: {graph_mean.shape}")
