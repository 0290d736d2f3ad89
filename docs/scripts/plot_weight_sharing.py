"""Draws which edges share a weight matrix under each scheme, on the 16-joint
Human3.6M skeleton: every message j -> i is an arrow (self-loops are rings),
and arrows of the same colour are multiplied by the same matrix.

The colours come from the layers' own graph attributes
(:meth:`pyg_weightshare.Skeleton.to_data`): ``node_type`` of the source
(pre-aggregation) or the target (post-aggregation), ``displacement``
(convolution-style) and ``edge_type`` (no-sharing).

Usage::

    python docs/scripts/plot_weight_sharing.py [--out docs/images/weight_sharing.png]
"""

from __future__ import annotations

import argparse
import colorsys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch

from pyg_weightshare import h36m_skeleton

# A standing person seen from the front (the subject's right on the left).
POSITIONS = {
    "Hip": (0.0, 0.0),
    "RHip": (-0.7, -0.1),
    "RKnee": (-0.75, -1.35),
    "RFoot": (-0.8, -2.6),
    "LHip": (0.7, -0.1),
    "LKnee": (0.75, -1.35),
    "LFoot": (0.8, -2.6),
    "Spine": (0.0, 1.0),
    "Thorax": (0.0, 2.0),
    "Head": (0.0, 2.95),
    "LShoulder": (0.8, 1.9),
    "LElbow": (1.45, 1.0),
    "LWrist": (1.95, 0.15),
    "RShoulder": (-0.8, 1.9),
    "RElbow": (-1.45, 1.0),
    "RWrist": (-1.95, 0.15),
}


def palette(count: int, lightness: float = 0.5) -> list[tuple[float, float, float]]:
    """``count`` well separated hues (golden-angle steps)."""
    return [
        colorsys.hls_to_rgb((0.07 + 0.381966 * k) % 1.0, lightness, 0.75)
        for k in range(count)
    ]


def colour_of_edges(scheme: str, decouple: bool, graph) -> tuple[list, str]:
    """One colour per edge of ``graph`` and a caption of what the colours are."""
    source, target = graph.edge_index.tolist()
    is_self = [s == t for s, t in zip(source, target, strict=True)]
    joints = palette(graph.num_nodes)
    light = palette(graph.num_nodes, lightness=0.78)
    if scheme == "full":
        w, s = (0.2, 0.2, 0.2), (0.85, 0.33, 0.1)
        colours = [s if loop and decouple else w for loop in is_self]
        return colours, "W (grey)" + (", S (orange)" if decouple else "")
    if scheme in ("pre", "post"):
        owner = source if scheme == "pre" else target
        colours = [
            light[t] if loop and decouple else joints[owner[e]]
            for e, (loop, t) in enumerate(zip(is_self, target, strict=True))
        ]
        who = "source j" if scheme == "pre" else "target i"
        note = f"W per {who}"
        return colours, note + (", light: S per joint" if decouple else "")
    if scheme == "conv":
        classes = [(0.85, 0.33, 0.1), (0.1, 0.45, 0.8), (0.2, 0.6, 0.2)]
        colours = [classes[d] for d in graph.displacement.tolist()]
        return colours, "orange: self, blue: j farther,\ngreen: j closer to the Hip"
    colours = palette(int(graph.edge_type.max()) + 1)
    return [colours[t] for t in graph.edge_type.tolist()], "one W per edge (46)"


PANELS = [
    ("full", False, "Full-sharing  (1 matrix)"),
    ("pre", False, "Pre-aggregation  (16)"),
    ("post", False, "Post-aggregation  (16)"),
    ("conv", True, "Convolution-style  (3)"),
    ("full", True, "Full-sharing, decoupled  (2)"),
    ("pre", True, "Pre-aggregation, decoupled  (32)"),
    ("post", True, "Post-aggregation, decoupled  (32)"),
    ("none", True, "No-sharing  (46)"),
]


def draw(ax, graph, names, colours) -> None:
    xy = [POSITIONS[name] for name in names]
    source, target = graph.edge_index.tolist()
    for s, t, colour in zip(source, target, colours, strict=True):
        if s == t:
            x, y = xy[t]
            ax.add_patch(
                Circle((x - 0.17, y + 0.17), 0.15, fill=False, lw=2.2, ec=colour)
            )
            continue
        ax.add_patch(
            FancyArrowPatch(
                xy[s],
                xy[t],
                connectionstyle="arc3,rad=0.22",
                arrowstyle="-|>,head_length=5,head_width=3",
                lw=2.2,
                color=colour,
                shrinkA=7,
                shrinkB=7,
            )
        )
    xs, ys = zip(*xy, strict=True)
    ax.scatter(xs, ys, s=42, c="white", edgecolors="black", zorder=3, lw=1.2)
    ax.set_xlim(-2.45, 2.45)
    ax.set_ylim(-2.9, 3.3)
    ax.set_aspect("equal")
    ax.axis("off")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(__file__).resolve().parent.parent / "images" / "weight_sharing.png"
    parser.add_argument("--out", type=Path, default=default)
    args = parser.parse_args()

    skeleton = h36m_skeleton(16)
    graph = skeleton.to_data()
    fig, axes = plt.subplots(2, 4, figsize=(13, 10.4))
    for ax, (scheme, decouple, title) in zip(axes.flat, PANELS, strict=True):
        colours, note = colour_of_edges(scheme, decouple, graph)
        draw(ax, graph, skeleton.joint_names, colours)
        ax.set_title(f"{title}\n{note}", fontsize=10.5)
    fig.suptitle(
        "Which messages j → i share a weight matrix on the 16-joint skeleton "
        "(same colour = same matrix; rings are self-loops)",
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.97), h_pad=2.5)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
