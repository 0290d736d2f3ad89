"""The names of the model's choices, in one torch-free module: the
weight-sharing schemes (which :mod:`pyg_weightshare.nn.schemes` maps to their
layers), the adjacencies and the initialisations. The configuration and the
command line read them from here without importing torch.

Example:
    >>> SCHEME_LABELS["pre_agg"]
    'Pre-agg'
    >>> [name for name in SCHEME_NAMES if name not in DECOUPLABLE_SCHEMES]
    ['conv_style', 'no_sharing']
"""

#: Each scheme's identifier (API and command line) and its name in the
#: paper's tables, in the order of the paper's Table 3.
SCHEME_LABELS: dict[str, str] = {
    "full": "Full-sharing",
    "conv_style": "Conv-style",
    "pre_agg": "Pre-agg",
    "post_agg": "Post-agg",
    "no_sharing": "No-sharing",
}
#: The scheme identifiers, in the order of the paper's Table 3.
SCHEME_NAMES: tuple[str, ...] = tuple(SCHEME_LABELS)
#: The schemes for which :obj:`decouple=False` is meaningful
#: (convolution-style and no-sharing decouple self-loops by definition).
DECOUPLABLE_SCHEMES: tuple[str, ...] = ("full", "pre_agg", "post_agg")
#: :class:`~pyg_weightshare.PoseGCN`'s adjacencies: symmetric or row
#: normalisation of the skeleton, or learnable edge weights.
ADJACENCIES: tuple[str, ...] = ("sym", "row", "learnable")
#: :class:`~pyg_weightshare.PoseGCN`'s initialisations of the typed weights.
INITS: tuple[str, ...] = ("xavier", "stacked")
