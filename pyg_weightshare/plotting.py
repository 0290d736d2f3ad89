"""The colours every skeleton drawing of the package shares: left limbs
blue, right limbs red, the spine and head black (training figures, lifted
animations, docs/scripts/plot_synthetic_poses.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyg_weightshare.skeleton import Skeleton

LEFT_COLOR, RIGHT_COLOR, CENTER_COLOR = "tab:blue", "tab:red", "black"


def bone_colors(skeleton: Skeleton) -> list[str]:
    """The colour of each bone of :obj:`skeleton` (in the order of
    :obj:`skeleton.bones`): that of the side of its child joint.

    Example:
        >>> from pyg_weightshare import h36m_skeleton
        >>> bone_colors(h36m_skeleton(16))[:4]  # RHip, RKnee, RFoot, LHip
        ['tab:red', 'tab:red', 'tab:red', 'tab:blue']
    """
    return [
        LEFT_COLOR
        if child in skeleton.left
        else RIGHT_COLOR
        if child in skeleton.right
        else CENTER_COLOR
        for child, _ in skeleton.bones
    ]
