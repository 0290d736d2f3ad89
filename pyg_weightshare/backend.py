"""Which kernels the layers use, chosen as ``torch_geometric.backend``
chooses PyG's: each setting is :obj:`None` (choose automatically) unless set.

Example:
    >>> import pyg_weightshare.backend
    >>> pyg_weightshare.backend.use_segment_csr is None  # automatic
    True
"""

from __future__ import annotations

import torch
from torch_geometric.typing import WITH_TORCH_SCATTER

__all__ = ["WITH_TORCH_SCATTER", "segment_csr_enabled", "use_segment_csr"]

#: How the flat layout aggregates. :obj:`True` for
#: :obj:`torch_scatter.segment_csr` over the edges sorted by target (needs
#: torch-scatter, :data:`WITH_TORCH_SCATTER`), :obj:`False` for PyG's
#: scatter, :obj:`None` to choose automatically: a sparse matrix product
#: where a layer offers one (the edge-typed layers when they aggregate
#: first, see :class:`~pyg_weightshare.nn.conv.edge_typed_conv.EdgeTypedConv`),
#: PyG's scatter otherwise, which measured faster than segment_csr in
#: ``benchmarks/bench_convs.py --large-graph`` for every scheme (segment_csr
#: pays a sort of the edges per call and a slower backward pass; see the
#: performance guide). Read at every call.
use_segment_csr: bool | None = None


def segment_csr_enabled() -> bool:
    """Whether the layers aggregate with :obj:`torch_scatter.segment_csr`
    now: when :data:`use_segment_csr` is set, torch-scatter installed and
    the call not traced by :func:`torch.compile` (which cannot trace
    torch-scatter's kernels)."""
    if use_segment_csr and not WITH_TORCH_SCATTER:
        raise RuntimeError(
            "pyg_weightshare.backend.use_segment_csr is set but torch-scatter "
            "is not installed"
        )
    return bool(use_segment_csr) and not torch.compiler.is_compiling()
